"""`chainstep check`: verify a scenario's expect: block and its gradients, as data for any front end."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .formatting import apart, num, tensor as fmt
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
    # The loader has checked the tensor name, the index and the value's shape against the step.
    step = part.trace.step(e.iteration, e.step)
    value = step.result.value if e.tensor is None else step.tensor(e.tensor).value
    if e.at is not None:
        value = np.asarray(value[e.at])
    return np.asarray(value, dtype=np.float64)


def _allowance(e: Expectation) -> str:
    if e.rel and e.tol:
        return f"± ({num(e.tol)} + {num(e.rel)}·|value|)"
    return f"± {num(e.rel)}·|value|" if e.rel else f"± {num(e.tol)}"


def _near_miss(a: np.ndarray, x: np.ndarray, allowed: np.ndarray, shape: tuple[int, ...]) -> tuple[str, str]:
    """(got, how far off) for the worst element, with the digits that tell the two numbers apart."""
    with np.errstate(invalid="ignore"):
        over = np.where(np.isnan(a) | np.isnan(x), np.inf, np.abs(a - x) - allowed)
        k = int(np.nanargmax(over))
        diff = a[k] - x[k]
    got, want = apart(a[k], x[k])
    off = f"off by {num(diff)}" if np.isfinite(diff) else "not the same number"
    if a.size == 1:
        return got, off
    return "", f"at {list(map(int, np.unravel_index(k, shape)))} got {got}, expected {want}, {off}"


def evaluate(part: Part, e: Expectation) -> ExpectResult:
    """One expectation against the trace."""
    if e.check is not None:
        cmp = compare(part.model, part.trace.params_at(e.iteration), part.x, part.y)
        if e.check == "per_sample_mean":
            ok = cmp.max_difference <= e.tol
            return ExpectResult(e, ok, f"max |difference| {cmp.max_difference:.3g}",
                                f"per-sample gradients combined vs batch gradient (tol {e.tol:g})")
        ratio = cmp.per_sample_values / cmp.batch_values
        want = float(np.asarray(e.value).reshape(-1)[0]) if e.value is not None else math.nan
        ok = abs(ratio - want) <= e.tol + e.rel * abs(want)
        return ExpectResult(e, ok, f"{ratio:g}× ({cmp.per_sample_values:,} vs {cmp.batch_values:,} values)",
                            "gradient values per-sample / batch")
    actual = _actual(part, e)
    shown = fmt(actual)
    ok = True
    parts = []
    if e.value is not None:
        expected = np.asarray(e.value, dtype=np.float64).reshape(actual.shape)
        a, x = actual.reshape(-1), expected.reshape(-1)
        allowed = e.tol + e.rel * np.abs(x)
        # inf matches the same inf and NaN matches NaN: a diverging lesson can state them.
        same = (a == x) | (np.isnan(a) & np.isnan(x))
        with np.errstate(invalid="ignore"):
            matches = same | (np.abs(a - x) <= allowed)
        ok = bool(np.all(matches))
        if ok:
            parts.append(f"= {fmt(expected)} {_allowance(e)}")
        else:
            got, off = _near_miss(a, x, allowed, actual.shape)
            shown = got or shown
            parts.append(f"≠ {fmt(expected) if not got else apart(a[0], x[0])[1]} {_allowance(e)}: {off}")
    if e.below is not None:
        ok = ok and bool(np.all(actual < e.below))
        parts.append(f"< {num(e.below)}")
    if e.above is not None:
        ok = ok and bool(np.all(actual > e.above))
        parts.append(f"> {num(e.above)}")
    return ExpectResult(e, ok, shown, " and ".join(parts))


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
