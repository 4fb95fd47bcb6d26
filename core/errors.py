"""The one error shape users see: `file:line:col: what is wrong (how to fix it)`."""
from __future__ import annotations


class LocatedError(Exception):
    """A mistake in something the user wrote, with where it is and how to fix it."""

    default_file = "<input>"

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 col: int | None = None, hint: str | None = None):
        super().__init__(message)
        self.message, self.file, self.line, self.col, self.hint = message, file, line, col, hint

    def __str__(self) -> str:
        where = f"{self.file or self.default_file}:{self.line or 1}:{self.col or 1}: "
        return where + self.message + (f" ({self.hint})" if self.hint else "")


class ScenarioError(LocatedError):
    """A mistake in a scenario file, with where it is and how to fix it."""

    default_file = "<scenario>"
