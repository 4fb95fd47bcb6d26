"""Random networks with random data, for tests that check gradients on many shapes of network
(as numpy.testing serves numpy's own tests)."""
from __future__ import annotations

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES
from .network import Model
from .trace import Trace


def random_trace(sizes: tuple[int, ...], activations: list[str], loss: str, reduction: str = "mean",
                 l2: float = 0.0, seed: int = 0, samples: int = 5, iterations: int = 2) -> Trace:
    """A trace of a network with `sizes`, one activation per layer, normal weights and data.

    Targets suit the loss: one-hot columns for cross-entropy, 0/1 for BCE, normal otherwise.
    """
    rng = np.random.default_rng(seed)
    acts = tuple(ACTIVATIONS[a] for a in activations)
    model = Model(tuple(sizes), acts, LOSSES[loss], reduction, l2, 0.1)
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = rng.normal(size=(sizes[l], sizes[l - 1]))
        params[f"b{l}"] = rng.normal(size=(sizes[l], 1)) * 0.3
    x = rng.normal(size=(sizes[0], samples))
    if loss == "cross_entropy":
        y = np.eye(sizes[-1])[:, rng.integers(0, sizes[-1], samples)]
    elif loss == "bce":
        y = (rng.random((sizes[-1], samples)) > 0.5).astype(float)
    else:
        y = rng.normal(size=(sizes[-1], samples))
    return Trace(model, params, x, y, iterations)
