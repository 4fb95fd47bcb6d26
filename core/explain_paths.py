"""The chain-rule paths of one sample from the loss down to one gradient element, and their sums.

The backward pass's own order of accumulation is kept: the unit nearest the element varies
slowest, so a group is everything that reaches the element through one unit of the next layer.
"""
from __future__ import annotations

import numpy as np

from .explain_target import Target
from .explain_types import Accumulation, Path, PathGroup, SampleDetail, ScalarFactor, alt, node
from .formatting import num, sub
from .network import IterationRecord, Model

ENUM_CAP = 1 << 16      # paths per sample up to which every path is computed one by one


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
        if kind in ("loss", "fused"):
            given = f"ŷ = {_n(self.a(L)[to])}" + (f", y = {_n(y[to])}" if loss.needs_target else "")
        if kind == "loss":
            return ScalarFactor(f"∂E/∂{node('a', L, to)}", f"∂E/∂ŷ[{to}]", loss.derivative_formula, given,
                                float(self.dE()[to]))
        if kind == "fused":
            act = self.model.activations[L - 1].symbol
            return ScalarFactor(f"∂E/∂{node('u', L, to)}", f"∂E/∂u{sub(L)}[{to}]",
                                f"ŷ − y ({act} and {loss.title} together)",
                                given, float(self.fused()[to]))
        if kind == "weight":
            return ScalarFactor(f"∂{node('u', l, frm)}/∂{node('a', l - 1, to)}", f"W{sub(l)}[{frm},{to}]",
                                "the weight", "", float(self.W(l)[frm, to]))
        act = self.model.activations[l - 1]
        m = to if act.elementwise else frm
        name = f"∂{node('a', l, m)}/∂{node('u', l, to)}"
        if act.elementwise:
            given = f"u = {_n(self.u(l)[to])}" if act.name in ("relu", "leaky_relu") else (
                "" if act.name == "linear" else f"a = {_n(self.a(l)[to])}")
            return ScalarFactor(name, f"{act.symbol}'(u{sub(l)}[{to}])", _rhs(act.derivative_formula), given,
                                float(self.jac(l)[to, to]))
        s = self.a(l)
        formula = "a[m](1 − a[m])" if m == to else "−a[m]·a[k]"
        given = f"a[{m}] = {_n(s[m])}" + ("" if m == to else f", a[{to}] = {_n(s[to])}")
        return ScalarFactor(name, f"∂a{sub(l)}[{m}]/∂u{sub(l)}[{to}]", f"softmax: {formula}", given,
                            float(self.jac(l)[m, to]), float(s[m]))


def _n(x: float) -> str:
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


def per_sample(model: Model, rec: IterationRecord, t: Target) -> tuple[tuple[int, ...], np.ndarray]:
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

def sample_detail(model: Model, rec: IterationRecord, t: Target, n: int, limit: int) -> SampleDetail:
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
    order = np.argsort(-np.abs(flat), kind="stable")   # the largest first: those are listed

    def path(p: int) -> Path:
        idx_bu = np.unravel_index(p, shape) if shape else ()
        idx = dict(zip(reversed(free), (int(v) for v in idx_bu)))
        return _make_path(model, s, ops, idx, target_op, i, tail, p)

    groups, steps, running = [], [], 0.0
    n_groups = shape[0] if shape else 1
    per_group = flat.size // n_groups
    listed = np.zeros(flat.size, dtype=bool)
    listed[order[:limit]] = True
    for g in range(n_groups):
        block, mask = flat[g * per_group:(g + 1) * per_group], listed[g * per_group:(g + 1) * per_group]
        shown = tuple(path(g * per_group + int(p)) for p in np.flatnonzero(mask))
        rest = int(per_group - mask.sum())
        rest_value = float(np.sum(block[~mask]))
        for pth in shown:
            running += pth.value
            steps.append(Accumulation(" → ".join(pth.route[1:]), pth.value, running))
        if rest:
            running += rest_value
            steps.append(Accumulation(f"{rest} more path(s)" + _via_text(group_kind, g), rest_value, running))
        via = node(*group_kind, g) if group_kind else None
        groups.append(PathGroup(via, alt(*group_kind, g, s.L) if group_kind else None, per_group, shown,
                                rest, rest_value, float(np.sum(block))))
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
