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
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core.formatting import sub
from ._lines import set_virtual_size
from ...core.summary import block_mean

RAISE, LOWER, ZERO, BAD, PENDING = "▲", "▼", "·", "!", "◦"
MAX_ROWS = 12


@dataclass(frozen=True)
class ParamSigns:
    name: str                  # W1, b2, ...
    grad: np.ndarray | None    # None while the gradient is not reached in this iteration
    frozen: bool = False
    applied: bool = False      # its update step has run in this iteration
    reached_at: str = ""       # where the gradient is computed, as the user reads it ("step 14")
    shape: tuple[int, ...] = ()  # the parameter's shape, so a pending one keeps its place

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


Run = tuple[str, str]   # text and a style key: "raise0".."raise2", "lower0".."lower2", "zero", ...


def grid_lines(params: list[ParamSigns], width: int, max_rows: int = MAX_ROWS) -> list[list[Run]]:
    """The sign grid as lines of styled runs (adjacent glyphs of one style merged)."""
    out: list[list[Run]] = [[(f"{RAISE} raises", "raise2"), ("  ", "dim"), (f"{LOWER} lowers", "lower2"),
                             ("  ", "dim"), (f"{ZERO} stays", "zero")]]
    for p in params:
        head: list[Run] = [(p.label, "title")]
        shape = p.grad.shape if p.grad is not None else p.shape
        if shape:
            head.append((f" {'×'.join(map(str, shape))}", "dim"))
        if p.frozen:
            head.append(("  frozen: never updated", "dim"))
        elif p.grad is None:
            head.append((f"  pending until {p.reached_at}" if p.reached_at else "  pending", "dim"))
        elif p.applied:
            head.append(("  updated ✓", "dim"))
        out.append(head)
        if p.frozen or (p.grad is None and not p.shape):
            continue
        if p.grad is None:   # the same rows the gradient will fill, so nothing below it moves
            r, c = p.shape[0], int(np.prod(p.shape[1:])) if len(p.shape) > 1 else 1
            rows, cols = min(r, max_rows), min(c, max(1, (width - 2) // 2))
            if (rows, cols) != (r, c):
                out.append([(f"  block means, {rows}×{cols} cells", "dim")])
            out += [[("  " + (PENDING + " ") * cols, "zero")] for _ in range(rows)]
            continue
        out += _grad_rows(p.grad, width, max_rows)
    return out


_ROWS: dict[tuple, tuple[np.ndarray, list[list[Run]]]] = {}


def _grad_rows(grad: np.ndarray, width: int, max_rows: int) -> list[list[Run]]:
    """The rows of one gradient's grid; remembered per array, as every later step of the iteration
    shows the same gradient again (block means of a 100k-entry gradient are the costly part)."""
    cache_key = (id(grad), width, max_rows)
    hit = _ROWS.get(cache_key)
    if hit is not None and hit[0] is grad:
        return hit[1]
    out: list[list[Run]] = []
    g = np.asarray(grad, dtype=np.float64)
    g = g.reshape(g.shape[0], -1) if g.ndim >= 2 else g.reshape(-1, 1)
    grid = block_mean(g, max_rows, max(1, (width - 2) // 2))
    if grid.shape != g.shape:
        out.append([(f"  block means, {grid.shape[0]}×{grid.shape[1]} cells", "dim")])
    with np.errstate(all="ignore"):
        mags = np.abs(grid[np.isfinite(grid)])
    top = float(mags.max()) if mags.size else 0.0
    for row in grid:
        runs: list[Run] = [("  ", "dim")]
        for v in row.tolist():
            gl = glyph(v)
            if gl == BAD:
                key = "bad"
            elif gl == ZERO:
                key = "zero"
            else:
                ratio = abs(v) / top if top else 0.0
                key = ("raise" if gl == RAISE else "lower") + ("2" if ratio >= 0.5 else "1" if ratio >= 0.1 else "0")
            if runs[-1][1] == key:
                runs[-1] = (runs[-1][0] + gl + " ", key)
            else:
                runs.append((gl + " ", key))
        out.append(runs)
    if len(_ROWS) > 64:
        _ROWS.clear()
    _ROWS[cache_key] = (grad, out)   # holding the array keeps its id from being reused
    return out


def resolve_styles(base: dict[str, Style]) -> dict[str, Style]:
    """Style keys of `grid_lines` from the six base styles."""
    out = {k: base[k] for k in ("zero", "bad", "title", "dim")}
    for k in ("raise", "lower"):
        for level in range(3):
            out[f"{k}{level}"] = _shade(base[k], level)
    return out


class SignGrid:
    """A Rich renderable of the sign grids of all parameters."""

    def __init__(self, params: list[ParamSigns], styles: dict[str, Style] | None = None,
                 max_rows: int = MAX_ROWS) -> None:
        self.params = params
        self.styles = resolve_styles({**DEFAULT_STYLES, **(styles or {})})
        self.max_rows = max_rows

    def lines(self, width: int) -> list[Text]:
        out = []
        for runs in grid_lines(self.params, width, self.max_rows):
            text = Text(no_wrap=True, overflow="crop")
            for chunk, key in runs:
                text.append(chunk, self.styles[key])
            out.append(text)
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.lines(options.max_width)


def cell_at(lines: list[list[Run]], params: list[ParamSigns], x: int, line: int
            ) -> tuple[str, int, int] | tuple[str, None, None] | None:
    """(parameter, row, column) of the glyph at (x, line); (parameter, None, None) on a block mean."""
    labels = {p.label: p for p in params}
    current: ParamSigns | None = None
    row, blocks = -1, False
    for k, runs in enumerate(lines[: line + 1]):
        first = runs[0] if runs else ("", "")
        if first[1] == "title" and first[0] in labels:
            current, row, blocks = labels[first[0]], -1, False
        elif first[0].startswith("  block means"):
            blocks = True
        elif current is not None:
            row += 1
        if k == line:
            if current is None or row < 0 or x < 2:
                return None
            if blocks:
                return current.name, None, None
            col = (x - 2) // 2
            shape = current.grad.shape if current.grad is not None else current.shape
            cols = int(np.prod(shape[1:])) if len(shape) > 1 else 1
            return (current.name, row, col) if col < cols else None
    return None


class SignGridView(ScrollView, can_focus=True, inherit_bindings=False):
    """The pane holding the sign grid: a line-API widget, redrawn only when what it shows changes."""

    class CellClicked(Message):
        """A parameter's sign was clicked; row and col are None on a block mean of many entries."""

        def __init__(self, name: str, row: int | None, col: int | None) -> None:
            super().__init__()
            self.name, self.row, self.col = name, row, col

    COMPONENT_CLASSES = {"sign-grid--raise", "sign-grid--lower", "sign-grid--zero", "sign-grid--bad",
                         "sign-grid--title", "sign-grid--dim"}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.params: list[ParamSigns] = []
        self._key: object = None
        self._lines: list[list[Run]] | None = None
        self._width = -1
        self._style_cache: dict[str, Style] | None = None

    def notify_style_update(self) -> None:
        self._style_cache = None   # the theme or stylesheet changed
        super().notify_style_update()

    def show(self, params: list[ParamSigns], key: object) -> None:
        """`key` identifies what `params` hold (part, iteration, which gradients, which applied)."""
        if key == self._key:
            return
        self._key = key
        self.params = params
        old = self._lines
        self._lines = None
        new = self._layout()
        if old is not None and len(old) == len(new):   # redraw only the lines that changed
            for y, (a, b) in enumerate(zip(old, new)):
                if a != b:
                    self.refresh_line(y)
        else:
            self.refresh()

    def _layout(self) -> list[list[Run]]:
        width = self.scrollable_content_region.width
        if self._lines is None or width != self._width:
            self._width = width
            self._lines = grid_lines(self.params, max(4, width))
            set_virtual_size(self, Size(width, max(1, len(self._lines))))
        return self._lines

    def on_resize(self) -> None:
        self._layout()

    @property
    def content_rows(self) -> int:
        """Rows the grid takes at the pane's width (the layout sizes the pane by it)."""
        return len(self._layout())

    def render_line(self, y: int) -> Strip:
        lines = self._layout()
        width = self.scrollable_content_region.width
        line = y + self.scroll_offset.y
        if line >= len(lines):
            return Strip.blank(width, self.rich_style)
        styles = self._styles()
        return Strip([Segment(t, styles[k]) for t, k in lines[line]]).crop_extend(0, width, self.rich_style)

    def _styles(self) -> dict[str, Style]:
        if self._style_cache is None:
            self._style_cache = resolve_styles(
                {n: self.get_component_rich_style(f"sign-grid--{n}") for n in DEFAULT_STYLES})
        return self._style_cache

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        hit = cell_at(self._layout(), self.params, offset.x, offset.y + int(self.scroll_offset.y))
        if hit is not None:
            self.post_message(self.CellClicked(*hit))

    @property
    def plain(self) -> str:
        return "\n".join("".join(t for t, _ in runs) for runs in self._layout())
