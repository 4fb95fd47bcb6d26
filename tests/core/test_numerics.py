"""Numerical faults during training: the engine never raises, never warns, and says inf and NaN.

Where the stable forms promise finite numbers (log-sum-exp cross-entropy on softmax logits, the
softplus form of sigmoid + BCE, clipped logs), the numbers stay finite and exact; where training
really diverges, inf and NaN flow through every step, the formatted text and the cost history.

Every test runs with numpy warnings turned into errors: an overflow warning printed by the engine
would land on the terminal the app is drawing.
"""
from __future__ import annotations

import warnings
from typing import Iterator

import numpy as np
import pytest

from chainstep.core.activations import ACTIVATIONS
from chainstep.core.formatting import num, tensor
from chainstep.core.losses import EPS, LOSSES
from chainstep.core.network import Model, run_iteration
from chainstep.core.scenario import Part, load_text
from chainstep.core.summary import block_mean, stats
from chainstep.core.trace import Trace


@pytest.fixture(autouse=True)
def _warnings_are_errors() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):   # outside the engine's own errstate too
            yield


def part_of(text: str) -> Part:
    return load_text(text, "numerics.yaml").parts[0]


def walk(trace: Trace, iterations: range) -> None:
    """Build every step of these iterations, formulas and text included."""
    for i in iterations:
        for k in range(trace.n_steps):
            step = trace.step(i, k)
            assert step.substituted and "nan" not in step.substituted.replace("NaN", "")


# A 1-2-1 tanh/linear regression with L2 whose learning rate is far too large: the error grows by
# a large factor every iteration, overflows to inf around iteration 87, then inf − inf gives NaN.
DIVERGING = """
network: {inputs: 1, layers: [{units: 2, activation: tanh}, {units: 1, activation: linear}]}
data: {x: [[1, 2, 3, 4]], y: [[2, 4, 6, 8]]}
loss: mse
l2: 0.1
optimizer: {lr: 10}
iterations: 300
"""


@pytest.fixture(scope="module")
def diverged() -> Trace:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trace = part_of(DIVERGING).trace
        walk(trace, range(trace.iterations))
    return trace


def test_too_large_a_learning_rate_goes_to_inf_then_nan_without_raising(diverged: Trace) -> None:
    costs = diverged.cost_history()
    assert costs.shape == (300,)
    assert np.isfinite(costs[0]) and costs[1] > costs[0]
    first_bad = int(np.argmax(~np.isfinite(costs)))
    assert 10 < first_bad < 299
    assert np.isinf(costs[first_bad])
    assert np.isnan(costs[-1])
    assert np.all(np.isfinite(costs[:first_bad]))
    assert not np.any(np.isfinite(costs[first_bad:]))   # once gone, it stays gone


def test_substituted_text_says_inf_and_nan(diverged: Trace) -> None:
    costs = diverged.cost_history()
    first_bad = int(np.argmax(~np.isfinite(costs)))
    loss = diverged.step(first_bad, "loss.L")
    assert loss.substituted.endswith("= inf") and not loss.finite
    assert diverged.step(first_bad, "loss.cost").substituted.endswith("= inf")
    last = diverged.step(299, "loss.L")
    assert last.substituted.endswith("= NaN") and "[NaN, NaN, NaN, NaN]" in last.substituted
    upd = diverged.step(299, "update.W2")
    assert upd.substituted == "W₂' = [NaN, NaN] − 10·[NaN, NaN] = [NaN, NaN]"
    assert not upd.finite and np.all(np.isnan(upd.result.value))
    assert diverged.step(0, "loss.L").finite


def test_jumping_into_a_diverged_run_gives_the_same_numbers(diverged: Trace) -> None:
    """A fresh trace asked for iteration 250 directly matches the one walked step by step."""
    fresh = part_of(DIVERGING).new_trace(checkpoint_every=7)
    for name in ("W1", "b1", "W2", "b2"):
        a, b = fresh.params_at(250)[name], diverged.params_at(250)[name]
        np.testing.assert_array_equal(a, b)   # NaN in the same places counts as equal
    grads = fresh.known_gradients(250, fresh.n_steps - 1)
    assert set(grads) == {"W1", "b1", "W2", "b2"} and all(np.all(np.isnan(g)) for g in grads.values())


def test_cost_history_holds_inf_and_nan_and_not_yet_computed() -> None:
    trace = part_of(DIVERGING).trace
    trace.record(120)
    costs = trace.cost_history()
    assert np.isinf(costs).any() and np.isnan(costs[121:]).all()
    costs[:] = 0   # a copy: the chart may scribble on it
    assert np.isinf(trace.cost_history()).any()


def test_overflowing_weights_in_the_file_run_and_show_inf() -> None:
    """Finite weights near the float limit overflow in the first weighted sum."""
    trace = part_of("""
network: {inputs: 2, layers: [{units: 1, activation: sigmoid}]}
params: {W1: [[1e308, 1e308]], b1: [-1e308]}
data: {x: [[1, -1], [1, 1]], y: [[1, 0]]}
loss: bce
""").trace
    walk(trace, range(1))
    u = trace.step(0, "forward.1.u")
    assert u.result.value[0, 0] == np.inf and "inf" in u.substituted
    assert trace.step(0, "forward.1.a").result.value[0, 0] == 1.0   # σ(inf) = 1, not NaN


# --- stable forms -------------------------------------------------------------------------------

def softmax_ce(logits: list[float], target: list[float]) -> Trace:
    """A linear layer that reproduces `logits` exactly (W = 0, b = logits) into softmax + CE."""
    n = len(logits)
    rows = ", ".join(["[0]"] * n)
    return part_of(f"""
network: {{inputs: 1, layers: [{{units: {n}, activation: softmax}}]}}
params: {{W1: [{rows}], b1: {logits}}}
data: {{x: [[1]], y: {[[t] for t in target]}}}
loss: cross_entropy
optimizer: {{lr: 0.1}}
""").trace


def test_softmax_cross_entropy_with_huge_logits_is_finite_and_exact() -> None:
    trace = softmax_ce([1000.0, -1000.0], [0.0, 1.0])
    rec = trace.record(0)
    # −log softmax(u)_2 = log(e^1000 + e^−1000) + 1000 = 2000 (the e^−2000 is below double precision)
    assert rec.loss == 2000.0
    np.testing.assert_array_equal(rec.yhat[:, 0], [1.0, 0.0])
    g = rec.grads[0]
    np.testing.assert_array_equal(g.delta[:, 0], [1.0, -1.0])   # δ = ŷ − y exactly
    assert np.all(np.isfinite(g.dW)) and np.all(np.isfinite(g.db))
    # ∂L/∂ŷ = −y/ŷ divides by a clipped ŷ: large but finite, as documented in losses.py
    assert np.all(np.isfinite(rec.dyhat)) and rec.dyhat[1, 0] == -1.0 / EPS
    walk(trace, range(1))
    assert trace.step(0, "loss.L").substituted.endswith("= 2000")


def test_softmax_cross_entropy_right_class_huge_logit_has_zero_loss() -> None:
    rec = softmax_ce([1000.0, -1000.0, 0.0], [1.0, 0.0, 0.0]).record(0)
    assert rec.loss == 0.0 and np.all(np.isfinite(rec.grads[0].delta))


@pytest.mark.parametrize("u,y,loss", [(800.0, 0.0, 800.0), (-800.0, 1.0, 800.0), (800.0, 1.0, 0.0),
                                      (-800.0, 0.0, 0.0)])
def test_saturated_sigmoid_with_bce_is_finite(u: float, y: float, loss: float) -> None:
    """softplus(u) − y·u: a confidently wrong output costs |u|, not log(0)."""
    trace = part_of(f"""
network: {{inputs: 1, layers: [{{units: 1, activation: sigmoid}}]}}
params: {{W1: [[0]], b1: [{u}]}}
data: {{x: [[1]], y: [[{y}]]}}
loss: bce
""").trace
    rec = trace.record(0)
    assert rec.loss == loss
    assert rec.grads[0].delta[0, 0] == rec.yhat[0, 0] - y   # exact fused form, never 0·∞
    assert abs(rec.grads[0].delta[0, 0]) in (0.0, 1.0)
    assert np.all(np.isfinite(rec.dyhat))
    walk(trace, range(1))


def test_log_of_zero_in_cross_entropy_is_clipped() -> None:
    """A single non-softmax output at 0 (or below) with target 1: −log(max(ŷ, ε)), finite."""
    trace = part_of("""
network: {inputs: 1, layers: [{units: 1, activation: relu}]}
params: {W1: [[-1]], b1: [0]}
data: {x: [[2]], y: [[1]]}
loss: cross_entropy
""").trace
    rec = trace.record(0)
    assert rec.yhat[0, 0] == 0.0
    assert rec.loss == pytest.approx(-np.log(EPS)) and np.isfinite(rec.loss)
    assert rec.dyhat[0, 0] == -1.0 / EPS
    walk(trace, range(1))


def test_bce_without_logits_clips_both_ends() -> None:
    bce = LOSSES["bce"]
    yhat = np.array([[0.0, 1.0, 0.0, 1.0]])
    y = np.array([[1.0, 0.0, 0.0, 1.0]])
    terms = bce.elementwise(yhat, y)
    assert np.all(np.isfinite(terms)) and terms[0, 0] == pytest.approx(-np.log(EPS))
    assert np.all(np.isfinite(bce.derivative(yhat, y)))


def test_softmax_and_sigmoid_of_extreme_inputs() -> None:
    """The shifted softmax and the tanh form of σ: exact 0s and 1s, never NaN (the engine calls
    them inside its own errstate, where −1e308 − 1e308 may overflow to −inf on the way to e^−inf = 0)."""
    u = np.array([[1e308, -1e308, 0.0], [-1e308, 1e308, 0.0]])
    with np.errstate(over="ignore"):
        s = ACTIVATIONS["softmax"].forward(u)
    np.testing.assert_array_equal(s, [[1.0, 0.0, 0.5], [0.0, 1.0, 0.5]])
    s = ACTIVATIONS["softmax"].forward(np.array([[1000.0, -1000.0], [-1000.0, 1000.0]]))
    np.testing.assert_array_equal(s, [[1.0, 0.0], [0.0, 1.0]])
    sig = ACTIVATIONS["sigmoid"].forward(np.array([[-1e308, -800.0, 800.0, 1e308]]))
    np.testing.assert_array_equal(sig, [[0.0, 0.0, 1.0, 1.0]])


def test_saturated_sigmoid_with_mse_vanishes_instead_of_nan() -> None:
    trace = part_of("""
network: {inputs: 1, layers: [{units: 1, activation: sigmoid}]}
params: {W1: [[0]], b1: [800]}
data: {x: [[1]], y: [[0]]}
loss: mse
""").trace
    rec = trace.record(0)
    assert rec.grads[0].da_du[0, 0] == 0.0 and rec.grads[0].delta[0, 0] == 0.0
    assert np.all(np.isfinite(rec.new_params["b1"]))


def test_nan_and_inf_inputs_propagate_through_run_iteration() -> None:
    """The engine itself (not the loader) is handed NaN and inf: every field is filled, none raises."""
    model = Model((2, 3, 2), (ACTIVATIONS["relu"], ACTIVATIONS["softmax"]), LOSSES["cross_entropy"], lr=0.1, l2=0.01)
    params = {"W1": np.array([[np.inf, 0.0], [np.nan, 1.0], [1.0, -np.inf]]), "b1": np.zeros((3, 1)),
              "W2": np.ones((2, 3)), "b2": np.zeros((2, 1))}
    x, y = np.array([[1.0, -1.0], [2.0, 0.5]]), np.array([[1.0, 0.0], [0.0, 1.0]])
    rec = run_iteration(model, params, x, y)
    assert not np.isfinite(rec.cost)
    assert all(g.dW.shape == params[f"W{l + 1}"].shape for l, g in enumerate(rec.grads))
    assert np.isnan(model.cost(params, x, y))


# --- formatting and summaries of non-finite values ------------------------------------------------

def test_number_formatting_of_non_finite_values() -> None:
    assert (num(np.inf), num(-np.inf), num(np.nan), num(-0.0), num(1e308 * 10)) == ("inf", "−inf", "NaN", "0", "inf")
    assert tensor(np.array([[np.inf, -np.inf], [np.nan, 1.0]])) == "[inf, −inf; NaN, 1]"
    assert tensor(np.array([[np.nan]])) == "NaN"


def test_summaries_count_non_finite_entries() -> None:
    a = np.array([[1.0, np.inf], [np.nan, -2.0], [1e308, 1e308]])
    s = stats(a)
    assert (s.nonfinite, s.size, s.min, s.max) == (2, 6, -2.0, 1e308)
    assert s.norm == np.inf   # overflowed honestly, without a warning
    all_bad = stats(np.array([np.nan, np.inf]))
    assert all_bad.nonfinite == 2 and np.isnan(all_bad.mean)
    grid = block_mean(np.array([[1.0, 2.0, np.inf, 4.0]] * 2), 1, 2)
    assert np.isfinite(grid[0, 0]) and not np.isfinite(grid[0, 1])


def test_gradient_check_of_a_diverged_run_does_not_raise(diverged: Trace) -> None:
    from chainstep.core.gradcheck import check_step, gradient_step_ids

    for sid in gradient_step_ids(diverged):
        check_step(diverged, 299, sid, limit=4)   # the verdict on NaN does not matter; no exception does
