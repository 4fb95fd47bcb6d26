"""A part's `questions:` section: quiz questions keyed by step id, each checked against that step.

Every reference is checked here, so `chainstep check` (and opening the file) points at the exact
line of a question that names a missing step, tensor, element or option.
"""
from __future__ import annotations

import difflib
import math
from typing import Any

import numpy as np

from ..format_spec import QUESTION_KEYS
from ..quiz import KINDS, MAX_GRID, MAX_OPTIONS, Question
from ..trace import Step
from .model import Part
from .read import KEY, Path_, dotted
from .validate import Validator, kind_of

# Which keys each kind takes beyond kind, ask and iteration.
_TAKES = {"sign": {"tensor", "at"}, "signs": {"tensor"}, "number": {"tensor", "at", "rel", "abs"},
          "choice": {"options", "answer"}}


def questions_section(value: Any, path: Path_, v: Validator, part: Part) -> list[Question]:
    if value is None:
        return []
    m = v.mapping(value, path, None)
    step_ids = part.trace.step_ids
    out: list[Question] = []
    for sid, items in m.items():
        if sid not in step_ids:
            close = difflib.get_close_matches(str(sid), step_ids, n=1)
            raise v.err(path + (sid, KEY), f"no step is called `{sid}`",
                        f"did you mean `{close[0]}`?" if close else "run `chainstep trace` to list the step ids")
        step = part.trace.step(0, sid)   # shapes and tensor names are the same in every iteration
        listed = items if isinstance(items, list) else [items]
        for i, item in enumerate(listed):
            qp = path + (sid, i) if isinstance(items, list) else path + (sid,)
            out.append(_question(item, qp, v, part, step, i + 1))
    return out


def _question(item: Any, qp: Path_, v: Validator, part: Part, step: Step, number: int) -> Question:
    if not isinstance(item, dict):
        raise v.err(qp, f"a question must be a mapping, not {kind_of(item)}",
                    "write e.g. - {kind: sign, ask: \"Which way will W₁ move?\"}")
    m = v.mapping(item, qp, QUESTION_KEYS)
    kind = v.choice(v.require(m, "kind", qp, "say which kind: " + ", ".join(KINDS)), qp + ("kind",), KINDS,
                    "question kind")
    ask = v.string(v.require(m, "ask", qp, "write the question the student reads"), qp + ("ask",), "the question")
    for key in m:
        if key not in ("kind", "ask", "iteration") and key not in _TAKES[kind]:
            raise v.err(qp + (key, KEY), f"a {kind} question takes no `{key}`",
                        "it takes " + ", ".join(sorted(_TAKES[kind] | {"iteration"})))
    it = v.integer(m.get("iteration", 1), qp + ("iteration",), 1, part.iterations,
                   f"the iteration (this part runs {part.iterations}, counted from 1)")
    where = v.doc.where(qp)
    if kind == "choice":
        return _choice(m, qp, v, step.id, it - 1, ask, where, number)
    tensor = m.get("tensor")
    if tensor is not None:
        v.string(tensor, qp + ("tensor",), "a tensor name")
        try:
            step.tensor(tensor)
        except KeyError:
            names = ", ".join(t.name for t in (step.result, *step.inputs))
            close = difflib.get_close_matches(tensor, [t.name for t in (step.result, *step.inputs)], n=1)
            raise v.err(qp + ("tensor",), f"step {step.id} has no tensor `{tensor}`",
                        (f"did you mean `{close[0]}`? " if close else "") + f"it has {names}") from None
    value = step.result.value if tensor is None else step.tensor(tensor).value
    at = _element(m, qp, v, value, tensor or step.result.name)
    size = 1 if at is not None else int(np.size(value))
    what = f"{tensor or step.result.name} has {size} elements"
    if kind == "signs":
        if size > MAX_GRID:
            raise v.err(qp + ("kind",), f"{what}: too many for a sign grid (at most {MAX_GRID})",
                        "ask a sign question about one element with `at`, or pick a smaller tensor")
    elif size != 1:
        raise v.err(qp, f"{what}; a {kind} question asks about one", "name one element with `at: [row, column]`")
    tol, relative = 0.0, True
    if kind == "number":
        if "rel" in m and "abs" in m:
            raise v.err(qp + ("abs", KEY), "give `rel` or `abs`, not both", "keep the one you mean")
        if "rel" not in m and "abs" not in m:
            raise v.err(qp, "a number question needs a tolerance", "add rel: 0.01 (within 1%) or abs: 0.001")
        key = "rel" if "rel" in m else "abs"
        tol = v.number(m[key], qp + (key,), "the tolerance")
        if not (math.isfinite(tol) and tol > 0):
            raise v.err(qp + (key,), f"{dotted(qp + (key,))} is {tol:g}: a tolerance must be a positive finite number",
                        "write e.g. rel: 0.01 or abs: 0.001")
        relative = key == "rel"
    return Question(kind, step.id, it - 1, ask, tensor, at, tol, relative, where=where, number=number)


def _element(m: dict[str, Any], qp: Path_, v: Validator, value: np.ndarray, name: str) -> tuple[int, ...] | None:
    at = m.get("at")
    if at is None:
        return None
    if isinstance(at, int) and not isinstance(at, bool):
        at = [at]
    if not isinstance(at, list) or not all(isinstance(a, int) and not isinstance(a, bool) for a in at):
        raise v.err(qp + ("at",), f"{dotted(qp + ('at',))} must be whole-number indices, not {kind_of(m['at'])}",
                    "write the row and column from 0, like [0, 1]")
    shape = np.shape(value)
    if len(at) == 1 and len(shape) == 2 and shape[1] == 1:
        at = [at[0], 0]
    if len(at) != len(shape) or any(not 0 <= a < s for a, s in zip(at, shape)):
        dims = "×".join(map(str, shape))
        raise v.err(qp + ("at",), f"{name} is {dims}, so it has no element {list(at)}",
                    "indices count from 0: " + ", ".join(f"0 to {s - 1}" for s in shape))
    return tuple(at)


def _choice(m: dict[str, Any], qp: Path_, v: Validator, sid: str, it: int, ask: str, where: str,
            number: int) -> Question:
    options = v.require(m, "options", qp, "list the options, e.g. options: [the weight, the sigmoid's slope]")
    if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
        raise v.err(qp + ("options",), f"options must be a list of 2 to {MAX_OPTIONS} texts",
                    "write options: [first, second, ...]")
    opts = tuple(v.string(o, qp + ("options", i), "an option") for i, o in enumerate(options))
    if "answer" not in m:
        raise v.err(qp, "this choice question has no right option", "add answer: with the right option's text or number")
    ans = m["answer"]
    if isinstance(ans, int) and not isinstance(ans, bool):
        if not 1 <= ans <= len(opts):
            raise v.err(qp + ("answer",), f"there is no option {ans}: the options are numbered 1 to {len(opts)}",
                        "give the right option's number from 1, or its text")
        index = ans - 1
    else:
        text = v.string(ans, qp + ("answer",), "the right option")
        if text not in opts:
            close = difflib.get_close_matches(text, list(opts), n=1)
            raise v.err(qp + ("answer",), f"`{text}` is not one of the options",
                        f"did you mean `{close[0]}`?" if close else "copy one option's text exactly, or give its number")
        index = opts.index(text)
    return Question("choice", sid, it, ask, options=opts, answer=index, where=where, number=number)
