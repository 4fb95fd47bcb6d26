"""Headless runs of the app: scripted recordings, per-step SVG export, and keystroke-log replay.

A scripted recording never looks at the clock: every frame is taken once the app has settled
after a key, and stamped with the key's time from the script. So the same command writes the
same cast, byte for byte, apart from the header's timestamp.
"""
from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from textual.app import App
from textual.pilot import Pilot

from .cast import CastWriter, KeyEvent, KeyLog, KeyLogWriter, keylog_path_for
from .recording import STATUS_KEY_CAPTION, ScreenDiff, set_status, trailer, truecolor_console
from .tape import Action, Caption, Press, schedule

# Fixed, so the header does not depend on who records (only the timestamp does).
SCRIPTED_ENV = {"TERM": "xterm-256color"}


async def settle(app: App, pilot: Pilot[Any]) -> None:
    """Wait until the app has handled everything a key started: workers, refreshes, animations."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def _freeze_blinking(app: App) -> None:
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
                        title: str | None = None, timestamp: int | None = None) -> ScriptResult:
    """Run `actions` against a headless app of `size` and write the cast to `path`.

    The cast and keystroke log are created before the app starts (a bad path fails first).
    Notifications are cleared after each frame, so a toast shows for exactly one step rather than
    for however long the machine took.
    """
    width, height = size
    cast = CastWriter(path, width, height, timestamp=timestamp, title=title or f"chainstep {scenario}",
                      env=SCRIPTED_ENV)
    keys: KeyLogWriter | None = None
    try:
        if keylog:
            keys = KeyLogWriter(keylog_path_for(path), scenario, width, height, scripted=True, pace=pace)
        timed, end = schedule(actions, pace)
        diff = ScreenDiff(truecolor_console(width, height))
        frames = 0
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await settle(app, pilot)
            _freeze_blinking(app)
            cast.output(0.0, diff.frame(app))
            frames += 1
            app.clear_notifications()
            for item in timed:
                action = item.action
                if isinstance(action, Press):
                    if keys is not None:
                        keys.key(item.time, action.key)
                    await pilot.press(action.key)
                elif isinstance(action, Caption):
                    set_status(app, STATUS_KEY_CAPTION, action.text or None)
                    if action.text:
                        cast.marker(item.time, action.text)
                if not app.is_running:
                    break  # the script quit the app
                await settle(app, pilot)
                _freeze_blinking(app)
                frame = diff.frame(app)
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


async def replay_keys(app: App, pilot: Pilot[Any], log: KeyLog, *, speed: float = 1.0,
                      on_key: Callable[[int, KeyEvent], None] | None = None) -> int:
    """Press the logged keys at their recorded pace (divided by `speed`); returns how many."""
    previous = 0.0
    n = 0
    for n, event in enumerate(log.events, start=1):
        delay = (event.time - previous) / speed if speed > 0 else 0.0
        previous = event.time
        if delay > 0:
            await asyncio.sleep(delay)
        if not app.is_running:
            return n - 1
        if on_key is not None:
            on_key(n, event)
        await pilot.press(event.key)
    return n
