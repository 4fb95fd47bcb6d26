"""Numbers as YAML 1.2 reads them, and a bound on how long an integer may be.

PyYAML resolves plain scalars by YAML 1.1 rules, which silently turn `1:30` into 90 (base 60),
`010` into 8 (octal) and `1_000` into 1000. YAML 1.2, which editors and most other tools follow,
reads none of these as those numbers. Rather than guess which the author meant, such forms are
refused with a message that says both readings. Integers are bounded by their digit count before
they are built, so no value past Python's int-to-text limit (4,300 digits) ever reaches an error
message, and no huge base-60 or hexadecimal number is ever computed.
"""
from __future__ import annotations

import re

# Far beyond anything a scenario uses (a float holds at most 309 integer digits), and below
# Python's int/str conversion limit, so every error path can still print such a number's length.
MAX_INT_DIGITS = 1000

_DECIMAL_INT = re.compile(r"[-+]?[0-9]+")
_DECIMAL_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_SPECIAL_FLOAT = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")


def yaml11_only(text: str, tag: str) -> tuple[str, str] | None:
    """For a number YAML 1.1 reads differently from 1.2: (what it is, how to write it); else None."""
    body = text.strip()
    if tag.endswith(":int"):
        if _DECIMAL_INT.fullmatch(body) and not _leading_zero(body):
            return None
        if body.lstrip("+-")[:2] in ("0x", "0b"):
            return ("a hexadecimal or binary number, which readers of YAML disagree on",
                    "write the number in decimal")
        if ":" in body:
            return ("a base-60 number in old YAML 1.1 (`1:30` meant 90) and text in YAML 1.2",
                    "write the number in decimal, or put it in quotes if it is text")
        if "_" in body:
            return ("a number with `_` separators, which YAML 1.2 reads as text",
                    f"write it without underscores: {body.replace('_', '')}")
        if _leading_zero(body):
            plain = body.lstrip("+-").lstrip("0") or "0"
            octal = int(plain, 8) if len(plain) <= MAX_INT_DIGITS and set(plain) <= set("01234567") else None
            also = f", or {octal} if you meant octal" if octal is not None else ""
            return (f"an octal number in old YAML 1.1 and {plain} in YAML 1.2",
                    f"write {plain} without the leading zero{also}")
        return ("a number YAML 1.1 and YAML 1.2 read differently", "write the number in decimal")
    if tag.endswith(":float"):
        if _DECIMAL_FLOAT.fullmatch(body) or _SPECIAL_FLOAT.fullmatch(body):
            return None
        if ":" in body:
            return ("a base-60 number in old YAML 1.1 (`1:30.5` meant 90.5) and text in YAML 1.2",
                    "write the number in decimal, or put it in quotes if it is text")
        return ("a number with `_` separators, which YAML 1.2 reads as text",
                f"write it without underscores: {body.replace('_', '')}")
    return None


def _leading_zero(body: str) -> bool:
    digits = body.lstrip("+-")
    return len(digits) > 1 and digits[0] == "0"


def too_many_digits(text: str) -> int | None:
    """The digit count of a plain integer too long to build, else None."""
    digits = len(text.strip().lstrip("+-"))
    return digits if digits > MAX_INT_DIGITS else None
