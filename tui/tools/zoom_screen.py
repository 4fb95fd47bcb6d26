"""The zoom: one gradient element written as scalars, sample by sample and path by path."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from ...core.explain import ExplainError, Explanation, explain
from ...core.trace import Trace
from .explain_text import lines

STYLES = {"title": "bold", "section": "bold", "note": "italic", "formula": "", "text": "", "total": "bold"}


def render(e: Explanation) -> Text:
    """The zoom's lines as one Rich Text (plain text: nothing in it is read as markup)."""
    out = Text(no_wrap=True)   # the path tables keep their columns; the body scrolls sideways
    for kind, line in lines(e):
        style = STYLES.get(kind, "")
        if kind == "total":
            style = "bold green" if abs(e.difference) <= 1e-12 * max(1.0, abs(e.matrix)) else "bold red"
        out.append(line + "\n", style)
    return out


class ZoomScreen(ModalScreen[None]):
    """Opened by x (asks for the element) or a click on a value of the Tensors pane or the sign grid."""

    AUTO_FOCUS = ""   # the screen's keys have the keyboard until e puts it in the element field
    BINDINGS = [
        Binding("e", "edit", "Element…", tooltip="Zoom on another element, e.g. W2[0,1] or delta1[0,0]"),
        Binding("escape,x", "close", "Close"),
        Binding("down,j", "scroll(1)", "Scroll down", show=False),
        Binding("up,k", "scroll(-1)", "Scroll up", show=False),
        Binding("right,l", "scroll_x(1)", "Scroll right", show=False),
        Binding("left,h", "scroll_x(-1)", "Scroll left", show=False),
    ]

    def __init__(self, trace: Trace, iteration: int, explanation: Explanation, at_step: int | None = None) -> None:
        super().__init__()
        self.trace, self.iteration, self.explanation = trace, iteration, explanation
        self.at_step = at_step   # the cursor's step: a gradient it has not reached yet is marked so

    def _ahead(self) -> Text:
        sid = self.explanation.target.step_id
        k = self.trace.index_of(sid)
        if self.at_step is None or k <= self.at_step:
            return Text("")
        return Text(f"Not reached yet at the cursor: step {k + 1} ({sid}) of this iteration computes it.\n",
                    "italic")

    def compose(self) -> ComposeResult:
        with Vertical(id="zoom-dialog"):
            yield Static(Text.assemble(("Zoom: one gradient element, path by path", "bold"),
                                       ("   ↑↓←→ scroll · e element · Esc closes", "dim")), id="zoom-title")
            with Horizontal(classes="tool-field"):
                yield Label("Element", id="zoom-label")
                yield Input(self._element_text(), id="zoom-element", classes="tool-input")
            with VerticalScroll(id="zoom-body"):
                yield Static(self._ahead() + render(self.explanation), id="zoom-text")

    def _element_text(self) -> str:
        t = self.explanation.target
        return f"{t.name}[{','.join(map(str, t.index))}]"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            e = explain(self.trace, self.iteration, event.value)
        except ExplainError as exc:
            self.notify(str(exc), title="Cannot zoom there", severity="warning", timeout=6)
            return
        self.explanation = e
        self.query_one("#zoom-text", Static).update(self._ahead() + render(e))
        self.query_one("#zoom-body", VerticalScroll).scroll_home(animate=False)
        self.set_focus(None)

    def action_edit(self) -> None:
        self.query_one("#zoom-element", Input).focus()

    def action_scroll(self, lines_: int) -> None:
        self.query_one("#zoom-body", VerticalScroll).scroll_relative(y=lines_ * 3, animate=False)

    def action_scroll_x(self, columns: int) -> None:
        self.query_one("#zoom-body", VerticalScroll).scroll_relative(x=columns * 8, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
