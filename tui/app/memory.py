"""What the app remembers between sessions: theme, last scenario, breakpoints and watches.

Mixed into ChainstepApp (not in browser sessions, which must leave the server's files alone).
On mount it applies settings.json (the theme) and restores the open
scenario's breakpoints and watches from state.json; on leaving a scenario (another one opened, or
quitting) it saves them back. A file that cannot be read is moved aside with a notice
(tui/userdata/settings.py); whatever goes wrong with remembering, the session itself goes on.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from textual.app import App

from ...core.breakpoints import Breakpoint, BreakpointError
from ...core.breakpoints.definition import KINDS, validate
from ...core.scenario.build import BUNDLED_DIR
from ...core.watch import Watch, WatchError
from ..userdata import settings as store

_FIELDS = {f.name for f in dataclasses.fields(Breakpoint)} - {"origin"}


def breakpoint_record(bp: Breakpoint) -> dict[str, Any]:
    """A breakpoint as stored: its fields (the engine's own counting), without defaults."""
    record = {k: v for k, v in dataclasses.asdict(bp).items() if k in _FIELDS and v is not None}
    if "index" in record:
        record["index"] = list(record["index"])
    return record


def breakpoint_from_record(record: Any) -> Breakpoint | None:
    """The stored breakpoint back, or None if the record is not one (hand-edited, another version)."""
    if not isinstance(record, dict) or record.get("kind") not in KINDS or not set(record) <= _FIELDS:
        return None
    try:
        fields = dict(record)
        if "index" in fields:
            fields["index"] = tuple(int(i) for i in fields["index"])
        return Breakpoint(**fields)
    except (TypeError, ValueError):
        return None


def scenario_key(scenario: Any) -> str:
    """Bundled scenarios by name (survives a reinstall), files by their absolute path."""
    path = Path(scenario.path)
    return scenario.name if path.parent == BUNDLED_DIR else str(path.resolve())


class RememberedSession(App):
    """Settings and per-scenario state that outlive a session (see the module docstring)."""

    _memory: dict[str, Any] | None = None
    _memory_settings: dict[str, Any] | None = None
    _memory_theme: str | None = None   # the theme once settings were applied: saved only if it changes

    def on_mount(self) -> None:
        # Textual runs every class's on_mount in turn, so ChainstepApp's own still runs.
        if self.is_web:
            return   # a browser session (chainstep serve) neither reads nor changes the teacher's files
        settings = store.load_settings()
        state = store.load_state()
        self._memory_settings, self._memory = settings.data, state.data
        for notice in (settings.notice, state.notice):
            if notice:
                self.notify(notice, title="Settings", severity="warning", timeout=8)
        theme = settings.data.get("theme")
        if theme:
            if theme in self.available_themes:
                self.theme = theme
            else:
                self.notify(f"no theme called {theme!r} (settings.json); ctrl+p → Change theme lists them",
                            title="Settings", severity="warning", timeout=8)
        self._memory_theme = self.theme
        self.restore_scenario_state()

    def on_unmount(self) -> None:
        self.save_scenario_state()
        if self._memory_theme is not None and self.theme != self._memory_theme:
            try:
                store.update_settings(theme=self.theme)
            except OSError:
                pass   # remembering is a convenience; quitting must never fail on it

    # -- per scenario ------------------------------------------------------------------------
    def _remember(self) -> bool:
        return self._memory is not None and bool((self._memory_settings or {}).get("remember_breakpoints", True))

    def save_scenario_state(self) -> None:
        """Write the open scenario's breakpoints and watches (and that it was the last one)."""
        if self._memory is None:
            return
        scenario = self.scenario  # type: ignore[attr-defined]
        key = scenario_key(scenario)
        self._memory["last_scenario"] = key
        if self._remember():
            parts = {}
            for p, part in enumerate(scenario.parts):
                declared = [breakpoint_record(b) for b in part.breakpoints]
                kept = [breakpoint_record(b) for b in self.breakpoints(p)]  # type: ignore[attr-defined]
                watches = [w.text for w in self.watches(p)]  # type: ignore[attr-defined]
                if kept != declared or watches:
                    parts[str(p + 1)] = {"breakpoints": kept, "declared": declared, "watches": watches}
            if parts:
                self._memory["scenarios"][key] = {"parts": parts}
            else:
                self._memory["scenarios"].pop(key, None)
        try:
            store.save_state(self._memory)
        except OSError:
            pass

    def restore_scenario_state(self) -> None:
        """Bring back the open scenario's breakpoints and watches, skipping what no longer fits."""
        if not self._remember():
            return
        scenario = self.scenario  # type: ignore[attr-defined]
        saved = self._memory["scenarios"].get(scenario_key(scenario))  # type: ignore[index]
        if not isinstance(saved, dict) or not isinstance(saved.get("parts"), dict):
            return
        skipped = 0
        for number, entry in saved["parts"].items():
            p = int(number) - 1 if str(number).isdigit() else -1
            if not (0 <= p < len(scenario.parts)) or not isinstance(entry, dict):
                skipped += 1
                continue
            trace = scenario.parts[p].trace
            restored: list[Breakpoint] = []
            for record in entry.get("breakpoints", []):
                bp = breakpoint_from_record(record)
                try:
                    restored.append(validate(bp, trace) if bp else None)  # type: ignore[arg-type]
                except BreakpointError:
                    restored.append(None)  # type: ignore[arg-type]
                if restored[-1] is None:
                    restored.pop()
                    skipped += 1
            # Declared in the file since the last session: they join the remembered ones.
            before = entry.get("declared", [])
            restored += [b for b in scenario.parts[p].breakpoints if breakpoint_record(b) not in before]
            self.breakpoints(p).items[:] = restored  # type: ignore[attr-defined]
            watches = self.watches(p)  # type: ignore[attr-defined]
            for text in entry.get("watches", []):
                try:
                    watches.append(Watch.of(trace, str(text)))
                except WatchError:
                    skipped += 1
        if skipped:
            self.notify(f"{skipped} remembered breakpoint(s) or watch(es) no longer fit {scenario.name} "
                        "and were dropped", title="Restored", severity="warning", timeout=6)
        self.debugger_show()  # type: ignore[attr-defined]
