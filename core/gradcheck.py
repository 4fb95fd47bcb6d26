"""Central finite differences for every gradient the trace shows.

Each gradient step is checked against the function it differentiates: ∂L/∂ŷ against the loss as
a function of ŷ, δ_l against the loss as a function of u_l, ∂L/∂a_{l−1} against the loss as a
function of a_{l−1}, ∂C/∂W_l and ∂C/∂b_l against the cost as a function of that parameter, and
∂a/∂u against the activation itself. Elements at a kink (ReLU at 0, |·| at 0) are skipped and
counted, because no derivative exists there to compare with.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .network import IterationRecord, Model
from .trace import Trace

Array = np.ndarray
H = 1e-6          # step of the central difference
RTOL = 1e-5       # |analytic − numeric| ≤ ATOL + RTOL·max(|analytic|, |numeric|)
ATOL = 1e-8
EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class ElementCheck:
    """One compared element: the analytic value beside its central-difference estimate."""

    index: tuple[int, ...]
    analytic: float
    numeric: float
    kink: bool          # skipped: no derivative exists here to compare with


@dataclass(frozen=True)
class GradCheck:
    step_id: str
    iteration: int
    checked: int
    skipped: int        # elements at a kink, where the one-sided slopes disagree
    max_abs_error: float
    max_rel_error: float
    ok: bool
    elements: tuple[ElementCheck, ...] = ()   # every sampled element, for a display


def numeric_gradient(f: Callable[[Array], float], x: Array, indices: list[tuple[int, ...]], h: float = H
                     ) -> tuple[dict[tuple[int, ...], float], set[tuple[int, ...]], dict[tuple[int, ...], float]]:
    """Central differences of scalar f at the given elements of x.

    Also returns the elements at a kink and, per element, the rounding noise of the estimate
    (f is only known to about eps·|f|, so the quotient is only good to about eps·|f|/h).
    """
    out: dict[tuple[int, ...], float] = {}
    kinks: set[tuple[int, ...]] = set()
    noise: dict[tuple[int, ...], float] = {}
    base = f(x)
    for idx in indices:
        # The step grows with |x|: a fixed h vanishes beside a huge weight of a diverging run.
        orig = float(x[idx])
        step = h * max(1.0, abs(orig))
        # One element moved in place and put back: no copy of a large tensor per element.
        x[idx] = orig + step
        fp = f(x)
        x[idx] = orig - step
        fm = f(x)
        x[idx] = orig
        out[idx] = (fp - fm) / (2 * step)
        noise[idx] = 4 * EPS * max(abs(fp), abs(fm), abs(base)) / (2 * step)
        forward, backward = (fp - base) / step, (base - fm) / step
        if abs(forward - backward) > 1e-3 * max(1.0, abs(forward), abs(backward)):
            kinks.add(idx)
    return out, kinks, noise


def _sample(shape: tuple[int, ...], limit: int, rng: np.random.Generator) -> list[tuple[int, ...]]:
    """At most `limit` distinct elements, drawn without listing all of them (a tensor may be huge)."""
    size = int(np.prod(shape, dtype=np.int64))
    if size <= limit:
        return list(np.ndindex(*shape))
    picks: set[int] = set()
    for _ in range(20 * limit):   # bounded: repeats are rare, since limit is far below size here
        picks.add(int(rng.integers(size)))
        if len(picks) == limit:
            break
    return [tuple(int(j) for j in np.unravel_index(i, shape)) for i in sorted(picks)]


def _with(idx: list[tuple[int, ...]], include: tuple[tuple[int, ...], ...], shape: tuple[int, ...]
          ) -> list[tuple[int, ...]]:
    extra = [tuple(i) for i in include if len(i) == len(shape) and all(0 <= a < s for a, s in zip(i, shape))]
    return sorted(set(idx) | set(extra))


def _target(model: Model, rec: IterationRecord, step_id: str
            ) -> tuple[Callable[[Array], float], Array, Array] | None:
    """(function, point, analytic gradient) for a gradient step; None for steps that are not one."""
    parts = step_id.split(".")
    out = model.activations[-1].name

    def loss_from(l: int, a: Array) -> float:
        """Loss after feeding a_l into the layers above l."""
        if l == model.depth:
            return model.loss.value(a, rec.y, model.reduction)
        us, as_ = model.forward(rec.params, rec.x, start=l + 1, a_in=a)
        return model.loss.value(as_[-1], rec.y, model.reduction, us[-1], out)

    if step_id == "backward.dyhat":
        return (lambda p: model.loss.value(p, rec.y, model.reduction)), rec.yhat, rec.dyhat
    if parts[0] != "backward" or len(parts) != 3:
        return None
    l, kind = int(parts[1]), parts[2]
    g = rec.grads[l - 1]
    act = model.activations[l - 1]
    if kind == "delta":
        def f(u: Array) -> float:
            a = act.forward(u)
            if l == model.depth:
                return model.loss.value(a, rec.y, model.reduction, u, out)
            return loss_from(l, a)
        return f, rec.us[l - 1], g.delta
    if kind == "da_prev":
        return (lambda a: loss_from(l - 1, a)), rec.a(l - 1), g.da_prev
    if kind in ("dW", "db"):
        name = ("W" if kind == "dW" else "b") + str(l)

        def cost(p: Array) -> float:
            return model.cost({**rec.params, name: p}, rec.x, rec.y)
        return cost, rec.params[name], rec.param_grad(name)
    return None


def check_step(trace: Trace, iteration: int, step_id: str, limit: int = 24, seed: int = 0,
               include: tuple[tuple[int, ...], ...] = ()) -> GradCheck | None:
    """Compare one gradient step with central differences (at most `limit` sampled elements).

    `include` names elements that are checked whatever the sample (e.g. the one a user watches).
    """
    rec = trace.record(iteration)
    model = trace.model
    rng = np.random.default_rng(seed)
    with np.errstate(all="ignore"):
        if step_id.endswith(".da_du"):
            l = int(step_id.split(".")[1])
            act = model.activations[l - 1]
            u = rec.us[l - 1]
            idx = _with(_sample(u.shape, limit, rng), include, u.shape)
            numeric, kinks, noise = {}, set(), {}
            for i in idx:
                # ∂a/∂u is elementwise: differentiate the activation at each u alone.
                f = lambda v, i=i: float(act.forward(np.array([[v]]))[0, 0])
                n, k, z = numeric_gradient(lambda z: f(z[0]), np.array([u[i]]), [(0,)])
                numeric[i] = n[(0,)]
                noise[i] = z[(0,)]
                if k:
                    kinks.add(i)
            analytic = rec.grads[l - 1].da_du
        else:
            target = _target(model, rec, step_id)
            if target is None:
                return None
            f, point, analytic = target
            idx = _with(_sample(point.shape, limit, rng), include, point.shape)
            numeric, kinks, noise = numeric_gradient(f, np.array(point, dtype=np.float64), idx)
    abs_err, rel_err, checked = 0.0, 0.0, 0
    ok = True
    for i in idx:
        if i in kinks:
            continue
        a, n = float(analytic[i]), numeric[i]
        if np.isfinite(a) and not np.isfinite(n):
            # f(x ± h) overflowed: there is nothing to estimate the slope with.
            kinks.add(i)
            continue
        if not np.isfinite(a):
            ok = ok and (np.isnan(a) == np.isnan(n)) and (a == n or np.isnan(a))
            continue
        err = abs(a - n)
        scale = max(abs(a), abs(n))
        if noise[i] > 0.1 * scale > 0:
            # Rounding swamps the difference quotient (a huge loss, a tiny step): no estimate.
            kinks.add(i)
            continue
        abs_err = max(abs_err, err)
        rel_err = max(rel_err, err / scale if scale > 0 else 0.0)
        checked += 1
        if err > ATOL + RTOL * scale + 10 * noise[i]:
            ok = False
    elements = tuple(ElementCheck(tuple(int(j) for j in i), float(analytic[i]), float(numeric[i]), i in kinks)
                     for i in idx)
    return GradCheck(step_id, iteration, checked, len(kinks), abs_err, rel_err, ok, elements)


def gradient_step_ids(trace: Trace) -> list[str]:
    return [s for s in trace.step_ids
            if s == "backward.dyhat" or (s.startswith("backward.") and s.split(".")[-1] in
                                         ("da_du", "delta", "dW", "db", "da_prev"))]


def check_trace(trace: Trace, iterations: int = 2, limit: int = 24) -> list[GradCheck]:
    """Every gradient step of the first `iterations` iterations that are still finite.

    Once a run has diverged there is no derivative left to compare: finite differences of inf
    are NaN whatever the chain rule says, so those iterations are left out rather than failed.
    """
    results = []
    for i in range(min(iterations, trace.iterations)):
        rec = trace.record(i)
        if not (np.isfinite(rec.cost) and all(np.all(np.isfinite(p)) for p in rec.params.values())):
            break
        for sid in gradient_step_ids(trace):
            r = check_step(trace, i, sid, limit)
            if r is not None:
                results.append(r)
    return results
