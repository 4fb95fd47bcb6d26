"""Breakpoints stop where an independent brute-force scan of the trace says they should, both ways."""
from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from chainstep.core.breakpoints import (Breakpoint, BreakpointError, BreakpointList, from_mapping, hits_at,
                                        search, validate)
from chainstep.core.scenario import ScenarioError, load_scenario, load_text

DATA = Path(__file__).resolve().parents[1] / "data"
DEEP = DATA / "deep_sigmoid.yaml"

ONE_WEIGHT = """
network: {inputs: 1, layers: [{units: 1, activation: linear}]}
params: {W1: [[1]], b1: [0]}
freeze: [b1]
data: {x: [[1]], y: [[0]]}
loss: mse
optimizer: {lr: LR}
iterations: N
"""

DEAD = (DATA / "dead_relu.yaml").read_text()


def one_weight(lr: float, n: int):
    return load_text(ONE_WEIGHT.replace("LR", str(lr)).replace("N", str(n)), "one.yaml").parts[0].trace


def positions(trace):
    return [(i, k) for i in range(trace.iterations) for k in range(trace.n_steps)]


def brute(trace, predicate) -> list[tuple[int, int]]:
    """Every position where predicate(i, k) holds, evaluated without the breakpoints module."""
    return [(i, k) for i, k in positions(trace) if predicate(i, k)]


def expect_both_ways(trace, bps, truth: list[tuple[int, int]], starts) -> None:
    for start in starts:
        after = [p for p in truth if p > start]
        before = [p for p in truth if p < start]
        fwd = search(trace, bps, *start, forward=True)
        bwd = search(trace, bps, *start, forward=False)
        assert (fwd.hit.iteration, fwd.hit.step) == after[0] if after else fwd.hit is None, start
        assert (bwd.hit.iteration, bwd.hit.step) == before[-1] if before else bwd.hit is None, start
        assert not fwd.cancelled and not bwd.cancelled


def test_step_breakpoint_every_iteration_and_one_iteration() -> None:
    trace = load_scenario("xor").parts[0].new_trace()
    k = trace.index_of("backward.1.dW")
    bp = Breakpoint("step", step_id="backward.1.dW")
    assert search(trace, [bp], 0, 0).hit.step == k
    assert (search(trace, [bp], 0, k).hit.iteration, search(trace, [bp], 0, k).hit.step) == (1, k)
    back = search(trace, [bp], 5, k, forward=False).hit
    assert (back.iteration, back.step) == (4, k)
    only = Breakpoint("step", step_id="backward.1.dW", iteration=7)
    hit = search(trace, [only], 0, 0).hit
    assert (hit.iteration, hit.step) == (7, k)
    assert search(trace, [only], 7, k).hit is None
    assert search(trace, [only], 7, k, forward=False).hit is None


def test_iteration_breakpoint_does_not_compute_the_iterations_it_skips() -> None:
    trace = load_scenario("xor").parts[0].new_trace()
    hit = search(trace, [Breakpoint("iteration", iteration=1500)], 0, 0).hit
    assert (hit.iteration, hit.step) == (1500, 0)
    assert np.isnan(trace.cost_history()[1]), "a place breakpoint should not need the numbers"


def test_vanishing_matches_a_brute_force_scan_of_the_weight_gradients() -> None:
    trace = load_scenario(DEEP).parts[0].new_trace()
    trace_short = 40
    bp = validate(Breakpoint("vanishing", threshold=2e-5), trace)

    def pred(i, k):
        s = trace.step(i, k)
        return s.id.endswith(".dW") and np.linalg.norm(s.result.value) < 2e-5

    dW = [k for k, sid in enumerate(trace.step_ids) if sid.endswith(".dW")]
    truth = [(i, k) for i in range(trace.iterations) for k in dW if pred(i, k)]
    assert truth, "the test data must contain vanishing gradients"
    assert truth[0][0] > 0, "and not from the very start, so the search has to skip iterations"
    starts = [(0, 0), (truth[0][0], truth[0][1]), (truth[2][0], 0), (trace_short - 1, trace.n_steps - 1)]
    for start in starts:
        fwd = search(trace, [bp], *start).hit
        after = [p for p in truth if p > start]
        assert (fwd.iteration, fwd.step) == after[0]
        bwd = search(trace, [bp], *start, forward=False).hit
        before = [p for p in truth if p < start]
        assert (bwd.iteration, bwd.step) == before[-1] if before else bwd is None
    assert "‖∂/∂W" in search(trace, [bp], 0, 0).hit.reason


def test_vanishing_on_one_layer_and_exploding() -> None:
    trace = load_scenario(DEEP).parts[0].new_trace()
    norms = [np.linalg.norm(g.dW) for g in trace.record(0).grads]
    layer1 = Breakpoint("vanishing", layer=1, threshold=norms[0] * 1.01)
    hit = search(trace, [layer1], 0, 0).hit
    assert trace.step_ids[hit.step] == "backward.1.dW" and hit.iteration == 0
    # Layer 6's gradient is larger than layer 1's threshold: no hit in iteration 0 on layer 6.
    layer6 = Breakpoint("vanishing", layer=6, threshold=norms[0] * 1.01)
    assert search(trace, [layer6], 0, 0, max_iterations=1).hit is None
    boom = Breakpoint("exploding", threshold=norms[5] * 0.99)
    hit = search(trace, [boom], 0, 0).hit
    assert (hit.iteration, trace.step_ids[hit.step]) == (0, "backward.6.dW")


def test_loss_rises_both_ways() -> None:
    trace = one_weight(1.5, 12)   # w' = −2w: the loss quadruples every iteration
    costs = [trace.record(i).cost for i in range(trace.iterations)]
    k = trace.index_of("loss.L")
    truth = [(i, k) for i in range(1, trace.iterations) if costs[i] > costs[i - 1]]
    assert len(truth) == trace.iterations - 1
    expect_both_ways(trace, [Breakpoint("loss_rises")], truth, [(0, 0), (0, k), (3, k), (11, 0), (11, trace.n_steps - 1)])
    settling = one_weight(0.25, 12)   # w' = w/2: never rises
    assert search(settling, [Breakpoint("loss_rises")], 0, 0).hit is None


def test_nonfinite_stops_where_inf_first_appears() -> None:
    trace = load_scenario("learning-rate-too-large").parts[0].new_trace()

    def finite(i, k):
        s = trace.step(i, k)
        return all(np.all(np.isfinite(v)) for v in (s.result.value, *(t.value for t in s.inputs),
                                                     *(f.value for f in s.factors)))

    first = next((i, k) for i in range(505, trace.iterations) for k in range(trace.n_steps) if not finite(i, k))
    hit = search(trace, [Breakpoint("nonfinite")], 0, 0).hit
    assert (hit.iteration, hit.step) == first
    # Going backwards from the end lands on the last place a non-finite value appears after a finite step.
    flat = [(i, k) for i in range(first[0] - 1, trace.iterations) for k in range(trace.n_steps)]
    ok = {p: finite(*p) for p in flat}
    truth = [p for a, p in zip(flat, flat[1:]) if ok[a] and not ok[p]]
    back = search(trace, [Breakpoint("nonfinite")], trace.iterations - 1, trace.n_steps - 1, forward=False).hit
    assert (back.iteration, back.step) == truth[-1]
    assert search(one_weight(0.25, 30), [Breakpoint("nonfinite")], 0, 0).hit is None


def test_sign_flip_of_one_gradient_element() -> None:
    trace = one_weight(0.8, 8)   # w' = −0.6w: the gradient 2w changes sign every iteration
    bp = validate(Breakpoint("sign_flip", param="W1", index=(0,)), trace)
    k = trace.index_of("backward.1.dW")
    truth = [(i, k) for i in range(1, 8)]
    expect_both_ways(trace, [bp], truth, [(0, 0), (1, k), (4, 0), (7, trace.n_steps - 1)])
    assert search(one_weight(0.25, 8), [bp], 0, 0).hit is None


def test_dead_relu_unit() -> None:
    trace = load_text(DEAD, "dead.yaml").parts[0].trace
    k = trace.index_of("forward.1.a")
    dead = [i for i in range(trace.iterations) if np.any(np.all(trace.record(i).as_[0] == 0, axis=1))]
    assert dead == list(range(trace.iterations)), "unit 1 gets −x − 0.5 < 0 for every sample"
    bp = Breakpoint("dead_relu", layer=1)
    expect_both_ways(trace, [bp], [(i, k) for i in dead], [(0, 0), (0, k), (3, 1), (5, trace.n_steps - 1)])
    assert "unit 1" in search(trace, [bp], 0, 0).hit.reason
    alive = load_scenario("descent-and-the-chain-rule").parts[4].new_trace()
    assert search(alive, [Breakpoint("dead_relu")], 0, 0).hit is None


def test_disabled_breakpoints_and_the_earliest_of_several_win() -> None:
    trace = load_scenario("xor").parts[0].new_trace()
    a = Breakpoint("step", step_id="update.W1")
    b = Breakpoint("step", step_id="loss.L")
    hit = search(trace, [a, b], 0, 0).hit
    assert hit.breakpoint == b
    assert search(trace, [a, b.toggled()], 0, 0).hit.breakpoint == a
    assert search(trace, [a.toggled(), b.toggled()], 0, 0).hit is None


def test_search_can_be_interrupted_and_reports_progress() -> None:
    trace = load_scenario("xor").parts[0].new_trace()
    calls = itertools.count()
    seen: list[tuple[int, int, int]] = []
    res = search(trace, [Breakpoint("loss_rises", threshold=1e9)], 0, 0,
                 should_stop=lambda: next(calls) >= 50, progress=lambda *a: seen.append(a))
    assert res.cancelled and res.hit is None and res.scanned == 50
    assert seen and all(total == trace.iterations for _, total, _ in seen)
    res = search(trace, [Breakpoint("loss_rises", threshold=1e9)], 1999, 0, forward=False,
                 should_stop=lambda: next(calls) >= 120)
    assert res.cancelled
    bounded = search(trace, [Breakpoint("loss_rises", threshold=1e9)], 0, 0, max_iterations=30)
    assert bounded.hit is None and bounded.scanned == 30 and bounded.last_iteration == 29


def test_hits_at_and_the_list_the_app_edits() -> None:
    trace = load_scenario("xor").parts[0].new_trace()
    bps = BreakpointList()
    assert bps.toggle_step("loss.L") is True
    assert bps.on_step("loss.L")
    assert [h.breakpoint.step_id for h in hits_at(trace, list(bps), 3, trace.index_of("loss.L"))] == ["loss.L"]
    assert bps.toggle_step("loss.L") is False and len(bps) == 0
    n = bps.add(Breakpoint("vanishing", layer=1))
    assert bps.add(Breakpoint("vanishing", layer=1)) == n and len(bps) == 1
    bps.toggle(n)
    assert not bps.items[n].enabled
    bps.remove(n)
    assert len(bps) == 0


def test_validation_names_the_wrong_field() -> None:
    trace = load_scenario(DEEP).parts[0].new_trace()
    for bp, key in [(Breakpoint("vanishing", layer=7), "layer"), (Breakpoint("step", step_id="backward.9.dW"), "step"),
                    (Breakpoint("sign_flip", param="W9"), "param"), (Breakpoint("sign_flip", param="W1", index=(3, 0)), "at"),
                    (Breakpoint("dead_relu"), "when"), (Breakpoint("iteration", iteration=300), "iteration"),
                    (Breakpoint("exploding", threshold=-1.0), "above")]:
        with pytest.raises(BreakpointError) as exc:
            validate(bp, trace)
        assert exc.value.key == key, bp
    with pytest.raises(BreakpointError):
        from_mapping({"when": "vanishing", "param": "W1"})


def test_scenario_declares_breakpoints_and_locates_mistakes() -> None:
    sc = load_scenario(DEEP)
    [bp] = sc.parts[0].breakpoints
    assert (bp.kind, bp.layer, bp.threshold) == ("vanishing", 1, 1e-4)
    assert bp.origin.endswith("deep_sigmoid.yaml:19:5")
    base = DEEP.read_text().split("breakpoints:")[0]
    cases = {
        "  - {when: vanish, layer: 1}": (19, 12, "unknown condition `vanish`"),
        "  - {when: vanishing, layer: 9}": (19, 30, "layer 9"),
        "  - {step: backward.1.dX}": (19, 12, "no step is called"),
        "  - {when: sign_flip, param: W1, at: [5, 0]}": (19, 38, "no element"),
        "  - {when: loss_rises}\n  - {wen: loss_rises}": (20, 11, "unknown key `wen`"),
        "  - 3": (19, 5, "must be a mapping"),
    }
    for text, (line, col, words) in cases.items():
        with pytest.raises(ScenarioError) as exc:
            load_text(base + "breakpoints:\n" + text + "\n", "bad.yaml")
        assert (exc.value.line, exc.value.col) == (line, col), text
        assert words in exc.value.message
