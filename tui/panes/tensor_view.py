"""The tensor pane: the step's inputs and result as matrices, drawn only where the viewport is.

A line-API widget: nothing is built per cell up front, so a 784×64 input costs the same to show as
a 2×4 one. Row indices stay put when scrolling sideways.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core.formatting import num
from ._lines import set_virtual_size
from ...core.summary import stats
from ...core.trace import Step, Tensor

CELL = 10          # characters per value, a leading space included
BIG = 64           # tensors with more elements than this also get a summary line
ROW_CACHE = 2048   # drawn rows kept (a 120×40 pane shows about 12)


def cell_text(v: float) -> str:
    """A value right-aligned in CELL characters, at least one of them a leading space."""
    if not math.isfinite(v):
        s = num(v)
    elif v == 0:
        s = "0"
    else:
        s = f"{v:.4g}"
        if len(s) > CELL - 1:
            s = f"{v:.2e}"
    return s.rjust(CELL)[-CELL:]


@dataclass(frozen=True)
class Block:
    tensor: Tensor
    role: str
    start: int        # first line of the block
    summary: str | None
    rows: int
    cols: int

    @property
    def height(self) -> int:
        return 1 + (1 if self.summary else 0) + self.rows + 1   # header, summary, rows, blank


_SUMMARIES: dict[int, tuple[np.ndarray, str]] = {}


def _summary(t: Tensor) -> str | None:
    """The statistics line of a big tensor; remembered per array, since steps share tensors."""
    if t.value.size <= BIG:
        return None
    hit = _SUMMARIES.get(id(t.value))
    if hit is not None and hit[0] is t.value:
        return hit[1]
    s = stats(t.value)
    text = f"min {num(s.min)}  max {num(s.max)}  mean {num(s.mean)}  norm {num(s.norm)}"
    if s.nonfinite:
        text += f"  ({s.nonfinite} inf/NaN)"
    if len(_SUMMARIES) > 64:
        _SUMMARIES.clear()
    _SUMMARIES[id(t.value)] = (t.value, text)   # holding the array keeps its id from being reused
    return text


class TensorView(ScrollView, can_focus=True, inherit_bindings=False):
    """Inputs, then the result, each with its shape; values coloured by sign."""

    COMPONENT_CLASSES = {"tensor-view--header", "tensor-view--result", "tensor-view--summary",
                         "tensor-view--index", "tensor-view--pos", "tensor-view--neg",
                         "tensor-view--zero", "tensor-view--nonfinite"}

    class CellClicked(Message):
        """A value was clicked: which tensor, and its (row, column)."""

        def __init__(self, name: str, row: int, col: int) -> None:
            super().__init__()
            self.name, self.row, self.col = name, row, col

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.blocks: list[Block] = []
        self._starts: list[int] = []
        self._key: object = None
        self._index_w = 4
        self._style_cache: dict[str, Style] | None = None
        self._rows: dict[tuple, tuple[np.ndarray, Strip]] = {}
        self._extent = (1, 1)   # the content's width and lines

    def prepare(self, step: Step) -> None:
        """Compute the summaries of a step that may be shown next, off the key path."""
        for t in (*step.inputs, step.result):
            if t.value.ndim == 2:
                _summary(t)

    def show(self, step: Step, key: object = None) -> None:
        key = key if key is not None else (step.id, step.iteration, id(step))
        if key == self._key:
            return
        self._key = key
        blocks, line = [], 0
        tensors = [(t, "input") for t in step.inputs] + [(step.result, "result")]
        for t, role in tensors:
            v = t.value
            if v.ndim != 2:   # a scalar or vector is shown as a column, anything deeper flattened
                v = v.reshape(-1, 1) if v.ndim < 2 else v.reshape(v.shape[0], -1)
            t = Tensor(t.name, t.label, v)
            b = Block(t, role, line, _summary(t), v.shape[0], v.shape[1])
            blocks.append(b)
            line += b.height
        self.blocks = blocks
        self._starts = [b.start for b in blocks]
        max_rows = max((b.rows for b in blocks), default=1)
        self._index_w = len(str(max_rows - 1)) + 2
        width = self._index_w + max((b.cols for b in blocks), default=1) * CELL
        self._extent = (width, line)
        self._fit_virtual_size()
        view = self.scrollable_content_region
        self.scroll_to(0, 0, animate=False)
        # The content only: a whole-widget refresh would also redraw the border and scrollbars.
        self.refresh_lines(int(self.scroll_offset.y), view.height)

    def _fit_virtual_size(self) -> None:
        width, lines = self._extent
        # The content's own size, whatever the pane's: a scrollbar shows exactly when it overflows.
        set_virtual_size(self, Size(width, max(1, lines)))

    def on_resize(self) -> None:
        # The layout resizes this pane as steps change: a scrollbar only while the content overflows.
        self._fit_virtual_size()

    def _style(self, name: str) -> Style:
        if self._style_cache is None:
            self._style_cache = {n.rsplit("--", 1)[1]: self.get_component_rich_style(n)
                                 for n in self.COMPONENT_CLASSES}
            self._style_cache["base"] = self.rich_style
        return self._style_cache[name]

    def notify_style_update(self) -> None:
        self._style_cache = None
        self._rows.clear()
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        sx, sy = self.scroll_offset
        line = sy + y
        if not self.blocks or line >= self.virtual_size.height:
            return Strip.blank(width, self._style("base"))
        b = self.blocks[bisect.bisect_right(self._starts, line) - 1]
        off = line - b.start
        if off == 0:
            shape = f"{b.rows}×{b.cols}"
            segs = [Segment(f"{b.tensor.label}", self._style("result" if b.role == "result" else "header")),
                    Segment(f"  {shape}  {b.role} ({b.tensor.name})", self._style("summary"))]
            return Strip(segs).crop_extend(0, width, self._style("base"))
        if b.summary and off == 1:
            return Strip([Segment("  " + b.summary, self._style("summary"))]).crop_extend(0, width, self._style("base"))
        r = off - (2 if b.summary else 1)
        if r >= b.rows:
            return Strip.blank(width, self._style("base"))
        iw = self._index_w
        view_w = max(0, width - iw)
        # Neighbouring steps show many of the same tensors (W, x, δ): a drawn row is kept per array.
        row_key = (id(b.tensor.value), r, iw, int(sx), view_w)
        hit = self._rows.get(row_key)
        if hit is not None and hit[0] is b.tensor.value:
            return hit[1]
        strip = self._draw_row(b, r, int(sx), iw, view_w)
        if len(self._rows) > ROW_CACHE:
            self._rows.clear()
        self._rows[row_key] = (b.tensor.value, strip)   # holding the array keeps its id from being reused
        return strip

    def _draw_row(self, b: Block, r: int, sx: int, iw: int, view_w: int) -> Strip:
        prefix = Strip([Segment(f"{r}".rjust(iw - 2) + " │", self._style("index"))])
        c0 = int(sx) // CELL
        c1 = min(b.cols, (int(sx) + view_w) // CELL + 1)
        row = b.tensor.value[r]
        segs = []
        pos, neg, zero, bad = self._style("pos"), self._style("neg"), self._style("zero"), self._style("nonfinite")
        for c in range(c0, c1):
            v = float(row[c])
            style = bad if not math.isfinite(v) else (pos if v > 0 else neg if v < 0 else zero)
            segs.append(Segment(cell_text(v), style))
        cells = Strip(segs).crop(int(sx) - c0 * CELL, int(sx) - c0 * CELL + view_w) if segs else Strip([])
        return Strip.join([prefix, cells.extend_cell_length(view_w, self._style("base"))])

    def cell_at(self, x: int, y: int) -> tuple[str, int, int] | None:
        """(tensor name, row, column) of the value drawn at content offset (x, y), if one is."""
        sx, sy = self.scroll_offset
        line = int(sy) + y
        if not self.blocks or line >= self.virtual_size.height or x < self._index_w:
            return None
        b = self.blocks[bisect.bisect_right(self._starts, line) - 1]
        r = line - b.start - (2 if b.summary else 1)
        c = (int(sx) + x - self._index_w) // CELL
        if not (0 <= r < b.rows and 0 <= c < b.cols):
            return None
        return b.tensor.name, r, c

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        cell = self.cell_at(offset.x, offset.y) if offset is not None else None
        if cell is not None:
            self.post_message(self.CellClicked(*cell))

    @property
    def plain(self) -> str:
        """Every visible line as text (for tests)."""
        return "\n".join(self.render_line(y).text for y in range(self.scrollable_content_region.height))
