"""The tensor pane: the step's inputs and result as matrices, drawn only where the viewport is.

A line-API widget: nothing is built per cell up front, so a 784×64 input costs the same to show as
a 2×4 one. Each column has one number format (numbers.py); a tensor shows as many whole columns as
fit, and an ellipsis column when more follow. Moving sideways is by pages of columns (`page`), not
a scrollbar, so row indices stay put and no number is ever cut at the edge.
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
from .numbers import ColumnFormat, tensor_formats, tensor_notation
from ...core.summary import stats
from ...core.trace import Step, Tensor

GAP = 2            # spaces before each value (a minus sign would crowd one)
ELLIPSIS = " …"    # the last column of a tensor with more columns to the right
CHUNK = 16         # columns whose formats are worked out together, when first shown
BIG = 64           # tensors with more elements than this also get a summary line
ROW_CACHE = 2048   # drawn rows kept (a 120×40 pane shows about 12)


def cell_text(fmt: ColumnFormat, v: float) -> str:
    """A value in its column's format, after GAP spaces."""
    return " " * GAP + fmt.text(v)


class Columns:
    """The column formats of one array: its notation up front, the columns a chunk at a time as they show."""

    def __init__(self, value: np.ndarray) -> None:
        self.value = value
        self.notation = tensor_notation(value)   # one pass over the whole array, once
        self._formats: list[ColumnFormat | None] = [None] * value.shape[1]

    def format(self, c: int) -> ColumnFormat:
        fmt = self._formats[c]
        if fmt is None:
            c0 = c - c % CHUNK
            self._formats[c0:c0 + CHUNK] = tensor_formats(self.value[:, c0:c0 + CHUNK], notation=self.notation)
            fmt = self._formats[c]
        return fmt

    def width(self, c: int) -> int:
        return GAP + self.format(c).width


_COLUMNS: dict[int, Columns] = {}


def columns_of(v: np.ndarray) -> Columns:
    """The formats of a 2-d array; remembered per array, since neighbouring steps share tensors."""
    hit = _COLUMNS.get(id(v))
    if hit is not None and hit.value is v:
        return hit
    if len(_COLUMNS) > 64:
        _COLUMNS.clear()
    hit = _COLUMNS[id(v)] = Columns(v)   # holding the array keeps its id from being reused
    return hit


@dataclass(frozen=True)
class Window:
    """The columns of a tensor on screen: `count` whole ones from `first`, then maybe an ellipsis."""

    first: int
    count: int
    more: bool          # columns follow on the right: an ellipsis column ends the row
    offsets: tuple[int, ...]   # where each shown column starts, from the index column's edge

    @property
    def last(self) -> int:
        return self.first + self.count - 1


def fit(cols: Columns, n: int, start: int, room: int) -> Window:
    """The whole columns from `start` (moved left if the tensor's end would leave room) that fit."""
    total, last_start = 0, n
    while last_start > 0 and total + cols.width(last_start - 1) <= room:   # the end that fits whole
        last_start -= 1
        total += cols.width(last_start)
    start = max(0, min(start, last_start))
    offsets, x = [], 0
    for c in range(start, n):
        w = cols.width(c)
        # From last_start on everything fits; before it, room is kept for the ellipsis.
        if start < last_start and x + w + len(ELLIPSIS) > room:
            break
        offsets.append(x)
        x += w
    count = len(offsets)
    return Window(start, count, start + count < n, tuple(offsets))


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
        self._col0 = 0        # the first column asked for; a tensor that ends sooner stops at its end
        self._style_cache: dict[str, Style] | None = None
        self._rows: dict[tuple, tuple[np.ndarray, Strip]] = {}
        self._lines_total = 1   # lines of content: headers, summaries, rows, blanks
        self._windows: dict[tuple, Window] = {}

    def prepare(self, step: Step) -> None:
        """Compute the summaries and first column formats of a step that may be shown next, off the key path."""
        for t in (*step.inputs, step.result):
            if t.value.ndim == 2:
                _summary(t)
                if t.value.shape[1]:
                    columns_of(t.value).format(0)

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
        self._windows.clear()
        self._col0 = 0
        max_rows = max((b.rows for b in blocks), default=1)
        self._index_w = len(str(max_rows - 1)) + 2
        # As wide as the pane: columns that do not fit are paged to, never scrolled to.
        self._lines_total = line
        self._fit_virtual_size()
        view = self.scrollable_content_region
        self.scroll_to(0, 0, animate=False)
        # The content only: a whole-widget refresh would also redraw the border and scrollbars.
        self.refresh_lines(int(self.scroll_offset.y), view.height)

    def _fit_virtual_size(self) -> None:
        # The content's own size, whatever the pane's: a scrollbar shows exactly when it overflows.
        set_virtual_size(self, Size(0, max(1, self._lines_total)))

    def on_resize(self) -> None:
        # The layout resizes this pane as steps change: a scrollbar only while the content overflows.
        self._fit_virtual_size()

    def window(self, b: Block) -> Window:
        """The columns of block `b` shown at the current column position and pane width."""
        room = max(0, self.scrollable_content_region.width - self._index_w)
        key = (id(b.tensor.value), b.cols, self._col0, room)
        win = self._windows.get(key)
        if win is None:
            if len(self._windows) > 256:
                self._windows.clear()
            win = self._windows[key] = fit(columns_of(b.tensor.value), b.cols, self._col0, room)
        return win

    def page(self, dx: int, dy: int) -> None:
        """Move by pages: dx columns pages (±1) of the cut-off tensors, dy pages of rows."""
        if dy:
            self.scroll_relative(y=dy * max(1, self.scrollable_content_region.height - 1), animate=False)
        if dx:
            wins = [(b, self.window(b)) for b in self.blocks]
            cut = [w.count for b, w in wins if w.count < b.cols]
            self._move_columns(dx * max(1, min(cut, default=1)))

    def _move_columns(self, by: int) -> None:
        room = max(0, self.scrollable_content_region.width - self._index_w)
        # Past the column where the widest tensor's end shows there is nothing new to see.
        end = max((fit(columns_of(b.tensor.value), b.cols, b.cols, room).first for b in self.blocks), default=0)
        col0 = max(0, min(self._col0 + by, end))
        if col0 != self._col0:
            self._col0 = col0
            self.refresh()

    def on_mouse_scroll_right(self, event: events.MouseScrollRight) -> None:
        self._move_columns(1)

    def on_mouse_scroll_left(self, event: events.MouseScrollLeft) -> None:
        self._move_columns(-1)

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
        line = int(self.scroll_offset.y) + y
        if not self.blocks or line >= self.virtual_size.height:
            return Strip.blank(width, self._style("base"))
        b = self.blocks[bisect.bisect_right(self._starts, line) - 1]
        off = line - b.start
        if off == 0:
            return self._header(b).crop_extend(0, width, self._style("base"))
        if b.summary and off == 1:
            return Strip([Segment("  " + b.summary, self._style("summary"))]).crop_extend(0, width, self._style("base"))
        r = off - (2 if b.summary else 1)
        if r >= b.rows:
            return Strip.blank(width, self._style("base"))
        iw = self._index_w
        view_w = max(0, width - iw)
        win = self.window(b)
        # Neighbouring steps show many of the same tensors (W, x, δ): a drawn row is kept per array.
        row_key = (id(b.tensor.value), r, iw, win.first, win.count, view_w)
        hit = self._rows.get(row_key)
        if hit is not None and hit[0] is b.tensor.value:
            return hit[1]
        strip = self._draw_row(b, r, win, iw, view_w)
        if len(self._rows) > ROW_CACHE:
            self._rows.clear()
        self._rows[row_key] = (b.tensor.value, strip)   # holding the array keeps its id from being reused
        return strip

    def _header(self, b: Block) -> Strip:
        """Label, shape, the columns shown when not all are, then the role if it fits."""
        win = self.window(b)
        shown = ""
        if win.count < b.cols:   # tensor indices, 0-based as numpy writes them
            shown = f"  cols {win.first}–{win.last} of {b.cols}" if win.count else f"  cols – of {b.cols}"
        label = b.tensor.label
        head = f"  {b.rows}×{b.cols}{shown}"
        role = f"  {b.role} ({b.tensor.name})"
        if len(label) + len(head) + len(role) > self.scrollable_content_region.width:
            role = ""    # the column range says more than the role in a narrow pane
        return Strip([Segment(label, self._style("result" if b.role == "result" else "header")),
                      Segment(head + role, self._style("summary"))])

    def _draw_row(self, b: Block, r: int, win: Window, iw: int, view_w: int) -> Strip:
        prefix = Strip([Segment(f"{r}".rjust(iw - 2) + " │", self._style("index"))])
        cols = columns_of(b.tensor.value)
        row = b.tensor.value[r]
        segs = []
        pos, neg, zero, bad = self._style("pos"), self._style("neg"), self._style("zero"), self._style("nonfinite")
        for c in range(win.first, win.first + win.count):
            v = float(row[c])
            style = bad if not math.isfinite(v) else (pos if v > 0 else neg if v < 0 else zero)
            segs.append(Segment(cell_text(cols.format(c), v), style))
        if win.more:
            segs.append(Segment(ELLIPSIS, self._style("summary")))
        cells = Strip(segs).crop(0, view_w) if segs else Strip([])
        return Strip.join([prefix, cells.extend_cell_length(view_w, self._style("base"))])

    def cell_at(self, x: int, y: int) -> tuple[str, int, int] | None:
        """(tensor name, row, column) of the value drawn at content offset (x, y), if one is."""
        line = int(self.scroll_offset.y) + y
        if not self.blocks or line >= self.virtual_size.height or x < self._index_w:
            return None
        b = self.blocks[bisect.bisect_right(self._starts, line) - 1]
        r = line - b.start - (2 if b.summary else 1)
        win = self.window(b)
        i = bisect.bisect_right(win.offsets, x - self._index_w) - 1
        if not (0 <= r < b.rows and 0 <= i < win.count):
            return None
        c = win.first + i
        if x - self._index_w >= win.offsets[i] + columns_of(b.tensor.value).width(c):
            return None   # on the ellipsis, past the last column
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
