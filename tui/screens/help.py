"""The help screen: every key of the debugger, read from the bindings themselves.

Three kinds of key are listed: the app's own (every mixin's BINDINGS), the ones Textual adds to
every app (the command palette, Tab between panes), and the keys of the panes and views that
can be opened from the main screen (the landscape's + and −, the minibatch view's t, ...), each
under the context where it works.
"""
from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Static

from ..panes.breakpoints_pane import BreakpointsPane
from ..quiz.inputs import SignGridInput, SignPicker
from ..quiz.panel import QuizPanel

Row = tuple[str, str, str]   # keys, name, what it does

def contexts() -> tuple[tuple[str, tuple[type, ...]], ...]:
    """Where keys other than the main screen's work, and the classes whose BINDINGS they are.

    The tool screens are imported here, when help opens, so they stay out of the app's start-up.
    """
    from ..tools.gradcheck_screen import GradCheckScreen
    from ..tools.landscape_screen import LandscapeScreen
    from ..tools.minibatch_screen import MinibatchScreen
    from ..tools.zoom_screen import ZoomScreen
    return (
        ("In the loss landscape (l)", (LandscapeScreen,)),
        ("In the minibatch view (m)", (MinibatchScreen,)),
        ("In the zoom (x)", (ZoomScreen,)),
        ("In the gradient check (f)", (GradCheckScreen,)),
        ("In the breakpoints list (k)", (BreakpointsPane,)),
        ("In a quiz question (z)", (QuizPanel, SignPicker, SignGridInput)),
    )


PACKAGE = __package__.rsplit(".", 1)[0]   # chainstep.tui: panes of our own, not Textual's widgets


def _binding(b: BindingType) -> Binding:
    return b if isinstance(b, Binding) else Binding(*b)


def binding_rows(app, bindings: list[BindingType]) -> list[Row]:
    """(keys, description, tooltip) for every binding that has a description."""
    rows = []
    for b in map(_binding, bindings):
        if not b.description:
            continue
        keys = " / ".join(app.get_key_display(Binding(k.strip(), b.action)) for k in b.key.split(","))
        rows.append((keys, b.description, b.tooltip or ""))
    return rows


def class_bindings(classes: tuple[type, ...], ours_only: bool = False) -> list[BindingType]:
    """The bindings declared by these classes and their bases (first declaration of a key wins).

    `ours_only`: only what chainstep's own classes declare, not Textual's (OptionList's arrows, ...).
    """
    seen, out = set(), []
    for top in classes:
        for cls in top.__mro__:
            if ours_only and not cls.__module__.startswith(PACKAGE):
                continue
            for b in cls.__dict__.get("BINDINGS", []):
                key = _binding(b).key
                if key not in seen and _binding(b).description:
                    seen.add(key)
                    out.append(b)
    return out


def all_bindings(app) -> list[BindingType]:
    """The app's bindings, including those of mixed-in classes (recording, ...)."""
    return class_bindings((type(app),))


def textual_rows(app) -> list[Row]:
    """The keys Textual gives every app and screen: the command palette, focus, copying."""
    rows: list[Row] = []
    if app.ENABLE_COMMAND_PALETTE:
        palette = app.COMMAND_PALETTE_BINDING
        rows.append((app.get_key_display(Binding(palette, "command_palette")), "Commands",
                     "The command palette: change the theme, and every action by name"))
    for keys, desc, tip in binding_rows(app, class_bindings((Screen,))):
        if desc == "Focus Next":
            desc, tip = "Next pane", tip or "Move the keyboard focus to the next pane or field"
        elif desc == "Focus Previous":
            desc, tip = "Previous pane", tip or "Move the keyboard focus back"
        rows.append((keys, desc, tip))
    return rows


def pane_contexts(screen: Screen | None, listed: set[type]) -> list[tuple[str, list[BindingType]]]:
    """Panes of the main screen with keys of their own that contexts() does not list (they work when focused)."""
    if screen is None:
        return []
    out, seen = [], set(listed)
    for widget in screen.query(Widget):
        cls = type(widget)
        if cls in seen or not cls.__module__.startswith(PACKAGE):
            continue
        seen.add(cls)
        own = class_bindings((cls,), ours_only=True)
        if own:
            title = widget.border_title
            name = title if isinstance(title, str) and title else cls.__name__
            out.append((f"In the {name} pane (Tab focuses it)", own))
    return out


def help_sections(app, main: Screen | None = None) -> list[tuple[str, list[Row]]]:
    """Every key a user can press, grouped by where it works."""
    sections = [("Stepping and tools", binding_rows(app, all_bindings(app))),
                ("Everywhere", textual_rows(app))]
    where = contexts()
    for title, classes in where:
        sections.append((title, binding_rows(app, class_bindings(classes, ours_only=True))))
    listed = {cls for _, classes in where for cls in classes}
    for title, bindings in pane_contexts(main, listed):
        sections.append((title, binding_rows(app, bindings)))
    return [(title, rows) for title, rows in sections if rows]


class HelpScreen(ModalScreen[None]):
    """Keys and what they do, and a few words on reading the panes."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close help")]

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", padding=(0, 2, 0, 0))
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("Name", no_wrap=True)
        table.add_column("What it does", style="dim")
        stack = self.app.screen_stack
        main = stack[0] if stack and stack[0] is not self else None
        self.sections = help_sections(self.app, main)
        for n, (title, rows) in enumerate(self.sections):
            if n:
                table.add_row("", "", "")
                table.add_row(Text(title, "bold underline"), "", "")
            for keys, desc, tip in rows:
                # Text, not str: descriptions and key names such as [ and ] are not markup.
                table.add_row(Text(keys), Text(desc), Text(tip))
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
