"""The dialog that adds (or, typed again, removes) a watch expression."""
from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class WatchDialog(ModalScreen[str | None]):
    """`check` returns an error message (or None) so a mistyped name stays editable."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, check: Callable[[str], str | None], watching: list[str], suggestion: str = "") -> None:
        super().__init__()
        self.check, self.watching, self.suggestion = check, watching, suggestion

    def compose(self) -> ComposeResult:
        with Vertical(id="watch-dialog"):
            yield Static(Text("Watch a tensor or one element", "bold"), id="watch-title")
            yield Static(Text("Names as the steps call them: W1, dW2, dL_dyhat, yhat, L, delta1, a1 … "
                              "(∂L/∂ŷ, δ₁ work too); one element with [row,col], e.g. W1[0,1]. "
                              "Typing a watched expression again removes it.", "dim"), id="watch-hint")
            if self.watching:
                yield Static(Text("watching: " + ", ".join(self.watching), "dim"), id="watch-current")
            yield Input(self.suggestion, placeholder="e.g. W1[0,1]", id="watch-input")
            yield Static("", id="watch-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        problem = self.check(event.value)
        if problem:
            self.query_one("#watch-error", Static).update(Text(problem))
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
