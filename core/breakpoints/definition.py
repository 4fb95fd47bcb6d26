"""What a breakpoint is, reading one from its YAML mapping, checking it against a model, and the list the app edits."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

from ..trace import Trace

KINDS = ("step", "iteration", "nonfinite", "loss_rises", "vanishing", "exploding", "sign_flip", "dead_relu")
CONDITIONS = KINDS[2:]
DEFAULT_VANISHING = 1e-3
DEFAULT_EXPLODING = 1e3

# The YAML form of a breakpoint, one key a line, for errors and documentation.
BREAKPOINT_KEYS = {
    "step": "stop at this step id (every iteration, or only the one given by `iteration`)",
    "iteration": "stop at this iteration (counted from 1, like expect:)",
    "when": "a condition: " + ", ".join(CONDITIONS),
    "layer": "the layer a vanishing, exploding or dead_relu condition watches (default: every layer)",
    "below": "threshold of `vanishing`: stop when the weight gradient's norm is below it",
    "above": "threshold of `exploding`: stop when the weight gradient's norm is above it; "
             "for `loss_rises`, the rise that counts",
    "param": "the parameter of `sign_flip` (W1, b2, ...)",
    "at": "the element of `sign_flip`, e.g. [0, 1] (default [0, 0])",
    "enabled": "false to declare it switched off",
}


class BreakpointError(ValueError):
    """A breakpoint that cannot work on this model; `key` names the offending field."""

    def __init__(self, message: str, key: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message, self.key, self.hint = message, key, hint


@dataclass(frozen=True)
class Breakpoint:
    kind: str
    step_id: str | None = None
    iteration: int | None = None      # 0-based here; files and dialogs write it from 1
    layer: int | None = None
    param: str | None = None
    index: tuple[int, ...] | None = None
    threshold: float | None = None
    enabled: bool = True
    origin: str = ""                  # file:line:col when declared in a scenario

    def describe(self) -> str:
        """One line saying what it stops on (iterations 1-based, as the app shows them)."""
        where = f"layer {self.layer}" if self.layer is not None else "any layer"
        if self.kind == "step":
            it = f" in iteration {self.iteration + 1}" if self.iteration is not None else ""
            return f"step {self.step_id}{it}"
        if self.kind == "iteration":
            return f"iteration {(self.iteration or 0) + 1}" + (f" at {self.step_id}" if self.step_id else "")
        if self.kind == "nonfinite":
            return "a non-finite value (inf or NaN) appears"
        if self.kind == "loss_rises":
            by = f" by more than {self.threshold:g}" if self.threshold else ""
            return f"the loss rises{by}"
        if self.kind == "vanishing":
            return f"‖∂/∂W‖ < {self.limit():g} ({where})"
        if self.kind == "exploding":
            return f"‖∂/∂W‖ > {self.limit():g} ({where})"
        if self.kind == "sign_flip":
            idx = ",".join(str(i) for i in (self.index or (0, 0)))
            return f"the gradient of {self.param}[{idx}] flips sign"
        if self.kind == "dead_relu":
            return f"a dead ReLU unit ({where})"
        return self.kind

    def limit(self) -> float:
        """The threshold of vanishing or exploding, or its default when none is given."""
        if self.threshold is not None:
            return self.threshold
        return DEFAULT_VANISHING if self.kind == "vanishing" else DEFAULT_EXPLODING

    def toggled(self) -> "Breakpoint":
        return replace(self, enabled=not self.enabled)



# ---- checking a breakpoint against a model ----------------------------------------------------

def validate(bp: Breakpoint, trace: Trace) -> Breakpoint:
    """The breakpoint if it can work on this trace; BreakpointError naming the bad field otherwise."""
    model = trace.model
    depth = model.depth
    if bp.kind not in KINDS:
        raise BreakpointError(f"unknown breakpoint kind `{bp.kind}`", "when", "choose one of " + ", ".join(CONDITIONS))
    if bp.step_id is not None and bp.step_id not in trace.step_ids:
        close = difflib.get_close_matches(bp.step_id, trace.step_ids, n=1)
        raise BreakpointError(f"no step is called `{bp.step_id}`", "step",
                              f"did you mean `{close[0]}`?" if close else "run `chainstep trace` to list the step ids")
    if bp.kind == "step" and bp.step_id is None:
        raise BreakpointError("a step breakpoint needs a step id", "step", "e.g. step: backward.1.dW")
    if bp.iteration is not None and not 0 <= bp.iteration < trace.iterations:
        raise BreakpointError(f"iteration {bp.iteration + 1} is outside 1 to {trace.iterations}", "iteration",
                              f"iterations count from 1: use 1 to {trace.iterations}")
    if bp.kind == "iteration" and bp.iteration is None:
        raise BreakpointError("an iteration breakpoint needs an iteration", "iteration", "e.g. iteration: 100")
    if bp.layer is not None and not 1 <= bp.layer <= depth:
        raise BreakpointError(f"layer {bp.layer} does not exist: the network has layers 1 to {depth}", "layer",
                              f"use a layer from 1 to {depth}")
    if bp.kind in ("vanishing", "exploding") and bp.threshold is not None and not bp.threshold > 0:
        raise BreakpointError(f"the threshold must be greater than 0, not {bp.threshold:g}",
                              "below" if bp.kind == "vanishing" else "above", "use e.g. 1e-4 or 1e3")
    if bp.kind == "loss_rises" and bp.threshold is not None and bp.threshold < 0:
        raise BreakpointError("the rise must be 0 or more", "above", "use 0 to stop on any rise")
    if bp.kind == "sign_flip":
        if bp.param is None or bp.param not in model.param_names:
            raise BreakpointError(f"sign_flip needs a parameter of this network, not `{bp.param}`", "param",
                                  "choose one of " + ", ".join(model.param_names))
        shape = trace.params_at(0)[bp.param].shape
        idx = _index(bp.index or (0, 0), shape)
        if idx is None:
            raise BreakpointError(f"{bp.param} is {shape[0]}×{shape[1]}: there is no element "
                                  f"{list(bp.index or ())}", "at",
                                  f"rows go from 0 to {shape[0] - 1}, columns from 0 to {shape[1] - 1}")
        bp = replace(bp, index=idx)
    if bp.kind == "dead_relu":
        relus = [l for l in range(1, depth + 1) if model.activations[l - 1].name == "relu"]
        if not relus:
            raise BreakpointError("this network has no ReLU layer, so no unit can be a dead ReLU",
                                  "when", "use it on a network with relu layers")
        if bp.layer is not None and bp.layer not in relus:
            raise BreakpointError(f"layer {bp.layer} is {model.activations[bp.layer - 1].name}, not relu", "layer",
                                  "ReLU layers here: " + ", ".join(map(str, relus)))
    return bp


def _index(idx: Sequence[int], shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """A 2-D index from one or two numbers (one number indexes a vector along its long side)."""
    idx = tuple(int(i) for i in idx)
    if len(idx) == 1:
        idx = (idx[0], 0) if shape[1] == 1 else (0, idx[0])
    if len(idx) != 2 or not all(0 <= i < s for i, s in zip(idx, shape)):
        return None
    return idx


def from_mapping(m: dict[str, Any]) -> Breakpoint:
    """A breakpoint from its YAML mapping (already type-checked per key by the scenario loader)."""
    unknown = [k for k in m if k not in BREAKPOINT_KEYS]
    if unknown:
        close = difflib.get_close_matches(unknown[0], list(BREAKPOINT_KEYS), n=1)
        raise BreakpointError(f"unknown key `{unknown[0]}` in a breakpoint", unknown[0],
                              f"did you mean `{close[0]}`?" if close else "known keys: " + ", ".join(BREAKPOINT_KEYS))
    _types(m)
    when = m.get("when")
    if when is None:
        if "step" in m:
            kind = "step"
        elif "iteration" in m:
            kind = "iteration"
        else:
            raise BreakpointError("a breakpoint needs `step`, `iteration` or `when`", None,
                                  "e.g. - step: backward.1.dW, or - {when: vanishing, layer: 1, below: 1e-4}")
    else:
        if not isinstance(when, str) or when not in CONDITIONS:
            close = difflib.get_close_matches(str(when), list(CONDITIONS), n=1)
            raise BreakpointError(f"unknown condition `{when}`", "when",
                                  (f"did you mean `{close[0]}`? " if close else "") + "choose one of " + ", ".join(CONDITIONS))
        kind = when
    for key, kinds in (("below", ("vanishing",)), ("above", ("exploding", "loss_rises")),
                       ("param", ("sign_flip",)), ("at", ("sign_flip",)),
                       ("layer", ("vanishing", "exploding", "dead_relu"))):
        if key in m and kind not in kinds:
            raise BreakpointError(f"`{key}` does not apply to a {kind} breakpoint", key,
                                  f"`{key}` belongs to " + " or ".join(kinds))
    if kind in CONDITIONS and "step" in m:
        raise BreakpointError(f"a {kind} condition chooses its own step", "step",
                              "delete `step`; the debugger stops at the step that shows the number")
    threshold = m.get("below", m.get("above"))
    at = m.get("at")
    if isinstance(at, int):
        at = [at]
    return Breakpoint(kind, step_id=m.get("step"), iteration=m.get("iteration"), layer=m.get("layer"),
                      param=m.get("param"), index=tuple(at) if at is not None else None,
                      threshold=None if threshold is None else float(threshold),
                      enabled=bool(m.get("enabled", True)))


def _types(m: dict[str, Any]) -> None:
    """Each key's value has the right type, or a BreakpointError naming the key."""
    def whole(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    for key in ("step", "when", "param"):
        if key in m and not isinstance(m[key], str):
            raise BreakpointError(f"`{key}` must be text, not {m[key]!r}", key, "e.g. " + {
                "step": "step: backward.1.dW", "when": "when: vanishing", "param": "param: W1"}[key])
    for key in ("iteration", "layer"):
        if key in m and not whole(m[key]):
            raise BreakpointError(f"`{key}` must be a whole number, not {m[key]!r}", key,
                                  "iterations and layers count from 1")
    for key in ("below", "above"):
        if key in m and (isinstance(m[key], bool) or not isinstance(m[key], (int, float))):
            raise BreakpointError(f"`{key}` must be a number, not {m[key]!r}", key, "write it like 1e-4, without quotes")
        if key in m and isinstance(m[key], int) and abs(m[key]) > 1e308:   # float() would overflow
            raise BreakpointError(f"`{key}` is a {len(str(abs(m[key])))}-digit number, too large for a float", key,
                                  "write a number below 1e308")
    if "at" in m:
        at = m["at"]
        if not (whole(at) or (isinstance(at, list) and at and all(whole(a) for a in at))):
            raise BreakpointError(f"`at` must be an element index such as [0, 1], not {at!r}", "at",
                                  "write the row and column from 0")
    if "enabled" in m and not isinstance(m["enabled"], bool):
        raise BreakpointError(f"`enabled` must be true or false, not {m['enabled']!r}", "enabled",
                              "write enabled: false to declare it switched off")



# ---- the list the app edits -------------------------------------------------------------------

@dataclass
class BreakpointList:
    """The breakpoints of one scenario part, in the order they were set."""

    items: list[Breakpoint] = field(default_factory=list)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def add(self, bp: Breakpoint) -> int:
        if bp in self.items or any(_same(bp, b) for b in self.items):
            return next(n for n, b in enumerate(self.items) if _same(bp, b))
        self.items.append(bp)
        return len(self.items) - 1

    def remove(self, n: int) -> None:
        del self.items[n]

    def toggle(self, n: int) -> None:
        self.items[n] = self.items[n].toggled()

    def toggle_step(self, step_id: str) -> bool:
        """Set or clear a breakpoint on a step id (every iteration); True when it is now set."""
        for n, b in enumerate(self.items):
            if b.kind == "step" and b.step_id == step_id and b.iteration is None:
                del self.items[n]
                return False
        self.items.append(Breakpoint("step", step_id=step_id))
        return True

    def on_step(self, step_id: str) -> bool:
        return any(b.kind == "step" and b.step_id == step_id and b.enabled for b in self.items)


def _same(a: Breakpoint, b: Breakpoint) -> bool:
    """Equal apart from being enabled and where it was declared."""
    return replace(a, enabled=True, origin="") == replace(b, enabled=True, origin="")
