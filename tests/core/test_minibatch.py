"""Seed 002's claim: the mean of per-sample gradients is the gradient of the mean loss."""
import numpy as np
import pytest

from chainstep.core.activations import ACTIVATIONS
from chainstep.core.data import generate, init_params
from chainstep.core.losses import LOSSES
from chainstep.core.minibatch import compare
from chainstep.core.network import Model


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("loss,out", [("mse", "linear"), ("cross_entropy", "softmax"), ("bce", "sigmoid")])
def test_combined_per_sample_gradients_equal_batch_gradient(reduction, loss, out) -> None:
    model = Model((5, 4, 3), (ACTIVATIONS["tanh"], ACTIVATIONS[out]), LOSSES[loss], reduction)
    x, _ = generate("random", samples=32, inputs=5, outputs=3, seed=1)
    y = np.eye(3)[:, np.arange(32) % 3]
    cmp = compare(model, init_params(model.sizes, "xavier", 0), x, y)
    assert cmp.max_difference < 1e-12
    assert cmp.per_sample_values == 32 * cmp.batch_values
    assert len(cmp.per_sample) == 32


def test_per_sample_gradients_differ_from_each_other() -> None:
    """The comparison is not vacuous: the individual gradients really disagree."""
    model = Model((5, 3), (ACTIVATIONS["linear"],), LOSSES["mse"])
    x, y = generate("random", samples=8, inputs=5, outputs=3, seed=2)
    cmp = compare(model, init_params(model.sizes, "normal", 0), x, y)
    spread = np.std([g["W1"] for g in cmp.per_sample], axis=0)
    assert np.max(spread) > 0.1
