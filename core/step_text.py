"""The words and symbols of the step formulas: names of activations, bracketing, numbers written in."""
from __future__ import annotations

import re

import numpy as np

from .formatting import SMALL, operand, sub, tensor

Array = np.ndarray


def group(expr: str, prefix: str) -> str:
    """Parenthesise a sum or difference that follows a factor: (1/N)·(ŷ − y)."""
    return f"({expr})" if prefix and " " in expr and not expr.startswith("(") else expr


def with_error(formula: str, yhat: Array, y: Array) -> str:
    """A loss formula in ŷ − y alone with the numbers written in, `2·[−1, 1]`; "" when it needs ŷ
    or y on their own, or the errors are too many to write out."""
    error = yhat - y
    if error.size > SMALL:
        return ""
    if formula == "ŷ − y":
        return f"{tensor(yhat)} − {operand(y)}"
    rest = formula.replace("(ŷ − y)", "").replace("ŷ − y", "")
    if "ŷ" in rest or "y" in rest:
        return ""
    text = tensor(error)
    shown = re.sub(r"(?<=[a-z])\(ŷ − y\)", lambda _: f"({text})", formula)   # sign(ŷ − y): keep its brackets
    shown = shown.replace("(ŷ − y)", operand(error) if error.size == 1 else text).replace("ŷ − y", text)
    # 2(−1) reads as a call; a product sign says what it is: 2·(−1), 2·[−1, 1].
    return shown.replace("2(", "2·(").replace("2[", "2·[")


def a_label(l: int, depth: int) -> str:
    return "x" if l == 0 else ("ŷ" if l == depth else f"a{sub(l)}")


def a_name(l: int, depth: int) -> str:
    return "x" if l == 0 else ("yhat" if l == depth else f"a{l}")


def dL_da_label(l: int, depth: int) -> str:
    return f"∂L/∂{a_label(l, depth)}"
