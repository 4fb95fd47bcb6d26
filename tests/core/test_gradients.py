"""Every gradient step of the trace against central finite differences, for every loss, activation
and reduction the engine supports."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from chainstep.core.gradcheck import check_trace, gradient_step_ids
from chainstep.core.losses import LOSSES
from chainstep.core.testing import random_trace
from chainstep.core.trace import Trace

HIDDEN = ["linear", "sigmoid", "tanh", "relu", "softmax"]


def make_trace(hidden: str, out: str, loss: str, reduction: str, l2: float = 0.0, seed: int = 0,
               sizes=(3, 4, 2), samples: int = 5) -> Trace:
    acts = [hidden] * (len(sizes) - 2) + [out]
    return random_trace(tuple(sizes), acts, loss, reduction, l2, seed, samples, iterations=3)


def output_for(loss: str) -> list[str]:
    if loss == "bce":
        return ["sigmoid"]
    if loss == "cross_entropy":
        return ["softmax"]
    return ["linear", "sigmoid", "tanh", "relu", "softmax"]


CASES = [(h, o, loss, r) for loss in LOSSES for o in output_for(loss) for h in HIDDEN for r in ("mean", "sum")]


@pytest.mark.parametrize("hidden,out,loss,reduction", CASES)
def test_every_gradient_step_matches_finite_differences(hidden, out, loss, reduction) -> None:
    trace = make_trace(hidden, out, loss, reduction)
    results = check_trace(trace, iterations=2)
    assert {r.step_id for r in results} == set(gradient_step_ids(trace))
    bad = [(r.step_id, r.iteration, r.max_rel_error) for r in results if not r.ok]
    assert not bad
    assert sum(r.checked for r in results) > 0


@pytest.mark.parametrize("loss,out", [("mse", "tanh"), ("bce", "sigmoid"), ("cross_entropy", "softmax")])
def test_l2_cost_gradients(loss, out) -> None:
    trace = make_trace("sigmoid", out, loss, "mean", l2=0.3, sizes=(2, 3, 3, 3 if out == "softmax" else 2))
    results = check_trace(trace, iterations=2)
    assert all(r.ok for r in results)
    assert "loss.reg" in trace.step_ids and "loss.cost" in trace.step_ids


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), depth=st.integers(1, 4), width=st.integers(1, 5),
       samples=st.integers(1, 6), act=st.sampled_from(["sigmoid", "tanh", "relu", "linear"]))
def test_random_networks_match_finite_differences(seed, depth, width, samples, act) -> None:
    sizes = (3,) + (width,) * (depth - 1) + (2,)
    trace = make_trace(act, "linear", "mse", "mean", seed=seed, sizes=sizes, samples=samples)
    assert all(r.ok for r in check_trace(trace, iterations=1))


def test_gradcheck_detects_a_wrong_gradient() -> None:
    """The checker must be able to fail: corrupt one gradient and it has to notice."""
    trace = make_trace("tanh", "linear", "mse", "mean")
    rec = trace.record(0)
    rec.grads[0].dW[0, 0] += 1e-3
    from chainstep.core.gradcheck import check_step
    assert not check_step(trace, 0, "backward.1.dW", limit=100).ok


def test_mae_at_zero_uses_subgradient_zero_and_is_skipped_as_a_kink() -> None:
    from chainstep.core.gradcheck import check_step
    trace = make_trace("linear", "linear", "mae", "sum", sizes=(1, 1))
    rec = trace.record(0)
    # Put the prediction exactly on the target: |ŷ − y| has a kink there.
    model = trace.model
    y = rec.yhat.copy()
    t2 = Trace(model, trace.params_at(0), trace.x, y, 1)
    assert np.all(t2.step(0, "backward.dyhat").result.value == 0.0)
    r = check_step(t2, 0, "backward.dyhat")
    assert r.skipped == y.size and r.ok
