"""Debugger tools mixed into the app: breakpoints and continue, watches, gradient check, minibatch, landscape.

The app calls `compose_debugger_panes()` from its layout and `debugger_show()` after every move;
everything else (keys, state, workers) lives here. Long searches run in a thread worker with
progress in the status line; Esc stops them (the app's cancel key calls `cancel_search`).
"""
from __future__ import annotations

import threading
import time
from typing import Iterator

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.widget import Widget
from textual.worker import get_current_worker

from ...core.breakpoints import Breakpoint, BreakpointList, SearchResult, search
from ...core.watch import Watch, WatchError, param_element
from ..panes.breakpoints_pane import BreakpointsPane
from ..panes.watch_pane import WatchPane, WatchShown

HISTORY = 50          # iterations of history per watch
SYNC_POINTS = 3       # history points computed on the key path; more go to a worker


class DebuggerTools(App):
    """Keys and state of the debugging tools; the app class inherits them."""

    # Hidden from the Footer, which would list them before the stepping keys (mixin bindings come
    # first); the help screen (?) lists every one with its description.
    BINDINGS = [
        Binding("b", "toggle_breakpoint", "Break",
                show=False, tooltip="Set or clear a breakpoint on this step (it stops in every iteration)"),
        Binding("c", "continue(True)", "Continue",
                show=False, tooltip="Run forwards to the next breakpoint; Esc stops a long run"),
        Binding("C", "continue(False)", "Reverse", show=False,
                tooltip="Run backwards to the previous breakpoint; Esc stops a long run"),
        Binding("B", "add_breakpoint", "Condition…", show=False,
                tooltip="Add a breakpoint on a condition: vanishing or exploding gradient, inf/NaN, "
                        "loss rising, a sign flip, a dead ReLU, a step or an iteration"),
        Binding("k", "manage_breakpoints", "Breakpoints", show=False,
                tooltip="Into the breakpoints pane: ↑↓ choose, space on/off, d deletes, Esc back"),
        Binding("w", "add_watch", "Watch", show=False, tooltip="Watch a tensor or one element, e.g. W1[0,1] or dL_dyhat"),
        Binding("f", "gradcheck", "Check grad",
                show=False, tooltip="This gradient step beside central finite differences, with the relative error"),
        Binding("m", "minibatch", "Minibatch", show=False,
                tooltip="Per-sample gradients of a parameter element, their mean, and the batch gradient"),
        Binding("l", "landscape", "Landscape", show=False,
                tooltip="The cost as one parameter element varies: tangent = gradient, and the update's point"),
    ]

    _dbg_scenario: object | None = None
    _dbg_search: threading.Event | None = None
    _dbg_stopped: tuple[tuple[int, int, int], Breakpoint] | None = None

    # ---- hooks the app calls ------------------------------------------------------------
    def compose_debugger_panes(self) -> Iterator[Widget]:
        yield BreakpointsPane(id="breakpoints")
        yield WatchPane(id="watches")

    def debugger_show(self) -> None:
        """Bring the panes up to date with the cursor (cheap when nothing changed)."""
        self._dbg_sync()
        c = self.cursor
        pane = self.query_one(BreakpointsPane)
        pane.border_title = "Breakpoints"
        stopped = None
        if self._dbg_stopped is not None and self._dbg_stopped[0] == (c.part, c.iteration, c.step):
            stopped = self._dbg_stopped[1]
        bps = self.breakpoints()
        pane.show(list(bps), stopped)
        mark = "● breakpoint" if bps.on_step(c.step_id) else None
        if self.status.extra("break") != mark:   # the status line redraws only when this changes
            self.status.set_extra("break", mark)
        self._refresh_watches()

    def cancel_search(self) -> bool:
        """Stop a running continue; True when there was one."""
        if self._dbg_search is None:
            return False
        self._dbg_search.set()
        return True

    # ---- state --------------------------------------------------------------------------
    def _dbg_sync(self) -> None:
        """Fresh breakpoints and watches when another scenario has been opened."""
        if self._dbg_scenario is not self.scenario:
            self._dbg_scenario = self.scenario
            self._dbg_breakpoints: dict[int, BreakpointList] = {}
            self._dbg_watches: dict[int, list[Watch]] = {}
            self._dbg_stopped = None

    def breakpoints(self, part: int | None = None) -> BreakpointList:
        """This part's breakpoints, starting from those its scenario file declares."""
        self._dbg_sync()
        part = self.cursor.part if part is None else part
        if part not in self._dbg_breakpoints:
            self._dbg_breakpoints[part] = BreakpointList(list(self.scenario.parts[part].breakpoints))
        return self._dbg_breakpoints[part]

    def watches(self, part: int | None = None) -> list[Watch]:
        """This part's watches (or part `part`'s)."""
        self._dbg_sync()
        return self._dbg_watches.setdefault(self.cursor.part if part is None else part, [])

    def _on_main(self) -> bool:
        """Tool keys act only on the debugger's own screen, not under a dialog."""
        return self.screen is self.screen_stack[0]

    def default_element(self) -> str:
        """The parameter element the tools open on: the last watched one, else this step's parameter."""
        trace = self.trace()
        for w in reversed(self.watches()):
            try:
                name, index = param_element(trace, w.text)
            except WatchError:
                continue
            if w.index is not None:
                return f"{name}[{index[0]},{index[1]}]"
        param = self.current_step.param or trace.model.param_names[0]
        return f"{param}[0,0]"

    # ---- breakpoints --------------------------------------------------------------------
    def action_toggle_breakpoint(self) -> None:
        if not self._on_main():
            return
        sid = self.cursor.step_id
        on = self.breakpoints().toggle_step(sid)
        self.notify(f"{'Breakpoint on' if on else 'Breakpoint removed from'} {sid}"
                    + (" (every iteration; c continues to it)" if on else ""), timeout=3)
        self.debugger_show()

    def action_add_breakpoint(self) -> None:
        if not self._on_main():
            return
        c = self.cursor

        def done(bp: Breakpoint | None) -> None:
            if bp is not None:
                self.breakpoints(c.part).add(bp)
                self.notify(f"Breakpoint: {bp.describe()}", timeout=3)
                self.debugger_show()

        from .breakpoint_dialog import BreakpointDialog   # only when asked: keeps it out of start-up
        self.push_screen(BreakpointDialog(self.trace(), c.step_id, c.iteration, self.default_element()), done)

    def action_manage_breakpoints(self) -> None:
        if not self._on_main():
            return
        if not self.query_one(BreakpointsPane).enter():
            self.notify("No breakpoints yet: b sets one on this step, B adds a condition", timeout=3)

    def on_breakpoints_pane_toggled(self, event: BreakpointsPane.Toggled) -> None:
        self.breakpoints().toggle(event.index)
        self.debugger_show()

    def on_breakpoints_pane_deleted(self, event: BreakpointsPane.Deleted) -> None:
        bps = self.breakpoints()
        bps.remove(event.index)
        self.debugger_show()
        if not len(bps):
            self.query_one(BreakpointsPane).action_leave()

    def on_option_list_option_selected(self, event) -> None:
        """A click on a breakpoint switches it on or off."""
        if isinstance(event.option_list, BreakpointsPane):
            event.stop()
            self.on_breakpoints_pane_toggled(BreakpointsPane.Toggled(event.option_index))

    def action_continue(self, forward: bool = True) -> None:
        if not self._on_main():
            return
        if self._dbg_search is not None:
            self.notify("Already running to a breakpoint (Esc stops it)", timeout=2)
            return
        bps = [b for b in self.breakpoints() if b.enabled]
        if not bps:
            self.notify("No breakpoint is on: b sets one on this step, B adds a condition", timeout=3)
            return
        c = self.cursor
        self._dbg_search = threading.Event()
        arrow = "→" if forward else "←"
        self.status.set_extra("search", f"{arrow} running to a breakpoint (Esc stops)")
        self._search_worker(c, bps, forward, self._dbg_search)

    @work(thread=True, exclusive=True, group="breakpoint-search", exit_on_error=False)
    def _search_worker(self, c, bps: list[Breakpoint], forward: bool, stop: threading.Event) -> None:
        worker = get_current_worker()
        trace = self.trace(c.part)
        last = [0.0]

        def progress(scanned: int, total: int, i: int) -> None:
            now = time.monotonic()
            if now - last[0] > 0.1:
                last[0] = now
                self.call_from_thread(self._search_progress, forward, i, scanned, total)

        try:
            result = search(trace, bps, c.iteration, c.step, forward,
                            should_stop=lambda: stop.is_set() or worker.is_cancelled, progress=progress)
        except Exception as exc:   # a bug must not leave the search flag set forever
            self.call_from_thread(self._search_failed, exc)
            return
        self.call_from_thread(self._search_done, c, result, forward)

    def _search_progress(self, forward: bool, i: int, scanned: int, total: int) -> None:
        if self._dbg_search is not None:
            arrow = "→" if forward else "←"
            self.status.set_extra("search", f"{arrow} iteration {i + 1} · {scanned}/{total} searched (Esc stops)")

    def _search_failed(self, exc: Exception) -> None:
        self._dbg_search = None
        self.status.set_extra("search", None)
        self.notify(f"The search failed: {exc}", severity="error")

    def _search_done(self, start, result: SearchResult, forward: bool) -> None:
        self._dbg_search = None
        self.status.set_extra("search", None)
        if self.cursor != start:
            self.notify("You moved while the search ran: its result was dropped", timeout=3)
            return
        if result.cancelled:
            last = result.last_iteration
            self.notify(f"Stopped after searching {result.scanned} iteration(s): no breakpoint hit in them", timeout=4)
            # Like interrupting a running program: stand where the search had got to.
            if last is not None and (last > start.iteration if forward else last < start.iteration):
                self.go(start.at(iteration=last, step=0))
            return
        if result.hit is None:
            where = "end" if forward else "start"
            self.notify(f"No breakpoint hit before the {where} of this part", timeout=4)
            return
        hit = result.hit
        self._dbg_stopped = ((start.part, hit.iteration, hit.step), hit.breakpoint)
        place = hit.breakpoint.kind in ("step", "iteration")
        self.notify(hit.reason, title="Breakpoint" if place else f"Breakpoint: {hit.breakpoint.describe()}",
                    timeout=5)
        self.go(start.at(iteration=hit.iteration, step=hit.step))

    # ---- watches ------------------------------------------------------------------------
    def action_add_watch(self) -> None:
        if not self._on_main():
            return
        trace = self.trace()
        watches = self.watches()

        def check(text: str) -> str | None:
            try:
                Watch.of(trace, text)
            except WatchError as exc:
                return str(exc)
            return None

        def done(text: str | None) -> None:
            if not text:
                return
            new = Watch.of(trace, text)
            same = [w for w in watches if (w.name, w.index) == (new.name, new.index)]
            if same:
                watches.remove(same[0])
                self.notify(f"Stopped watching {same[0].label}", timeout=2)
            else:
                watches.append(new)
            self._refresh_watches()

        from .watch_dialog import WatchDialog   # only when asked: keeps it out of start-up
        step = self.current_step
        self.push_screen(WatchDialog(check, [w.text for w in watches], step.result.name), done)

    def watch_rows(self, trace, c, watches: list[Watch]) -> list[WatchShown]:
        rows = []
        for w in watches:
            v = w.value(trace, c.iteration, c.step)
            its, vals = w.history(trace, c.iteration, c.step, HISTORY)
            note = ""
            if v.previous:
                note = f"from iteration {v.iteration + 1}: {trace.step_ids[w.step]} has not run yet in this one"
            elif v.value is None:
                note = f"computed at {trace.step_ids[w.step]}"
            rows.append(WatchShown(w.label, w.history_label, v.value, note, tuple(its), tuple(vals), c.iteration))
        return rows

    def _refresh_watches(self) -> None:
        pane = self.query_one(WatchPane)
        pane.border_title = "Watches"
        watches = list(self.watches())
        if not watches:
            pane.show([])
            return
        if self.quiz_pending() is not None:   # a watched value may be the answer a question asks for
            pane.show([])
            pane.border_subtitle = "hidden until you answer"
            return
        c, trace = self.cursor, self.trace()
        missing = sum(w.missing(trace, c.iteration, c.step, HISTORY) for w in watches)
        if missing <= SYNC_POINTS:
            pane.show(self.watch_rows(trace, c, watches))
        else:
            pane.border_subtitle = "computing history …"
            self._watch_worker(c, watches)

    @work(thread=True, exclusive=True, group="watch-history", exit_on_error=False)
    def _watch_worker(self, c, watches: list[Watch]) -> None:
        rows = self.watch_rows(self.trace(c.part), c, watches)
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._watch_rows_ready, c, rows)

    def _watch_rows_ready(self, c, rows: list[WatchShown]) -> None:
        pane = self.query_one(WatchPane)
        pane.border_subtitle = ""
        if c == self.cursor:
            pane.show(rows)

    # ---- proof and views ----------------------------------------------------------------
    def action_gradcheck(self) -> None:
        if self._on_main() and not self.quiz_blocks("the gradient check"):
            c = self.cursor
            watched = tuple((w.name, w.index) for w in self.watches() if w.index is not None)
            from .gradcheck_screen import GradCheckScreen   # only when asked: keeps it out of start-up
            self.push_screen(GradCheckScreen(self.trace(), c.iteration, c.step_id, watched=watched))

    def action_minibatch(self) -> None:
        if self._on_main() and not self.quiz_blocks("the minibatch view"):
            from .minibatch_screen import MinibatchScreen   # only when asked: keeps it out of start-up
            self.push_screen(MinibatchScreen(self.trace(), self.cursor.iteration, self.default_element()))

    def action_landscape(self) -> None:
        if self._on_main() and not self.quiz_blocks("the loss landscape"):
            from .landscape_screen import LandscapeScreen   # only when asked: keeps it out of start-up
            self.push_screen(LandscapeScreen(self.trace(), self.cursor.iteration, self.default_element()))

