"""Every chain-rule factor list multiplies out to the gradient its step shows, for random networks.

The product is formed here from each factor's `op` with plain numpy, independently of the engine;
the softmax Jacobian is built element by element, J = diag(a) − a·aᵀ per sample, and applied.
"""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chainstep.core.activations import ACTIVATIONS
from chainstep.core.losses import LOSSES
from chainstep.core.network import Model
from chainstep.core.optimizers import Optimizer
from chainstep.core.trace import Trace

HIDDEN = ("linear", "sigmoid", "tanh", "relu", "leaky_relu")
# Which output activation each loss may meet (the loader's pairing rules), and how its targets look.
OUTPUTS = {"mse": ("linear", "sigmoid", "tanh", "relu", "softmax"), "half_mse": ("linear", "softmax", "tanh"),
           "mae": ("linear", "sigmoid", "relu"), "bce": ("sigmoid",), "cross_entropy": ("softmax",),
           "huber": ("linear", "tanh", "leaky_relu"), "output": ("linear", "sigmoid", "softmax", "leaky_relu")}
# The backward steps that explain their result with factors; each must have a list.
EXPLAINED = ("delta", "dW", "db", "da_prev")


def softmax_jacobian_applied(a: np.ndarray, g: np.ndarray) -> np.ndarray:
    out = np.empty_like(g)
    for n in range(a.shape[1]):
        J = np.diag(a[:, n]) - np.outer(a[:, n], a[:, n])
        out[:, n] = J.T @ g[:, n]
    return out


def multiply_out(step, trace: Trace) -> np.ndarray:
    product = None
    for k, f in enumerate(step.factors):
        v = np.asarray(f.value, dtype=np.float64)
        assert (f.op == "") == (k == 0), f"{step.id}: only the first factor starts the product ({f.label})"
        if f.op == "":
            product = v
        elif f.op == "⊙":
            assert v.shape == product.shape, (step.id, f.label)
            product = product * v
        elif f.op == "·":
            product = product @ v
        elif f.op == "+":
            product = product + v
        elif f.op == "Jᵀ·":
            a = trace.step(step.iteration, f"forward.{step.layer}.a").result.value
            applied = softmax_jacobian_applied(a, product)
            np.testing.assert_allclose(v, applied, rtol=1e-9, atol=1e-13, err_msg=f"{step.id}: {f.label}")
            product = applied
        else:
            raise AssertionError(f"{step.id}: unknown op {f.op!r}")
    return product


@st.composite
def networks(draw):
    loss = draw(st.sampled_from(sorted(LOSSES)))
    out = draw(st.sampled_from(OUTPUTS[loss]))
    depth = draw(st.integers(1, 3))
    hidden = [draw(st.sampled_from(HIDDEN)) for _ in range(depth - 1)]
    inputs = draw(st.integers(1, 3))
    units = [draw(st.integers(1, 4)) for _ in range(depth - 1)]
    outputs = draw(st.integers(2, 4)) if out == "softmax" else draw(st.integers(1, 3))
    samples = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**16))
    l2 = draw(st.sampled_from([0.0, 0.1]))
    reduction = draw(st.sampled_from(["mean", "sum"]))
    optimizer = Optimizer(draw(st.sampled_from(["sgd", "momentum", "nesterov", "adam", "adamw"])), momentum=0.9,
                          weight_decay=0.01)
    input_grad = draw(st.booleans())
    rng = np.random.default_rng(seed)
    sizes = (inputs, *units, outputs)
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = rng.normal(0, 0.8, (sizes[l], sizes[l - 1]))
        params[f"b{l}"] = rng.normal(0, 0.3, (sizes[l], 1))
    x = rng.normal(0, 1, (inputs, samples))
    if loss == "cross_entropy":
        y = np.eye(outputs)[:, rng.integers(0, outputs, samples)]
    elif loss == "bce":
        y = rng.integers(0, 2, (outputs, samples)).astype(np.float64)
    else:
        y = rng.normal(0, 1, (outputs, samples))
    model = Model(sizes, tuple(ACTIVATIONS[a] for a in (*hidden, out)), LOSSES[loss], reduction, l2, lr=0.1,
                  optimizer=optimizer, input_grad=input_grad)
    return Trace(model, params, x, y, iterations=2)


@settings(max_examples=80, deadline=None)
@given(networks())
def test_every_factor_list_multiplies_out_to_its_step(trace: Trace) -> None:
    explained = 0
    for i in range(trace.iterations):
        for k in range(trace.n_steps):
            step = trace.step(i, k)
            if step.id.startswith("backward.") and step.id.split(".")[-1] in EXPLAINED:
                assert step.factors, f"{step.id} has no factor list"
            # An optimiser's state steps list what they are made from (sums, a quotient), not a product.
            if not step.factors or step.phase == "update":
                continue
            product = multiply_out(step, trace)
            result = step.result.value
            assert product.shape == result.shape, (step.id, product.shape, result.shape)
            scale = max(1.0, float(np.max(np.abs(result))))
            np.testing.assert_allclose(product, result, rtol=1e-9, atol=1e-12 * scale, err_msg=step.id)
            explained += 1
    assert explained >= 3 * trace.model.depth * trace.iterations


def test_softmax_weight_factors_name_the_jacobian() -> None:
    """Through softmax the middle factor is the Jacobian applied to ∂L/∂ŷ, and the step says so."""
    rng = np.random.default_rng(3)
    model = Model((2, 3), (ACTIVATIONS["softmax"],), LOSSES["mse"], "mean")
    trace = Trace(model, {"W1": rng.normal(size=(3, 2)), "b1": np.zeros((3, 1))}, rng.normal(size=(2, 4)),
                  rng.normal(size=(3, 4)), 1)
    step = trace.step(0, "backward.1.dW")
    assert [f.op for f in step.factors] == ["", "Jᵀ·", "·"]
    assert step.factors[1].label.startswith("(∂ŷ/∂u₁)ᵀ·∂L/∂ŷ")
    assert "(∂ŷ/∂u₁)ᵀ·∂L/∂ŷ" in step.formula
    assert "Jacobian" in trace.step(0, "backward.1.delta").formula
