"""The scenario picker: the bundled scenarios with their titles and descriptions."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import yaml
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...core.errors import printable
from ...core.scenario import BUNDLED_DIR, bundled, bundled_name
from ..course.progress import ProgressStore, summary


@dataclass(frozen=True)
class Entry:
    name: str
    title: str
    description: str
    path: Path
    parts: int = 1


def catalogue(extra: Sequence[Path] = ()) -> list[Entry]:
    """Bundled scenarios (and `extra` files, a server's) with the title and description each file gives (not validated)."""
    out = []
    for path in [*extra, *bundled()]:
        name = bundled_name(path) if path.parent == BUNDLED_DIR else path.stem
        title, description, parts = name, "", 1
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            if isinstance(raw, dict):
                title = str(raw.get("title", title))
                description = " ".join(str(raw.get("description", "")).split())
                parts = len(raw["parts"]) if isinstance(raw.get("parts"), list) else 1
        except (OSError, yaml.YAMLError):
            description = "(this file cannot be read; opening it shows why)"
        out.append(Entry(name, printable(title), printable(description), path, parts))
    return out


class ScenarioPicker(ModalScreen[str | None]):
    """Choose a bundled scenario; dismisses with its name (or None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: str | None = None, progress: ProgressStore | None = None,
                 extra: Sequence[Path] = ()) -> None:
        super().__init__()
        self.entries = catalogue(extra)
        self.current = current
        self.progress = progress

    def compose(self) -> ComposeResult:
        options = []
        for e in self.entries:
            mark = " [dim](open)[/]" if e.name == self.current else ""
            prompt = f"[b]{escape(e.title)}[/]{mark}  [dim]{escape(e.name)}[/]"
            if self.progress is not None:
                done = summary(self.progress.peek(e.name), e.parts)
                prompt += f"  [$accent]{escape(done)}[/]" if done != "not started" else ""
            if e.description:
                prompt += f"\n  [dim]{escape(e.description)}[/]"
            options.append(Option(Content.from_markup(prompt), id=e.name))
        with Vertical(id="picker-dialog"):
            yield Static("[b]Open a scenario[/]   [dim]↑↓ to choose, Enter to open, Esc to cancel[/]",
                         id="picker-title")
            yield OptionList(*options, id="picker-list")

    def on_mount(self) -> None:
        lst = self.query_one(OptionList)
        names = [e.name for e in self.entries]
        if self.current in names:
            lst.highlighted = names.index(self.current)
        lst.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
