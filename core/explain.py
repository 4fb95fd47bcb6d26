"""One element of a gradient written as scalars: per-sample lines, the reduction, and the paths.

Within one sample n the loss is Eₙ = Σₖ (element loss of output k), and the reduced loss is
L = (1/N)·Σₙ Eₙ (N = 1 for `sum`). A gradient element of one sample is the sum, over every path
from E down to the element, of the product of the scalar derivatives along it:
∂E/∂out₂[k] · ∂out₂[k]/∂net₂[k] · ∂net₂[k]/∂out₁[i] · ∂out₁[i]/∂net₁[i] · ∂net₁[i]/∂w. An
element-wise activation keeps a path on its unit; softmax couples its outputs, so a path may
enter out[m] and leave through net[k] for any pair (m, k). Everything here is data: numbers and
the names of the factors in both the hand-worked style (net, out) and the trace's (u, a).

The numbers are computed again from the forward values (u, a, W, y), not read off the backward
pass, so the total beside the matrix element is a check, not a copy.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .explain_target import ExplainError, Target, resolve, target_label
from .formatting import sub
from .network import IterationRecord, Model
from .trace import Trace

__all__ = ["ExplainError", "Explanation", "explain", "resolve"]
LIMIT = 12              # paths listed one by one per sample; the rest are summed per group
ENUM_CAP = 1 << 16      # paths per sample up to which every path is computed one by one
DETAIL_SAMPLES = 4      # samples whose paths are written out unless the caller picks some


@dataclass(frozen=True)
class ScalarFactor:
    name: str        # hand-worked style: ∂out₂[0]/∂net₂[0]
    alt: str         # the trace's style: σ'(u₂[0])
    formula: str     # how it is computed: a(1 − a), W₂[0,1], ŷ − y
    given: str       # the numbers it is computed from: "a = 0.751365"
    value: float
    # The size of the numbers the value is a difference of, where that is larger than the value:
    # a softmax entry a[m](δₘₖ − a[k]) is computed to about 1e-16·a[m], not 1e-16 of itself.
    scale: float | None = None

    @property
    def size(self) -> float:
        return abs(self.value) if self.scale is None else max(abs(self.value), self.scale)


@dataclass(frozen=True)
class Path:
    route: tuple[str, ...]        # the units it passes, from the loss down
    factors: tuple[ScalarFactor, ...]
    value: float                  # the product of the factors, left to right
    order: int                    # its place in the backward pass's accumulation (0 first)


@dataclass(frozen=True)
class PathGroup:
    """The paths through one unit: the first sum the backward pass forms on the way down."""

    via: str | None               # that unit, hand-worked style (net₂[0]); None for a single path
    via_alt: str | None           # ... and as the trace writes it (u₂[0])
    count: int
    shown: tuple[Path, ...]       # the largest, in accumulation order
    rest_count: int
    rest_value: float
    total: float


@dataclass(frozen=True)
class Accumulation:
    """One `+=` line: a path (or the rest of a group) added to the running total."""

    what: str
    value: float
    running: float


@dataclass(frozen=True)
class SampleDetail:
    sample: int
    value: float                  # ∂Eₙ/∂(element): the sum of every path
    paths: int
    enumerated: bool              # False: too many paths to compute one by one; groups in closed form
    groups: tuple[PathGroup, ...]
    steps: tuple[Accumulation, ...]
    tail: ScalarFactor | None     # the factor every path ends with: out_{l−1}[j] for W, 1 for b


@dataclass(frozen=True)
class Explanation:
    target: Target
    label: str                    # ∂L/∂W₁[0,1]
    element: str                  # what one sample's loss is differentiated by: W₁[0,1], u₁[0], ŷ[1]
    describe: str                 # what the element is, in words
    iteration: int                # 0-based, as the trace counts
    loss_name: str
    sample_loss: str              # Eₙ = Σₖ ½(ŷₖ − yₖ)²
    reduction: str
    divisor: int                  # N of L = (1/N)·Σₙ Eₙ
    divisor_text: str
    per_sample: tuple[float, ...]  # ∂Eₙ/∂(element) for each of `samples`
    samples: tuple[int, ...]
    reduced: float                # (1/N)·Σ per_sample
    l2: float                     # λ (0 when there is no L2 term on this element)
    l2_term: float                # λ·W[i,j]
    total: float
    matrix: float                 # the element as the matrix step computed it
    difference: float
    details: tuple[SampleDetail, ...]
    fused: bool
    notes: tuple[str, ...]


# ---- names ----------------------------------------------------------------------------------

def node(kind: str, l: int, i: int) -> str:
    """net₂[0] or out₁[1] (out₀ is the input)."""
    return f"{'net' if kind == 'u' else 'out'}{sub(l)}[{i}]"


def alt(kind: str, l: int, i: int, depth: int) -> str:
    if kind == "u":
        return f"u{sub(l)}[{i}]"
    return f"x[{i}]" if l == 0 else (f"ŷ[{i}]" if l == depth else f"a{sub(l)}[{i}]")


def _rhs(formula: str) -> str:
    return formula.rsplit(" = ", 1)[-1]


# ---- the plan: which factors a path multiplies, top down -------------------------------------

Op = tuple[str, int]   # ("loss" | "fused" | "act" | "weight", layer)


def _plan(model: Model, t: Target) -> list[Op]:
    L = model.depth
    if t.kind == "da" and t.layer == L:
        return [("loss", L)]
    ops: list[Op] = [("fused", L)] if model.fused_output else [("loss", L), ("act", L)]
    l = L
    while not (t.kind != "da" and t.layer == l):
        ops.append(("weight", l))
        l -= 1
        if t.kind == "da" and t.layer == l:
            break
        ops.append(("act", l))
    return ops


def _makes_axis(model: Model, op: Op) -> bool:
    return op[0] != "act" or not model.activations[op[1] - 1].elementwise


def _axis_kind(model: Model, op: Op) -> tuple[str, int]:
    """The unit an op's new index runs over: ('a', l) or ('u', l)."""
    kind, l = op
    return {"loss": ("a", l), "fused": ("u", l), "act": ("u", l), "weight": ("a", l - 1)}[kind]


class _Sample:
    """The forward values of one sample, and the derivatives along every path."""

    def __init__(self, model: Model, rec: IterationRecord, n: int):
        self.model, self.rec, self.n = model, rec, n
        self.L = model.depth

    def u(self, l: int) -> np.ndarray:
        return self.rec.us[l - 1][:, self.n]

    def a(self, l: int) -> np.ndarray:
        return self.rec.a(l)[:, self.n]

    def dE(self) -> np.ndarray:
        return self.model.loss.derivative(self.a(self.L), self.rec.y[:, self.n])

    def fused(self) -> np.ndarray:
        return self.a(self.L) - self.rec.y[:, self.n]

    def jac(self, l: int) -> np.ndarray:
        """∂out_l[m]/∂net_l[k] as a matrix [m, k]; diagonal for an element-wise activation."""
        act = self.model.activations[l - 1]
        if act.elementwise:
            return np.diag(act.derivative(self.u(l), self.a(l)))
        s = self.a(l)
        return s[:, None] * (np.eye(s.size) - s[None, :])

    def W(self, l: int) -> np.ndarray:
        return self.rec.params[f"W{l}"]

    # ---- one factor, by name and value ---------------------------------------------------
    def factor(self, op: Op, frm: int | None, to: int) -> ScalarFactor:
        """The factor an op contributes to a path from unit `frm` (of the op above) to unit `to`."""
        kind, l = op
        L, y = self.L, self.rec.y[:, self.n]
        loss = self.model.loss
        if kind == "loss":
            return ScalarFactor(f"∂E/∂{node('a', L, to)}", f"∂E/∂ŷ[{to}]", loss.derivative_formula,
                                f"ŷ = {_n(self.a(L)[to])}, y = {_n(y[to])}", float(self.dE()[to]))
        if kind == "fused":
            act = self.model.activations[L - 1].symbol
            return ScalarFactor(f"∂E/∂{node('u', L, to)}", f"∂E/∂u{sub(L)}[{to}]",
                                f"ŷ − y ({act} and {loss.title} together)",
                                f"ŷ = {_n(self.a(L)[to])}, y = {_n(y[to])}", float(self.fused()[to]))
        if kind == "weight":
            return ScalarFactor(f"∂{node('u', l, frm)}/∂{node('a', l - 1, to)}", f"W{sub(l)}[{frm},{to}]",
                                "the weight", "", float(self.W(l)[frm, to]))
        act = self.model.activations[l - 1]
        m = to if act.elementwise else frm
        name = f"∂{node('a', l, m)}/∂{node('u', l, to)}"
        if act.elementwise:
            given = f"u = {_n(self.u(l)[to])}" if act.name == "relu" else (
                "" if act.name == "linear" else f"a = {_n(self.a(l)[to])}")
            return ScalarFactor(name, f"{act.symbol}'(u{sub(l)}[{to}])", _rhs(act.derivative_formula), given,
                                float(self.jac(l)[to, to]))
        s = self.a(l)
        formula = "a[m](1 − a[m])" if m == to else "−a[m]·a[k]"
        given = f"a[{m}] = {_n(s[m])}" + ("" if m == to else f", a[{to}] = {_n(s[to])}")
        return ScalarFactor(name, f"∂a{sub(l)}[{m}]/∂u{sub(l)}[{to}]", f"softmax: {formula}", given,
                            float(self.jac(l)[m, to]), float(s[m]))


def _n(x: float) -> str:
    from .formatting import num
    return num(x).replace("-", "−")


# ---- upstream derivatives of every sample at once (closed form, unreduced) --------------------

def _upstream(model: Model, rec: IterationRecord, down_to: int) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """∂Eₙ/∂a_l and ∂Eₙ/∂u_l for every sample (columns), layers L down to `down_to`."""
    L = model.depth
    dA: dict[int, np.ndarray] = {L: model.loss.derivative(rec.yhat, rec.y)}
    dU: dict[int, np.ndarray] = {}
    for l in range(L, max(down_to, 1) - 1, -1):
        act = model.activations[l - 1]
        if l == L and model.fused_output:
            dU[l] = rec.yhat - rec.y
        else:
            dU[l] = act.vjp(rec.us[l - 1], rec.as_[l - 1], dA[l])
        dA[l - 1] = rec.params[f"W{l}"].T @ dU[l]
    return dA, dU


def _per_sample(model: Model, rec: IterationRecord, t: Target) -> tuple[tuple[int, ...], np.ndarray]:
    dA, dU = _upstream(model, rec, t.layer)
    i = t.unit
    if t.kind == "W":
        return tuple(range(rec.x.shape[1])), dU[t.layer][i] * rec.a(t.layer - 1)[t.index[1]]
    if t.kind == "b":
        return tuple(range(rec.x.shape[1])), dU[t.layer][i]
    n = t.index[1]
    src = dU if t.kind == "delta" else dA
    return (n,), src[t.layer][i, n:n + 1]


# ---- the paths of one sample ------------------------------------------------------------------

def _detail(model: Model, rec: IterationRecord, t: Target, n: int, limit: int) -> SampleDetail:
    s = _Sample(model, rec, n)
    ops = _plan(model, t)
    axis_ops = [k for k, op in enumerate(ops) if _makes_axis(model, op)]
    target_op = axis_ops[-1]
    free = [k for k in axis_ops if k != target_op]           # top down
    sizes = [model.sizes[_axis_kind(model, ops[k])[1]] for k in free]
    count = int(np.prod(sizes)) if sizes else 1
    i = t.unit
    tail = None
    if t.kind == "W":
        j = t.index[1]
        tail = ScalarFactor(f"∂{node('u', t.layer, i)}/∂W{sub(t.layer)}[{i},{j}]", alt("a", t.layer - 1, j, s.L),
                            f"the input {node('a', t.layer - 1, j)}", "", float(s.a(t.layer - 1)[j]))
    elif t.kind == "b":
        tail = ScalarFactor(f"∂{node('u', t.layer, i)}/∂b{sub(t.layer)}[{i}]", "1", "the bias adds 1·b", "", 1.0)
    end = 1.0 if tail is None else tail.value
    group_kind = _group_node(model, ops, free)
    if count > ENUM_CAP and free:
        return _closed_form(model, rec, t, n, ops, free, sizes, tail)

    V = np.ones(())
    for k, op in enumerate(ops):
        kind, l = op
        here = k == target_op
        if kind in ("loss", "fused"):
            vec = s.dE() if kind == "loss" else s.fused()
            V = np.asarray(vec[i] if here else vec)
        elif kind == "act" and model.activations[l - 1].elementwise:
            d = np.diag(s.jac(l))
            V = V * (d[i] if k > target_op else d)   # after the target's op it acts on the target's unit
        else:
            M = s.jac(l) if kind == "act" else s.W(l)
            V = V * M[:, i] if here else V[..., None] * M
    V = V * end
    bottom_up = np.transpose(V, tuple(reversed(range(V.ndim)))) if V.ndim else V
    flat = bottom_up.ravel()
    shape = bottom_up.shape
    order = np.argsort(-np.abs(flat), kind="stable")
    keep = set(range(flat.size)) if flat.size <= limit else set(order[:limit].tolist())

    def path(p: int) -> Path:
        idx_bu = np.unravel_index(p, shape) if shape else ()
        idx = dict(zip(reversed(free), (int(v) for v in idx_bu)))
        return _make_path(model, s, ops, idx, target_op, i, tail, p)

    groups, steps, running = [], [], 0.0
    n_groups = shape[0] if shape else 1
    per_group = flat.size // n_groups
    for g in range(n_groups):
        members = range(g * per_group, (g + 1) * per_group)
        shown = tuple(path(p) for p in members if p in keep)
        rest = [p for p in members if p not in keep]
        rest_value = float(sum(flat[p] for p in rest))
        total = 0.0
        for p in members:
            total += float(flat[p])
        for pth in shown:
            running += pth.value
            steps.append(Accumulation(" → ".join(pth.route[1:]), pth.value, running))
        if rest:
            running += rest_value
            steps.append(Accumulation(f"{len(rest)} more path(s)" + _via_text(group_kind, g), rest_value, running))
        via = node(*group_kind, g) if group_kind else None
        groups.append(PathGroup(via, alt(*group_kind, g, s.L) if group_kind else None, per_group, shown,
                                len(rest), rest_value, total))
    return SampleDetail(n, running, count, True, tuple(groups), tuple(steps), tail)


def _group_node(model: Model, ops: list[Op], free: list[int]) -> tuple[str, int] | None:
    """The unit groups are named after: an out whose element-wise activation follows is named as its net."""
    if not free:
        return None
    kind, l = _axis_kind(model, ops[free[-1]])
    nxt = ops[free[-1] + 1] if free[-1] + 1 < len(ops) else None
    if kind == "a" and nxt == ("act", l) and not _makes_axis(model, nxt):
        return "u", l
    return kind, l


def _via_text(group_kind: tuple[str, int] | None, g: int) -> str:
    return f" through {node(*group_kind, g)}" if group_kind else ""


def _make_path(model: Model, s: _Sample, ops: list[Op], idx: dict[int, int], target_op: int, i: int,
               tail: ScalarFactor | None, order: int) -> Path:
    factors, route, cur = [], ["E"], None
    for k, op in enumerate(ops):
        if k == target_op:
            unit = i
        elif k in idx:
            unit = idx[k]
        else:
            unit = cur                                         # an element-wise activation stays on its unit
        factors.append(s.factor(op, cur, unit))
        kind, l = op
        if kind == "fused":
            route += [node("a", l, unit), node("u", l, unit)]
        else:
            route.append(node(*_axis_kind(model, op), unit))
        cur = unit
    if tail is not None:
        factors.append(tail)
    value = 1.0
    for f in factors:
        value *= f.value
    return Path(tuple(route), tuple(factors), value, order)


def _closed_form(model: Model, rec: IterationRecord, t: Target, n: int, ops: list[Op], free: list[int],
                 sizes: list[int], tail: ScalarFactor | None) -> SampleDetail:
    """Too many paths to list: each group's total from the derivative at its unit (the backward pass's way)."""
    kind, l = _axis_kind(model, ops[free[-1]])
    label = _group_node(model, ops, free)
    dA, dU = _upstream(model, rec, l)
    s = _Sample(model, rec, n)
    i, end = t.unit, 1.0 if tail is None else tail.value
    up = (dU if kind == "u" else dA)[l][:, n]
    below = ops[free[-1] + 1:]
    groups, steps, running = [], [], 0.0
    per_group = int(np.prod(sizes[:-1])) if len(sizes) > 1 else 1
    for g in range(up.size):
        value, cur = float(up[g]), g
        for op in below:
            to = i if _makes_axis(model, op) else cur
            value *= s.factor(op, cur, to).value
            cur = to
        value *= end
        running += value
        groups.append(PathGroup(node(*label, g), alt(*label, g, s.L), per_group, (), per_group, value, value))
        steps.append(Accumulation(f"{per_group} path(s) through {node(*label, g)}", value, running))
    return SampleDetail(n, running, per_group * up.size, False, tuple(groups), tuple(steps), tail)


# ---- the whole explanation --------------------------------------------------------------------

def _divisor_text(model: Model, rec: IterationRecord, N: int) -> str:
    k, m = rec.yhat.shape
    if model.reduction == "sum":
        return "the sum: N = 1"
    if model.loss.per_sample:
        return f"the mean over {m} sample(s): N = {N}"
    return f"the mean over {k} output(s) × {m} sample(s): N = {N}"


def _describe(t: Target, depth: int) -> str:
    i = t.unit
    if t.kind == "W":
        j = t.index[1]
        return (f"the weight from {node('a', t.layer - 1, j)} ({alt('a', t.layer - 1, j, depth)}) into "
                f"{node('u', t.layer, i)} ({alt('u', t.layer, i, depth)})")
    if t.kind == "b":
        return f"the bias of {node('u', t.layer, i)} ({alt('u', t.layer, i, depth)})"
    n = t.index[1]
    kind = "u" if t.kind == "delta" else "a"
    return f"how L responds to {node(kind, t.layer, i)} ({alt(kind, t.layer, i, depth)}) of sample {n}"


def explain(trace: Trace, iteration: int, target: Target | str, *, step_id: str | None = None,
            samples: tuple[int, ...] | None = None, limit: int = LIMIT) -> Explanation:
    """The zoom on one gradient element at one iteration (0-based), or ExplainError."""
    if not 0 <= iteration < trace.iterations:
        raise ExplainError(f"iteration {iteration + 1} is outside 1..{trace.iterations}")
    t = resolve(trace, target, step_id) if isinstance(target, str) else target
    model = trace.model
    rec = trace.record(iteration)
    matrix = float(np.asarray(trace.step(iteration, t.step_id).result.value)[
        t.index if len(t.index) == 2 else (t.index[0], 0)])
    values = [rec.x, rec.y, *rec.us, *rec.as_, *rec.params.values(), np.asarray(matrix)]
    if not all(np.all(np.isfinite(v)) for v in values):
        raise ExplainError(f"iteration {iteration + 1} has inf or NaN values (the run diverged): zoom on an "
                           "earlier iteration, or lower the learning rate")
    N = model.loss.count(rec.yhat, model.reduction)
    which, per = _per_sample(model, rec, t)
    with np.errstate(all="ignore"):
        reduced = 0.0
        for v in per:
            reduced += float(v)
        reduced /= N
    lam = model.l2 if t.kind == "W" else 0.0
    l2_term = lam * float(rec.params[f"W{t.layer}"][t.index]) if lam else 0.0
    total = reduced + l2_term
    if samples is None:
        samples = which if len(which) <= DETAIL_SAMPLES else \
            tuple(sorted(np.argsort(-np.abs(per), kind="stable")[:DETAIL_SAMPLES].tolist()))
    bad = [n for n in samples if n not in which]
    if bad:
        raise ExplainError(f"sample {bad[0]} does not enter this element: choose from {which[0]}..{which[-1]}")
    details = tuple(_detail(model, rec, t, n, limit) for n in samples)
    notes = []
    if model.fused_output and not (t.kind == "da" and t.layer == model.depth):
        act = model.activations[-1].symbol
        notes.append(f"With {act} and {model.loss.title} together, ∂E/∂out · ∂out/∂net collapses to ŷ − y for "
                     "each output: the trace uses that exact form, and so do these paths.")
    if any(a.name == "softmax" for a in model.activations[t.layer - 1 if t.kind != "da" else t.layer:]):
        notes.append("Softmax couples its outputs: a path may enter out[m] and leave through net[k] for any m, k, "
                     "with ∂out[m]/∂net[k] = a[m](δₘₖ − a[k]).")
    if model.loss.note:
        notes.append(model.loss.note)
    sample_loss = f"Eₙ = {'' if model.loss.per_sample else 'Σₖ '}{model.loss.element_formula} of sample n"
    i, L = t.unit, model.depth
    element = {"W": f"W{sub(t.layer)}[{i},{t.index[-1]}]", "b": f"b{sub(t.layer)}[{i}]",
               "delta": alt("u", t.layer, i, L), "da": alt("a", t.layer, i, L)}[t.kind]
    return Explanation(t, target_label(t, L, bool(lam)), element, _describe(t, L), iteration,
                       model.loss.name, sample_loss, model.reduction, N, _divisor_text(model, rec, N),
                       tuple(float(v) for v in per), which, reduced, lam, l2_term, total, matrix,
                       total - matrix, details, model.fused_output, tuple(notes))
