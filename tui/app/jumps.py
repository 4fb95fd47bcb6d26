"""Moving the cursor through the trace without blocking the keys.

A move whose iteration is cached (or cheap to compute) happens at once. A far jump is computed by a
thread worker in chunks, with progress in the status line. No key is lost: while a jump is being
computed, the next move starts from where that jump is going (`aim`), so ten quick presses of `n`
move ten iterations; the worker follows the newest target. Only Escape stops it. After each move,
the iterations either side are computed in the background, so stepping across an iteration
boundary finds them ready. Every number still comes from the Trace.
"""
from __future__ import annotations

import time

from textual import work
from textual.worker import Worker, get_current_worker

from ...core.cursor import Cursor

KEY_BUDGET = 0.004        # seconds of trace computation allowed on the key path; more goes to a worker


class TraceJumps:
    """Mixed into the app, which provides `scenario`, `cursor`, `trace()`, `status` and `show_position()`."""

    _target: Cursor | None = None   # a far jump being computed in the background
    _jump_worker: Worker | None = None

    def _jumps_reset(self) -> None:
        self._seconds_per_iteration: dict[int, float] = {}

    @property
    def aim(self) -> Cursor:
        """Where the user is going: the pending jump's target, else the cursor. Moves start here."""
        return self._target if self._target is not None else self.cursor

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
        """Move to `target`: at once when it is cheap, through a worker when it needs computing.

        A move while a jump is pending replaces the jump's target (the worker follows it), so
        the moves add up; a cheap one arrives at once and ends the jump.
        """
        distance = self.trace(target.part).distance(target.iteration)
        if distance and distance * self._iteration_seconds(target.part) > KEY_BUDGET:
            self._target = target
            self.status.set_extra("jump", f"computing iteration {target.iteration + 1}… (Esc stops)")
            if self._jump_worker is None:
                self._jump_worker = self._compute()
            return
        self._end_jump()
        self.cursor = target
        self.show_position()

    def cancel_jump(self) -> bool:
        """Stop a pending jump where the cursor is (Escape); False if there was none."""
        if self._target is None:
            return False
        self._end_jump()
        return True

    def _end_jump(self) -> None:
        if self._target is None and self._jump_worker is None:
            return
        self._target = None
        if self._jump_worker is not None:
            self._jump_worker.cancel()
            self._jump_worker = None
        self.status.set_extra("jump", None)

    @work(thread=True, group="jump", exit_on_error=False)
    def _compute(self) -> None:
        """Compute the iterations up to the pending target in chunks, reporting progress, then arrive.

        The target is read afresh after every chunk: a key pressed meanwhile may have moved it.
        """
        worker = get_current_worker()
        last_report = time.monotonic()
        first: tuple[object, int] | None = None
        while not worker.is_cancelled:
            target = self._target
            if target is None:
                return
            trace = self.trace(target.part)
            d = trace.distance(target.iteration)
            if first is None or first[0] is not target:
                first = (target, d)
            if d == 0:
                if self.call_from_thread(self._arrive, target):
                    return
                continue
            chunk = max(1, int(0.02 / self._iteration_seconds(target.part)))
            upto = min(target.iteration, target.iteration - d + chunk)
            self._timed_record(target.part, upto)
            now = time.monotonic()
            if now - last_report > 0.1:
                last_report = now
                self.call_from_thread(self._progress, target, first[1] - trace.distance(target.iteration),
                                      first[1])

    def _progress(self, target: Cursor, done: int, total: int) -> None:
        if self._target is target:
            self.status.set_extra("jump", f"computing iteration {target.iteration + 1}: "
                                          f"{100 * done // max(1, total)}% (Esc stops)")

    def _arrive(self, target: Cursor) -> bool:
        """Show `target` if it is still where the user is going (main thread); True when the jump is over."""
        if self._jump_worker is None:
            return True      # cancelled meanwhile
        if self._target is not target:
            return False     # a key moved the target: the worker goes on
        self._jump_worker = None
        self._end_jump()
        self.cursor = target
        self.show_position()
        return True

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
