"""A one-line question in a modal: the shape shared by the go-to and watch dialogs."""
from __future__ import annotations

from typing import Callable, Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class PromptDialog(ModalScreen[str | None]):
    """Asks for one line; `check` returns an error message (or None) so bad input stays editable.

    Widget ids are `{prefix}-dialog`, `-title`, `-hint`, `-input`, `-error`, so the stylesheet and
    tests can tell the dialogs apart.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, prefix: str, title: str, hint: str, check: Callable[[str], str | None],
                 placeholder: str = "", value: str = "", extra: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__()
        self.prefix, self.title_text, self.hint, self.check = prefix, title, hint, check
        self.placeholder, self.value, self.extra = placeholder, value, tuple(extra)

    def compose(self) -> ComposeResult:
        p = self.prefix
        with Vertical(id=f"{p}-dialog"):
            yield Static(Text(self.title_text, "bold"), id=f"{p}-title")
            yield Static(Text(self.hint, "dim"), id=f"{p}-hint")
            for suffix, line in self.extra:
                yield Static(Text(line, "dim"), id=f"{p}-{suffix}")
            yield Input(self.value, placeholder=self.placeholder, id=f"{p}-input")
            yield Static("", id=f"{p}-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        problem = self.check(event.value)
        if problem:
            self.query_one(f"#{self.prefix}-error", Static).update(Text(problem))
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
