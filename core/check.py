"""`chainstep check`: verify a scenario's expect: block and its gradients, as data for any front end."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .formatting import tensor as fmt
from .gradcheck import GradCheck, check_trace
from .minibatch import compare
from .scenario import Expectation, Part, Scenario


@dataclass(frozen=True)
class ExpectResult:
    expectation: Expectation
    ok: bool
    actual: str
    message: str


def _actual(part: Part, e: Expectation) -> np.ndarray:
    step = part.trace.step(e.iteration, e.step)
    if e.tensor is None:
        value = step.result.value
    else:
        try:
            value = step.tensor(e.tensor).value
        except KeyError:
            names = ", ".join(t.name for t in (step.result, *step.inputs))
            raise LookupError(f"step {e.step} has no tensor `{e.tensor}` (it has {names})") from None
    if e.at is not None:
        value = np.asarray(value[e.at])
    return np.asarray(value, dtype=np.float64)


def evaluate(part: Part, e: Expectation) -> ExpectResult:
    """One expectation against the trace."""
    if e.check is not None:
        cmp = compare(part.model, part.trace.params_at(e.iteration), part.x, part.y)
        if e.check == "per_sample_mean":
            ok = cmp.max_difference <= e.tol
            return ExpectResult(e, ok, f"max |difference| {cmp.max_difference:.3g}",
                                f"per-sample gradients combined vs batch gradient (tol {e.tol:g})")
        ratio = cmp.per_sample_values / cmp.batch_values
        ok = e.value is not None and abs(ratio - float(np.asarray(e.value).reshape(-1)[0])) <= e.tol
        return ExpectResult(e, ok, f"{ratio:g}× ({cmp.per_sample_values:,} vs {cmp.batch_values:,} values)",
                            "gradient values per-sample / batch")
    try:
        actual = _actual(part, e)
    except LookupError as exc:
        return ExpectResult(e, False, "-", str(exc))
    ok = True
    parts = []
    if e.value is not None:
        expected = np.asarray(e.value, dtype=np.float64)
        if expected.size != actual.size:
            return ExpectResult(e, False, fmt(actual), f"expected {expected.size} number(s), the step has {actual.size}")
        a, x = actual.reshape(-1), expected.reshape(-1)
        # inf matches the same inf and NaN matches NaN: a diverging lesson can state them.
        same = (a == x) | (np.isnan(a) & np.isnan(x))
        with np.errstate(invalid="ignore"):
            ok = bool(np.all(same | (np.abs(a - x) <= e.tol)))
        parts.append(f"= {fmt(expected)} ± {e.tol:g}")
    if e.below is not None:
        ok = ok and bool(np.all(actual < e.below))
        parts.append(f"< {e.below:g}")
    if e.above is not None:
        ok = ok and bool(np.all(actual > e.above))
        parts.append(f"> {e.above:g}")
    return ExpectResult(e, ok, fmt(actual), " and ".join(parts))


def run_expectations(part: Part) -> list[ExpectResult]:
    return [evaluate(part, e) for e in part.expectations]


@dataclass(frozen=True)
class PartReport:
    index: int          # counted from 1
    title: str
    iterations: int     # how many the part runs
    expectations: list[ExpectResult]
    gradients: list[GradCheck]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.expectations) and all(g.ok for g in self.gradients)


def check_scenario(scenario: Scenario, gradcheck: bool = True, iterations: int = 2) -> list[PartReport]:
    reports = []
    for i, part in enumerate(scenario.parts):
        grads = check_trace(part.trace, iterations) if gradcheck else []
        reports.append(PartReport(i + 1, part.title, part.iterations, run_expectations(part), grads))
    return reports
