"""The minibatch view: one parameter element's gradient per sample, their mean, and the batch gradient."""
from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from ...core.batch_view import BatchView, batch_view
from ...core.formatting import num
from ...core.trace import Trace
from ...core.watch import WatchError, param_element

MAX_ROWS = 64   # per-sample rows listed; the mean and the counts always cover every sample


class MinibatchScreen(ModalScreen[None]):
    """`t` toggles between the batch route (one pass, one gradient) and the per-sample route."""

    AUTO_FOCUS = ""   # the keys below, not the element field, have the keyboard until e is pressed
    BINDINGS = [
        Binding("e", "edit", "Element…", tooltip="Type another parameter element, e.g. W2[0,1]"),
        Binding("escape,m", "close", "Close"),
        Binding("t", "toggle", "Batch / per sample", tooltip="Switch between the two routes to the gradient"),
    ]

    def __init__(self, trace: Trace, iteration: int, element: str) -> None:
        super().__init__()
        self.trace, self.iteration, self.element = trace, iteration, element
        self.per_sample = True
        self.view: BatchView | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="mb-dialog"):
            yield Static(Text.assemble(("Minibatch: per-sample gradients and the batch gradient", "bold"),
                                       ("   t toggles · e element · Esc closes", "dim")), id="mb-title")
            with Horizontal(classes="tool-field"):
                yield Label("Parameter element", classes="tool-label")
                yield Input(self.element, id="mb-element", classes="tool-input")
            with VerticalScroll(id="mb-body"):
                yield Static("", id="mb-table")
            yield Static("", id="mb-counts")

    def on_mount(self) -> None:
        self._load(self.element)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._load(event.value)
        self.set_focus(None)   # back to the screen's keys (t, Esc)

    def _load(self, text: str) -> None:
        try:
            param, index = param_element(self.trace, text)
        except WatchError as exc:
            self.query_one("#mb-table", Static).update(Text(str(exc), "red"))
            return
        self.element = f"{param}[{index[0]},{index[1]}]"
        self.query_one("#mb-table", Static).update(Text("computing every sample's gradient …", "dim"))
        self._compute(param, index)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _compute(self, param: str, index: tuple[int, int]) -> None:
        view = batch_view(self.trace, self.iteration, param, index)
        self.app.call_from_thread(self._show, view)

    def action_toggle(self) -> None:
        self.per_sample = not self.per_sample
        if self.view is not None:
            self._show(self.view)

    def _show(self, v: BatchView) -> None:
        self.view = v
        g = f"∂L/∂{v.param}[{v.index[0]},{v.index[1]}]"
        how = "mean" if v.reduction == "mean" else "sum"
        head = Text.assemble((f"{g} at iteration {v.iteration + 1}", "bold"),
                             f" · {v.samples} sample(s) · loss reduced by its {how}\n")
        if v.samples == 1:
            head.append("This part has a single sample, so both routes are the same computation.\n", "dim")
        if self.per_sample:
            table = Table(box=None, header_style="bold", padding=(0, 2, 0, 0))
            table.add_column("sample", justify="right")
            table.add_column(f"{g} with that sample alone", justify="right")
            for j, value in enumerate(v.per_sample[:MAX_ROWS]):
                table.add_row(str(j + 1), num(value))
            if v.samples > MAX_ROWS:
                table.add_row("…", Text(f"{v.samples - MAX_ROWS} more", "dim"))
            body = Group(head, Text.assemble(f"{how} of the {v.samples} per-sample values: ", (num(v.combined), "bold"),
                                             "\nbatch gradient (one pass):  ".ljust(len(how) + 30), (num(v.batch), "bold"),
                                             "\n"),
                         Text("Per-sample route: backpropagate each sample alone.", "italic"), table)
        else:
            body = Group(head, Text.assemble(
                ("Batch route: one pass over the whole batch.", "italic"),
                f"\nx holds the {v.samples} samples as columns; δ·aᵀ adds up the samples' contributions "
                f"inside one matrix product, so the gradient arrives already combined:\n\n  {g} = ",
                (num(v.batch), "bold"),
                f"\n\n(t shows the {v.samples} per-sample values it combines.)"))
        self.query_one("#mb-table", Static).update(body)
        same = Text("equal: ", "bold green") if v.equal else Text("different: ", "bold red")
        same.append(f"the {how} of the per-sample gradients and the batch gradient differ by at most "
                    f"{v.max_difference:.1e} over all {v.params} parameters", "")
        counts = Text.assemble(
            same, "\n",
            ("Gradient values produced: ", "bold"),
            f"batch route {v.batch_values:,} (one per parameter); per-sample route "
            f"{v.per_sample_values:,} ({v.samples} × {v.params}), which then need combining.\n",
            ("Multiply-adds: ", "bold"),
            f"the same both ways, {v.product_macs:,} for the backward products (δ·aᵀ and Wᵀ·δ): "
            f"the batch product does the {v.combining_adds:,} combining additions inside itself. "
            "The saving is in values produced and stored, not in arithmetic.")
        self.query_one("#mb-counts", Static).update(counts)

    def action_edit(self) -> None:
        self.query_one("#mb-element", Input).focus()

    def action_close(self) -> None:
        self.dismiss(None)
