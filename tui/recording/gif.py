"""Animated GIFs for slides: the app's own SVG screenshots, rasterised and put in sequence.

Frames come from a headless app driven like `chainstep record` (keys, pauses, captions at the
script's pace), or, with no script, one frame per step of the first iteration like `export --svg`.
Each frame is `App.export_screenshot()` (the very SVG `export --svg` writes), rasterised by
CairoSVG and assembled by Pillow; both come with the `gif` extra.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from textual.app import App

from .recorder import STATUS_KEY_CAPTION, set_status
from .scripted import freeze_blinking, settle
from .tape import Action, Caption, Press, schedule

MIN_FRAME_MS = 20   # GIF players round shorter frames up anyway (and some treat them as 100 ms)
EXTRA_HINT = "pip install 'chainstep[gif]' (CairoSVG and Pillow; CairoSVG also needs the cairo library)"


class GifUnavailable(RuntimeError):
    """The libraries that draw GIFs are missing; the message says how to install them."""


@dataclass(frozen=True)
class Frame:
    svg: str
    seconds: float


def _libraries() -> tuple[Any, Any]:
    try:
        import cairosvg
        from PIL import Image
    except (ImportError, OSError) as exc:   # OSError: CairoSVG is installed but libcairo is not
        raise GifUnavailable(f"GIF export needs CairoSVG and Pillow ({exc}); {EXTRA_HINT}") from None
    return cairosvg, Image


def check_available() -> None:
    """Raise GifUnavailable before any work starts if the GIF libraries cannot be loaded."""
    _libraries()


async def script_frames(make_app: Callable[[], App], actions: list[Action], *, size: tuple[int, int],
                        pace: float, title: str) -> list[Frame]:
    """A screenshot after the app settles at each key or caption, held until the next one."""
    timed, end = schedule(actions, pace)
    shots: list[tuple[float, str]] = []
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        freeze_blinking(app)
        app.clear_notifications()
        await pilot.pause()
        shots.append((0.0, app.export_screenshot(title=title)))
        for item in timed:
            if isinstance(item.action, Press):
                await pilot.press(item.action.key)
            elif isinstance(item.action, Caption):
                set_status(app, STATUS_KEY_CAPTION, item.action.text or None)
            if not app.is_running:
                end = min(end, round(item.time + pace, 6))
                break
            await settle(app, pilot)
            freeze_blinking(app)
            app.clear_notifications()   # a toast would otherwise stay for as long as the machine took
            await pilot.pause()
            shot = app.export_screenshot(title=title)
            if shots and item.time == shots[-1][0]:
                shots[-1] = (item.time, shot)   # a caption and a key at one instant: one frame
            else:
                shots.append((item.time, shot))
    times = [t for t, _ in shots] + [end]
    return [Frame(svg, max(times[n + 1] - t, 0.0)) for n, (t, svg) in enumerate(shots)]


def _raster(cairosvg: Any, Image: Any, svg: str) -> Any:
    # xml:space="preserve": Textual's SVG relies on it for runs of spaces (as rsvg-convert does).
    if "xml:space" not in svg[:400]:
        svg = svg.replace("<svg ", '<svg xml:space="preserve" ', 1)
    # Cairo takes the first family only; without Fira Code installed it fell back to a proportional
    # font, and the columns no longer lined up. The generic family finds the system's monospace.
    svg = svg.replace("font-family: Fira Code, monospace", "font-family: monospace")
    png = cairosvg.svg2png(bytestring=svg.encode("utf-8"))
    return Image.open(io.BytesIO(png)).convert("RGB")


def write_gif(frames: Sequence[Frame], path: str | os.PathLike[str], *, loop: bool = True) -> int:
    """Rasterise `frames` into an animated GIF at `path`; returns the number of frames written."""
    cairosvg, Image = _libraries()
    if not frames:
        raise ValueError("no frames to write")
    images = [_raster(cairosvg, Image, f.svg) for f in frames]
    # One palette for all frames (from the first): colours stay put from frame to frame.
    first = images[0].quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    rest = [im.quantize(palette=first, dither=Image.Dither.NONE) for im in images[1:]]
    durations = [max(int(round(f.seconds * 1000)), MIN_FRAME_MS) for f in frames]
    first.save(Path(path), save_all=True, append_images=rest, duration=durations, loop=0 if loop else 1,
               optimize=False, disposal=1)
    return len(images)
