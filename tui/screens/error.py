"""The error screen: a scenario failed to load; says where and how to fix it."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Static


class ErrorScreen(ModalScreen[None]):
    """Shows `file:line:col: message (hint)`; closing it returns to the scenario that was open."""

    BINDINGS = [Binding("escape,enter,q", "close", "Close")]

    def __init__(self, message: str, title: str = "This scenario cannot be opened") -> None:
        super().__init__()
        self.message, self.title_text = message, title

    def compose(self) -> ComposeResult:
        with Vertical(id="error-dialog"):
            yield Static(f"[b]{escape(self.title_text)}[/]", id="error-title")
            yield Static(escape(self.message), id="error-message")
            yield Static("[dim]Fix the file and open it again. Esc or Enter: back to the scenario "
                         "that was open.[/]", id="error-help")

    def action_close(self) -> None:
        self.dismiss(None)
