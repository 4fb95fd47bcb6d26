"""The bundled scenarios: each loads, steps cleanly, and every number its `expect:` block states holds."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from chainstep.core.check import evaluate, run_expectations
from chainstep.core.gradcheck import check_trace
from chainstep.core.scenario import Scenario, bundled, bundled_name, load_scenario

PATHS = bundled()
IDS = [bundled_name(p) for p in PATHS]

# The catalogue issue 5 asks for: one scenario per seed, plus XOR and divergence.
REQUIRED = {
    "sign-of-the-error": "000",
    "gradient-of-the-loss": "001",
    "one-scalar-for-a-minibatch": "002",
    "which-loss": "003",
    "descent-and-the-chain-rule": "004",
    "xor": None,
    "learning-rate-too-large": None,
}

_cache: dict[str, Scenario] = {}


def scenario(name: str) -> Scenario:
    """Load once per test session: traces cache their iterations, so later tests reuse the work."""
    if name not in _cache:
        _cache[name] = load_scenario(name)
    return _cache[name]


def test_catalogue_has_every_required_scenario() -> None:
    missing = set(REQUIRED) - set(IDS)
    assert not missing, f"bundled scenarios missing: {sorted(missing)}"


def test_bundled_names_are_unique() -> None:
    assert len(IDS) == len(set(IDS))


@pytest.mark.parametrize("name", IDS)
def test_loads_with_title_description_and_name(name: str) -> None:
    sc = scenario(name)
    assert sc.name == name
    assert sc.title.strip()
    assert sc.description.strip()
    for part in sc.parts:
        assert part.title.strip()


@pytest.mark.parametrize("name", IDS)
def test_every_part_steps_through_two_iterations(name: str) -> None:
    for part in scenario(name).parts:
        trace = part.trace
        for i in range(min(2, trace.iterations)):
            for k in range(trace.n_steps):
                step = trace.step(i, k)
                assert step.id == trace.step_ids[k]
                assert step.iteration == i
                assert step.substituted
                assert isinstance(step.result.value, np.ndarray)


@pytest.mark.parametrize("name", [n for n in IDS if n in REQUIRED])
def test_teaching_scenarios_explain_themselves(name: str) -> None:
    """Each teaching part has notes and expectations, and every expectation says where it comes from."""
    for part in scenario(name).parts:
        assert part.notes, f"{part.title}: no notes"
        assert part.expectations, f"{part.title}: no expect: block"
        for e in part.expectations:
            assert e.why.strip(), f"{e.where}: expectation without a `why`"


@pytest.mark.parametrize("name", IDS)
def test_every_expectation_holds(name: str) -> None:
    failures = []
    for part in scenario(name).parts:
        for r in run_expectations(part):
            if not r.ok:
                failures.append(f"{r.expectation.where}: got {r.actual}, expected {r.message}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", [n for n in IDS if n in REQUIRED])
def test_a_wrong_number_is_caught(name: str) -> None:
    """Shift each stated value a little: the check must then fail, so the passes above mean something."""
    shifted = 0
    for part in scenario(name).parts:
        for e in part.expectations:
            if e.value is None or e.check is not None:
                continue
            value = np.asarray(e.value, dtype=np.float64)
            delta = max(10 * e.tol, 1e-6 * float(np.max(np.abs(value))), 1e-6)
            wrong = dataclasses.replace(e, value=value + delta, below=None, above=None)
            assert not evaluate(part, wrong).ok, f"{e.where}: still passes when shifted by {delta:g}"
            shifted += 1
    assert shifted or name == "xor"


@pytest.mark.parametrize("name", [n for n in IDS if n in REQUIRED])
def test_gradients_match_finite_differences(name: str) -> None:
    for part in scenario(name).parts:
        bad = [g for g in check_trace(part.trace, iterations=2) if not g.ok]
        assert not bad, f"{part.title}: {bad}"


def test_minibatch_scenario_compares_32_samples() -> None:
    part = scenario("one-scalar-for-a-minibatch").parts[-1]
    assert part.x.shape == (5, 32) and part.y.shape == (3, 32)
    assert part.model.sizes[0] == 5 and part.model.sizes[-1] == 3 and part.model.depth >= 2
    checks = {e.check for e in part.expectations}
    assert {"per_sample_mean", "gradient_values_ratio"} <= checks


def test_ten_class_part_has_ten_softmax_outputs() -> None:
    part = next(p for p in scenario("which-loss").parts if p.model.loss.name == "cross_entropy")
    assert part.model.sizes[-1] == 10
    assert part.model.activations[-1].name == "softmax"


def test_which_loss_covers_every_loss_and_an_l2_term() -> None:
    parts = scenario("which-loss").parts
    assert {p.model.loss.name for p in parts} >= {"mse", "mae", "cross_entropy", "bce"}
    assert any(p.model.loss.name == "bce" and p.model.sizes[-1] > 1 for p in parts), "no multi-label part"
    assert any(p.model.l2 > 0 for p in parts)


def test_divergence_reaches_inf_then_nan_without_crashing() -> None:
    part = scenario("learning-rate-too-large").parts[0]
    trace = part.trace
    assert trace.iterations > 1025
    for i in (512, 1023, 1024, 1025):
        steps = [trace.step(i, k) for k in range(trace.n_steps)]
        assert all(s.substituted for s in steps)
    assert math.isinf(float(trace.step(512, "loss.L").result.value))
    assert math.isnan(float(trace.step(1025, "loss.L").result.value))
    assert not trace.step(1025, "update.W1").finite
    costs = trace.cost_history()
    assert np.isfinite(costs[511]) and np.isinf(costs[512])
