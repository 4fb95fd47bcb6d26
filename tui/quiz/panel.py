"""The question pane: asks, takes the answer, then says right or wrong with the correct value and the note.

Everything an author wrote (question, options, note) is shown as plain text, never as markup.
"""
from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...core.quiz import Question, Verdict, parse_number
from .inputs import SignGridInput, SignPicker


class QuizPanel(Vertical):
    """Shown only while the current step carries a question."""

    BINDINGS = [Binding("escape", "leave", "Skip", tooltip="Leave the question for now (a answers it later)")]

    class Answered(Message):
        def __init__(self, given: object) -> None:
            super().__init__()
            self.given = given

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.question: Question | None = None
        self.state = "closed"   # closed, asking, revealed
        self.result_plain = ""  # what the last reveal said, as text (tests, recordings)
        self._widget: Widget | None = None   # the input of the question being asked

    def compose(self) -> ComposeResult:
        yield Static("", id="quiz-head")
        yield Static("", id="quiz-ask")
        yield Vertical(id="quiz-input")
        yield Static("", id="quiz-result")

    # ---- what the pane shows -----------------------------------------------------------
    def ask(self, q: Question, head: str, moves: bool, shape: tuple[int, ...], label: str) -> None:
        self.question, self.state = q, "asking"
        self.display = True
        self.query_one("#quiz-head", Static).update(Text(head, "bold"))
        self.query_one("#quiz-ask", Static).update(Text(q.ask))
        self.query_one("#quiz-result", Static).update(Text(self._hint(q), "dim"))
        box = self.query_one("#quiz-input", Vertical)
        # No ids on the inputs: removal finishes later, and a quick step to the next question mounts
        # the new input while the old one may still be there.
        box.remove_children()
        widget = self._input(q, moves, shape, label)
        self._widget = widget
        box.mount(widget)
        self.call_after_refresh(widget.focus)

    @staticmethod
    def _hint(q: Question) -> str:
        if q.kind == "number":
            return f"Type a number, then Enter ({q.tolerance_text()}). Esc leaves it for later."
        if q.kind == "choice":
            return "↑↓ or 1–9 to choose, Enter answers. Esc leaves it for later."
        return "Esc leaves it for later; space steps on without answering."

    def _input(self, q: Question, moves: bool, shape: tuple[int, ...], label: str):
        if q.kind == "sign":
            return SignPicker(moves, classes="quiz-sign")
        if q.kind == "signs":
            rows = shape[0] if shape else 1
            cols = int(np.prod(shape[1:])) if len(shape) > 1 else 1
            return SignGridInput(rows, cols, label, classes="quiz-grid")
        if q.kind == "number":
            return Input(placeholder="e.g. −0.2 or 1/3", classes="quiz-number")
        return OptionList(*[Option(Content(f"{i + 1}. {o}"), id=str(i)) for i, o in enumerate(q.options)],
                          classes="quiz-choice")

    def reveal(self, q: Question, head: str, verdict: Verdict, note: str, more: str) -> None:
        self.question, self.state = q, "revealed"
        self.display = True
        self.query_one("#quiz-head", Static).update(Text(head, "bold"))
        self.query_one("#quiz-ask", Static).update(Text(q.ask))
        self.query_one("#quiz-input", Vertical).remove_children()
        self._widget = None
        out = Text()
        if verdict.ok:
            out.append("✓ Right. ", "bold green")
        elif verdict.right:
            out.append(f"◐ {verdict.right} of {verdict.asked} right. ", "bold yellow")
        else:
            out.append("✗ Not quite. ", "bold red")
        out.append(f"The answer is {verdict.correct}." if verdict.ok else
                   f"You said {verdict.given}; the answer is {verdict.correct}.")
        if note:
            out.append(f"\n✎ {note}", "italic")
        out.append(f"\n{more}", "dim")
        self.query_one("#quiz-result", Static).update(out)
        self.result_plain = out.plain
        if self.has_focus_within:
            self.screen.set_focus(None)

    def close(self) -> None:
        self.question, self.state = None, "closed"
        self.query_one("#quiz-input", Vertical).remove_children()
        self._widget = None
        self.display = False

    def focus_input(self) -> bool:
        if self._widget is None:
            return False
        self._widget.focus()
        return True

    # ---- answers -----------------------------------------------------------------------
    def on_sign_picker_picked(self, event: SignPicker.Picked) -> None:
        event.stop()
        self.post_message(self.Answered(event.value))

    def on_sign_grid_input_filled(self, event: SignGridInput.Filled) -> None:
        event.stop()
        self.post_message(self.Answered(event.signs))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = parse_number(event.value)
        if value is None:
            self.notify("That is not a number: write it like −0.2, 0.05 or 1/3", severity="warning", timeout=3)
            return
        self.post_message(self.Answered(value))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Answered(int(event.option.id or 0)))

    def on_key(self, event) -> None:
        """1–9 pick a choice directly."""
        if self.question is not None and self.question.kind == "choice" and self.state == "asking" \
                and event.character and event.character.isdigit():
            i = int(event.character) - 1
            if 0 <= i < len(self.question.options):
                event.stop()
                self.post_message(self.Answered(i))

    def action_leave(self) -> None:
        self.screen.set_focus(None)
