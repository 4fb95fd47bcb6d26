"""Predict, then reveal: the questions a scenario asks and their answers, computed by the engine.

A question belongs to one step of one iteration. Sign, sign-grid and number questions name a
tensor of that step (its result by default) and are answered from the trace, never from the file;
only a choice question carries its right option, because it asks about an idea, not a number.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .format_spec import QUESTION_KINDS as KINDS
from .formatting import num, sub
from .trace import Step, Trace

MAX_GRID = 16          # elements a sign grid may have: more is no longer a prediction, it is typing
MAX_OPTIONS = 9        # a choice is picked with the keys 1..9
MOVE = {1: "▲ raises", -1: "▼ lowers", 0: "· stays"}
SIGN = {1: "+ positive", -1: "− negative", 0: "0 zero"}
GRID = {1: "+", -1: "−", 0: "0"}


@dataclass(frozen=True)
class Question:
    kind: str                          # one of KINDS
    step: str                          # step id
    iteration: int                     # 0-based inside the engine; the file writes it from 1
    ask: str                           # the author's words (or the drill's)
    tensor: str | None = None          # a tensor of the step; None: its result
    at: tuple[int, ...] | None = None  # one element (0-based, as numpy writes it)
    tolerance: float = 0.0             # number questions only
    relative: bool = True
    options: tuple[str, ...] = ()      # choice questions only
    answer: int | None = None          # index of the right option (choice only)
    where: str = ""                    # file:line:col of the question
    number: int = 1                    # its place among the questions of its step, from 1

    @property
    def key(self) -> str:
        """A stable name for saved progress: step, iteration and place, as the user counts."""
        return f"{self.step}@{self.iteration + 1}#{self.number}"

    def tolerance_text(self) -> str:
        if self.relative:
            return f"within {self.tolerance * 100:g}% of the engine's value"
        return f"within ±{self.tolerance:g} of the engine's value"


@dataclass(frozen=True)
class Truth:
    """The right answer: `value` is ±1/0 (sign), an array of ±1/0 (signs), a float, or an option index."""

    value: object
    text: str              # the answer as the app writes it
    moves: bool = False    # a sign question about which way a parameter moves


@dataclass(frozen=True)
class Verdict:
    right: int             # elements right (1 or 0 except for a sign grid)
    asked: int             # elements asked
    given: str             # the student's answer, as the app writes it
    correct: str           # the engine's (or the author's) answer

    @property
    def ok(self) -> bool:
        return self.right == self.asked


def _sign(v: float) -> int:
    if not math.isfinite(v) or v == 0:
        return 0
    return 1 if v > 0 else -1


def value_of(step: Step, q: Question) -> np.ndarray:
    value = step.result.value if q.tensor is None else step.tensor(q.tensor).value
    if q.at is not None:
        value = np.asarray(value[q.at])
    return np.asarray(value, dtype=np.float64)


def is_move(step: Step, q: Question) -> bool:
    """A sign question about a gradient or an update step asks which way the parameter moves."""
    return q.kind == "sign" and q.tensor is None and step.param is not None and step.phase in ("backward", "update")


def truth(q: Question, step: Step, frozen: bool = False) -> Truth:
    """The answer, from the step the engine computed; `frozen`: the step's parameter never moves."""
    if q.kind == "choice":
        assert q.answer is not None
        return Truth(q.answer, f"{q.answer + 1}. {q.options[q.answer]}")
    value = value_of(step, q)
    if q.kind == "signs":
        signs = np.vectorize(_sign, otypes=[int])(value) if value.size else value.astype(int)
        return Truth(signs, grid_text(signs))
    if q.kind == "sign":
        if is_move(step, q):
            if frozen:
                move = 0
            elif step.phase == "update":
                move = _sign(float(np.sum(step.result.value - step.tensor(step.param).value)))
            else:   # p ← p − η·∂L/∂p: against the gradient
                move = -_sign(float(value.reshape(-1)[0])) if value.size == 1 else 0
            return Truth(move, MOVE[move], moves=True)
        s = _sign(float(value.reshape(-1)[0]))
        return Truth(s, f"{SIGN[s]} ({_n(float(value.reshape(-1)[0]))})")
    v = float(value.reshape(-1)[0])
    return Truth(v, _n(v))


def grid_text(signs: np.ndarray) -> str:
    rows = np.atleast_2d(signs)
    return "; ".join(" ".join(GRID[int(s)] for s in row) for row in rows.reshape(rows.shape[0], -1))


def accepts(q: Question, correct: float, given: float) -> bool:
    """Is a typed number close enough? Relative tolerance is taken of the engine's value."""
    if not (math.isfinite(given) and math.isfinite(correct)):
        return given == correct
    limit = q.tolerance * abs(correct) if q.relative else q.tolerance
    return abs(given - correct) <= limit


def grade(q: Question, t: Truth, given: object) -> Verdict:
    """Score an answer: sign grids per element, everything else right or wrong."""
    if q.kind == "signs":
        want = np.asarray(t.value).reshape(-1)
        got = np.asarray(given, dtype=int).reshape(np.shape(t.value))
        right = int(np.sum(got.reshape(-1) == want))
        return Verdict(right, int(want.size), grid_text(got), t.text)
    if q.kind == "number":
        g = float(given)   # type: ignore[arg-type]
        return Verdict(int(accepts(q, float(t.value), g)), 1, _n(g), t.text)   # type: ignore[arg-type]
    if q.kind == "choice":
        i = int(given)   # type: ignore[call-overload]
        return Verdict(int(i == t.value), 1, f"{i + 1}. {q.options[i]}", t.text)
    s = int(given)   # type: ignore[call-overload]
    return Verdict(int(s == t.value), 1, (MOVE if t.moves else SIGN)[s], t.text)


def parse_number(text: str) -> float | None:
    """What a student types: `-0.2`, `−0.2` (a true minus), `1e-3`, `2/3`; None if it is not a number."""
    s = text.strip().replace("−", "-").replace(",", ".").replace(" ", "")
    if not s or len(s) > 64:
        return None
    try:
        if s.count("/") == 1:
            a, b = s.split("/")
            return float(a) / float(b)
        return float(s)
    except (ValueError, ZeroDivisionError):
        return None


def drill(trace: Trace, iteration: int, k: int) -> Question | None:
    """`--quiz signs`: the sign grid of every parameter gradient small enough to predict cell by cell."""
    spec = trace.specs[k]
    if spec.phase != "backward" or spec.param is None:
        return None
    sizes = trace.model.sizes
    l = int(spec.param[1:])
    n = sizes[l] * (sizes[l - 1] if spec.param[0] == "W" else 1)
    if n > MAX_GRID:
        return None
    label = f"∂L/∂{spec.param[0]}{sub(spec.param[1:])}"
    return Question("signs", spec.id, iteration,
                    f"Before it is shown: the sign of each entry of {label} (+, − or 0)?", number=1)


def _n(v: float) -> str:
    """A number as the app writes it, with a true minus."""
    return num(v).replace("-", "−")


def unanswerable(q: Question, step: Step) -> str | None:
    """Why the engine cannot give this question a fair answer (its value is inf or NaN), or None."""
    if q.kind == "choice":
        return None
    value = value_of(step, q)
    if not np.all(np.isfinite(value)):
        return f"the engine's value is {_n(float(value.reshape(-1)[~np.isfinite(value.reshape(-1))][0]))}: no answer can be right"
    return None
