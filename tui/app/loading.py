"""Opening a scenario from inside the app: off the UI thread, cancellable, and never fatal.

A file opened from the picker or the palette is read in a worker thread, with a notice while it
loads; Esc stops waiting for it. Whatever goes wrong ends on the error screen and the scenario
that was open stays open. In a session served to a browser (`chainstep serve`), only the bundled
scenarios and the ones the teacher named can be opened: nothing the browser types is a path.
"""
from __future__ import annotations

import json
import os
from functools import partial
from pathlib import Path

from textual.app import App
from textual.worker import Worker, WorkerState

from ...core.errors import printable
from ...core.scenario import Scenario, ScenarioError, bundled, bundled_name, load_scenario
from ..screens.error import ErrorScreen

SERVED_ENV = "CHAINSTEP_SERVED_SCENARIOS"   # set by `chainstep serve` for the app processes it starts


def served_scenarios() -> list[Path] | None:
    """The teacher's scenario files when this app runs for a browser; None when it runs in a terminal."""
    raw = os.environ.get(SERVED_ENV)
    if raw is None:
        return None
    try:
        paths = json.loads(raw)
    except ValueError:
        return []
    return [Path(p) for p in paths if isinstance(p, str)] if isinstance(paths, list) else []


def served_name_allowed(name: str, served: list[Path]) -> bool:
    """A bundled scenario by name, or exactly one of the files the teacher served (by its path or its stem)."""
    if any(name in (bundled_name(p), p.stem) for p in bundled()):
        return True
    return any(name in (str(p), p.stem) for p in served)


def _load(name: str) -> Scenario | Exception:
    """Runs in the worker thread: the scenario, or what went wrong (shown on the error screen)."""
    try:
        return load_scenario(name)
    except (Exception, RecursionError, MemoryError) as exc:   # anything: the app must survive a file
        return exc


def _served_path(name: str, served: list[Path]) -> str:
    for p in served:
        if name in (str(p), p.stem):
            return str(p)
    return name


class ScenarioLoading(App):
    """Mixed into the app: `open_scenario` loads in a worker; `cancel_loading` stops waiting."""

    _loading: Worker[Scenario] | None = None

    @property
    def served(self) -> list[Path] | None:
        return served_scenarios()

    def open_scenario(self, name: str) -> None:
        """Open a bundled scenario or a file; if it fails to load, say where and keep this one."""
        served = self.served
        if served is not None:
            if not served_name_allowed(name, served):
                # Say nothing about the name (whether such a file exists): the browser may probe.
                self.notify("Only the scenarios this server offers can be opened here (press o to see them)",
                            title="Not available", severity="warning", markup=False)
                return
            name = _served_path(name, served)
        self.cancel_loading()
        self.notify(f"Opening {printable(name)} … (Esc stops waiting)", title="Loading", timeout=2, markup=False)
        self._loading = self.run_worker(partial(_load, name), name=name, group="load", thread=True,
                                        exit_on_error=False)

    def cancel_loading(self) -> bool:
        """Stop waiting for a scenario being read (the thread finishes within the loader's limits)."""
        worker, self._loading = self._loading, None
        if worker is None or worker.is_finished:
            return False
        worker.cancel()
        self.notify("Stopped opening the scenario; the one that was open stays", title="Loading", timeout=2)
        return True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker is not self._loading:
            return
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        self._loading = None
        result = worker.result if event.state == WorkerState.SUCCESS else worker.error
        if isinstance(result, Scenario):
            self.load(result)   # type: ignore[attr-defined]   # ChainstepApp.load
            return
        if isinstance(result, ScenarioError):
            message = str(result)
        else:   # not a mistake the loader knows how to place: still a screen, never a crash
            message = printable(f"{worker.name}: this file could not be opened "
                                f"({type(result).__name__}: {str(result)[:200]})")
        self.push_screen(ErrorScreen(message))
