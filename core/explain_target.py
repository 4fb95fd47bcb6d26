"""Which gradient element a zoom is about: `W1[0,1]`, `db2[1]`, `delta1[0,3]`, `dL_da1[1,0]`, `dL_dyhat[0,0]`.

The syntax is the watch syntax (`core.watch.parse`); a parameter name means its gradient, as in
the minibatch and landscape tools. A step id (`backward.1.dW`, or an update, which means the
gradient it applies) may name the tensor instead, with a bare index such as `[0,1]`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .formatting import sub
from .trace import Trace, a_label
from .watch import WatchError, catalogue, parse

_INDEX = re.compile(r"^\s*\[(?P<index>[^\]]*)\]\s*$")


class ExplainError(ValueError):
    """A zoom that cannot be made; the message says what is allowed instead."""


@dataclass(frozen=True)
class Target:
    """One element of one gradient tensor of the trace."""

    kind: str                 # "W", "b", "delta" (∂L/∂u) or "da" (∂L/∂a; a_0 = x)
    layer: int
    index: tuple[int, ...]    # (i, j) for W, (i,) for b, (i, n) for delta and da
    name: str                 # the trace's tensor name: dW1, db1, delta1, dL_da1, dL_dyhat
    step_id: str              # the step that computes it

    @property
    def unit(self) -> int:
        return self.index[0]


def gradient_names(trace: Trace) -> dict[str, tuple[str, int, str]]:
    """Every zoomable tensor of the trace: name -> (kind, layer, step id)."""
    L = trace.model.depth
    out: dict[str, tuple[str, int, str]] = {"dL_dyhat": ("da", L, "backward.dyhat")}
    for l in range(1, L + 1):
        out[f"delta{l}"] = ("delta", l, f"backward.{l}.delta")
        out[f"dW{l}"] = ("W", l, f"backward.{l}.dW")
        out[f"db{l}"] = ("b", l, f"backward.{l}.db")
        if l > 1:
            out[f"dL_da{l - 1}"] = ("da", l - 1, f"backward.{l}.da_prev")
    have = catalogue(trace)
    if "dL_dx" in have:   # only if a trace ever passes the gradient down to the input
        out["dL_dx"] = ("da", 0, "backward.1.da_prev")
    return {n: v for n, v in out.items() if n in have and v[2] in trace.step_ids}


def allowed(trace: Trace) -> str:
    """The zoomable tensors, for error messages."""
    return ", ".join(gradient_names(trace))


def _from_step(trace: Trace, step_id: str) -> str:
    """The gradient tensor a step computes (an update step means the gradient it applies)."""
    if step_id not in trace.step_ids:
        raise ExplainError(f"there is no step `{step_id}`: steps with a gradient to zoom on are "
                           + ", ".join(sid for _, _, sid in gradient_names(trace).values()))
    if step_id.startswith("update."):   # update.W1, and an optimiser's state steps update.W1.m, ...
        return "d" + step_id.split(".")[1]
    name = trace.specs[trace.index_of(step_id)].build(trace.record(0))[0].name
    if name not in gradient_names(trace):
        raise ExplainError(f"{step_id} computes {name}, which is not a gradient of the loss: zoom on one of "
                           + allowed(trace))
    return name


def resolve(trace: Trace, text: str, step_id: str | None = None) -> Target:
    """The element `text` names (optionally through `step_id`), or ExplainError saying what is allowed."""
    if not text.strip():
        raise ExplainError("type a gradient element, like W1[0,1], b2[0] or delta1[0,0]")
    bare = _INDEX.match(text)
    if bare and step_id is None:
        raise ExplainError(f"`{text.strip()}` names no tensor: write it like W1[0,1], or give --step")
    try:   # the watch syntax, so an element is written the same way in w, z and `chainstep explain`
        name, index = parse(f"_{text.strip()}" if bare else text)
    except WatchError as exc:
        raise ExplainError(str(exc).replace("a watch expression", "an element")) from None
    if bare:
        name = _from_step(trace, step_id)
    else:
        if name.endswith("_new"):
            name = name[:-4]
        if name in trace.model.param_names:   # W1[0,1] means the gradient of W1 at [0,1]
            name = "d" + name
    grads = gradient_names(trace)
    if name not in grads:
        raise ExplainError(f"`{name}` is not a gradient this trace shows: zoom on one of {allowed(trace)}")
    if step_id is not None and not bare and _from_step(trace, step_id) != name:
        raise ExplainError(f"step {step_id} does not compute {name} (it is computed at {grads[name][2]})")
    kind, layer, sid = grads[name]
    shape = catalogue(trace)[name].shape
    if index is None:
        raise ExplainError(f"give one element of {name}, which is {'×'.join(map(str, shape))}: "
                           f"for example {name}[0,0]")
    at = ",".join(map(str, index))
    if kind == "b" and len(index) == 1:
        index = (index[0], 0)
    dims = "×".join(map(str, shape))
    if len(index) != 2 or not all(0 <= k < s for k, s in zip(index, shape)):
        rows, cols = shape
        raise ExplainError(f"{name} is {dims}: it has no element [{at}]; rows go from 0 to {rows - 1}"
                           f" and columns from 0 to {cols - 1}")
    if kind == "b":
        index = index[:1]
    return Target(kind, layer, index, name, sid)


def target_label(t: Target, depth: int, l2: bool = False) -> str:
    """∂L/∂W₁[0,1] (∂C/∂W₁ with an L2 term), ∂L/∂b₂[1], δ₁[0,3], ∂L/∂a₁[1,0], ∂L/∂ŷ[0,0]."""
    at = "[" + ",".join(map(str, t.index)) + "]"
    if t.kind in ("W", "b"):
        return f"∂{'C' if l2 and t.kind == 'W' else 'L'}/∂{t.kind}{sub(t.layer)}{at}"
    if t.kind == "delta":
        return f"δ{sub(t.layer)}{at}"
    return f"∂L/∂{a_label(t.layer, depth)}{at}"
