"""The help screen: every key of the debugger, read from the bindings themselves."""
from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def binding_rows(app, bindings: list[BindingType]) -> list[tuple[str, str, str]]:
    """(keys, description, tooltip) for every binding that has a description."""
    rows = []
    for b in bindings:
        if not isinstance(b, Binding):
            b = Binding(*b)
        if not b.description:
            continue
        keys = " / ".join(app.get_key_display(Binding(k.strip(), b.action)) for k in b.key.split(","))
        rows.append((keys, b.description, b.tooltip or ""))
    return rows


def all_bindings(app) -> list[BindingType]:
    """The app's bindings, including those of mixed-in classes (recording, ...)."""
    seen, out = set(), []
    for cls in type(app).__mro__:
        for b in cls.__dict__.get("BINDINGS", []):
            key = b.key if isinstance(b, Binding) else b[0]
            if key not in seen and (isinstance(b, Binding) and b.description or not isinstance(b, Binding)):
                seen.add(key)
                out.append(b)
    return out


class HelpScreen(ModalScreen[None]):
    """Keys and what they do, and a few words on reading the panes."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close help")]

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", padding=(0, 2, 0, 0))
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("Name", no_wrap=True)
        table.add_column("What it does", style="dim")
        for keys, desc, tip in binding_rows(self.app, all_bindings(self.app)):
            table.add_row(keys, desc, tip)
        self.table = table
        with Vertical(id="help-dialog"):
            yield Static("[b]chainstep keys[/]   [dim](Esc to close)[/]", id="help-title")
            with VerticalScroll(id="help-body"):
                yield Static(table, id="help-table")
                yield Static(
                    "\n[b]Reading the panes[/]\n"
                    "Network: the highlighted tensors are the ones this step reads or writes; the arrows\n"
                    "show which way information flows (forward pass → , backward pass ←). Click a layer to\n"
                    "go to its forward step.\n"
                    "Step: the formula, then the same formula with the numbers in it. For a gradient the\n"
                    "chain-rule factors are listed one under another; click a factor to go to its step.\n"
                    "Tensors: inputs then result, positive and negative values in different colours.\n"
                    "Signs: ▲ the coming update raises that entry, ▼ lowers it, · leaves it.\n"
                    "Iterations and steps are numbered from 1. Go to (g) accepts 13, backward.1.dW,\n"
                    "500:13 or i500.", id="help-notes")

    def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
