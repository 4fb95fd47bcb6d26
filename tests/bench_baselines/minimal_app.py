"""P1 baseline: the smallest useful Textual app, one Static updated per key.

It does in the simplest way what chainstep does per key (change some text and repaint), so the
benchmark can say how much of chainstep's key-to-frame time is Textual itself.
"""
from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static


class MinimalApp(App[None]):
    """A counter in one Static: right/space add one, left takes one away."""

    BINDINGS = [
        Binding("space,right", "move(1)", "Next"),
        Binding("left", "move(-1)", "Back"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def compose(self) -> ComposeResult:
        yield Static("step 0", id="counter")

    def action_move(self, delta: int) -> None:
        self.count += delta
        self.query_one("#counter", Static).update(f"step {self.count}")


if __name__ == "__main__":
    MinimalApp().run()
