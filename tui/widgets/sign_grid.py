"""Gradient signs: for every parameter, whether the coming update raises or lowers each entry.

The update is p ← p − η·∂L/∂p, so a negative gradient raises the parameter (▲) and a positive one
lowers it (▼); · is a zero gradient. Brighter means a larger gradient, relative to that parameter.
Parameters too big to show cell by cell are shown as block means (the sign of the average push).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...core.formatting import sub
from ...core.summary import block_mean

RAISE, LOWER, ZERO, BAD = "▲", "▼", "·", "!"
MAX_ROWS = 12


@dataclass(frozen=True)
class ParamSigns:
    name: str                  # W1, b2, ...
    grad: np.ndarray | None    # None while the gradient is not reached in this iteration
    frozen: bool = False
    applied: bool = False      # its update step has run in this iteration
    reached_at: str = ""       # step id that computes the gradient

    @property
    def label(self) -> str:
        return self.name[0] + sub(self.name[1:])


DEFAULT_STYLES = {
    "raise": Style(color="green"), "lower": Style(color="red"), "zero": Style(dim=True),
    "bad": Style(color="magenta", bold=True), "title": Style(bold=True), "dim": Style(dim=True),
}


def glyph(v: float) -> str:
    if not math.isfinite(v):
        return BAD
    return RAISE if v < 0 else (LOWER if v > 0 else ZERO)


def _shade(style: Style, level: int) -> Style:
    """Level 0 (small), 1, 2 (large relative to the biggest entry)."""
    return style + (Style(dim=True) if level == 0 else Style(bold=True) if level == 2 else Style())


class SignGrid:
    """A Rich renderable of the sign grids of all parameters."""

    def __init__(self, params: list[ParamSigns], styles: dict[str, Style] | None = None,
                 max_rows: int = MAX_ROWS) -> None:
        self.params = params
        self.styles = {**DEFAULT_STYLES, **(styles or {})}
        self.max_rows = max_rows

    def lines(self, width: int) -> list[Text]:
        s = self.styles
        out: list[Text] = []
        legend = Text()
        legend.append(f"{RAISE} up", s["raise"]).append("  ").append(f"{LOWER} down", s["lower"])
        legend.append("  ").append(f"{ZERO} zero", s["zero"]).append("  brighter = larger", s["dim"])
        out.append(legend)
        for p in self.params:
            head = Text()
            head.append(p.label, s["title"])
            if p.grad is not None:
                head.append(f" {'×'.join(map(str, p.grad.shape))}", s["dim"])
            if p.frozen:
                head.append("  frozen: the update leaves it as it is", s["dim"])
            elif p.grad is None:
                head.append(f"  pending until {p.reached_at}", s["dim"])
            elif p.applied:
                head.append("  updated ✓", s["dim"])
            out.append(head)
            if p.grad is None or p.frozen:
                continue
            g = np.asarray(p.grad, dtype=np.float64)
            g = g.reshape(g.shape[0], -1) if g.ndim >= 2 else g.reshape(-1, 1)
            cols = max(1, (width - 2) // 2)
            grid = block_mean(g, self.max_rows, cols)
            if grid.shape != g.shape:
                out.append(Text(f"  block means, {grid.shape[0]}×{grid.shape[1]} cells", s["dim"]))
            with np.errstate(all="ignore"):
                mags = np.abs(grid[np.isfinite(grid)])
            top = float(mags.max()) if mags.size else 0.0
            for row in grid:
                line = Text("  ")
                for v in row:
                    v = float(v)
                    gl = glyph(v)
                    if gl == BAD:
                        line.append(gl + " ", s["bad"])
                    elif gl == ZERO:
                        line.append(gl + " ", s["zero"])
                    else:
                        ratio = abs(v) / top if top else 0.0
                        level = 2 if ratio >= 0.5 else (1 if ratio >= 0.1 else 0)
                        line.append(gl + " ", _shade(s["raise" if gl == RAISE else "lower"], level))
                out.append(line)
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines(options.max_width):
            line.no_wrap, line.overflow = True, "crop"
            yield line


class SignGridView(VerticalScroll, can_focus=False):
    """The pane holding the sign grid; redrawn only when what it shows changes."""

    COMPONENT_CLASSES = {"sign-grid--raise", "sign-grid--lower", "sign-grid--zero", "sign-grid--bad",
                         "sign-grid--title", "sign-grid--dim"}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._body = Static("", id="sign-body")
        self._key: object = None
        self.grid: SignGrid | None = None

    def compose(self):
        yield self._body

    def show(self, params: list[ParamSigns], key: object) -> None:
        """`key` identifies what `params` hold (part, iteration, which gradients, which applied)."""
        if key == self._key:
            return
        self._key = key
        styles = {n: self.get_component_rich_style(f"sign-grid--{n}") for n in DEFAULT_STYLES}
        self.grid = SignGrid(params, styles)
        self._body.update(self.grid)

    @property
    def plain(self) -> str:
        if self.grid is None:
            return ""
        width = max(10, self.scrollable_content_region.width)
        return "\n".join(t.plain for t in self.grid.lines(width))
