"""Where a breakpoint hits inside one iteration, and the search for the next (or previous) hit over a trace."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from ..network import IterationRecord
from ..trace import Trace
from .definition import Breakpoint


@dataclass(frozen=True)
class Hit:
    iteration: int
    step: int
    breakpoint: Breakpoint
    reason: str


@dataclass(frozen=True)
class SearchResult:
    hit: Hit | None
    cancelled: bool = False
    scanned: int = 0                  # iterations examined
    last_iteration: int | None = None  # the last iteration examined



# ---- where a breakpoint hits inside one iteration ---------------------------------------------

def _all_finite(arrays: Iterable[Any]) -> bool:
    for a in arrays:
        if a is not None and not np.all(np.isfinite(a)):
            return False
    return True


def _record_finite(rec: IterationRecord) -> bool:
    """Every number of an iteration finite (so none of its steps can show a non-finite value)."""
    grads = [x for g in rec.grads for x in (g.dL_da, g.da_du, g.delta, g.dW_loss, g.dW, g.db, g.da_prev)]
    return _all_finite([*rec.params.values(), rec.x, rec.y, *rec.us, *rec.as_, rec.terms,
                        np.float64(rec.cost), rec.dyhat, *grads, *rec.new_params.values()])


class _Iteration:
    """One iteration under examination, with lazy access to the one before."""

    def __init__(self, trace: Trace, i: int, prev: IterationRecord | None = None):
        self.trace, self.i = trace, i
        self._rec: IterationRecord | None = None
        self._prev = prev
        self._finite_steps: dict[int, bool] = {}

    @property
    def rec(self) -> IterationRecord:
        """Computed only when a condition needs the numbers (place breakpoints never do)."""
        if self._rec is None:
            self._rec = self.trace.record(self.i)
        return self._rec

    @property
    def prev(self) -> IterationRecord | None:
        if self.i == 0:
            return None
        if self._prev is None:
            self._prev = self.trace.record(self.i - 1)
        return self._prev

    def step_finite(self, k: int) -> bool:
        if k not in self._finite_steps:
            s = self.trace.step(self.i, k)
            self._finite_steps[k] = _all_finite([s.result.value, *(t.value for t in s.inputs),
                                                 *(f.value for f in s.factors)])
        return self._finite_steps[k]


def _loss_step(trace: Trace) -> int:
    return trace.index_of("loss.cost" if "loss.cost" in trace.step_ids else "loss.L")


def _norm(a: np.ndarray) -> float:
    with np.errstate(all="ignore"):
        return float(np.linalg.norm(a))


def hits_in(bp: Breakpoint, it: _Iteration, should_stop: Callable[[], bool] | None = None
            ) -> list[tuple[int, str]]:
    """(step index, reason) for every step of this iteration where `bp` hits, in step order."""
    trace, i = it.trace, it.i
    model = trace.model
    kind = bp.kind
    if kind == "step":
        if bp.iteration is None or bp.iteration == i:
            return [(trace.index_of(bp.step_id), f"reached {bp.step_id} in iteration {i + 1}")]
        return []
    if kind == "iteration":
        if bp.iteration == i:
            return [(trace.index_of(bp.step_id) if bp.step_id else 0, f"reached iteration {i + 1}")]
        return []
    rec = it.rec
    if kind == "nonfinite":
        if _record_finite(rec):
            return []
        out = []
        prev_ok = True
        if i > 0 and not _record_finite(it.prev):   # the step before step 0 is the last of i−1
            prev_ok = _Iteration(trace, i - 1).step_finite(trace.n_steps - 1)
        for k in range(trace.n_steps):
            if should_stop is not None and should_stop():
                break
            ok = it.step_finite(k)
            if not ok and prev_ok:
                out.append((k, f"a non-finite value appears at {trace.step_ids[k]}"))
            prev_ok = ok
        return out
    if kind == "loss_rises":
        prev = it.prev
        if prev is None:
            return []
        a, b = prev.cost, rec.cost
        rise = (np.isfinite(a) and not np.isfinite(b)) or (b - a > (bp.threshold or 0.0))
        if rise:
            return [(_loss_step(trace), f"the loss rose from {a:.6g} to {b:.6g}")]
        return []
    if kind in ("vanishing", "exploding"):
        layers = [bp.layer] if bp.layer is not None else range(1, model.depth + 1)
        out = []
        t = bp.limit()
        for l in layers:
            n = _norm(rec.grads[l - 1].dW)
            if (kind == "vanishing" and n < t) or (kind == "exploding" and not n <= t):
                cmp = "<" if kind == "vanishing" else ">"
                out.append((trace.index_of(f"backward.{l}.dW"), f"‖∂/∂W{l}‖ = {n:.3g} {cmp} {t:g}"))
        return sorted(out)
    if kind == "sign_flip":
        prev = it.prev
        if prev is None:
            return []
        idx = bp.index or (0, 0)
        g0, g1 = float(prev.param_grad(bp.param)[idx]), float(rec.param_grad(bp.param)[idx])
        if np.sign(g0) * np.sign(g1) < 0:
            sid = f"backward.{bp.param[1:]}.d{bp.param[0]}"
            where = ",".join(map(str, idx))
            return [(trace.index_of(sid), f"∂/∂{bp.param}[{where}] went from {g0:.3g} to {g1:.3g}")]
        return []
    if kind == "dead_relu":
        layers = [bp.layer] if bp.layer is not None else range(1, model.depth + 1)
        out = []
        for l in layers:
            if model.activations[l - 1].name != "relu":
                continue
            a = rec.as_[l - 1]
            dead = np.flatnonzero(np.all(a == 0.0, axis=1))
            if dead.size:
                units = ", ".join(str(u) for u in dead[:6]) + (" …" if dead.size > 6 else "")
                out.append((trace.index_of(f"forward.{l}.a"),
                            f"{dead.size} unit(s) of layer {l} output 0 for every sample (unit {units})"))
        return sorted(out)
    return []


def hits_at(trace: Trace, breakpoints: Sequence[Breakpoint], i: int, k: int) -> list[Hit]:
    """The enabled breakpoints that hit exactly at (i, k)."""
    it = _Iteration(trace, i)
    return [Hit(i, k, bp, reason) for bp in breakpoints if bp.enabled
            for kk, reason in hits_in(bp, it) if kk == k]


# ---- the search -------------------------------------------------------------------------------

def search(trace: Trace, breakpoints: Sequence[Breakpoint], iteration: int, step: int, forward: bool = True,
           should_stop: Callable[[], bool] | None = None,
           progress: Callable[[int, int, int], None] | None = None,
           max_iterations: int | None = None) -> SearchResult:
    """The first enabled breakpoint hit strictly after (forward) or before (backward) (iteration, step).

    `should_stop()` is polled between iterations; when it says yes the result has `cancelled` set.
    `progress(scanned, total, iteration)` is called now and then. At most `max_iterations`
    iterations are examined.
    """
    active = [bp for bp in breakpoints if bp.enabled]
    if forward:
        span = range(iteration, trace.iterations)
    else:
        span = range(iteration, -1, -1)
    total = len(span) if max_iterations is None else min(len(span), max_iterations)
    if not active or total == 0:
        return SearchResult(None)
    every = max(1, total // 200)
    stop = should_stop or (lambda: False)
    if forward:
        prev: IterationRecord | None = None
        for n, i in enumerate(span[:total]):
            if stop():
                return SearchResult(None, True, n, i - 1 if n else None)
            it = _Iteration(trace, i, prev)
            best = _first(active, it, step if i == iteration else -1, stop)
            if best is not None:
                return SearchResult(best, False, n + 1, i)
            prev = it._rec
            if progress is not None and (n + 1) % every == 0:
                progress(n + 1, total, i)
        return SearchResult(None, False, total, span[total - 1])
    # Backwards: scan blocks that start at a checkpoint in increasing order (so each iteration is
    # computed once from its checkpoint), keeping the last hit before the start.
    block = max(1, trace.checkpoint_every)
    lowest = iteration - total + 1
    hi = iteration
    scanned = 0
    while hi >= lowest:
        lo = max(lowest, (hi // block) * block)
        last: Hit | None = None
        prev = None
        for i in range(lo, hi + 1):
            if stop():
                return SearchResult(None, True, scanned, hi + 1 if hi < iteration else None)
            it = _Iteration(trace, i, prev)
            limit = step if i == iteration else trace.n_steps
            for bp in active:
                for k, reason in hits_in(bp, it, stop):
                    if k < limit and (last is None or (i, k) > (last.iteration, last.step)):
                        last = Hit(i, k, bp, reason)
            prev = it._rec
        scanned += hi - lo + 1
        if last is not None:
            return SearchResult(last, False, scanned, last.iteration)
        if progress is not None:
            progress(scanned, total, lo)
        hi = lo - 1
    return SearchResult(None, False, scanned, lowest)


def _first(active: Sequence[Breakpoint], it: _Iteration, after: int, stop: Callable[[], bool]) -> Hit | None:
    best: Hit | None = None
    for bp in active:
        for k, reason in hits_in(bp, it, stop):
            if k > after and (best is None or k < best.step):
                best = Hit(it.i, k, bp, reason)
                break
    return best

