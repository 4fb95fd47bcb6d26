"""Settings a user edits and state the app remembers, as JSON files in the platform's directories.

`settings.json` (config directory) is the user's: every key is optional and documented in
SETTINGS_KEYS; the app writes it only to remember the theme chosen in the app. `state.json`
(state directory) is the app's own memory: the last scenario, and each scenario's breakpoints and
watches per part. A file that cannot be read is moved aside (`settings.json.corrupt`) with a notice
and the defaults are used; nothing here ever raises on bad content.

No Textual here: the command line reads these files too.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .dirs import config_dir, state_dir

SETTINGS_NAME = "settings.json"
STATE_NAME = "state.json"
STATE_VERSION = 1
MAX_BYTES = 1_000_000   # a settings or state file bigger than this is not ours: set it aside unread

SETTINGS_KEYS = {
    "theme": "the Textual theme to start with, e.g. \"textual-light\" (ctrl+p → Change theme also sets it)",
    "restore_last_scenario": "true (default): `chainstep` with no scenario reopens the last one",
    "remember_breakpoints": "true (default): keep each scenario's breakpoints and watches between sessions",
}
DEFAULTS: dict[str, Any] = {"theme": None, "restore_last_scenario": True, "remember_breakpoints": True}


def settings_path() -> Path:
    return config_dir() / SETTINGS_NAME


def state_path() -> Path:
    return state_dir() / STATE_NAME


@dataclass
class Loaded:
    data: dict[str, Any]
    notice: str | None = None   # say this to the user (a file set aside, a value ignored)


def _set_aside(path: Path) -> Path:
    target = path.with_name(path.name + ".corrupt")
    n = 2
    while target.exists():
        target, n = path.with_name(f"{path.name}.corrupt-{n}"), n + 1
    os.replace(path, target)
    return target


def read_json(path: Path, *, set_aside: bool = True) -> Loaded:
    """The object in `path`, {} if there is none; an unreadable file is moved aside (with a notice)."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ValueError(f"it is over {MAX_BYTES // 1000} kB")
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("it holds no JSON object { ... }")
        return Loaded(data)
    except FileNotFoundError:
        return Loaded({})
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        why = (f"line {exc.lineno} column {exc.colno}: {exc.msg}" if isinstance(exc, json.JSONDecodeError)
               else str(exc))
        if not set_aside:
            return Loaded({}, f"{path} could not be read ({why})")
        try:
            moved = _set_aside(path)
        except OSError:
            return Loaded({}, f"{path} could not be read ({why}); defaults are used")
        return Loaded({}, f"{path} could not be read ({why}); it was moved to {moved.name} and defaults are used")


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace `path` in one step, so a crash mid-write never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2, ensure_ascii=False)
            out.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_settings(*, set_aside: bool = True) -> Loaded:
    """The user's settings over the defaults; values of the wrong type are ignored with a notice."""
    loaded = read_json(settings_path(), set_aside=set_aside)
    settings = dict(DEFAULTS)
    bad = []
    for key, value in loaded.data.items():
        if key not in DEFAULTS:
            continue   # kept in the file, unused: perhaps a newer chainstep's
        expected = bool if isinstance(DEFAULTS[key], bool) else str
        if isinstance(value, expected) or value is None:
            settings[key] = value
        else:
            bad.append(f"`{key}` must be {'true or false' if expected is bool else 'text'}")
    notice = loaded.notice
    if bad:
        notice = f"{settings_path()}: " + "; ".join(bad) + " (ignored; defaults used for those)"
    return Loaded(settings, notice)


def update_settings(**values: Any) -> None:
    """Change some keys of settings.json, keeping the rest of the user's file as it is."""
    current = read_json(settings_path()).data
    current.update(values)
    write_json(settings_path(), current)


def load_state(*, set_aside: bool = True) -> Loaded:
    loaded = read_json(state_path(), set_aside=set_aside)
    if loaded.data and loaded.data.get("version") != STATE_VERSION:
        return Loaded({}, loaded.notice)   # another version's memory: start afresh, leave the file
    scenarios = loaded.data.get("scenarios")
    if not isinstance(scenarios, dict):
        loaded.data["scenarios"] = {}
    return loaded


def save_state(state: dict[str, Any]) -> None:
    write_json(state_path(), {**state, "version": STATE_VERSION})


def last_scenario() -> str | None:
    """The scenario to open when none is named, or None (never raises, never moves a file)."""
    if not load_settings(set_aside=False).data["restore_last_scenario"]:
        return None
    name = load_state(set_aside=False).data.get("last_scenario")
    if not isinstance(name, str) or not name:
        return None
    if ("/" in name or name.endswith((".yaml", ".yml"))) and not Path(name).is_file():
        return None   # the file has gone since: open the default instead
    return name


def reset(what: str = "all") -> list[Path]:
    """Delete the settings file, the state file or both; returns the files removed."""
    paths = {"settings": [settings_path()], "state": [state_path()],
             "all": [settings_path(), state_path()]}[what]
    removed = []
    for path in paths:
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed
