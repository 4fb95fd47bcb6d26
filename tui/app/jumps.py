"""Moving the cursor through the trace without blocking the keys.

A move whose iteration is cached (or cheap to compute) happens at once. A far jump is computed by a
thread worker in chunks, with progress in the status line, and Escape (or any other move) stops
it. After each move, the iterations either side are computed in the background, so stepping
across an iteration boundary finds them ready. Every number still comes from the Trace.
"""
from __future__ import annotations

import time

from textual import work
from textual.worker import get_current_worker

from ...core.cursor import Cursor

KEY_BUDGET = 0.004        # seconds of trace computation allowed on the key path; more goes to a worker


class TraceJumps:
    """Mixed into the app, which provides `scenario`, `cursor`, `trace()`, `status` and `show_position()`."""

    _target: Cursor | None = None   # a far jump being computed in the background

    def _jumps_reset(self) -> None:
        self._seconds_per_iteration: dict[int, float] = {}

    def _iteration_seconds(self, part: int) -> float:
        """What one iteration of this part costs: measured once some ran, else a rough guess."""
        measured = self._seconds_per_iteration.get(part)
        if measured is not None:
            return measured
        p = self.scenario.parts[part]
        sizes = p.model.sizes
        macs = sum(a * b for a, b in zip(sizes, sizes[1:])) * max(1, p.x.shape[1])
        return 60e-6 + macs * 6 / 2e9

    def _timed_record(self, part: int, iteration: int) -> None:
        """trace.record, remembering how long an iteration takes (any thread)."""
        trace = self.trace(part)
        n = trace.distance(iteration)
        t0 = time.perf_counter()
        trace.record(iteration)
        if n:
            per = (time.perf_counter() - t0) / n
            old = self._seconds_per_iteration.get(part)
            self._seconds_per_iteration[part] = per if old is None else 0.7 * old + 0.3 * per

    def go(self, target: Cursor) -> None:
        """Move to `target`: at once when it is cheap, through a worker when it needs computing."""
        self.cancel_jump()
        distance = self.trace(target.part).distance(target.iteration)
        if distance and distance * self._iteration_seconds(target.part) > KEY_BUDGET:
            self._target = target
            self.status.set_extra("jump", f"computing iteration {target.iteration + 1}… (Esc stops)")
            self._compute(target)
            return
        self.cursor = target
        self.show_position()

    def cancel_jump(self) -> bool:
        if self._target is None:
            return False
        self._target = None
        self.workers.cancel_group(self, "jump")
        self.status.set_extra("jump", None)
        return True

    @work(thread=True, exclusive=True, group="jump", exit_on_error=False)
    def _compute(self, target: Cursor) -> None:
        """Compute the iterations up to `target` in chunks, reporting progress, then arrive."""
        worker = get_current_worker()
        trace = self.trace(target.part)
        first = trace.distance(target.iteration)
        last_report = time.monotonic()
        while not worker.is_cancelled:
            d = trace.distance(target.iteration)
            if d == 0:
                break
            chunk = max(1, int(0.02 / self._iteration_seconds(target.part)))
            upto = min(target.iteration, target.iteration - d + chunk)
            self._timed_record(target.part, upto)
            now = time.monotonic()
            if now - last_report > 0.1:
                last_report = now
                done = first - trace.distance(target.iteration)
                self.call_from_thread(self._progress, target, done, first)
        if not worker.is_cancelled:
            self.call_from_thread(self._arrive, target)

    def _progress(self, target: Cursor, done: int, total: int) -> None:
        if self._target is target:
            self.status.set_extra("jump", f"computing iteration {target.iteration + 1}: "
                                          f"{100 * done // max(1, total)}% (Esc stops)")

    def _arrive(self, target: Cursor) -> None:
        if self._target is not target:
            return
        self._target = None
        self.status.set_extra("jump", None)
        self.cursor = target
        self.show_position()

    def _prefetch_neighbours(self) -> None:
        """Compute the iterations either side of this one in the background, so crossing is instant."""
        c = self.cursor
        trace = self.trace()
        wanted = [i for i in (c.iteration + 1, c.iteration - 1)
                  if 0 <= i < trace.iterations and trace.distance(i)]
        if wanted:
            self._prefetch(c.part, wanted)

    @work(thread=True, exclusive=True, group="prefetch", exit_on_error=False)
    def _prefetch(self, part: int, iterations: list[int]) -> None:
        worker = get_current_worker()
        for i in iterations:
            if worker.is_cancelled:
                return
            self._timed_record(part, i)
