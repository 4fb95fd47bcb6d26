"""The network pane: layers as columns of nodes (a box for a wide layer), flow direction, focus."""
from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.segment import Segment
from textual import events
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from ...core.formatting import sub
from ...core.trace import Step, a_name


@dataclass(frozen=True)
class Column:
    kind: str          # "layer", "edge" or "loss"
    layer: int | None  # layer index (0 = inputs); an edge belongs to the layer it feeds
    start: int
    width: int


class NetworkView(Widget, can_focus=True):
    """Draws the model; the current step's tensors are highlighted. Click a layer to go to it."""

    COMPONENT_CLASSES = {"network-view--node", "network-view--hot", "network-view--edge",
                         "network-view--forward", "network-view--backward", "network-view--label",
                         "network-view--dim"}

    class LayerClicked(Message):
        """The user clicked a layer (0 = the inputs), a weight edge or the loss (layer None)."""

        def __init__(self, layer: int | None, kind: str) -> None:
            super().__init__()
            self.layer, self.kind = layer, kind

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sizes: tuple[int, ...] = ()
        self.acts: tuple[str, ...] = ()
        self._focus: frozenset[str] = frozenset()
        self._direction = "forward"
        self._columns: list[Column] = []
        self._template_key: tuple | None = None
        self._template_rows: list = []
        self._style_cache: dict[str, Style] | None = None
        self._strips: dict[tuple, Strip] = {}   # drawn lines by (y, size, focus, direction)

    def set_model(self, sizes: tuple[int, ...], activations: tuple[str, ...]) -> None:
        self.sizes, self.acts = tuple(sizes), tuple(activations)
        self._strips.clear()
        self.refresh()

    def show(self, step: Step) -> None:
        focus, direction = frozenset(step.focus), step.direction
        if (focus, direction) != (self._focus, self._direction):
            self._focus, self._direction = focus, direction
            self.border_subtitle = "← backward" if direction == "backward" else "forward →"
            self.refresh(Region(0, 0, *self.content_size))   # the drawing, not the border again

    # ---- drawing ------------------------------------------------------------------------
    def _layout(self, width: int) -> list[Column]:
        depth = len(self.sizes) - 1
        node_w = [max(5, len(str(n)) + 2) for n in self.sizes]
        loss_w = 3
        fixed = sum(node_w) + loss_w
        edges = depth + 1                      # depth weight edges and one into the loss
        edge_w = min(24, max(5, (width - fixed) // max(1, edges)))   # long arrows read badly
        last_w = max(3, min(edge_w, 7))
        total = fixed + edge_w * depth + last_w
        cols: list[Column] = []
        x = max(0, (width - total) // 2)   # centred when the pane is wider than the drawing
        for l, w in enumerate(node_w):
            cols.append(Column("layer", l, x, w))
            x += w
            e = edge_w if l < depth else last_w
            cols.append(Column("edge", l + 1 if l < depth else None, x, e))
            x += e
        cols.append(Column("loss", None, x, loss_w))
        return cols

    def _hot_layer(self, l: int) -> bool:
        depth = len(self.sizes) - 1
        names = {a_name(l, depth)} | ({f"u{l}"} if l else set())
        return bool(names & self._focus)

    def _template(self, width: int, height: int) -> list[list[tuple[int, str, str, int | None]]]:
        """Rows of (x, text, role, layer): what to draw where, independent of the current step.

        Roles: name, node, size, wlabel, blabel, ylabel, arrow, lname, lnode, lsize.
        """
        key = (width, height, self.sizes, self.acts)
        if self._template_key == key:
            return self._template_rows
        self._columns = cols = self._layout(width)
        depth = len(self.sizes) - 1
        rows: list[list[tuple[int, str, str, int | None]]] = [[] for _ in range(height)]
        n_rows = max(1, height - 2)      # one line of names on top, one of sizes below
        mid = 1 + n_rows // 2

        def centred(col: Column, y: int, s: str, role: str, layer: int | None) -> None:
            if 0 <= y < height:
                rows[y].append((col.start + max(0, (col.width - len(s)) // 2), s, role, layer))

        for col in cols:
            if col.kind == "layer":
                l = col.layer or 0
                n = self.sizes[l]
                centred(col, 0, "x" if l == 0 else ("ŷ" if l == depth else f"a{sub(l)}"), "name", l)
                if n <= n_rows:
                    top = max(1, min(mid - n // 2, n_rows - n + 1))   # centred on the arrows
                    for j in range(n):
                        centred(col, top + j, "●", "node", l)
                else:   # too many units to draw: a box with the count
                    inner = col.width - 2
                    rows[1].append((col.start, "╭" + "─" * inner + "╮", "node", l))
                    for j in range(2, n_rows):
                        body = str(n).center(inner) if j == mid else " " * inner
                        rows[j].append((col.start, "│" + body + "│", "node", l))
                    if n_rows >= 2:
                        rows[n_rows].append((col.start, "╰" + "─" * inner + "╯", "node", l))
                act = "in" if l == 0 else self.acts[l - 1][:4]
                label = f"{n} {act}" if len(f"{n} {act}") <= col.width else str(n)
                centred(col, height - 1, label, "size", l)
            elif col.kind == "edge":
                l = col.layer
                if l is not None:
                    centred(col, mid - 1, f"W{sub(l)}", "wlabel", l)
                    centred(col, mid + 1, f"b{sub(l)}", "blabel", l)
                else:
                    centred(col, mid - 1, "y", "ylabel", None)
                rows[mid].append((col.start, " " * col.width, "arrow", l))   # filled per direction
            else:
                centred(col, 0, "L", "lname", None)
                centred(col, mid, "■", "lnode", None)
                centred(col, height - 1, "loss", "lsize", None)
        for r in rows:
            r.sort()
        self._template_key, self._template_rows = key, rows
        return rows

    def _styles(self) -> dict[str, Style]:
        if self._style_cache is None:
            names = ("node", "hot", "edge", "label", "dim", "forward", "backward")
            self._style_cache = {n: self.get_component_rich_style(f"network-view--{n}") for n in names}
            self._style_cache["base"] = self.rich_style
        return self._style_cache

    def notify_style_update(self) -> None:
        self._style_cache = None
        self._strips.clear()
        super().notify_style_update()

    def _role_style(self, role: str, layer: int | None, st: dict[str, Style]) -> Style:
        f = self._focus
        if role in ("name", "node"):
            return st["hot"] if self._hot_layer(layer or 0) else (st["label"] if role == "name" else st["node"])
        if role == "wlabel":
            return st["hot"] if f"W{layer}" in f else st["label"]
        if role == "blabel":
            return st["hot"] if f"b{layer}" in f else st["dim"]
        if role == "ylabel":
            return st["hot"] if "y" in f else st["dim"]
        if role == "arrow":
            active = ("L" in f) if layer is None else (f"W{layer}" in f or f"b{layer}" in f)
            return st[self._direction] if active else st["edge"]
        if role in ("lname", "lnode"):
            return st["hot"] if "L" in f else (st["label"] if role == "lname" else st["node"])
        return st["dim"]

    def render_line(self, y: int) -> Strip:
        key = (y, self.content_region.size, self._focus, self._direction)
        strip = self._strips.get(key)
        if strip is None:
            if len(self._strips) > 256:
                self._strips.clear()
            strip = self._strips[key] = self._render_line(y)
        return strip

    def _render_line(self, y: int) -> Strip:
        width = self.content_region.width
        st = self._styles()
        if not self.sizes:
            return Strip.blank(width, st["base"])
        rows = self._template(width, max(3, self.content_region.height))
        if y >= len(rows):
            return Strip.blank(width, st["base"])
        segs, x = [], 0
        for start, text, role, layer in rows[y]:
            if start < x:
                continue
            if start > x:
                segs.append(Segment(" " * (start - x), st["base"]))
            if role == "arrow":
                body = "─" * max(1, len(text) - 2)
                text = ((" " + body[:-1] + "▶") if self._direction == "forward" else (" ◀" + body[:-1]))[: len(text)]
            segs.append(Segment(text, self._role_style(role, layer, st)))
            x = start + len(text)
        return Strip(segs).crop_extend(0, width, st["base"])

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        for col in self._columns:
            if col.start <= offset.x < col.start + col.width:
                if col.kind == "edge" and col.layer is None:
                    self.post_message(self.LayerClicked(None, "loss"))
                else:
                    self.post_message(self.LayerClicked(col.layer, col.kind))
                return
