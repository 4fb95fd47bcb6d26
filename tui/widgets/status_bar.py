"""The status line: scenario, part, iteration, step and phase, plus slots others can fill."""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class StatusBar(Static):
    """One line saying where the debugger stands; `set_extra` adds text such as "● REC"."""

    COMPONENT_CLASSES = {"status-bar--key", "status-bar--extra", "status-bar--forward", "status-bar--loss",
                         "status-bar--backward", "status-bar--update"}

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self._fields: tuple = ()
        self._extras: dict[str, str] = {}
        self._text = Text()

    def show(self, scenario: str, part: int, parts: int, iteration: int, iterations: int,
             step: int, steps: int, phase: str, step_id: str) -> None:
        """Positions are 1-based, as the user reads them."""
        fields = (scenario, part, parts, iteration, iterations, step, steps, phase, step_id)
        if fields != self._fields:
            self._fields = fields
            self._redraw()

    def set_extra(self, key: str, text: str | None) -> None:
        """Show (or, with None or "", remove) an extra piece of status text under `key`."""
        if text:
            self._extras[key] = text
        else:
            self._extras.pop(key, None)
        self._redraw()

    def extra(self, key: str) -> str | None:
        return self._extras.get(key)

    def _redraw(self) -> None:
        if not self._fields:
            return
        scenario, part, parts, it, its, k, ks, phase, sid = self._fields
        key = self.get_component_rich_style("status-bar--key")
        text = Text(no_wrap=True, overflow="ellipsis")
        for extra in self._extras.values():
            text.append(f" {extra} ", self.get_component_rich_style("status-bar--extra"))
            text.append(" ")
        text.append(scenario, key)
        if parts > 1:
            text.append("  part ").append(f"{part}/{parts}", key)
        text.append("  iteration ").append(f"{it}/{its}", key)
        text.append("  step ").append(f"{k}/{ks}", key)
        text.append("  ")
        text.append(f" {phase} ", self.get_component_rich_style(f"status-bar--{phase}",
                                                                default=key))
        text.append(f"  {sid}")
        self._text = text
        self.update(text)

    @property
    def plain(self) -> str:
        """The text shown, for tests and recordings."""
        return self._text.plain
