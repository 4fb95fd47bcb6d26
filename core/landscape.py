"""The loss along one parameter: a 1-D slice of the landscape through the current parameters.

For a chosen element p of a parameter, every other number held fixed at iteration i's values, the
cost C(p) is sampled around the current value p₀. The gradient the trace computed is the slope of
this curve at p₀, so the tangent C(p₀) + g·(p − p₀) touches it there; the SGD step moves p₀ to
p₀ − η·g (where the other parameters move too, which is why the next iteration's loss is not
exactly C(p₀ − η·g) on this curve).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .trace import Trace

Array = np.ndarray


@dataclass(frozen=True)
class Landscape:
    param: str
    index: tuple[int, int]
    iteration: int
    p0: float            # the element's current value
    c0: float            # the cost at the current parameters
    slope: float         # ∂C/∂p from the trace's backward pass
    lr: float
    frozen: bool
    p_next: float        # where the update moves the element: p₀ − η·g for SGD (p₀ when frozen)
    c_next: float        # the cost on this slice at p_next
    xs: Array            # sampled values of the element
    costs: Array         # C at each sample (others fixed)
    tangent: Array       # c0 + slope·(xs − p0)
    optimizer: str = "sgd"   # the kind: only SGD's step is η·g; the others' p_next comes from their state

    @property
    def finite(self) -> bool:
        return bool(np.isfinite(self.c0) and np.isfinite(self.slope))


def cost_along(trace: Trace, iteration: int, param: str, index: tuple[int, int], values: Array) -> Array:
    """C at iteration `iteration`'s parameters with param[index] set to each of `values`."""
    rec = trace.record(iteration)
    model = trace.model
    base = rec.params[param]
    out = np.empty(len(values))
    for n, v in enumerate(values):
        p = np.array(base, dtype=np.float64)   # a copy: the record's parameters are shared
        p[index] = v
        out[n] = model.cost({**rec.params, param: p}, rec.x, rec.y)
    return out


def half_width(p0: float, step: float) -> float:
    """How far either side of p₀ to look: enough to show the update, the curve's bend, and zero."""
    with np.errstate(all="ignore"):
        w = max(2.5 * abs(step), 0.5 * abs(p0), 0.5)
    return w if np.isfinite(w) else 0.5


def landscape(trace: Trace, iteration: int, param: str, index: tuple[int, int] = (0, 0),
              points: int = 61, width: float | None = None) -> Landscape:
    """The slice of the cost through the current value of param[index], with tangent and update."""
    model = trace.model
    if param not in model.param_names:
        raise KeyError(f"no parameter {param}; this network has " + ", ".join(model.param_names))
    rec = trace.record(iteration)
    shape = rec.params[param].shape
    if len(index) != 2 or not all(0 <= i < s for i, s in zip(index, shape)):
        raise IndexError(f"{param} is {shape[0]}×{shape[1]}: no element {list(index)}")
    index = (int(index[0]), int(index[1]))
    p0 = float(rec.params[param][index])
    slope = float(rec.param_grad(param)[index])
    frozen = trace.is_frozen(param)
    with np.errstate(all="ignore"):
        # The trace's own update (same arithmetic as p₀ − η·g for SGD; momentum and Adam use their state).
        p_next = p0 if frozen else float(rec.new_params[param][index])
        step = p0 - p_next
        w = half_width(p0, step) if width is None else float(width)
        lo, hi = min(p0 - w, p_next), max(p0 + w, p_next)
        xs = np.linspace(lo, hi, points) if np.isfinite(lo) and np.isfinite(hi) else np.array([p0])
        costs = cost_along(trace, iteration, param, index, xs)
        c0 = model.cost(rec.params, rec.x, rec.y)
        tangent = c0 + slope * (xs - p0)
        c_next = float(cost_along(trace, iteration, param, index, np.array([p_next]))[0]) \
            if np.isfinite(p_next) else float("nan")
    return Landscape(param, index, iteration, p0, float(c0), slope, model.lr, frozen, float(p_next), c_next,
                     xs, costs, tangent, model.optimizer.kind)


def y_range(ls: Landscape, margin: float = 0.15) -> tuple[float, float] | None:
    """The y-limits of a chart of the slice: the curve's finite range (and the two marked costs) plus a margin.

    The tangent is not part of it, so a steep tangent cannot squash the curve; None when the
    curve has no finite value.
    """
    ok = np.isfinite(ls.costs)
    if not ok.any():
        return None
    marked = [c for c in (ls.c0, ls.c_next) if np.isfinite(c)]
    lo, hi = float(min(ls.costs[ok].min(), *marked)), float(max(ls.costs[ok].max(), *marked))
    pad = (hi - lo) * margin or (abs(hi) or 1) * 0.1
    return lo - pad, hi + pad


def tangent_within(ls: Landscape, lo: float, hi: float, points: int = 61) -> tuple[Array, Array]:
    """The part of the tangent c₀ + g·(p − p₀) that lies between y = lo and y = hi, over the slice's x-range.

    Cut where it leaves the range rather than clipped: a clipped line would run along the edge
    and look like part of the curve. Empty arrays when no part of it is inside.
    """
    empty = (np.array([]), np.array([]))
    if len(ls.xs) == 0 or not (np.isfinite(ls.c0) and np.isfinite(ls.slope) and np.isfinite(ls.p0)):
        return empty
    x0, x1 = float(ls.xs[0]), float(ls.xs[-1])
    if ls.slope != 0:
        with np.errstate(all="ignore"):
            xa, xb = ls.p0 + (lo - ls.c0) / ls.slope, ls.p0 + (hi - ls.c0) / ls.slope
        x0, x1 = max(x0, min(xa, xb)), min(x1, max(xa, xb))
    elif not lo <= ls.c0 <= hi:
        return empty
    if not (np.isfinite(x0) and np.isfinite(x1)) or x1 < x0:
        return empty
    xs = np.linspace(x0, x1, points)
    return xs, ls.c0 + ls.slope * (xs - ls.p0)
