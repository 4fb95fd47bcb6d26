"""The loss slice: its tangent has the trace's gradient as slope, which a finite difference confirms."""
from __future__ import annotations

import numpy as np
import pytest

from chainstep.core.batch_view import batch_view
from chainstep.core.gradcheck import check_step
from chainstep.core.landscape import cost_along, landscape
from chainstep.core.scenario import load_scenario


@pytest.mark.parametrize("scenario,part,param,index,iteration", [
    ("descent-and-the-chain-rule", 0, "W1", (0, 0), 0),
    ("descent-and-the-chain-rule", 3, "W1", (0, 0), 4),
    ("xor", 0, "W1", (1, 0), 7),
    ("xor", 0, "b2", (0, 0), 0),
    ("which-loss", 0, "W1", (0, 0), 0),
])
def test_tangent_slope_matches_a_finite_difference_of_the_curve(scenario, part, param, index, iteration) -> None:
    trace = load_scenario(scenario).parts[part].new_trace()
    ls = landscape(trace, iteration, param, index)
    h = 1e-6 * max(1.0, abs(ls.p0))
    plus, minus = cost_along(trace, iteration, param, index, np.array([ls.p0 + h, ls.p0 - h]))
    numeric = (plus - minus) / (2 * h)
    assert ls.slope == pytest.approx(numeric, rel=1e-5, abs=1e-9)
    # The tangent touches the curve at p0 and has that slope.
    at = np.argmin(np.abs(ls.xs - ls.p0))
    assert np.polyfit(ls.xs, ls.tangent, 1)[0] == pytest.approx(ls.slope, rel=1e-9, abs=1e-12)
    assert ls.c0 == pytest.approx(cost_along(trace, iteration, param, index, np.array([ls.p0]))[0])
    assert ls.tangent[at] == pytest.approx(ls.c0 + ls.slope * (ls.xs[at] - ls.p0))
    # The sampled range covers both the current value and the update point.
    assert ls.xs[0] <= min(ls.p0, ls.p_next) and ls.xs[-1] >= max(ls.p0, ls.p_next)


def test_update_point_is_the_sgd_step_of_seed_004() -> None:
    """One weight, target 0, L = w²: w' = w − η·2w."""
    trace = load_scenario("descent-and-the-chain-rule").parts[0].new_trace()
    ls = landscape(trace, 0, "W1")
    lr = trace.model.lr
    assert ls.slope == pytest.approx(2 * ls.p0)
    assert ls.p_next == pytest.approx(ls.p0 - lr * 2 * ls.p0)
    assert ls.p_next == pytest.approx(float(trace.record(0).new_params["W1"][0, 0]))
    assert ls.costs == pytest.approx(ls.xs ** 2)
    assert ls.c_next == pytest.approx(ls.p_next ** 2)


def test_frozen_parameter_does_not_move() -> None:
    trace = load_scenario("learning-rate-too-large").parts[0].new_trace()
    ls = landscape(trace, 0, "b1")
    assert ls.frozen and ls.p_next == ls.p0


def test_diverged_run_gives_non_finite_data_without_raising() -> None:
    trace = load_scenario("learning-rate-too-large").parts[0].new_trace()
    ls = landscape(trace, 1025, "W1")
    assert not ls.finite


def test_bad_choice_is_refused() -> None:
    trace = load_scenario("xor").parts[0].new_trace()
    with pytest.raises(KeyError):
        landscape(trace, 0, "W7")
    with pytest.raises(IndexError):
        landscape(trace, 0, "W1", (2, 0))


def test_gradcheck_elements_beside_the_analytic_values() -> None:
    trace = load_scenario("descent-and-the-chain-rule").parts[3].new_trace()
    r = check_step(trace, 0, "backward.1.dW")
    assert r.ok and len(r.elements) == 1
    [e] = r.elements
    assert e.analytic == float(trace.record(0).grads[0].dW[0, 0])
    assert e.numeric == pytest.approx(e.analytic, rel=1e-5)


def test_batch_view_per_sample_gradients_average_to_the_batch_gradient() -> None:
    trace = load_scenario("one-scalar-for-a-minibatch").parts[0].new_trace()
    bv = batch_view(trace, 0, "W1")
    assert bv.per_sample == (2.0, 8.0, 18.0, 32.0)   # 2x²W with W = 1, seed 002's hand example
    assert bv.combined == bv.batch == 15.0 and bv.equal
    assert (bv.batch_values, bv.per_sample_values) == (2, 8)
    big = load_scenario("one-scalar-for-a-minibatch").parts[1].new_trace()
    bv = batch_view(big, 3, "W2", (2, 1))
    assert bv.samples == 32 and len(bv.per_sample) == 32
    assert np.mean(bv.per_sample) == pytest.approx(bv.batch, rel=1e-12, abs=1e-15)
    assert bv.per_sample_values == 32 * bv.batch_values == 32 * 39
    assert np.std(bv.per_sample) > 0   # the samples really disagree
    assert bv.product_macs == 32 * (5 * 4 + 2 * 4 * 3)


def test_gradcheck_include_adds_a_chosen_element_to_the_sample() -> None:
    trace = load_scenario("xor").parts[0].new_trace()
    plain = check_step(trace, 0, "backward.1.dW", limit=1)
    [sampled] = [e.index for e in plain.elements]
    other = next(i for i in [(0, 0), (0, 1), (1, 0), (1, 1)] if i != sampled)
    r = check_step(trace, 0, "backward.1.dW", limit=1, include=(other,))
    assert sorted(e.index for e in r.elements) == sorted([sampled, other]) and r.ok
    assert check_step(trace, 0, "backward.1.dW", limit=1, include=((5, 5),)).elements == plain.elements
