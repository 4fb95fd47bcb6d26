"""One number format per tensor column: the same notation and precision down a column.

Pure functions, no Textual. A column is written either in fixed notation (every entry with the same
number of decimals, enough for its smallest nonzero magnitude to keep DIGITS significant digits) or,
when that would be wider, in scientific notation (every mantissa with DIGITS significant digits,
every exponent with the same number of digits). Entries are aligned on the decimal point and padded
to one width; negatives get a true minus (−), and 0, ±inf and NaN are written as `0`, `inf`,
`−inf`, `NaN` where the units digit of a number stands. A tensor's columns share one notation too
(`tensor_notation`), so neighbours read alike; their decimals and widths may differ.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MINUS = "−"     # U+2212, as the rest of the app writes it
DIGITS = 4      # significant digits of the smallest nonzero magnitude of a column
FIXED = "fixed"
SCI = "sci"


@dataclass(frozen=True)
class ColumnFormat:
    """How every entry of one column is written."""

    notation: str      # FIXED or SCI
    decimals: int      # digits after the point (of the mantissa, in SCI)
    exp_digits: int    # digits of the exponent (SCI only)
    left: int          # characters before the point: sign and integer digits, or a special word
    right: int         # characters from the point on: ".ddd" (and "e+05" in SCI)

    @property
    def width(self) -> int:
        return self.left + self.right

    def parts(self, v: float) -> tuple[str, str]:
        """The entry split at its decimal point, unpadded."""
        v = float(v)
        if math.isnan(v):
            return "NaN", ""
        if math.isinf(v):
            return ("inf" if v > 0 else MINUS + "inf"), ""
        if v == 0:
            return "0", ""
        if self.notation == FIXED:
            s = f"{v:.{self.decimals}f}"
            if float(s) == 0:      # only when a column holds no nonzero finite value to size it
                return "0", ""
        else:
            mant, _, exp = f"{v:.{self.decimals}e}".partition("e")
            sign, digits = exp[0], exp[1:].lstrip("0").rjust(self.exp_digits, "0")
            s = f"{mant}e{'+' if sign == '+' else MINUS}{digits}"
        s = s.replace("-", MINUS)
        head, dot, tail = s.partition(".")
        if not dot:        # no decimals: an exponent may still follow the units digit
            cut = s.find("e")
            head, tail = (s, "") if cut < 0 else (s[:cut], s[cut:])
        return head, dot + tail

    def text(self, v: float) -> str:
        """The entry padded to the column's width, aligned on the point."""
        head, tail = self.parts(v)
        return head.rjust(self.left) + tail.ljust(self.right)

    def tolerance(self, v: float) -> float:
        """How far the written entry may be from `v` (half a unit of its last digit)."""
        v = abs(float(v))
        if not math.isfinite(v) or v == 0:
            return 0.0
        if self.notation == FIXED:
            return 0.5 * 10.0 ** -self.decimals
        return 0.5 * 10.0 ** (math.floor(math.log10(v)) - self.decimals) * 1.0000001


def _fixed_decimals(smallest: float, digits: int) -> int:
    return max(0, digits - 1 - math.floor(math.log10(smallest)))


def _measure(fmt: ColumnFormat, extremes: list[float]) -> ColumnFormat:
    """The format with `left`/`right` wide enough for every entry; the extremes decide them."""
    left = right = 0
    for v in extremes:
        head, tail = fmt.parts(v)
        left, right = max(left, len(head)), max(right, len(tail))
    return ColumnFormat(fmt.notation, fmt.decimals, fmt.exp_digits, left, right)


def choose(largest: float, smallest: float, max_pos: float, max_neg: float,
           specials: tuple[str, ...] = (), digits: int = DIGITS, integral: bool = False,
           notation: str | None = None) -> ColumnFormat:
    """The format of a column from its magnitudes.

    largest / smallest: the largest and smallest nonzero finite magnitude (nan if none);
    max_pos / max_neg: the largest positive value and the largest magnitude of a negative one
    (nan if none): with `smallest` they are the widest entries, whatever sits between;
    specials: which of 0, inf, −inf, NaN occur; integral: every finite value is a whole number;
    notation: FIXED or SCI to impose one (a whole tensor's), else the narrower of the two.
    """
    extremes = [x for x in (max_pos, -max_neg, smallest) if math.isfinite(x) and x != 0]
    extremes += [{"0": 0.0, "inf": math.inf, "−inf": -math.inf, "NaN": math.nan}[s] for s in specials]
    if not math.isfinite(smallest) or smallest == 0:     # nothing but zeros and non-finite values
        return _measure(ColumnFormat(FIXED, 0, 0, 0, 0), extremes)
    # Whole numbers (labels, one-hot targets, counts) are exact without decimals: 0 and 1, not 1.000.
    decimals = 0 if integral and largest < 10.0 ** (digits + 2) else _fixed_decimals(smallest, digits)
    fixed = _measure(ColumnFormat(FIXED, decimals, 0, 0, 0), extremes) if notation != SCI else None
    if fixed is not None and notation == FIXED:
        return fixed
    # Rounding may carry into the exponent (9.9996e−100 → 1.000e−99), so the extremes say its width.
    exps = [f"{x:.{digits - 1}e}".partition("e")[2] for x in extremes if math.isfinite(x) and x != 0]
    exp_digits = max([2] + [len(e[1:].lstrip("0")) for e in exps])
    sci = _measure(ColumnFormat(SCI, digits - 1, exp_digits, 0, 0), extremes)
    return sci if fixed is None or sci.width < fixed.width else fixed


def column_format(values: np.ndarray, digits: int = DIGITS) -> ColumnFormat:
    """The one format of a column (any shape: every element counts)."""
    return tensor_formats(np.asarray(values, dtype=np.float64).reshape(-1, 1), digits)[0]


def tensor_notation(a: np.ndarray, digits: int = DIGITS) -> str:
    """FIXED or SCI for a whole tensor: what its widest-ranging values need, so columns side by side agree."""
    return column_format(a, digits).notation


def tensor_formats(a: np.ndarray, digits: int = DIGITS, notation: str | None = None) -> list[ColumnFormat]:
    """The format of every column of a 2-d array, in `notation` if given, else each its own.

    The statistics are taken for all columns at once.
    """
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2:
        a = a.reshape(-1, 1) if a.ndim < 2 else a.reshape(a.shape[0], -1)
    if a.shape[0] == 0:
        return [ColumnFormat(FIXED, 0, 0, 0, 0)] * a.shape[1]
    # Plain reductions only (no nan-functions, which copy): this runs over whole tensors.
    finite = np.isfinite(a)
    all_finite = bool(finite.all())
    x = a if all_finite else np.where(finite, a, 0.0)
    mag = np.abs(x)
    largest = mag.max(axis=0)
    smallest = np.where(mag > 0, mag, np.inf).min(axis=0)
    max_pos, max_neg = x.max(axis=0), -x.min(axis=0)
    has = {"0": ((a == 0).any(axis=0))}
    if not all_finite:
        has.update({"inf": (a == np.inf).any(axis=0), "−inf": (a == -np.inf).any(axis=0),
                    "NaN": np.isnan(a).any(axis=0)})
    # A whole number other than 0 is at least 1 in magnitude: most columns are ruled out for free.
    integral = ((x == np.round(x)).all(axis=0) if (smallest >= 1).any()
                else np.isinf(smallest))
    largest, smallest = np.where(largest > 0, largest, np.nan), np.where(np.isfinite(smallest), smallest, np.nan)
    max_pos, max_neg = np.where(max_pos > 0, max_pos, np.nan), np.where(max_neg > 0, max_neg, np.nan)
    cache: dict[tuple, ColumnFormat] = {}
    out = []
    for c in range(a.shape[1]):
        specials = tuple(s for s, col in has.items() if col[c])
        key = (float(largest[c]), float(smallest[c]), float(max_pos[c]), float(max_neg[c]),
               specials, bool(integral[c]))
        fmt = cache.get(key)
        if fmt is None:
            fmt = cache[key] = choose(*key[:4], specials=specials, digits=digits, integral=key[5],
                                         notation=notation)
        out.append(fmt)
    return out


def format_column(values: np.ndarray, digits: int = DIGITS) -> list[str]:
    """Every entry of a column in its one format, all of one width."""
    fmt = column_format(values, digits)
    return [fmt.text(v) for v in np.asarray(values, dtype=np.float64).reshape(-1)]


def format_tensor(a: np.ndarray, digits: int = DIGITS) -> list[list[str]]:
    """A 2-d array as rows of text: one notation for the tensor, each column in its own one format."""
    a = np.asarray(a, dtype=np.float64)
    formats = tensor_formats(a, digits, tensor_notation(a, digits))
    a = a.reshape(-1, 1) if a.ndim < 2 else a.reshape(a.shape[0], -1)
    return [[f.text(v) for f, v in zip(formats, row)] for row in a]


def parse(text: str) -> float:
    """An entry read back (for tests and for anyone copying a value)."""
    return float(text.strip().replace(MINUS, "-"))

