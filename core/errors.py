"""The one error shape users see: `file:line:col: what is wrong (how to fix it)`."""
from __future__ import annotations

import re

# C0 and C1 control characters (ESC starts a terminal command), DEL, and the Unicode line and
# paragraph separators; tab and newline are kept.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """Text from a file made safe for a terminal: each control character written as an escape (`\\x1b`)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
                        text)


class LocatedError(Exception):
    """A mistake in something the user wrote, with where it is and how to fix it."""

    default_file = "<input>"

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 col: int | None = None, hint: str | None = None):
        super().__init__(message)
        self.message, self.file, self.line, self.col, self.hint = message, file, line, col, hint

    def __str__(self) -> str:
        where = f"{self.file or self.default_file}:{self.line or 1}:{self.col or 1}: "
        return printable(where + self.message + (f" ({self.hint})" if self.hint else ""))


class ScenarioError(LocatedError):
    """A mistake in a scenario file, with where it is and how to fix it."""

    default_file = "<scenario>"
