"""Typed access to a read document: each value checked against what the format wants, or a located error."""
from __future__ import annotations

import datetime
import difflib
from typing import Any

import numpy as np

from ..errors import ScenarioError, printable
from .read import KEY, Doc, Path_, dotted

# Names other libraries use, so "did you mean" finds ours even when the spelling is far off.
SYNONYMS = {
    "binary_cross_entropy": "bce", "binary_crossentropy": "bce", "bce_loss": "bce", "log_loss": "bce",
    "categorical_cross_entropy": "cross_entropy", "categorical_crossentropy": "cross_entropy",
    "crossentropy": "cross_entropy", "nll": "cross_entropy", "ce": "cross_entropy",
    "mean_squared_error": "mse", "l2": "mse", "mean_absolute_error": "mae", "l1": "mae",
    "logistic": "sigmoid", "identity": "linear", "none": "linear",
    "glorot": "xavier", "glorot_normal": "xavier", "kaiming": "he", "kaiming_normal": "he", "gaussian": "normal",
}


class Validator:
    """Typed access to a converted document, raising located errors."""

    def __init__(self, doc: Doc):
        self.doc = doc

    def err(self, path: Path_, message: str, hint: str | None = None) -> ScenarioError:
        return self.doc.error(path, message, hint)

    def mapping(self, value: Any, path: Path_, keys: dict[str, str] | None) -> dict[str, Any]:
        """A mapping whose keys are all in `keys` (None: any key, as for notes keyed by step id)."""
        if not isinstance(value, dict):
            raise self.err(path, f"{dotted(path)} must be a mapping of keys to values, not {kind_of(value)}",
                           "write `key: value` lines indented under it")
        for key in value if keys is not None else ():
            if key not in keys:
                close = difflib.get_close_matches(key, list(keys), n=1)
                hint = f"did you mean `{close[0]}`?" if close else "known keys: " + ", ".join(keys)
                raise self.err(path + (key, KEY), f"unknown key `{key}` in {dotted(path)}", hint)
        return value

    def require(self, m: dict[str, Any], key: str, path: Path_, hint: str) -> Any:
        if key not in m:
            raise self.err(path, f"{dotted(path)} needs `{key}`", hint)
        return m[key]

    def integer(self, value: Any, path: Path_, low: int, high: int, what: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.err(path, f"{dotted(path)} must be a whole number ({what}), not {kind_of(value)}",
                           f"write a number from {low} to {high}")
        if value < low:
            raise self.err(path, f"{dotted(path)} is {value}, but {what} must be at least {low}",
                           f"write a number from {low} to {high}")
        if value > high:
            shown = value if value < 10**15 else f"a {len(str(value))}-digit number"
            raise self.err(path, f"{dotted(path)} is {shown}: too large to be sensible for {what}",
                           f"the limit is {high}")
        return value

    def number(self, value: Any, path: Path_, what: str, low: float | None = None,
               positive: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.err(path, f"{dotted(path)} must be a number ({what}), not {kind_of(value)}",
                           "write it like 0.1 or 1e-3, without quotes")
        if isinstance(value, int) and abs(value) > _FLOAT_MAX:
            raise self.err(path, f"{dotted(path)} is a {len(str(abs(value)))}-digit number, too large for {what}",
                           "write a number below 1e308")
        value = float(value)
        if positive and value <= 0:
            raise self.err(path, f"{dotted(path)} is {value:g}, but {what} must be greater than 0",
                           "use a small positive number such as 0.1")
        if low is not None and value < low:
            raise self.err(path, f"{dotted(path)} is {value:g}, but {what} must be at least {low:g}",
                           f"write a number of at least {low:g}")
        return value

    def string(self, value: Any, path: Path_, what: str) -> str:
        if not isinstance(value, str):
            raise self.err(path, f"{dotted(path)} must be text ({what}), not {kind_of(value)}",
                           "put it in quotes if it looks like a number")
        # Shown as written, escapes and all: a title or note can never drive the terminal.
        return printable(value)

    def choice(self, value: Any, path: Path_, options: tuple[str, ...] | list[str], what: str) -> str:
        s = self.string(value, path, what)
        if s not in options:
            close = [SYNONYMS[s.lower()]] if SYNONYMS.get(s.lower()) in options else \
                difflib.get_close_matches(s, list(options), n=1)
            hint = (f"did you mean `{close[0]}`? " if close else "") + "choose one of " + ", ".join(options)
            raise self.err(path, f"unknown {what} `{s}`", hint)
        return s

    def matrix(self, value: Any, path: Path_, what: str) -> np.ndarray:
        """A number, a list (one row) or a list of equal-length rows of numbers."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if isinstance(value, int) and abs(value) > _FLOAT_MAX:
                raise self.err(path, f"{dotted(path)} is a {len(str(abs(value)))}-digit number, too large "
                               "for a float", "write numbers below 1e308")
            return np.array([[float(value)]])
        if not isinstance(value, list) or not value:
            found = "an empty list" if value == [] else kind_of(value)
            raise self.err(path, f"{dotted(path)} must be a number or a list of rows of numbers ({what}), not {found}",
                           "write it like [[1, 2], [3, 4]]")
        rows = value if all(isinstance(r, list) for r in value) else [value]
        if any(isinstance(r, list) for r in value) and not all(isinstance(r, list) for r in value):
            raise self.err(path, f"{dotted(path)} mixes numbers and rows", "make every row a [list]")
        width = len(rows[0])
        for i, row in enumerate(rows):
            rp = path + (i,) if rows is value else path
            if len(row) != width:
                raise self.err(rp, f"row {i + 1} of {dotted(path)} has {len(row)} numbers but row 1 has {width}",
                               "every row of a matrix needs the same length")
            for j, v in enumerate(row):
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    raise self.err(rp + (j,), f"{dotted(path)} holds {kind_of(v)} where a number belongs",
                                   "write plain numbers without quotes")
                if isinstance(v, int) and abs(v) > _FLOAT_MAX:
                    raise self.err(rp + (j,), f"{dotted(path)} holds a {len(str(abs(v)))}-digit number, too large "
                                   "for a float", "write numbers below 1e308")
        if width == 0:
            raise self.err(path, f"{dotted(path)} has an empty row", "write at least one number per row")
        return np.array(rows, dtype=np.float64)


_FLOAT_MAX = 1.7976931348623157e308


def kind_of(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"the date {value}"
    if isinstance(value, bytes):
        return "binary data"
    if isinstance(value, float):
        return f"the number {value:g}"
    return {bool: "true/false", int: "a whole number", str: f"the text {value!r}"[:60],
            list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)
