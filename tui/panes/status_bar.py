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
        self._variants: list[list[tuple[str, str]]] = [[]]
        self._fitted_width = -1
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
        self._variants = [self._build(level) for level in range(4)]
        self._runs = self._variants[0]
        self._fitted_width = -1
        self.refresh()

    def _build(self, level: int) -> list[tuple[str, str]]:
        """The line at one level of abbreviation: 0 in full, 3 as short as it gets."""
        runs: list[tuple[str, str]] = []
        for extra in self._extras.values():
            runs += [(f" {extra} ", "extra"), (" ", "")]
        if self._fields:
            scenario, part, parts, it, its, k, ks, phase, sid = self._fields
            words = (("  part ", "  iteration ", "  step "), ("  part ", "  iter ", "  step "),
                     (" p", " it ", " st "), (" p", " ", " "))[level]
            runs.append((scenario if level < 3 or len(scenario) <= 12 else scenario[:11] + "…", "key"))
            if parts > 1:
                runs += [(words[0], ""), (f"{part}/{parts}", "key")]
            runs += [(words[1], ""), (f"{it}/{its}", "key"), (words[2], ""), (f"{k}/{ks}", "key"),
                     (" " if level > 1 else "  ", ""),
                     (f" {phase if level < 2 else phase[:4]} ", phase if phase in PHASES else "key")]
            if level < 3:
                runs.append((f"  {sid}" if level < 2 else f" {sid}", ""))
        return runs

    def _fit(self, width: int) -> list[tuple[str, str]]:
        """The fullest variant that fits `width` cells: the line abbreviates rather than cuts."""
        if width != self._fitted_width:
            self._fitted_width = width
            self._runs = next((v for v in self._variants if sum(len(t) for t, _ in v) <= width),
                              self._variants[-1])
        return self._runs

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
        return Strip([Segment(t, st[k]) for t, k in self._fit(width)]).crop_extend(0, width, st[""])

    @property
    def plain(self) -> str:
        """The line in full, for tests and recordings (a narrow terminal shows it abbreviated)."""
        return "".join(t for t, _ in self._variants[0])
