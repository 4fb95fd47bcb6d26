"""Live recording: capture what a running Textual app sends to the terminal into an asciinema cast.

In a real terminal Textual renders every screen update to escape sequences inside `App._display`
and hands them to its driver's `write`; the recorder wraps both (on the app and driver *instances*,
nothing global) and keeps exactly the bytes written during a display, one cast event per display.
Mode switches (alternate screen, mouse reporting, bracketed paste) are not display writes and stay
out of the cast, so `asciinema play` never leaves the viewer's terminal in a strange mode.

Headless apps (Pilot, `chainstep record`) skip the rendering step altogether, so there the recorder
renders each compositor update itself, with a fixed truecolor console.

Keys reach `App.on_event` before anything else handles them; the recorder logs them there, into
the keystroke log beside the cast, on the same (idle-capped) clock as the cast.

These hooks touch two private names of Textual 8.2 (`App._display`, `Screen._compositor`); the
version is pinned in pyproject.toml and tests/tui/test_recording.py fails loudly if they move.
"""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from rich.console import Console
from rich.control import Control
from textual import events
from textual.app import App
from textual.binding import Binding

from .cast import DEFAULT_IDLE_CAP, CastWriter, KeyLogWriter, LiveClock, RecordingPathError, keylog_path_for

# Sent before the first frame: hide the cursor, plain attributes, clear. No alternate screen and
# no mouse modes, so a cast cut short leaves a player's terminal usable.
PREAMBLE = "\x1b[?25l\x1b[0m\x1b[H\x1b[2J"
REC_BADGE = "● REC"
STATUS_KEY_REC = "rec"
STATUS_KEY_CAPTION = "caption"
SWALLOWED = "chainstep_swallowed"   # set on a key event that a hook consumed before the app saw it
RECORDER_KEYS = frozenset({"ctrl+r", "ctrl+s"})


def trailer(height: int) -> str:
    """Sent when a recording stops: plain attributes, cursor back on, below the last line."""
    return f"\x1b[0m\x1b[{max(height, 1)};1H\x1b[?25h\r\n"


def truecolor_console(width: int, height: int) -> Console:
    """A console independent of the environment, so headless renders are the same everywhere."""
    return Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                   color_system="truecolor", legacy_windows=False, safe_box=False)


def screen_lines(app: App, console: Console) -> list[str]:
    """The current screen as one escape-sequence string per terminal row.

    Uses `render_strips`, which (unlike a full `render_update`) leaves the compositor's dirty
    regions alone, so taking a frame never costs the real terminal an update.
    """
    from textual._context import visible_screen_stack  # modal screens let the ones below show
    token = visible_screen_stack.set(app._background_screens)
    try:
        strips = app.screen._compositor.render_strips()
    finally:
        visible_screen_stack.reset(token)
    return [strip.render(console) for strip in strips]


class ScreenDiff:
    """Turns successive screens into terminal output that repaints only the rows that changed."""

    def __init__(self, console: Console):
        self.console = console
        self._rows: list[str] | None = None

    def frame(self, app: App) -> str:
        rows = screen_lines(app, self.console)
        previous = self._rows
        self._rows = rows
        if previous is None or len(previous) != len(rows):
            changed = range(len(rows))
            out = [PREAMBLE]
        else:
            changed = [y for y, (a, b) in enumerate(zip(previous, rows)) if a != b]
            out = []
        for y in changed:
            out.append(f"\x1b[{y + 1};1H\x1b[0m")
            out.append(rows[y])
        if out:
            out.append("\x1b[0m")
        return "".join(out)


def _cursor_move(app: App) -> str:
    position = app.screen.outer_size.clamp_offset(app.cursor_position)
    return Control.move_to(*position).segment.text


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
    """Records a (running or not yet started) app into `path` and a keystroke log beside it.

    The files are created in `__init__`, so a bad path raises `RecordingPathError` before anything
    else happens. `start()` installs the hooks, `stop()` removes them and closes the files.
    """

    def __init__(self, app: App, path: str | os.PathLike[str], *, idle_cap: float | None = DEFAULT_IDLE_CAP,
                 keylog: bool = True, size: tuple[int, int] | None = None, scenario: str | None = None,
                 show_badge: bool = True, ignore_keys: frozenset[str] = frozenset(),
                 clock: Callable[[], float] | None = None):
        self.app = app
        self.path = Path(path)
        self.show_badge = show_badge
        self.ignore_keys = ignore_keys
        width, height = size or _current_size(app)
        name = scenario if scenario is not None else scenario_name(app)
        self.cast = CastWriter(path, width, height, title=f"chainstep {name}".strip(),
                               env={"TERM": os.environ.get("TERM", "xterm-256color")})
        self.keylog: KeyLogWriter | None = None
        if keylog:
            try:
                self.keylog = KeyLogWriter(keylog_path_for(path), name, width, height)
            except RecordingPathError:
                self.cast.close()
                raise
        self.clock = clock or LiveClock(idle_cap)
        self._console: Console | None = None
        self._capture: list[str] | None = None
        self._wrapped_driver: Any = None
        self._running = False
        self._previous: dict[str, Any] = {}
        self._hooks: dict[str, Any] = {}
        self._write_hook: Any = None

    # -- hooks ---------------------------------------------------------------------------------
    def start(self) -> "Recorder":
        app = self.app
        if self._running:
            return self
        self._running = True
        # Wrap whatever is in place now (another hook, e.g. a presenter replay, may be there first).
        self._previous = {name: app.__dict__.get(name) for name in ("_display", "on_event")}
        original_display = app._display
        original_on_event = app.on_event

        def _display(screen: Any, renderable: Any) -> None:
            if not self._running:   # stopped, but a later hook wraps this one: just pass through
                return original_display(screen, renderable)
            self._wrap_driver()
            if app.is_headless:
                original_display(screen, renderable)
                if renderable is not None and not getattr(app, "_batch_count", 0):
                    self._emit(renderable.render_segments(self._headless_console()) + _cursor_move(app))
                return
            self._capture = []
            try:
                original_display(screen, renderable)
            finally:
                data, self._capture = "".join(self._capture), None
            self._emit(data)

        async def on_event(event: events.Event) -> None:
            if not self._running:
                return await original_on_event(event)
            if isinstance(event, events.Resize):
                size = event.size
                if (size.width, size.height) != (self.cast.width, self.cast.height):
                    self.cast.resize(self.clock(), size.width, size.height)
            fresh_key = isinstance(event, events.Key) and not event.is_forwarded  # forwarding marks it
            await original_on_event(event)
            # Logged once handled: a key that stopped this recording is not in its log, and a key
            # an inner hook swallowed (a presenter's "next" press) never reached the app.
            if fresh_key and not getattr(event, SWALLOWED, False):
                self.log_key(event.key)

        self._hooks = {"_display": _display, "on_event": on_event}
        app.__dict__.update(self._hooks)
        if _is_running(app):
            self._emit(PREAMBLE + self._full_frame())
            self._wrap_driver()
        else:
            self._emit(PREAMBLE)  # the app's first display is a full screen anyway
        if self.show_badge:
            set_status(app, STATUS_KEY_REC, REC_BADGE)
        return self

    def stop(self) -> None:
        if not self._running:
            return
        if self.show_badge:
            set_status(self.app, STATUS_KEY_REC, None)
        self._running = False
        # Unhook only where ours is still the outermost hook; otherwise it stays as a pass-through.
        for name, previous in self._previous.items():
            if self.app.__dict__.get(name) is not self._hooks[name]:
                continue
            if previous is None:
                self.app.__dict__.pop(name, None)
            else:
                self.app.__dict__[name] = previous
        driver = self._wrapped_driver
        if driver is not None:
            if driver.__dict__.get("write") is self._write_hook:
                driver.__dict__.pop("write", None)
            self._wrapped_driver = None
        self.cast.output(self.clock(), trailer(self.cast.height))
        self.cast.close()
        if self.keylog is not None:
            self.keylog.close()

    @property
    def running(self) -> bool:
        return self._running

    def log_key(self, key: str) -> None:
        if self._running and self.keylog is not None and key not in self.ignore_keys:
            self.keylog.key(self.clock(), key)

    # -- internals -----------------------------------------------------------------------------
    def _emit(self, data: str) -> None:
        if data and self._running:
            self.cast.output(self.clock(), data)

    def _headless_console(self) -> Console:
        if self._console is None:
            self._console = truecolor_console(self.cast.width, self.cast.height)
        return self._console

    def _full_frame(self) -> str:
        console = self._headless_console() if self.app.is_headless else self.app.console
        rows = screen_lines(self.app, console)
        return "".join(f"\x1b[{y + 1};1H{row}" for y, row in enumerate(rows)) + "\x1b[0m" + _cursor_move(self.app)

    def _wrap_driver(self) -> None:
        driver = getattr(self.app, "_driver", None)
        if driver is None or driver is self._wrapped_driver:
            return
        original_write = driver.write

        def write(data: str) -> None:
            if self._capture is not None:
                self._capture.append(data)
            original_write(data)

        driver.write = write
        self._write_hook = write
        self._wrapped_driver = driver


def _is_running(app: App) -> bool:
    try:
        return app.is_running and app._driver is not None and bool(app.screen_stack)
    except Exception:
        return False


def _current_size(app: App) -> tuple[int, int]:
    if _is_running(app):
        return app.size.width, app.size.height
    # Before the app starts: the size the Linux driver is about to read from the same terminal.
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

    def start_recording(self, path: str | os.PathLike[str] | None = None) -> Recorder:
        """Start recording into `path` (a new timestamped file if None); raises RecordingPathError."""
        if self.recorder is not None and self.recorder.running:
            return self.recorder
        if path is None:
            path = new_recording_path(self.recording_dir, scenario_name(self))
        self.recorder = Recorder(self, path, idle_cap=self.idle_cap, ignore_keys=self.RECORDER_KEYS).start()
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
