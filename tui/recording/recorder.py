"""Live recording: what a running Textual app draws, into an asciinema cast.

The app runs on a tee driver (tee.py): Textual's own driver with every screen write also handed
to the listeners of `app.terminal_tee`. A recorder is one such listener, and writes each screen
update as one cast event. Only public Textual extension points are involved: the driver class the
app picks through `get_driver_class()`, `on_event` for the keys, and `refresh()` for a full frame
when a recording starts mid-session.

Timestamps are real; the header's `idle_time_limit` tells players to shorten long pauses (the way
`asciinema rec -i` does), so the file keeps the session's true timing. Keys go to a keystroke log
beside the cast and, on request, into the cast as `"i"` (input) events too.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterator

from textual import events
from textual.app import App
from textual.binding import Binding

from .cast import DEFAULT_IDLE_CAP, CastWriter, KeyLogWriter, LiveClock, RecordingPathError, keylog_path_for
from .keynames import terminal_input
from .tee import OutputTee, app_tee, tee_driver

# Sent before the first frame: hide the cursor, plain attributes, clear. No alternate screen and
# no mouse modes, so a cast cut short leaves a player's terminal usable.
PREAMBLE = "\x1b[?25l\x1b[0m\x1b[H\x1b[2J"
REC_BADGE = "● REC"
STATUS_KEY_REC = "rec"
STATUS_KEY_CAPTION = "caption"
RECORDER_KEYS = frozenset({"ctrl+r", "ctrl+s"})


def trailer(height: int) -> str:
    """Sent when a recording stops: plain attributes, cursor back on, below the last line."""
    return f"\x1b[0m\x1b[{max(height, 1)};1H\x1b[?25h\r\n"


def set_status(app: App, key: str, text: str | None) -> bool:
    """Put `text` in the status line's extra slot `key`; False if the app has no status bar."""
    from ..panes.status_bar import StatusBar
    # Look through the whole stack: with a dialog open, the status bar is on the screen beneath.
    for screen in reversed(getattr(app, "screen_stack", [])):
        try:
            bar = screen.query_one(StatusBar)
        except Exception:  # not on this screen (or the app is shutting down)
            continue
        bar.set_extra(key, text)
        return True
    return False


def scenario_name(app: App) -> str:
    sc = getattr(app, "scenario", None)
    return str(getattr(sc, "name", "") or getattr(app, "scenario_name", "") or "")


class Recorder:
    """Records an app with RecordingControls into `path` and a keystroke log beside it.

    The files are created in `__init__`, so a bad path raises `RecordingPathError` before anything
    else happens. `start()` begins listening (the app may be running or not yet started), `stop()`
    stops and closes the files.
    """

    def __init__(self, app: App, path: str | os.PathLike[str], *, idle_cap: float | None = DEFAULT_IDLE_CAP,
                 keylog: bool = True, size: tuple[int, int] | None = None, scenario: str | None = None,
                 show_badge: bool = True, ignore_keys: frozenset[str] = frozenset(),
                 input_events: bool = False, clock: Callable[[], float] | None = None):
        self.app = app
        self.path = Path(path)
        self.show_badge = show_badge
        self.ignore_keys = ignore_keys
        self.input_events = input_events
        idle = idle_cap if idle_cap and idle_cap > 0 else None
        width, height = size or _current_size(app)
        name = scenario if scenario is not None else scenario_name(app)
        self.cast = CastWriter(path, width, height, title=f"chainstep {name}".strip(), idle_time_limit=idle,
                               env={"TERM": os.environ.get("TERM", "xterm-256color")})
        self.keylog: KeyLogWriter | None = None
        if keylog:
            extra = {"idle_time_limit": idle} if idle else {}
            try:
                self.keylog = KeyLogWriter(keylog_path_for(path), name, width, height, **extra)
            except RecordingPathError:
                self.cast.close()
                raise
        self.clock = clock or LiveClock(None)   # real time: players apply idle_time_limit
        self._running = False
        self._tee: OutputTee | None = None

    def start(self) -> "Recorder":
        if self._running:
            return self
        self._running = True
        self._tee = app_tee(self.app)
        self._emit(PREAMBLE)
        if self._tee is not None:
            self._tee.add(self._emit)
        active = getattr(self.app, "active_recorders", None)
        if isinstance(active, list):
            active.append(self)
        if _is_running(self.app):
            self.app.refresh()   # the next screen update repaints everything, into the cast too
        if self.show_badge:
            set_status(self.app, STATUS_KEY_REC, REC_BADGE)
        return self

    def stop(self) -> None:
        if not self._running:
            return
        if self.show_badge:
            set_status(self.app, STATUS_KEY_REC, None)
        self._running = False
        if self._tee is not None:
            self._tee.discard(self._emit)
        active = getattr(self.app, "active_recorders", None)
        if isinstance(active, list) and self in active:
            active.remove(self)
        self.cast.output(self.clock(), trailer(self.cast.height))
        self.cast.close()
        if self.keylog is not None:
            self.keylog.close()

    @property
    def running(self) -> bool:
        return self._running

    @property
    def captures_output(self) -> bool:
        """False when the app runs without a tee driver (then the cast stays blank)."""
        return self._tee is not None and self._tee.connected

    def log_key(self, key: str, character: str | None = None) -> None:
        if not self._running or key in self.ignore_keys:
            return
        at = self.clock()
        if self.keylog is not None:
            self.keylog.key(at, key)
        if self.input_events:
            data = terminal_input(key, character)
            if data:
                self.cast.input(at, data)
        self._check_writes()

    def resized(self, width: int, height: int) -> None:
        if self._running and (width, height) != (self.cast.width, self.cast.height):
            self.cast.resize(self.clock(), width, height)

    def _emit(self, data: str) -> None:
        if data and self._running:
            self.cast.output(self.clock(), data)
            self._check_writes()

    def _check_writes(self) -> None:
        """On a write error (a full disk) stop recording and say so; the files stay valid, the app runs on."""
        failed = self.cast.error or (self.keylog.error if self.keylog is not None else None)
        if failed is None or not self._running:
            return
        self.stop()
        notify = getattr(self.app, "notify", None)
        if notify is not None and _is_running(self.app):
            self.app.call_later(notify, f"Recording stopped: cannot write {self.path} ({failed.strerror or failed}); "
                                "what was recorded until now is kept", title="Recording", severity="error")


def _is_running(app: App) -> bool:
    try:
        return bool(app.is_running and app.screen_stack)
    except Exception:
        return False


def _current_size(app: App) -> tuple[int, int]:
    if _is_running(app):
        return app.size.width, app.size.height
    # Before the app starts: the size the terminal driver is about to read from the same terminal.
    size = shutil.get_terminal_size()
    return size.columns, size.lines


@contextlib.contextmanager
def recording_enabled(app: App, path: str | os.PathLike[str] | None = None, *,
                      idle_cap: float | None = DEFAULT_IDLE_CAP, keylog: bool = True) -> Iterator[Recorder]:
    """Record a running app for the duration of the block (for tests and tests/bench.py).

    With no `path`, records into a temporary directory that is removed afterwards.
    """
    with contextlib.ExitStack() as stack:
        if path is None:
            path = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chainstep-rec-"))) / "bench.cast"
        recorder = Recorder(app, path, idle_cap=idle_cap, keylog=keylog).start()
        try:
            yield recorder
        finally:
            recorder.stop()


# -- in-app controls ---------------------------------------------------------------------------
def new_recording_path(directory: str | os.PathLike[str], scenario: str, suffix: str = ".cast") -> Path:
    """`chainstep-xor-20261123-062400.cast` in `directory`, never overwriting an existing file."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = Path(directory) / f"chainstep-{scenario or 'session'}-{stamp}"
    path, n = base.with_name(base.name + suffix), 2
    while path.exists():
        path, n = base.with_name(f"{base.name}-{n}{suffix}"), n + 1
    return path


class RecordingControls(App):
    """Keys to start/stop a recording and to save the screen as SVG; mixed into the app class.

    The app sets `recording_dir` / `screenshot_dir` (default: the working directory) and
    `idle_cap`; `chainstep SCENARIO --record PATH` starts with a recorder already running.
    """

    BINDINGS = [
        # show=False: the footer is for stepping; the help screen lists these.
        # priority: they work on every screen, dialogs included (a recording must be stoppable anywhere).
        Binding("ctrl+r", "toggle_recording", "Record", show=False, priority=True,
                tooltip="Start or stop recording an asciinema cast (with a keystroke log beside it)"),
        Binding("ctrl+s", "save_svg", "Screenshot", show=False, priority=True,
                tooltip="Save the current screen as an SVG file"),
    ]
    RECORDER_KEYS = RECORDER_KEYS

    recorder: Recorder | None = None
    recording_dir: str = "."
    screenshot_dir: str = "."
    idle_cap: float | None = DEFAULT_IDLE_CAP
    input_events: bool = False   # also write keys into casts as "i" events

    def get_driver_class(self) -> Any:
        """Textual's choice of driver, teed so that recorders see what it draws."""
        return tee_driver(super().get_driver_class())

    @cached_property
    def terminal_tee(self) -> OutputTee:
        return OutputTee()

    @cached_property
    def active_recorders(self) -> list[Recorder]:
        return []

    @cached_property
    def key_interceptors(self) -> list[Callable[[events.Key], bool]]:
        """Called with each key first; one returning True consumes it (a presenter's replay)."""
        return []

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Resize):
            for recorder in list(self.active_recorders):
                recorder.resized(event.size.width, event.size.height)
        fresh_key = isinstance(event, events.Key) and not event.is_forwarded   # forwarding marks it
        if fresh_key and any(intercept(event) for intercept in list(self.key_interceptors)):  # type: ignore[arg-type]
            return   # consumed before the app saw it: not logged either
        await super().on_event(event)
        # Logged once handled: a key that stopped a recording is not in its log.
        if fresh_key:
            for recorder in list(self.active_recorders):
                recorder.log_key(event.key, event.character)  # type: ignore[attr-defined]

    def start_recording(self, path: str | os.PathLike[str] | None = None) -> Recorder:
        """Start recording into `path` (a new timestamped file if None); raises RecordingPathError."""
        if self.recorder is not None and self.recorder.running:
            return self.recorder
        if path is None:
            path = new_recording_path(self.recording_dir, scenario_name(self))
        self.recorder = Recorder(self, path, idle_cap=self.idle_cap, ignore_keys=self.RECORDER_KEYS,
                                 input_events=self.input_events).start()
        return self.recorder

    def stop_recording(self) -> Path | None:
        recorder, self.recorder = self.recorder, None
        if recorder is None or not recorder.running:
            return None
        recorder.stop()
        return recorder.path

    def action_toggle_recording(self) -> None:
        if self.recorder is not None and self.recorder.running:
            path = self.stop_recording()
            self.notify(f"Saved {path} (play it with: asciinema play {path})", title="Recording stopped")
            return
        try:
            recorder = self.start_recording()
        except RecordingPathError as exc:
            self.notify(str(exc), title="Cannot record", severity="error")
            return
        if not recorder.captures_output:
            self.notify("This session draws to no terminal (headless), so the cast shows no screen",
                        title="Recording", severity="warning")
        self.notify(f"Recording to {recorder.path}; press ctrl+r again to stop", title="Recording")

    def action_save_svg(self) -> None:
        path = new_recording_path(self.screenshot_dir, scenario_name(self), ".svg")
        try:
            saved = self.save_screenshot(path.name, str(path.parent))
        except OSError as exc:
            self.notify(f"Cannot save {path}: {exc.strerror or exc}", title="Screenshot", severity="error")
            return
        self.notify(f"Saved {saved}", title="Screenshot")

    def on_mount(self) -> None:
        # A recording started before the app ran (--record) could not show its badge yet.
        if self.recorder is not None and self.recorder.running and self.recorder.show_badge:
            set_status(self, STATUS_KEY_REC, REC_BADGE)

    def on_unmount(self) -> None:
        # Textual calls this handler even when the app class defines its own on_unmount.
        self.stop_recording()
