"""The go-to dialog: a step number, a step id, or ITERATION:STEP."""
from __future__ import annotations

from typing import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class GotoDialog(ModalScreen[str | None]):
    """Asks for a target; `check` returns an error message (or None) so bad input stays editable."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, check: Callable[[str], str | None], steps: int, iterations: int) -> None:
        super().__init__()
        self.check = check
        self.steps, self.iterations = steps, iterations

    def compose(self) -> ComposeResult:
        with Vertical(id="goto-dialog"):
            yield Static("[b]Go to step[/]", id="goto-title")
            yield Static(f"[dim]a step number (1–{self.steps}), a step id such as backward.1.dW, "
                         f"ITERATION:STEP (iterations 1–{self.iterations}) or iITERATION[/]", id="goto-hint")
            yield Input(placeholder="e.g. 13, backward.1.dW, 500:13", id="goto-input")
            yield Static("", id="goto-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        problem = self.check(event.value)
        if problem:
            self.query_one("#goto-error", Static).update(problem)
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
