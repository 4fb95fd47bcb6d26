"""The dialog that adds a breakpoint: choose a condition, fill in its few fields, Enter."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...core.breakpoints import (DEFAULT_EXPLODING, DEFAULT_VANISHING, Breakpoint, BreakpointError, validate)
from ...core.trace import Trace
from ...core.watch import WatchError, parse

# (kind, what the user reads, fields it takes)
CHOICES: list[tuple[str, str, tuple[str, ...]]] = [
    ("vanishing", "vanishing gradient: ‖∂/∂W‖ of a layer below a threshold", ("layer", "threshold")),
    ("exploding", "exploding gradient: ‖∂/∂W‖ of a layer above a threshold", ("layer", "threshold")),
    ("nonfinite", "a non-finite value (inf or NaN) appears", ()),
    ("loss_rises", "the loss rises from one iteration to the next", ("threshold",)),
    ("sign_flip", "the gradient of one parameter element flips sign", ("element",)),
    ("dead_relu", "a dead ReLU unit: 0 for every sample", ("layer",)),
    ("step", "a step id (every iteration, or one)", ("step", "iteration")),
    ("iteration", "the start of an iteration", ("iteration",)),
]
LABELS = {
    "layer": "Layer (blank: every layer)",
    "threshold": "Threshold",
    "element": "Parameter element, e.g. W1[0,0]",
    "step": "Step id",
    "iteration": "Iteration (1-based; blank: every iteration)",
}


class BreakpointDialog(ModalScreen[Breakpoint | None]):
    """Returns a breakpoint already checked against the trace, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, trace: Trace, step_id: str, iteration: int, element: str) -> None:
        super().__init__()
        self.trace = trace
        self.step_id, self.iteration, self.element = step_id, iteration, element
        self.kind = CHOICES[0][0]

    def compose(self) -> ComposeResult:
        with Vertical(id="bp-dialog"):
            yield Static("[b]Add a breakpoint[/]   [dim]↑↓ choose · Tab to the fields · Enter adds · Esc[/]",
                         id="bp-title")
            yield OptionList(*[Option(text, id=kind) for kind, text, _ in CHOICES], id="bp-kinds")
            for name in LABELS:
                with Horizontal(classes="bp-field", id=f"bp-row-{name}"):
                    yield Label(LABELS[name], classes="bp-label")
                    yield Input(id=f"bp-{name}", classes="bp-input")
            yield Static("", id="bp-error")

    def on_mount(self) -> None:
        kinds = self.query_one("#bp-kinds", OptionList)
        kinds.highlighted = 0
        kinds.focus()
        self.query_one("#bp-step", Input).value = self.step_id
        self.query_one("#bp-element", Input).value = self.element
        self._show_fields()

    def _fields(self) -> tuple[str, ...]:
        return next(f for k, _, f in CHOICES if k == self.kind)

    def _show_fields(self) -> None:
        fields = self._fields()
        for name in LABELS:
            self.query_one(f"#bp-row-{name}").display = name in fields
        threshold = self.query_one("#bp-threshold", Input)
        threshold.value = {"vanishing": f"{DEFAULT_VANISHING:g}", "exploding": f"{DEFAULT_EXPLODING:g}",
                           "loss_rises": "0"}.get(self.kind, "")
        it = self.query_one("#bp-iteration", Input)
        it.value = str(self.iteration + 1) if self.kind == "iteration" else ""
        self.query_one("#bp-error", Static).update("")

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and event.option.id != self.kind:
            self.kind = event.option.id
            self._show_fields()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        fields = self._fields()
        if fields:
            self.query_one(f"#bp-{fields[0]}", Input).focus()
        else:
            self._submit()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def build(self) -> Breakpoint:
        """The breakpoint the fields describe; BreakpointError (with the field) if they do not."""
        def text(name: str) -> str:
            return self.query_one(f"#bp-{name}", Input).value.strip()

        fields = self._fields()
        kw: dict = {}
        if "layer" in fields and text("layer"):
            if not text("layer").isdigit():
                raise BreakpointError("the layer is a whole number from 1", "layer")
            kw["layer"] = int(text("layer"))
        if "threshold" in fields and text("threshold"):
            try:
                kw["threshold"] = float(text("threshold"))
            except ValueError:
                raise BreakpointError(f"`{text('threshold')}` is not a number", "threshold") from None
        if "element" in fields:
            try:
                name, index = parse(text("element"))
            except WatchError as exc:
                raise BreakpointError(str(exc), "element") from None
            name = name[1:] if name[:2] in ("dW", "db") else name   # dW1[0,0] means W1[0,0] too
            kw["param"], kw["index"] = name, index or (0, 0)
        if "step" in fields:
            kw["step_id"] = text("step")
        if "iteration" in fields and text("iteration"):
            if not text("iteration").isdigit() or int(text("iteration")) < 1:
                raise BreakpointError("the iteration is a whole number from 1", "iteration")
            kw["iteration"] = int(text("iteration")) - 1
        return validate(Breakpoint(self.kind, **kw), self.trace)

    def _submit(self) -> None:
        try:
            bp = self.build()
        except BreakpointError as exc:
            field = {"above": "threshold", "below": "threshold", "at": "element", "param": "element"}.get(
                exc.key or "", exc.key or "")
            message = exc.message + (f" ({exc.hint})" if exc.hint else "")
            if self.kind == "iteration" and field == "iteration":   # the core counts from 0, the app from 1
                message = f"the iteration must be from 1 to {self.trace.iterations}"
            self.query_one("#bp-error", Static).update(Text(message))
            if field in LABELS and field in self._fields():
                self.query_one(f"#bp-{field}", Input).focus()
            return
        self.dismiss(bp)

    def action_cancel(self) -> None:
        self.dismiss(None)
