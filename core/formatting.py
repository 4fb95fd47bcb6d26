"""Numbers and tensors written into formulas: short, exact enough, and honest about inf and NaN."""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
SMALL = 6  # tensors with at most this many elements are written out in full


def sub(n: int | str) -> str:
    """Subscript digits: 12 -> '₁₂'."""
    return str(n).translate(_SUB)


MINUS = "−"   # U+2212: the true minus sign, as a printed formula has it (the hyphen is shorter)


def num(x: float) -> str:
    """A number with up to 6 significant digits and a true minus; -0 shown as 0."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else MINUS + "inf"
    if x == 0:
        return "0"
    return f"{x:.6g}".replace("-", MINUS)


def apart(a: float, b: float) -> tuple[str, str]:
    """Two numbers with just enough significant digits (6 to 17) that they read differently."""
    a, b = float(a), float(b)
    for digits in range(6, 18):
        sa, sb = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if sa != sb or a == b:
            break
    if not (math.isfinite(a) and math.isfinite(b)):
        sa, sb = num(a), num(b)
    return sa.replace("-", MINUS), sb.replace("-", MINUS)


def tensor(a: np.ndarray | float, limit: int = SMALL) -> str:
    """A tensor as text: the number for a 1×1, the rows for a small one, its shape otherwise."""
    # Already an array: only its size, shape and (float() of) a few elements are read, so no copy.
    arr = a if isinstance(a, np.ndarray) else np.asarray(a, dtype=np.float64)
    if arr.size == 1:
        return num(arr.reshape(-1)[0])
    if arr.size <= limit:
        rows = arr.reshape(arr.shape[0], -1) if arr.ndim > 1 else arr.reshape(1, -1)
        return "[" + "; ".join(", ".join(num(v) for v in row) for row in rows) + "]"
    return _shape_text(arr.shape)


@lru_cache(maxsize=1024)
def _shape_text(shape: tuple[int, ...]) -> str:
    """⟨128×784⟩; cached, as every step of a big network writes the same few shapes."""
    return "⟨" + "×".join(map(str, shape)) + "⟩"


def operand(a: np.ndarray | float, limit: int = SMALL) -> str:
    """`tensor` for a value that follows an operator: a negative number in brackets, 0.5·(−0.2)."""
    text = tensor(a, limit)
    return f"({text})" if text.startswith(MINUS) else text


# How a chain-rule factor joins the product before it (`Factor.op`), as two cells before its label;
# the softmax Jacobian applied to the product so far is drawn as an arrow: it maps, not multiplies.
_JOINS = {"": "  ", "⊙": "⊙ ", "·": "· ", "+": "+ ", "Jᵀ·": "→ "}


def join_sign(op: str) -> str:
    return _JOINS.get(op, f"{op} ")
