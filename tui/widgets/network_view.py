"""The network pane: layers as columns of nodes (a box for a wide layer), flow direction, focus."""
from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget

from ...core.formatting import sub
from ...core.trace import Step, a_name


@dataclass(frozen=True)
class Column:
    kind: str          # "layer", "edge" or "loss"
    layer: int | None  # layer index (0 = inputs); an edge belongs to the layer it feeds
    start: int
    width: int


class NetworkView(Widget):
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

    def set_model(self, sizes: tuple[int, ...], activations: tuple[str, ...]) -> None:
        self.sizes, self.acts = tuple(sizes), tuple(activations)
        self.refresh()

    def show(self, step: Step) -> None:
        focus, direction = frozenset(step.focus), step.direction
        if (focus, direction) != (self._focus, self._direction):
            self._focus, self._direction = focus, direction
            self.border_subtitle = "← backward" if direction == "backward" else "forward →"
            self.refresh()

    # ---- drawing ------------------------------------------------------------------------
    def _layout(self, width: int) -> list[Column]:
        depth = len(self.sizes) - 1
        node_w = [max(5, len(str(n)) + 2) for n in self.sizes]
        loss_w = 3
        fixed = sum(node_w) + loss_w
        edges = depth + 1                      # depth weight edges and one into the loss
        edge_w = max(5, (width - fixed) // max(1, edges))
        cols: list[Column] = []
        x = 0
        for l, w in enumerate(node_w):
            cols.append(Column("layer", l, x, w))
            x += w
            e = edge_w if l < depth else max(3, min(edge_w, 7))
            cols.append(Column("edge", l + 1 if l < depth else None, x, e))
            x += e
        cols.append(Column("loss", None, x, loss_w))
        return cols

    def _hot_layer(self, l: int) -> bool:
        depth = len(self.sizes) - 1
        names = {a_name(l, depth)} | ({f"u{l}"} if l else set())
        return bool(names & self._focus)

    def render(self) -> Text:
        if not self.sizes:
            return Text("")
        width, height = max(1, self.size.width), max(3, self.size.height)
        self._columns = cols = self._layout(width)
        depth = len(self.sizes) - 1
        grid = [[(" ", Style())] * width for _ in range(height)]

        def put(x: int, y: int, s: str, style: Style) -> None:
            if 0 <= y < height:
                for i, ch in enumerate(s):
                    if 0 <= x + i < width:
                        grid[y][x + i] = (ch, style)

        def centred(col: Column, y: int, s: str, style: Style) -> None:
            put(col.start + max(0, (col.width - len(s)) // 2), y, s, style)

        node, hot = self.get_component_rich_style("network-view--node"), self.get_component_rich_style("network-view--hot")
        edge, label = self.get_component_rich_style("network-view--edge"), self.get_component_rich_style("network-view--label")
        dim = self.get_component_rich_style("network-view--dim")
        flow = self.get_component_rich_style(f"network-view--{self._direction}")
        rows = max(1, height - 2)      # one line of names on top, one of sizes below
        mid = 1 + rows // 2
        for col in cols:
            if col.kind == "layer":
                l = col.layer or 0
                n = self.sizes[l]
                is_hot = self._hot_layer(l)
                style = hot if is_hot else node
                centred(col, 0, "x" if l == 0 else ("ŷ" if l == depth else f"a{sub(l)}"),
                        hot if is_hot else label)
                if n <= rows:
                    top = 1 + (rows - n) // 2
                    for j in range(n):
                        centred(col, top + j, "●", style)
                else:
                    box_h = rows
                    inner = col.width - 2
                    put(col.start, 1, "╭" + "─" * inner + "╮", style)
                    for j in range(2, box_h):
                        put(col.start, j, "│" + " " * inner + "│", style)
                    put(col.start, box_h, "╰" + "─" * inner + "╯", style)
                    centred(col, mid, str(n), style)
                act = "in" if l == 0 else self.acts[l - 1][:4]
                centred(col, height - 1, f"{n} {act}" if len(f"{n} {act}") <= col.width else str(n), dim)
            elif col.kind == "edge":
                l = col.layer
                if l is not None:
                    w_hot = f"W{l}" in self._focus
                    b_hot = f"b{l}" in self._focus
                    centred(col, mid - 1, f"W{sub(l)}", hot if w_hot else label)
                    centred(col, mid + 1, f"b{sub(l)}", hot if b_hot else dim)
                    line_style = flow if (w_hot or b_hot) else edge
                else:
                    centred(col, mid - 1, "y", hot if "y" in self._focus else dim)
                    line_style = flow if "L" in self._focus else edge
                body = "─" * max(1, col.width - 2)
                arrow = (" " + body[:-1] + "▶") if self._direction == "forward" else (" ◀" + body[:-1])
                put(col.start, mid, arrow[: col.width], line_style)
            else:
                is_hot = "L" in self._focus
                centred(col, 0, "L", hot if is_hot else label)
                centred(col, mid, "■", hot if is_hot else node)
                centred(col, height - 1, "loss", dim)
        text = Text(no_wrap=True, overflow="crop")
        for y, row in enumerate(grid):
            if y:
                text.append("\n")
            run, run_style = "", None
            for ch, st in row:
                if st is not run_style and run:
                    text.append(run, run_style)
                    run = ""
                run_style = st
                run += ch
            if run:
                text.append(run, run_style)
        return text

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
