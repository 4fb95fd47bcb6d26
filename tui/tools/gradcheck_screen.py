"""Proof in place: the current gradient step's analytic values beside central finite differences."""
from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...core.formatting import num
from ...core.gradcheck import ATOL, H, RTOL, GradCheck, check_step, gradient_step_ids
from ...core.trace import Trace

# What each kind of gradient step is the derivative of, in words, for the explanation line.
FUNCTION_OF = {
    "dyhat": "the loss as a function of ŷ",
    "delta": "the loss as a function of u",
    "da_prev": "the loss as a function of the layer's input a",
    "dW": "the cost as a function of the weights",
    "db": "the cost as a function of the biases",
    "da_du": "the activation as a function of u, one element at a time",
}


def checked_step(trace: Trace, step_id: str) -> str | None:
    """The gradient step to check for the step the user is on (an update checks its gradient)."""
    if step_id in gradient_step_ids(trace):
        return step_id
    if step_id.startswith("update."):
        name = step_id.split(".")[1]   # update.W1 and its state steps (update.W1.m, ...) check ∂C/∂W1
        sid = f"backward.{name[1:]}.d{name[0]}"
        return sid if sid in trace.step_ids else None
    return None


class GradCheckScreen(ModalScreen[None]):
    """Computes the check in a worker (it runs the network twice per element), then shows the table."""

    BINDINGS = [Binding("escape,q,f", "close", "Close")]

    def __init__(self, trace: Trace, iteration: int, step_id: str, limit: int = 24,
                 watched: tuple[tuple[str, tuple[int, ...]], ...] = ()) -> None:
        super().__init__()
        self.trace, self.iteration, self.step_id, self.limit = trace, iteration, step_id, limit
        self.watched = watched   # (tensor name, element) of element watches: always checked, marked
        self.include: tuple[tuple[int, ...], ...] = ()
        self.target = checked_step(trace, step_id)
        self.result: GradCheck | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="gc-dialog"):
            yield Static(Text.assemble(("Gradient check", "bold"), ("   Esc to close", "dim")), id="gc-title")
            with VerticalScroll(id="gc-body"):
                yield Static("", id="gc-table")
            yield Static("", id="gc-verdict")

    def on_mount(self) -> None:
        if self.target is None:
            self.query_one("#gc-table", Static).update(Text(
                f"{self.step_id} computes no gradient, so there is nothing to check here.\n"
                "Step into the backward pass (a ∂L/∂… step) or onto an update, then press f again."))
            return
        self.query_one("#gc-table", Static).update(Text(f"checking {self.target} with central differences …",
                                                        style="dim"))
        self._run()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _run(self) -> None:
        step = self.trace.step(self.iteration, self.target)
        names = {step.result.name, step.param}   # a watch on W1[0,1] or dW1[0,1] both mean this element
        self.include = tuple(idx for name, idx in self.watched if name in names)
        result = check_step(self.trace, self.iteration, self.target, limit=self.limit, include=self.include)
        self.app.call_from_thread(self._show, result)

    def _show(self, r: GradCheck | None) -> None:
        self.result = r
        if r is None:
            self.query_one("#gc-table", Static).update(Text(f"{self.target} cannot be checked numerically."))
            return
        step = self.trace.step(self.iteration, self.target)
        kind = self.target.split(".")[-1]
        intro = Text.assemble(
            (f"{step.result.label}", "bold"), f" at iteration {self.iteration + 1} ({self.target})\n",
            f"Each element p of {FUNCTION_OF.get(kind, 'the function')} is nudged by ±h, h = {H:g}:\n",
            ("  numeric ≈ (f(p + h) − f(p − h)) / 2h", "italic"), "   beside the backward pass's analytic value.\n")
        table = Table(box=None, header_style="bold", padding=(0, 2, 0, 0))
        for col in ("element", "analytic (chain rule)", "numeric (finite diff.)", "|difference|", "relative error"):
            table.add_column(col, justify="right" if col != "element" else "left", no_wrap=True)
        for e in r.elements:
            where = "[" + ",".join(map(str, e.index)) + "]" + (" ◀ watched" if e.index in self.include else "")
            if e.kink:
                table.add_row(where, num(e.analytic), num(e.numeric), "–", Text("at a kink: skipped", "dim"))
                continue
            diff = abs(e.analytic - e.numeric)
            scale = max(abs(e.analytic), abs(e.numeric))
            rel = diff / scale if scale > 0 else 0.0
            bad = not diff <= ATOL + RTOL * scale
            table.add_row(where, num(e.analytic), num(e.numeric), f"{diff:.2e}",
                          Text(f"{rel:.2e}", "bold red" if bad else "green"))
        shown = len(r.elements)
        total = step.result.value.size
        sampled = f"{shown} of {total:,} elements (a random sample)" if shown < total else f"all {total} element(s)"
        self.query_one("#gc-table", Static).update(Group(intro, Text(sampled + ":", style="dim"), table))
        if r.checked == 0:
            # NaN beside NaN, or only kinks: nothing was compared, so nothing is confirmed.
            verdict = Text.assemble(("? nothing could be compared", "bold yellow"),
                                    ": no element has a finite value and a finite estimate away from a kink")
        elif r.ok:
            verdict = Text.assemble(("✓ the chain rule agrees", "bold green"),
                                    f": largest relative error {r.max_rel_error:.1e} "
                                    f"(tolerance {RTOL:g} relative + {ATOL:g} absolute)")
        else:
            verdict = Text.assemble(("✗ mismatch", "bold red"),
                                    f": largest relative error {r.max_rel_error:.1e}, largest absolute "
                                    f"{r.max_abs_error:.1e} (tolerance {RTOL:g} relative + {ATOL:g} absolute)")
        if r.skipped:
            verdict.append(f"; {r.skipped} element(s) at a kink skipped", "dim")
        self.query_one("#gc-verdict", Static).update(verdict)

    def action_close(self) -> None:
        self.dismiss(None)
