"""Headless runs of the app: scripted recordings, per-step SVG export, and keystroke-log replay.

A scripted recording never looks at the clock: every frame is taken once the app has settled
after a key, and stamped with the key's time from the script. So the same command writes the
same cast, byte for byte, apart from the header's timestamp.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from textual import events
from textual.app import App
from textual.pilot import Pilot

from .cast import CastWriter, KeyEvent, KeyLog, KeyLogWriter, keylog_path_for
from .keynames import key_event, terminal_input
from .recorder import PREAMBLE, RECORDER_KEYS, STATUS_KEY_CAPTION, set_status, trailer
from .tape import Action, Caption, Press, schedule
from .tee import CaptureDriver, OutputTee, app_tee

# Fixed, so the header does not depend on who records (only the timestamp does).
SCRIPTED_ENV = {"TERM": "xterm-256color"}


@contextlib.contextmanager
def _fixed_terminal() -> Iterator[None]:
    """A truecolor xterm environment while an app is made: its console reads the colours then."""
    saved = {k: os.environ.get(k) for k in ("TERM", "COLORTERM", "NO_COLOR")}
    os.environ.update(TERM="xterm-256color", COLORTERM="truecolor")
    os.environ.pop("NO_COLOR", None)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def capturing_app(make_app: Callable[[], App]) -> tuple[App, OutputTee]:
    """An app that renders for a terminal of its own, whatever this process's terminal is.

    It runs on CaptureDriver (nothing reaches a real terminal) and its drawing goes to the tee.
    """
    with _fixed_terminal():
        app = make_app()
    app.driver_class = CaptureDriver
    tee = app_tee(app)
    if tee is None:
        raise TypeError(f"{type(app).__name__} has no terminal_tee (mix in RecordingControls)")
    return app, tee


async def settle(app: App, pilot: Pilot[Any]) -> None:
    """Wait until the app has handled everything a key started: workers, refreshes, animations."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def freeze_blinking(app: App) -> None:
    # A blinking cursor would make two runs of the same script differ by when a frame was taken.
    for widget in app.query("*"):
        if getattr(widget, "cursor_blink", False) is True:
            try:
                widget.cursor_blink = False  # type: ignore[attr-defined]
            except Exception:
                pass


@dataclass
class ScriptResult:
    path: Path
    keylog: Path | None
    frames: int
    keys: int
    duration: float
    bytes: int


async def record_script(make_app: Callable[[], App], actions: list[Action], path: str | os.PathLike[str], *,
                        size: tuple[int, int], pace: float, scenario: str, keylog: bool = True,
                        title: str | None = None, timestamp: int | None = None,
                        input_events: bool = False) -> ScriptResult:
    """Run `actions` against an app of `size` with no terminal and write the cast to `path`.

    Each event holds what the app drew from one key until it settled, stamped with the key's time
    from the script. The cast and keystroke log are created before the app starts (a bad path
    fails first). Notifications are cleared after each frame, so a toast shows for exactly one
    step rather than for however long the machine took.
    """
    width, height = size
    cast = CastWriter(path, width, height, timestamp=timestamp, title=title or f"chainstep {scenario}",
                      env=SCRIPTED_ENV)
    keys: KeyLogWriter | None = None
    try:
        if keylog:
            keys = KeyLogWriter(keylog_path_for(path), scenario, width, height, scripted=True, pace=pace)
        timed, end = schedule(actions, pace)
        app, tee = capturing_app(make_app)
        drawn: list[str] = []
        tee.add(drawn.append)

        def take() -> str:
            data = "".join(drawn)
            drawn.clear()
            return data

        frames = 0
        async with app.run_test(size=size, headless=False) as pilot:
            await settle(app, pilot)
            freeze_blinking(app)
            await settle(app, pilot)
            cast.output(0.0, PREAMBLE + take())
            frames += 1
            app.clear_notifications()
            for item in timed:
                action = item.action
                if isinstance(action, Press):
                    if keys is not None:
                        keys.key(item.time, action.key)
                    if input_events:
                        cast.input(item.time, terminal_input(action.key, key_event(action.key).character) or "")
                    await pilot.press(action.key)
                elif isinstance(action, Caption):
                    set_status(app, STATUS_KEY_CAPTION, action.text or None)
                    if action.text:
                        cast.marker(item.time, action.text)
                if not app.is_running:
                    end = min(end, round(item.time + pace, 6))  # the script quit the app
                    break
                await settle(app, pilot)
                freeze_blinking(app)
                await settle(app, pilot)
                frame = take()
                if frame:
                    cast.output(item.time, frame)
                    frames += 1
                app.clear_notifications()
            cast.output(end, trailer(height))
        return ScriptResult(Path(path), keys.path if keys else None, frames,
                            keys.keys if keys else 0, end, cast.bytes_written)
    finally:
        cast.close()
        if keys is not None:
            keys.close()


def svg_name(part: int, parts: int, iteration: int, step: int, step_id: str) -> str:
    """`i001-s05-loss.L.svg` (1-based, sortable); prefixed with `p2-` when there are several parts."""
    prefix = f"p{part + 1}-" if parts > 1 else ""
    return f"{prefix}i{iteration + 1:03d}-s{step + 1:02d}-{step_id}.svg"


async def export_steps(make_app: Callable[[], App], scenario: Any, directory: str | os.PathLike[str], *,
                       size: tuple[int, int], iterations: int = 1) -> list[Path]:
    """One SVG per step of the first `iterations` iterations of every part; returns the files.

    The app must offer `cursor` (a chainstep.core.cursor.Cursor) and `go(cursor)`.
    """
    out = Path(directory)
    written: list[Path] = []
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        parts = len(scenario.parts)
        for p, part in enumerate(scenario.parts):
            trace = part.trace
            for i in range(min(iterations, trace.iterations)):
                for k, step_id in enumerate(trace.step_ids):
                    app.go(app.cursor.at(part=p, iteration=i, step=k))  # type: ignore[attr-defined]
                    await settle(app, pilot)
                    app.clear_notifications()   # slides show the step, not "Part 2" toasts
                    await pilot.pause()
                    freeze_blinking(app)
                    title = f"{scenario.name} · iteration {i + 1} · step {k + 1}/{trace.n_steps} · {step_id}"
                    path = out / svg_name(p, parts, i, k, step_id)
                    path.write_text(app.export_screenshot(title=title), encoding="utf-8")
                    written.append(path)
    return written


QUIT_KEYS = frozenset({"ctrl+q", "ctrl+c"})
STATUS_KEY_REPLAY = "replay"
PASS_THROUGH = QUIT_KEYS | RECORDER_KEYS   # a presenter can still quit, record and take screenshots


def replayable(log: KeyLog) -> list[KeyEvent]:
    """The logged keys minus a final quit: a replay should leave the presenter in the app."""
    events = list(log.events)
    while events and events[-1].key in QUIT_KEYS | {"q"}:
        events.pop()
    return events


async def _sleep_while_running(app: App, seconds: float) -> None:
    # Short slices: when the user quits mid-pause, Textual waits for this task before exiting.
    end = asyncio.get_running_loop().time() + seconds
    while app.is_running:
        left = end - asyncio.get_running_loop().time()
        if left <= 0:
            return
        await asyncio.sleep(min(left, 0.05))


async def replay_keys(app: App, pilot: Pilot[Any], log: KeyLog, *, speed: float = 1.0,
                      show_progress: bool = False) -> int:
    """Press the logged keys at their recorded pace (divided by `speed`); returns how many.

    Pauses longer than the log's `idle_time_limit` (live recordings keep real time) are cut to it.
    """
    events = replayable(log)
    limit = log.header.get("idle_time_limit")
    cap = float(limit) if isinstance(limit, (int, float)) and not isinstance(limit, bool) and limit > 0 else None
    previous = 0.0
    done = 0
    for n, event in enumerate(events, start=1):
        gap = max(event.time - previous, 0.0)
        await _sleep_while_running(app, (min(gap, cap) if cap else gap) / speed)
        previous = event.time
        if not app.is_running:
            break
        if show_progress:
            set_status(app, STATUS_KEY_REPLAY, f"▶ replay {n}/{len(events)}")
        await pilot.press(event.key)
        done = n
    if show_progress and app.is_running:
        set_status(app, STATUS_KEY_REPLAY, None)
    return done


class PresenterReplay:
    """Each key the presenter presses plays the next logged key instead; quit and record keys still work.

    When the log runs out, keys work normally again.
    """

    def __init__(self, app: App, log: KeyLog):
        self.app = app
        self.events = replayable(log)
        self.position = 0
        self._injected: set[int] = set()

    def install(self) -> "PresenterReplay":
        interceptors = getattr(self.app, "key_interceptors", None)
        if not isinstance(interceptors, list):
            raise TypeError(f"{type(self.app).__name__} has no key_interceptors (mix in RecordingControls)")
        interceptors.append(self.intercept)
        return self

    def intercept(self, event: events.Key) -> bool:
        """True (consumed) for a presenter's key while logged keys remain; ours pass through."""
        if id(event) in self._injected:
            self._injected.discard(id(event))
            return False
        if event.key in PASS_THROUGH or self.position >= len(self.events):
            return False
        self._advance()
        return True

    @property
    def remaining(self) -> int:
        return len(self.events) - self.position

    def _advance(self) -> None:
        event = key_event(self.events[self.position].key)
        self.position += 1
        self._injected.add(id(event))
        left = self.remaining
        set_status(self.app, STATUS_KEY_REPLAY, f"▶ {self.position}/{len(self.events)}" if left else None)
        self.app.post_message(event)
