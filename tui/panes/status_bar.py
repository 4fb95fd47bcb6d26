"""The status line: scenario, part, iteration, step and phase, plus slots others can fill."""
from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

PHASES = ("forward", "loss", "backward", "update")


class StatusBar(Widget):
    """One line saying where the debugger stands; `set_extra` adds text such as "● REC"."""

    COMPONENT_CLASSES = {"status-bar--key", "status-bar--extra", "status-bar--forward", "status-bar--loss",
                         "status-bar--backward", "status-bar--update"}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._fields: tuple = ()
        self._extras: dict[str, str] = {}
        self._runs: list[tuple[str, str]] = []
        self._style_cache: dict[str, Style] | None = None

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
            if self._extras.get(key) == text:
                return
            self._extras[key] = text
        elif self._extras.pop(key, None) is None:
            return
        self._redraw()

    def extra(self, key: str) -> str | None:
        return self._extras.get(key)

    def _redraw(self) -> None:
        runs: list[tuple[str, str]] = []
        for extra in self._extras.values():
            runs += [(f" {extra} ", "extra"), (" ", "")]
        if self._fields:
            scenario, part, parts, it, its, k, ks, phase, sid = self._fields
            runs.append((scenario, "key"))
            if parts > 1:
                runs += [("  part ", ""), (f"{part}/{parts}", "key")]
            runs += [("  iteration ", ""), (f"{it}/{its}", "key"), ("  step ", ""), (f"{k}/{ks}", "key"),
                     ("  ", ""), (f" {phase} ", phase if phase in PHASES else "key"), (f"  {sid}", "")]
        self._runs = runs
        self.refresh()

    def notify_style_update(self) -> None:
        self._style_cache = None
        super().notify_style_update()

    def _styles(self) -> dict[str, Style]:
        if self._style_cache is None:
            st = {name.rsplit("--", 1)[1]: self.get_component_rich_style(name) for name in self.COMPONENT_CLASSES}
            st[""] = self.rich_style
            self._style_cache = st
        return self._style_cache

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        st = self._styles()
        if y:
            return Strip.blank(width, st[""])
        return Strip([Segment(t, st[k]) for t, k in self._runs]).crop_extend(0, width, st[""])

    @property
    def plain(self) -> str:
        """The text shown, for tests and recordings."""
        return "".join(t for t, _ in self._runs)
