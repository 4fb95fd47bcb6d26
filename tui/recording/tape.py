"""Scripts for scripted recordings: `--keys "space space ]"` strings and small tape files.

A tape file is one directive a line (`#` starts a comment):

    pace 0.8                  seconds between the following key presses
    keys space space ]        press keys, one `pace` apart; `space*5` presses space five times
    pause 1.5                 hold the current screen for 1.5 more seconds
    caption Forward pass      show a caption in the status line (and a marker in the cast)
    caption                   clear the caption

Inside `--keys` (and after `keys`), `pause:1.5` holds the screen like a `pause` line.
"""
from __future__ import annotations

import math
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from ...core.errors import LocatedError
from .keynames import is_key, suggest

MAX_REPEAT = 10_000
MAX_PAUSE = 600.0
MAX_PACE = 60.0


class TapeError(LocatedError):
    """A mistake in a key script; str() is `file:line:col: what (how to fix)`."""


@dataclass(frozen=True)
class Press:
    key: str


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Caption:
    text: str  # "" clears the caption


@dataclass(frozen=True)
class Pace:
    seconds: float


Action = Union[Press, Pause, Caption, Pace]

def _number(text: str, what: str, low: float, high: float, file: str, line: int, col: int,
            sep: str = " ") -> float:
    try:
        value = float(text)
    except ValueError:
        raise TapeError(f"{what} must be a number of seconds, got {text!r}", file, line, col,
                        f"e.g. {what}{sep}0.8") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise TapeError(f"{what} {text} is out of range", file, line, col, f"use {low:g} to {high:g} seconds")
    return value


def parse_keys(text: str, file: str = "--keys", line: int = 1, col0: int = 1) -> list[Action]:
    """`"space space*3 ] pause:1"` -> actions; positions in errors count from `col0`."""
    actions: list[Action] = []
    pos = 0
    for token in text.split():
        pos = text.index(token, pos)
        col = col0 + pos
        pos += len(token)
        if token.startswith("pause:"):
            actions.append(Pause(_number(token[6:], "pause", 0.0, MAX_PAUSE, file, line, col + 6, ":")))
            continue
        key, count = token, 1
        star = token.rfind("*")
        if star > 0 and token[star + 1:].isdigit():
            key, count = token[:star], int(token[star + 1:])
            if not 1 <= count <= MAX_REPEAT:
                raise TapeError(f"repeat count {count} is out of range", file, line, col + star + 1,
                                f"use 1 to {MAX_REPEAT}")
        if not is_key(key):
            better = suggest(key)
            hint = (f"did you mean {better!r}? Key names are Textual's, in lower case" if better else
                    "use a character or a key name such as space, enter, left, right_square_bracket, ctrl+r")
            raise TapeError(f"unknown key {key!r}", file, line, col, hint)
        actions.extend(Press(key) for _ in range(count))
    return actions


DIRECTIVES = ("keys", "pause", "caption", "pace")


def parse_tape(text: str, file: str = "<tape>") -> list[Action]:
    """Parse a tape file (see the module docstring)."""
    actions: list[Action] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip())
        word, _, rest = stripped.partition(" ")
        rest_col = indent + len(word) + 2 + (len(rest) - len(rest.lstrip()))
        rest = rest.strip()
        if word == "keys":
            if not rest:
                raise TapeError("`keys` needs at least one key", file, n, indent + 1, "e.g. keys space space ]")
            actions.extend(parse_keys(rest, file, n, rest_col))
        elif word == "pause":
            actions.append(Pause(_number(rest, "pause", 0.0, MAX_PAUSE, file, n, rest_col)))
        elif word == "pace":
            actions.append(Pace(_number(rest, "pace", 0.01, MAX_PACE, file, n, rest_col)))
        elif word == "caption":
            if len(rest) >= 2 and rest[0] == rest[-1] and rest[0] in "\"'":
                try:
                    rest = shlex.split(rest)[0]
                except ValueError:
                    pass
            actions.append(Caption(rest))
        else:
            import difflib
            close = difflib.get_close_matches(word, DIRECTIVES, n=1)
            hint = f"did you mean `{close[0]}`?" if close else "lines start with " + ", ".join(DIRECTIVES)
            raise TapeError(f"unknown directive {word!r}", file, n, indent + 1, hint)
    return actions


def load_tape(path: str | Path) -> list[Action]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TapeError("no such file", str(path), hint="check the path of the tape file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TapeError(f"cannot read the file: {exc}", str(path), hint="a tape is a UTF-8 text file") from None
    return parse_tape(text, str(path))


@dataclass(frozen=True)
class Timed:
    """One thing that happens at a synthetic time in a scripted recording."""
    time: float
    action: Press | Caption


def schedule(actions: list[Action], pace: float) -> tuple[list[Timed], float]:
    """Give every key and caption a synthetic time; returns them and the time the tape ends.

    Key n happens `pace` seconds after the previous key (or caption, or the start), pauses add
    their length, and the tape ends one `pace` after its last key so the last frame is seen.
    Times come only from the script, never from the clock, so the same tape gives the same cast.
    """
    timed: list[Timed] = []
    t = 0.0
    for action in actions:
        if isinstance(action, Pace):
            pace = action.seconds
        elif isinstance(action, Pause):
            t += action.seconds
        elif isinstance(action, Press):
            t += pace
            timed.append(Timed(round(t, 6), action))
        elif isinstance(action, Caption):
            timed.append(Timed(round(t, 6), action))
    return timed, round(t + pace, 6)
