"""Huber loss, leaky ReLU, the plain objective and ∂L/∂x: finite differences, PyTorch, a hand example."""
from __future__ import annotations

import math

import numpy as np
import pytest

from chainstep.core.activations import ACTIVATIONS, leaky_relu
from chainstep.core.gradcheck import check_trace
from chainstep.core.losses import LOSSES, huber
from chainstep.core.network import Model
from chainstep.core.scenario import load_text
from chainstep.core.trace import Trace


def random_case(loss, hidden, seed: int, input_grad: bool = True, reduction: str = "mean") -> Trace:
    rng = np.random.default_rng(seed)
    sizes = (3, 5, 2)
    model = Model(sizes, (hidden, ACTIVATIONS["linear"]), loss, reduction, 0.02, 0.1, input_grad=input_grad)
    params = {}
    for l in (1, 2):
        params[f"W{l}"] = rng.normal(size=(sizes[l], sizes[l - 1]))
        params[f"b{l}"] = 0.5 * rng.normal(size=(sizes[l], 1))
    x = rng.normal(size=(3, 7))
    y = 2.0 * rng.normal(size=(2, 7))   # wide targets: some errors fall beyond δ, some within
    return Trace(model, params, x, y, 2)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("delta", [0.3, 1.0, 2.5])
def test_huber_and_leaky_relu_gradients_match_finite_differences(seed: int, delta: float) -> None:
    trace = random_case(huber(delta), leaky_relu(0.1), seed)
    rec = trace.record(0)
    err = np.abs(rec.yhat - rec.y)
    assert np.any(err > delta) or delta > 2   # both branches of the loss are exercised
    results = check_trace(trace, iterations=2, limit=50)
    ids = {r.step_id for r in results}
    assert {"backward.dyhat", "backward.1.da_du", "backward.1.da_prev", "backward.1.dW", "backward.2.db"} <= ids
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    assert sum(r.checked for r in results) > 100


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_plain_objective_gradients_match_finite_differences(reduction: str) -> None:
    trace = random_case(LOSSES["output"], ACTIVATIONS["tanh"], 4, reduction=reduction)
    rec = trace.record(0)
    n = 1 if reduction == "sum" else rec.yhat.size
    assert rec.loss == pytest.approx(float(np.sum(rec.yhat)) / n)
    assert np.all(rec.dyhat == 1.0 / n)
    results = check_trace(trace, iterations=1, limit=50)
    assert results and all(r.ok for r in results)


def test_leaky_relu_and_huber_by_hand() -> None:
    act = leaky_relu(0.2)
    u = np.array([[-2.0, -0.0, 0.0, 3.0]])
    assert act.forward(u).tolist() == [[-0.4, 0.0, 0.0, 3.0]]
    assert act.derivative(u, act.forward(u)).tolist() == [[0.2, 0.2, 0.2, 1.0]]   # u ≤ 0 takes the slope, as torch
    h = huber(0.5)
    p, y = np.array([[0.1, 2.0, -3.0]]), np.zeros((1, 3))
    # ½·0.1² inside δ; 0.5·(2 − 0.25) and 0.5·(3 − 0.25) outside it.
    np.testing.assert_allclose(h.elementwise(p, y), [[0.005, 0.875, 1.375]], atol=1e-15)
    assert h.derivative(p, y).tolist() == [[0.1, 0.5, -0.5]]


def test_input_gradient_step_is_optional() -> None:
    without = random_case(LOSSES["mse"], ACTIVATIONS["tanh"], 0, input_grad=False)
    assert "backward.1.da_prev" not in without.step_ids
    with_it = random_case(LOSSES["mse"], ACTIVATIONS["tanh"], 0)
    step = with_it.step(0, "backward.1.da_prev")
    assert step.result.name == "dL_dx" and step.result.label == "∂L/∂x"
    assert step.result.value.shape == with_it.x.shape


NEURON = """\
title: Gradient of one sigmoid neuron's output
network: {inputs: 2, layers: [{units: 1, activation: sigmoid}]}
params: {W1: [[2, -3]], b1: -3}
data: {x: [[-1], [-2]]}
loss: output
input_gradient: true
"""


def test_neuron_output_example_written_directly() -> None:
    """a = σ(w·x + b) at w = (2, −3), b = −3, x = (−1, −2): u = 1, so every gradient is σ'(1) times a number."""
    part = load_text(NEURON, "neuron.yaml").parts[0]
    trace = part.trace
    s = 1 / (1 + math.exp(-1))
    ds = s * (1 - s)   # σ'(1) ≈ 0.1966, by hand
    assert trace.step(0, "forward.1.a").result.value[0, 0] == pytest.approx(s, abs=1e-12)
    assert trace.step(0, "loss.L").result.value == pytest.approx(s, abs=1e-12)
    np.testing.assert_allclose(trace.step(0, "backward.1.dW").result.value, [[-1 * ds, -2 * ds]], atol=1e-12)
    np.testing.assert_allclose(trace.step(0, "backward.1.db").result.value, [[ds]], atol=1e-12)
    np.testing.assert_allclose(trace.step(0, "backward.1.da_prev").result.value, [[2 * ds], [-3 * ds]], atol=1e-12)
    names = [t.name for t in trace.step(0, "loss.L").inputs]
    assert "y" not in names and "error" not in names   # no target anywhere in the steps


def test_readme_carries_the_neuron_example() -> None:
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert NEURON in readme


torch = pytest.importorskip("torch")
F = torch.nn.functional


@pytest.mark.torch
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("loss_name", ["huber", "output"])
def test_new_loss_activation_and_input_gradient_match_autograd(seed: int, loss_name: str) -> None:
    delta, slope = 0.7, 0.05
    loss = huber(delta) if loss_name == "huber" else LOSSES["output"]
    trace = random_case(loss, leaky_relu(slope), seed, reduction="mean" if seed == 0 else "sum")
    model, rec = trace.model, trace.record(0)
    tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in rec.params.items()}
    tx = torch.tensor(trace.x, requires_grad=True)
    u1 = tp["W1"] @ tx + tp["b1"]
    yhat = tp["W2"] @ F.leaky_relu(u1, slope) + tp["b2"]
    if loss_name == "huber":
        L = F.huber_loss(yhat, torch.tensor(trace.y), delta=delta, reduction=model.reduction)
    else:
        L = yhat.sum() if model.reduction == "sum" else yhat.mean()
    C = L + 0.5 * model.l2 * ((tp["W1"] ** 2).sum() + (tp["W2"] ** 2).sum())
    C.backward()
    assert trace.step(0, "loss.L").result.value == pytest.approx(L.item(), rel=1e-12)
    for name in ("W1", "b1", "W2", "b2"):
        step = trace.step(0, f"backward.{name[1]}.d{name[0]}")
        np.testing.assert_allclose(step.result.value, tp[name].grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(trace.step(0, "backward.1.da_prev").result.value, tx.grad.numpy(), rtol=1e-10, atol=1e-13)
