"""The ends of a scenario's parts: no dead end at a part's last step, and part keys only where parts exist.

At the last step of the last iteration of a part that is not the last part, the Step pane's
bottom border says what comes next and `space` goes on to the next part's first step. The last
part's last step stays where it is, as before. `]` and `[` are shown in the Footer (and work)
only when the scenario has more than one part.
"""
from __future__ import annotations

from textual.content import Content

from ...core.cursor import Cursor

PART_ACTIONS = ("next_part", "prev_part")


def part_end_notice(cursor: Cursor, titles: list[str]) -> str | None:
    """"Part 1 of 3 done: press ] for Part 2: <title>" at a part's last step, None elsewhere."""
    if not cursor.at_end or cursor.part + 1 >= len(titles):
        return None
    n = cursor.part + 1
    return f"Part {n} of {len(titles)} done: press ] for Part {n + 1}: {titles[n]}"


class PartEnds:
    """Mixed into the app, which provides `scenario`, `cursor`, `aim`, `go`, `step_view` and the part actions."""

    _part_end_shown: str | None = None
    _parts_scenario: object = None   # the scenario the Footer's part keys were last checked for

    def next_step_or_part(self) -> None:
        """`space`: the next step; from a part's last step, the next part's first step."""
        aim = self.aim  # type: ignore[attr-defined]
        if aim.at_end and aim.part + 1 < len(self.scenario.parts):  # type: ignore[attr-defined]
            self.action_next_part()  # type: ignore[attr-defined]
        else:
            self.go(aim.next_step())  # type: ignore[attr-defined]

    @property
    def part_end_text(self) -> str | None:
        """What the screen says about the next part here, if anything."""
        return part_end_notice(self.cursor, [p.title for p in self.scenario.parts])  # type: ignore[attr-defined]

    def show_part_end(self) -> None:
        """Called from show_position: the notice on the Step pane's border, and a toast on arrival."""
        scenario = self.scenario  # type: ignore[attr-defined]
        if scenario is not self._parts_scenario:
            self._parts_scenario = scenario
            self.refresh_bindings()  # type: ignore[attr-defined]   # ] and [ come and go with the parts
        text = self.part_end_text
        if text == self._part_end_shown:
            return
        self._part_end_shown = text
        # Content, not a str: a border subtitle in a str is parsed as markup, and a title is the file's text.
        self.step_view.border_subtitle = Content(text) if text else ""  # type: ignore[attr-defined]
        if text:
            self.notify(text, title="End of the part", timeout=6, markup=False)  # type: ignore[attr-defined]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide (and disable) the part keys in a scenario of one part."""
        if action in PART_ACTIONS and len(self.scenario.parts) < 2:  # type: ignore[attr-defined]
            return False
        return super().check_action(action, parameters)  # type: ignore[misc]
