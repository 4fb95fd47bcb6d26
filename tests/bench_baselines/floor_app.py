"""P1 floor: chainstep's layout drawn by the leanest Textual widgets, every pane's text changed per key.

The same panes in the same places with the same borders and scrollbars as the debugger (a
status line, network / step / tensors on the left, gradient signs / loss on the right, a footer).
Each pane is a line-API widget that, on every key, is handed new lines of plain text and
repaints itself without a layout: no maths, no markup, no wrapping, no caching. (A Static's
`update()` would also re-lay out the screen on every key.) What chainstep pays per key beyond
this is its own doing; this is the part Textual itself sets.
"""
from __future__ import annotations

from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Footer

CSS = """
Screen { layout: vertical; }
#status { height: 1; width: 1fr; background: $panel; padding: 0 1; }
#main { height: 1fr; }
#left { width: 3fr; }
#right { width: 2fr; min-width: 28; }
.pane {
    border: round $primary-darken-2;
    border-title-color: $text-accent;
    background: $surface;
    scrollbar-background: $surface;
    scrollbar-color: $panel-lighten-2;
    scrollbar-corner-color: $surface;
}
#network { height: 25%; min-height: 7; max-height: 16; padding: 0 1; }
#step { height: 3fr; min-height: 6; padding: 0 1; scrollbar-size-vertical: 1;
        overflow-y: scroll; overflow-x: hidden; }
#tensors { height: 2fr; min-height: 5; scrollbar-size-vertical: 1; scrollbar-size-horizontal: 1;
           overflow-y: scroll; overflow-x: scroll; }
#signs { height: 1fr; padding: 0 1; scrollbar-size-vertical: 1; overflow-y: scroll; overflow-x: hidden; }
#loss { height: 45%; min-height: 9; }
"""

PANES = {"network": "Network", "step": "Step", "tensors": "Tensors", "signs": "Gradient signs", "loss": "Loss"}


def pane_texts(n: int) -> dict[str, str]:
    """What each pane shows at position n: a few lines that change with every move."""
    row = "  ".join(f"{(n * 7 + c) % 97 / 13 - 3:9.4f}" for c in range(8))
    return {
        "status": f"floor  iteration {n // 27 + 1}/10000  step {n % 27 + 1}/27  forward  forward.{n % 3}.u",
        "network": "\n".join(f"{'●' if (n + r) % 3 else '○'}  ──▶  ●●●  ──▶  ●  {n % 5}" for r in range(7)),
        "step": f" FORWARD  Layer {n % 3 + 1}: weighted sum\n\nu = W·a + b\nu = ⟨128×784⟩·⟨784×64⟩ + ⟨128×1⟩ = "
                f"⟨128×64⟩\n\n✎ note {n}",
        "tensors": f"u  128×64  result (u{n % 3})\n  min {-n % 7} max {n % 11}\n"
                   + "\n".join(f"{r:3d} │{row}" for r in range(12)),
        "signs": "\n".join(f"W{r}  " + "".join("▲▼·"[(n + r + c) % 3] for c in range(24)) for r in range(12)),
        "loss": "\n".join(f"{2.3 - 0.01 * (n + r):8.4f} ┤" + "•" * ((n + r) % 30) for r in range(13)),
    }


class Lines:
    """A pane's text, drawn line by line; `show` swaps the text and repaints the pane only."""

    lines: list[str] = []
    _style = None

    def show(self, text: str) -> None:
        self.lines = text.split("\n")
        self.refresh()  # type: ignore[attr-defined]

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width  # type: ignore[attr-defined]
        line = y + int(self.scroll_offset.y)  # type: ignore[attr-defined]
        if self._style is None:   # looked up once, as chainstep's panes do: it walks the CSS tree
            self._style = self.rich_style  # type: ignore[attr-defined]
        style = self._style
        text = self.lines[line] if line < len(self.lines) else ""
        return Strip([Segment(text, style)]).crop_extend(0, width, style)


class Pane(Lines, Widget):
    """A pane without scrollbars (status line, network)."""


class ScrollPane(Lines, ScrollView):
    """A pane with the scrollbars chainstep's pane has; its virtual size is set once."""

    def on_mount(self) -> None:
        self.virtual_size = Size(200, 64)


class FloorApp(App[None]):
    """The debugger's panes as plain line widgets: right/space forward, left back."""

    CSS = CSS
    BINDINGS = [
        Binding("space,right", "move(1)", "Next"),
        Binding("left", "move(-1)", "Back"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def compose(self) -> ComposeResult:
        yield Pane(id="status")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Pane(id="network", classes="pane")
                yield ScrollPane(id="step", classes="pane")
                yield ScrollPane(id="tensors", classes="pane")
            with Vertical(id="right"):
                yield ScrollPane(id="signs", classes="pane")
                yield Pane(id="loss", classes="pane")
        yield Footer()

    def on_mount(self) -> None:
        self.panes = {name: self.query_one(f"#{name}") for name in ("status", *PANES)}
        for name, title in PANES.items():
            self.panes[name].border_title = title
        self.action_move(0)

    def action_move(self, delta: int) -> None:
        self.count = max(0, self.count + delta)
        for name, text in pane_texts(self.count).items():
            self.panes[name].show(text)


if __name__ == "__main__":
    FloorApp().run()
