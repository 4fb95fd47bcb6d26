"""The breakpoints pane: every breakpoint of the part, switched on or off, and which one stopped us."""
from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...core.breakpoints import Breakpoint


class BreakpointsPane(OptionList):
    """A list the user enters with a key (it never takes focus by itself, so stepping keys keep working).

    space/enter switch the highlighted breakpoint on or off, d/delete removes it, Esc goes back.
    """

    BINDINGS = [
        Binding("space,enter", "toggle", "On/off", tooltip="Switch the highlighted breakpoint on or off"),
        Binding("d,delete,backspace", "delete", "Delete", tooltip="Remove the highlighted breakpoint"),
        Binding("escape", "leave", "Back", tooltip="Back to stepping"),
    ]

    class Toggled(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class Deleted(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.can_focus = False
        self._key: tuple | None = None

    def show(self, breakpoints: list[Breakpoint], stopped: Breakpoint | None = None) -> None:
        """Redraw only when the list, or the breakpoint that stopped us, changed."""
        key = (tuple(breakpoints), stopped)
        if key == self._key:
            return
        self._key = key
        keep = self.highlighted
        self.clear_options()
        for n, bp in enumerate(breakpoints):
            text = Text(no_wrap=True, overflow="ellipsis")
            text.append("● " if bp.enabled else "○ ", "bold red" if bp.enabled else "dim")
            text.append(bp.describe(), "" if bp.enabled else "dim")
            if bp.origin:
                text.append("  (scenario)", "dim")
            if stopped is not None and bp == stopped:
                text.append("  ◀ stopped here", "bold")
            self.add_option(Option(text, id=f"bp-{n}"))
        self.set_class(not breakpoints, "-empty")
        self.border_subtitle = (f"{sum(b.enabled for b in breakpoints)} on, "
                                f"{sum(not b.enabled for b in breakpoints)} off") if breakpoints else ""
        if breakpoints:
            self.highlighted = min(keep or 0, len(breakpoints) - 1)

    def enter(self) -> bool:
        """Take the keyboard (from the app's key); False when there is nothing to manage."""
        if not self.option_count:
            return False
        self.can_focus = True
        self.focus()
        if self.highlighted is None:
            self.highlighted = 0
        return True

    def on_blur(self) -> None:
        self.can_focus = False

    def action_toggle(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.Toggled(self.highlighted))

    def action_delete(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.Deleted(self.highlighted))

    def action_leave(self) -> None:
        self.can_focus = False
        self.screen.set_focus(None)
