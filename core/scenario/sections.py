"""The sections of a part that name its steps: `notes:`, `breakpoints:` and `expect:`."""
from __future__ import annotations

import difflib
import fnmatch
import math
from dataclasses import replace
from typing import Any, Callable

import numpy as np

from ..breakpoints import BreakpointError, from_mapping, validate
from ..format_spec import CHECKS, EXPECT_KEYS
from .model import Expectation, Part
from .read import KEY, Path_, dotted
from .validate import Validator, kind_of


def notes_section(value: Any, path: Path_, v: Validator, step_ids: tuple[str, ...]) -> dict[str, str]:
    m = v.mapping(value, path, None) if value else {}
    for key, text in m.items():
        if not any(fnmatch.fnmatchcase(s, key) for s in step_ids):
            close = difflib.get_close_matches(key, step_ids, n=1)
            raise v.err(path + (key, KEY), f"no step is called `{key}`",
                        f"did you mean `{close[0]}`?" if close else "run `chainstep trace` to list the step ids")
        v.string(text, path + (key,), "a note")
    return {k: v.string(t, path + (k,), "a note").strip() for k, t in m.items()}


def breakpoints_section(value: Any, path: Path_, v: Validator, part: Part) -> list[Any]:
    """Breakpoints declared in the file; each mistake points at the key that is wrong."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise v.err(path, "breakpoints must be a list", "write each as - {when: vanishing, layer: 1, below: 1e-3}")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise v.err(path + (i,), f"a breakpoint must be a mapping, not {kind_of(item)}",
                        "write e.g. - {step: backward.1.dW} or - {when: loss_rises}")
        it = item.get("iteration")
        if isinstance(it, int) and not isinstance(it, bool):   # the file counts from 1, the trace from 0
            item = {**item, "iteration": one_based_iteration(it, path + (i, "iteration"), v, part.iterations)}
        try:
            bp = validate(from_mapping(item), part.trace)
        except BreakpointError as exc:
            raise v.err(path + (i,) + ((exc.key,) if exc.key in item else ()), exc.message, exc.hint) from None
        out.append(replace(bp, origin=v.doc.where(path + (i,))))
    return out


def one_based_iteration(value: Any, path: Path_, v: Validator, iterations: int) -> int:
    """An `iteration:` as a file writes it (1 to `iterations`), returned 0-based for the trace."""
    first_to_last = f"use an iteration from 1 to {iterations}"
    if isinstance(value, int) and not isinstance(value, bool):
        if value == 0:
            raise v.err(path, f"{dotted(path)} is 0, but iterations now count from 1 (the first iteration is 1)",
                        "add 1 to every `iteration:` written for the old 0-based count")
        if value > iterations:
            raise v.err(path, f"{dotted(path)} is {value}, but this part runs only {iterations} iteration(s), "
                        f"numbered 1 to {iterations}", first_to_last + ", or raise `iterations`")
        if value < 0:
            raise v.err(path, f"{dotted(path)} is {value}, but iterations count from 1", first_to_last)
    return v.integer(value, path, 1, iterations, "the iteration") - 1


def tensor_shapes(part: Part, step_id: str) -> dict[str, tuple[int, ...]]:
    """The tensors a step shows, result first, with their shapes (read off the first iteration)."""
    step = part.trace.step(0, step_id)
    return {t.name: tuple(t.value.shape) for t in (step.result, *step.inputs)}


def _shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape)) if shape else "one number"


def _fit_target(m: dict[str, Any], ip: Path_, v: Validator, step: str, names: dict[str, tuple[int, ...]],
                at: tuple[int, ...] | None, val: Any) -> Any:
    """Check `tensor`, `at` and the shape of `value` against the step; the value in the tensor's shape."""
    target = m.get("tensor", next(iter(names)))
    if target not in names:
        close = difflib.get_close_matches(str(target), list(names), n=1)
        raise v.err(ip + ("tensor",), f"step {step} has no tensor `{target}`",
                    (f"did you mean `{close[0]}`? " if close else "") + "its tensors are " + ", ".join(names))
    shape = names[target]
    if at is not None:
        if len(at) > len(shape) or not all(0 <= a < n for a, n in zip(at, shape)):
            ranges = " and ".join(f"0 to {n - 1}" for n in shape)
            raise v.err(ip + ("at",), f"`{target}` of {step} is {_shape_text(shape)}: it has no element {list(at)}",
                        f"indices count from 0, as numpy's do: {ranges}")
        shape = shape[len(at):]
    if val is None:
        return None
    given = np.asarray(val, dtype=np.float64)
    size = int(np.prod(shape))
    # A flat list against a column (or a 1×1 against a number) states the same numbers: accept it.
    if given.size != size or tuple(n for n in given.shape if n != 1) != tuple(n for n in shape if n != 1):
        want = ("one number" if size == 1 else f"{size} numbers (a flat list will do)" if 1 in shape or len(shape) < 2
                else f"{shape[0]} rows of {shape[1]} numbers")
        raise v.err(ip + ("value",), f"{dotted(ip + ('value',))} is {_shape_text(given.shape)}, but `{target}` of "
                    f"{step} is {_shape_text(shape)}", f"write {want}, or use below/above to bound every element")
    return given.reshape(shape)


def expect_section(value: Any, path: Path_, v: Validator, step_ids: tuple[str, ...], iterations: int,
                  params: list[str], shapes: Callable[[str], dict[str, tuple[int, ...]]] | None = None
                  ) -> list[Expectation]:
    """The checks of `expect:`; with `shapes` (step id -> its tensors' shapes) every tensor, index and
    value shape is checked here too, so a mistake in the file never waits for `chainstep check`."""
    if not isinstance(value, list):
        raise v.err(path, "expect must be a list of checks", "write each as - {step: ..., value: ...}")
    out = []
    for i, item in enumerate(value):
        ip = path + (i,)
        m = v.mapping(item, ip, EXPECT_KEYS)
        check = m.get("check")
        if check is not None:
            v.choice(check, ip + ("check",), CHECKS, "check")
        step = m.get("step")
        if step is None and check is None:
            raise v.err(ip, "an expectation needs a `step` (or a `check`)", "e.g. step: backward.dyhat")
        if step is not None:
            v.choice(step, ip + ("step",), list(step_ids), "step id")
        iteration = one_based_iteration(m.get("iteration", 1), ip + ("iteration",), v, iterations)
        tensor_name = m.get("tensor")
        if tensor_name is not None:
            v.string(tensor_name, ip + ("tensor",), "a tensor name")
        at = m.get("at")
        if at is not None:
            if isinstance(at, int):
                at = [at]
            if not isinstance(at, list) or not all(isinstance(a, int) and not isinstance(a, bool) for a in at):
                raise v.err(ip + ("at",), f"{dotted(ip + ('at',))} must be whole-number indices, not {kind_of(m['at'])}",
                            "write the row and column from 0, like [0, 1]")
            if any(a < 0 for a in at):
                raise v.err(ip + ("at",), f"{dotted(ip + ('at',))} holds a negative index",
                            "count rows and columns from 0; a negative index would count from the end")
            at = tuple(at)
        if check is None and not any(k in m for k in ("value", "below", "above")):
            raise v.err(ip, "an expectation needs `value`, `below` or `above`", "state the number the source gives")
        val = m.get("value")
        if val is not None and not isinstance(val, (int, float)):
            val = v.matrix(val, ip + ("value",), "expected value")
        elif val is not None:
            val = v.number(val, ip + ("value",), "the expected value")
        if check == "per_sample_mean" and m.get("step") is None and "value" in m:
            raise v.err(ip + ("value",), "per_sample_mean compares two computations; it takes no value",
                        "delete `value`, or name a `step` to compare with")
        # Bounds on a step's own result need no shapes; anything naming a tensor, an element or a
        # value is checked against the step (one iteration computed, once per part).
        if shapes is not None and step is not None and check is None and ({"tensor", "at", "value"} & m.keys()):
            val = _fit_target(m, ip, v, step, shapes(step), at, val)
        # Absolute by default; with `rel:` alone the allowance is relative only.
        tol = _tolerance(m, "tol", 0.0 if "rel" in m else 1e-9, ip, v)
        rel = _tolerance(m, "rel", 0.0, ip, v)
        below = v.number(m["below"], ip + ("below",), "the bound") if "below" in m else None
        above = v.number(m["above"], ip + ("above",), "the bound") if "above" in m else None
        for key, bound in (("below", below), ("above", above)):
            if bound is not None and math.isnan(bound):
                raise v.err(ip + (key,), f"{dotted(ip + (key,))} is NaN, which no value is {key}",
                            "write a number; to expect NaN itself, write `value: .nan`")
        why = v.string(m.get("why", ""), ip + ("why",), "an explanation")
        out.append(Expectation(step, iteration, tensor_name, at, val, tol, below, above, check, why, v.doc.where(ip),
                               rel))
    return out


def _tolerance(m: dict[str, Any], key: str, default: float, ip: Path_, v: Validator) -> float:
    t = v.number(m.get(key, default), ip + (key,), "the tolerance", low=0.0)
    if not math.isfinite(t):
        raise v.err(ip + (key,), f"{dotted(ip + (key,))} is {t}: a tolerance must be a finite number",
                    "write a small number such as 1e-9")
    return t

