"""Watch expressions: a tensor of the trace, or one element of it, followed from step to step.

An expression is a tensor name as the steps call it (`W1`, `dW2`, `dL_dyhat`, `yhat`, `L`,
`delta1`, `W1_new`, ...), optionally with an element index (`W1[0,1]`, `b2[1]`). The way the app
writes names is accepted too: `∂L/∂ŷ`, `dL/dW1`, `δ₁`, `W₁'`.

A watch's value at (iteration, step) is the tensor as the trace has it at that point: parameters
and data are known from the start of an iteration; anything a step produces is known from that
step on. Before that, the value of the previous iteration is given and marked as such.
"""
from __future__ import annotations

import difflib
import re
import threading
import weakref
from dataclasses import dataclass, field

import numpy as np

from .trace import Trace

_SUB = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_EXPR = re.compile(r"^(?P<name>[^\[\]\s]+)\s*(?:\[(?P<index>[^\]]*)\])?$")
_GIVEN = ("x", "y")   # known at every step, like the parameters


class WatchError(ValueError):
    """An expression that names no tensor, or an element outside it; the message says what would work."""


@dataclass(frozen=True)
class WatchValue:
    value: np.ndarray | None     # None when nothing is known yet (before the first step that makes it)
    iteration: int               # the iteration the value comes from
    step_id: str                 # the step that produces it
    previous: bool = False       # True: not computed yet in this iteration, so last iteration's

    @property
    def scalar(self) -> float | None:
        if self.value is None or np.asarray(self.value).size != 1:
            return None
        return float(np.asarray(self.value).reshape(-1)[0])


def normalise(name: str) -> str:
    """The trace's ASCII name for a name written the way the app shows it."""
    s = name.strip().translate(_SUB).replace("∂", "d").replace("ŷ", "yhat").replace("δ", "delta")
    s = s.replace("/", "_")
    if s.endswith("'"):
        s = s[:-1] + "_new"
    m = re.fullmatch(r"d[LC]_d([Wb]\d+)", s)   # dL/dW1 and dC/dW1 are the gradient dW1
    if m:
        s = "d" + m.group(1)
    return s


def parse(text: str) -> tuple[str, tuple[int, ...] | None]:
    """(name, index) of an expression, checking only its syntax."""
    m = _EXPR.match(text.strip())
    if not m or not m.group("name"):
        raise WatchError(f"`{text}` is not a watch expression: write a tensor name, optionally with an "
                         "element, like W1, dW2, dL_dyhat or W1[0,1]")
    index = None
    if m.group("index") is not None:
        try:
            index = tuple(int(p) for p in m.group("index").split(","))
        except ValueError:
            raise WatchError(f"the index in `{text}` must be whole numbers from 0, like [0, 1]") from None
        if not 1 <= len(index) <= 2:
            raise WatchError(f"`{text}`: give one index for a vector or two (row, column) for a matrix")
    return normalise(m.group("name")), index


# ---- which names a trace has, and where each first appears ------------------------------------

@dataclass(frozen=True)
class _Entry:
    step: int        # first step whose result or inputs hold it
    produced: bool   # True when that step computes it (it is its result)
    label: str
    shape: tuple[int, ...]


_catalogues: "weakref.WeakKeyDictionary[Trace, dict[str, _Entry]]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def catalogue(trace: Trace) -> dict[str, _Entry]:
    """Every tensor name of the trace with the step it first appears at (read off iteration 0)."""
    with _lock:
        cat = _catalogues.get(trace)
    if cat is not None:
        return cat
    cat = {}
    for k in range(trace.n_steps):
        step = trace.step(0, k)
        for n, t in enumerate((step.result, *step.inputs)):
            if t.name not in cat:
                cat[t.name] = _Entry(k, n == 0, t.label, np.shape(t.value))
    with _lock:
        _catalogues[trace] = cat
    return cat


def _element(shape: tuple[int, ...], index: tuple[int, ...]) -> tuple[int, ...] | None:
    """A full index into `shape` from one or two numbers (negative ones count from the end)."""
    if len(shape) == 0:
        return None
    if len(index) == 1 and len(shape) == 2:
        if shape[1] == 1:
            index = (index[0], 0)
        elif shape[0] == 1:
            index = (0, index[0])
        else:
            return None
    if len(index) != len(shape):
        return None
    out = []
    for i, s in zip(index, shape):
        if not -s <= i < s:
            return None
        out.append(i % s)
    return tuple(out)


# ---- a watch ------------------------------------------------------------------------------------

@dataclass
class Watch:
    """One watched expression over one trace; remembers the history it has computed."""

    text: str
    name: str
    index: tuple[int, ...] | None
    step: int                 # the step that produces it (or first shows it)
    given: bool               # a parameter or the data: known from the start of every iteration
    label: str
    _history: dict[tuple[int, int], float] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, trace: Trace, text: str) -> "Watch":
        name, index = parse(text)
        cat = catalogue(trace)
        if name not in cat:
            lower = {n.lower(): n for n in cat}
            if name.lower() in lower:
                name = lower[name.lower()]
            else:
                close = difflib.get_close_matches(name, list(cat), n=3)
                hint = ("did you mean " + " or ".join(f"`{c}`" for c in close) + "?") if close else \
                    "names look like " + ", ".join(list(cat)[:6])
                raise WatchError(f"no tensor is called `{name}`: {hint}")
        entry = cat[name]
        label = entry.label
        if index is not None:
            full = _element(entry.shape, index)
            if full is None:
                dims = "×".join(map(str, entry.shape)) or "a single number"
                raise WatchError(f"{name} is {dims}: it has no element [{','.join(map(str, index))}]"
                                 + ("" if entry.shape else f"; watch `{name}` without an index"))
            index = full
            label += "[" + ",".join(map(str, index)) + "]"
        given = name in trace.model.param_names or name in _GIVEN
        return cls(text.strip(), name, index, entry.step, given, label)

    @property
    def scalar(self) -> bool:
        """True when the history is the value itself; otherwise it is the tensor's norm."""
        return self.index is not None

    @property
    def history_label(self) -> str:
        return self.label if self.scalar else f"‖{self.label}‖"

    def _raw(self, trace: Trace, i: int) -> np.ndarray:
        value = np.asarray(trace.step(i, self.step).tensor(self.name).value, dtype=np.float64)
        if self.index is not None:
            return np.asarray(value[self.index])
        return value

    def value(self, trace: Trace, iteration: int, step: int) -> WatchValue:
        """The value as the trace has it at (iteration, step)."""
        sid = trace.step_ids[self.step]
        if self.given or step >= self.step:
            return WatchValue(self._raw(trace, iteration), iteration, sid)
        if iteration == 0:
            return WatchValue(None, iteration, sid)
        return WatchValue(self._raw(trace, iteration - 1), iteration - 1, sid, previous=True)

    def point(self, trace: Trace, i: int) -> float:
        """One number per iteration for the history: the element, or the tensor's norm."""
        key = (id(trace), i)   # a watch moved to another trace must not reuse these numbers
        if key not in self._history:
            v = self._raw(trace, i)
            with np.errstate(all="ignore"):
                self._history[key] = float(v.reshape(-1)[0]) if v.size == 1 else float(np.linalg.norm(v))
        return self._history[key]

    def missing(self, trace: Trace, iteration: int, step: int, window: int = 50) -> int:
        """How many history points `history` would still have to compute."""
        last = iteration if (self.given or step >= self.step) else iteration - 1
        return sum((id(trace), i) not in self._history for i in range(max(0, last - window + 1), last + 1))

    def history(self, trace: Trace, iteration: int, step: int, window: int = 50
                ) -> tuple[list[int], list[float]]:
        """(iterations, values) for up to `window` iterations ending where the cursor is.

        The current iteration is included once the cursor has reached the watched step.
        """
        last = iteration if (self.given or step >= self.step) else iteration - 1
        first = max(0, last - window + 1)
        its = list(range(first, last + 1))
        return its, [self.point(trace, i) for i in its]


def param_element(trace: Trace, text: str) -> tuple[str, tuple[int, int]]:
    """(parameter, element) from `W1[0,1]`; a gradient or update name (`dW1[0,1]`, `W1'`) means its parameter."""
    name, index = parse(text)
    if name.endswith("_new"):
        name = name[:-4]
    if name[:2] in ("dW", "db") and name[1:] in trace.model.param_names:
        name = name[1:]
    params = trace.model.param_names
    if name not in params:
        raise WatchError(f"`{name}` is not a parameter: choose one of " + ", ".join(params))
    shape = np.shape(trace.params_at(0)[name])
    full = _element(shape, index or (0, 0))
    if full is None:
        raise WatchError(f"{name} is {'×'.join(map(str, shape))}: it has no element [{','.join(map(str, index or ()))}]")
    return name, (int(full[0]), int(full[1]))
