"""The update phase as whiteboard steps: one per piece of optimiser state, then the new parameter.

SGD has one step per parameter. Momentum adds the velocity v, Nesterov also the look-ahead
gradient; Adam shows m, v, the bias-corrected m̂ and v̂ and the step it takes; AdamW first shrinks
the parameter by its decoupled weight decay, which is not part of the cost (the cost's `l2:` term
is, and reaches the update through the gradient). Builders return plain tuples that trace.py
wraps into its Tensor and Factor types, so this module needs nothing from it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .formatting import operand, sub, tensor
from .network import IterationRecord, Model

Array = np.ndarray
RawTensor = tuple[str, str, Array]                    # name, label, value
RawFactor = tuple[str, str, Array, str | None]        # label, formula, value, step id
RawBuilt = tuple[RawTensor, tuple[RawTensor, ...], tuple[RawFactor, ...], str]


@dataclass(frozen=True)
class UpdateSpec:
    id: str
    layer: int
    title: str
    formula: str
    focus: tuple[str, ...]
    build: Callable[[IterationRecord], RawBuilt]
    param: str | None = None   # only the step that writes the parameter names it


def update_specs(model: Model) -> list[UpdateSpec]:
    """The update steps of one iteration, parameter by parameter (W1, b1, W2, ...)."""
    out: list[UpdateSpec] = []
    for l in range(1, model.depth + 1):
        for kind in ("W", "b"):
            out += _param_specs(model, l, kind)
    return out


def _param_specs(model: Model, l: int, kind: str) -> list[UpdateSpec]:
    name, S = f"{kind}{l}", sub(l)
    P = f"{kind}{S}"                          # W₁
    PT = f"{kind}\u0303{S}"                   # W̃₁, AdamW's decayed parameter
    gl = ("∂C/∂" if (model.l2 and kind == "W") else "∂L/∂") + P
    grad_id = f"backward.{l}.d{kind}"
    opt, lr = model.optimizer, model.lr
    focus = (name,)

    def g_factor(r: IterationRecord) -> RawFactor:
        return (gl, "from the backward pass", r.param_grad(name), grad_id)

    def spec(suffix: str, title: str, formula: str, build: Callable[[IterationRecord], RawBuilt]) -> UpdateSpec:
        sid = f"update.{name}" + (f".{suffix}" if suffix else "")
        return UpdateSpec(sid, l, title, formula, focus, build, name if not suffix else None)

    if name in model.frozen:
        def frozen(r: IterationRecord) -> RawBuilt:
            old = r.params[name]
            return ((f"{name}_new", f"{P}'", r.new_params[name]),
                    ((name, P, old), (f"d{name}", gl, r.param_grad(name))), (), f"{P} is frozen: it keeps {tensor(old)}")
        return [spec("", f"Update {P} (frozen)", f"{P} is frozen", frozen)]

    if opt.kind == "sgd":
        def sgd(r: IterationRecord) -> RawBuilt:
            old, new, g = r.params[name], r.new_params[name], r.param_grad(name)
            return ((f"{name}_new", f"{P}'", new), ((name, P, old), (f"d{name}", gl, g)), (),
                    f"{P}' = {tensor(old)} − {lr:g}·{operand(g)} = {tensor(new)}")
        return [spec("", f"Update {P}", f"{P}' = {P} − η·{gl}", sgd)]

    specs: list[UpdateSpec] = []
    v_lab, m_lab = f"v({P})", f"m({P})"
    if opt.kind in ("momentum", "nesterov"):
        mu, damp = opt.momentum, opt.dampening
        keep = "" if damp == 0 else f"(1 − τ)·"

        def velocity(r: IterationRecord) -> RawBuilt:
            d = r.updates[name]
            res = (f"v_{name}", f"{v_lab}'", d.v)
            if d.v_prev is None:
                return (res, ((f"d{name}", gl, d.grad),), (g_factor(r),),
                        f"{v_lab}' = {gl} = {tensor(d.v)} (first update: no velocity yet)")
            k = "" if damp == 0 else f"{1 - damp:g}·"
            return (res, ((f"v_{name}_prev", v_lab, d.v_prev), (f"d{name}", gl, d.grad)),
                    ((v_lab, "velocity after the previous update", d.v_prev, None), g_factor(r)),
                    f"{v_lab}' = {mu:g}·{operand(d.v_prev)} + {k}{operand(d.grad)} = {tensor(d.v)}")

        specs.append(spec("v", f"Velocity of {P}",
                          f"{v_lab}' = μ·{v_lab} + {keep}{gl} (the first update takes {gl} itself)", velocity))
        moved_by, moved_id, moved_name = f"{v_lab}'", f"update.{name}.v", f"v_{name}"
        if opt.kind == "nesterov":
            def look(r: IterationRecord) -> RawBuilt:
                d = r.updates[name]
                return ((f"look_{name}", f"g̃({P})", d.look), ((f"d{name}", gl, d.grad), (f"v_{name}", f"{v_lab}'", d.v)),
                        (g_factor(r), (f"{v_lab}'", "the new velocity", d.v, moved_id)),
                        f"g̃({P}) = {tensor(d.grad)} + {mu:g}·{operand(d.v)} = {tensor(d.look)}")

            specs.append(spec("look", f"Nesterov look-ahead gradient of {P}", f"g̃({P}) = {gl} + μ·{v_lab}'", look))
            moved_by, moved_id, moved_name = f"g̃({P})", f"update.{name}.look", f"look_{name}"

        def final(r: IterationRecord, moved_by=moved_by, moved_id=moved_id, moved_name=moved_name) -> RawBuilt:
            d = r.updates[name]
            by = d.look if d.look is not None else d.v
            return ((f"{name}_new", f"{P}'", d.new), ((name, P, r.params[name]), (moved_name, moved_by, by)),
                    ((moved_by, "", by, moved_id),), f"{P}' = {tensor(r.params[name])} − {lr:g}·{operand(by)} = {tensor(d.new)}")

        specs.append(spec("", f"Update {P}", f"{P}' = {P} − η·{moved_by}", final))
        return specs

    # Adam and AdamW.
    b1, b2 = opt.betas
    start, start_label = name, P
    if opt.kind == "adamw":
        wd = opt.weight_decay

        def decay(r: IterationRecord) -> RawBuilt:
            d, old = r.updates[name], r.params[name]
            return ((f"{name}_decayed", PT, d.decayed), ((name, P, old),),
                    ((P, "the parameter before this update", old, None),),
                    f"{PT} = {tensor(old)} − {lr:g}·{wd:g}·{operand(old)} = {tensor(d.decayed)}")

        specs.append(spec("decay", f"Decoupled weight decay of {P}",
                          f"{PT} = {P} − η·λ_wd·{P} (not in the cost: apart from its L2 term)", decay))
        start, start_label = f"{name}_decayed", PT

    def moment(which: str) -> Callable[[IterationRecord], RawBuilt]:
        beta, lab = (b1, m_lab) if which == "m" else (b2, v_lab)

        def build(r: IterationRecord) -> RawBuilt:
            d = r.updates[name]
            prev, new = (d.m_prev, d.m) if which == "m" else (d.v_prev, d.v)
            g = operand(d.grad) if which == "m" else f"{operand(d.grad)}²"
            return ((f"{which}_{name}", f"{lab}'", new),
                    ((f"{which}_{name}_prev", lab, prev), (f"d{name}", gl, d.grad)),
                    ((lab, "after the previous update (0 before the first)", prev, None), g_factor(r)),
                    f"{lab}' = {beta:g}·{operand(prev)} + {1 - beta:g}·{g} = {tensor(new)}")
        return build

    specs.append(spec("m", f"First moment (mean of gradients) of {P}", f"{m_lab}' = β₁·{m_lab} + (1 − β₁)·{gl}", moment("m")))
    specs.append(spec("v", f"Second moment (mean of squared gradients) of {P}",
                      f"{v_lab}' = β₂·{v_lab} + (1 − β₂)·{gl} ⊙ {gl}", moment("v")))

    def corrected(which: str) -> Callable[[IterationRecord], RawBuilt]:
        beta, lab, hat = (b1, m_lab, f"m̂({P})") if which == "m" else (b2, v_lab, f"v̂({P})")

        def build(r: IterationRecord) -> RawBuilt:
            d = r.updates[name]
            raw, value = (d.m, d.m_hat) if which == "m" else (d.v, d.v_hat)
            return ((f"{which}hat_{name}", hat, value), ((f"{which}_{name}", f"{lab}'", raw),),
                    ((f"{lab}'", "", raw, f"update.{name}.{which}"),),
                    f"{hat} = {tensor(raw)} / (1 − {beta:g}^{d.t}) = {tensor(value)}")
        return build

    specs.append(spec("m_hat", f"Bias-corrected first moment of {P}", f"m̂({P}) = {m_lab}' / (1 − β₁ᵗ)", corrected("m")))
    specs.append(spec("v_hat", f"Bias-corrected second moment of {P}", f"v̂({P}) = {v_lab}' / (1 − β₂ᵗ)", corrected("v")))

    def step(r: IterationRecord) -> RawBuilt:
        d = r.updates[name]
        return ((f"step_{name}", f"Δ({P})", d.step),
                ((f"mhat_{name}", f"m̂({P})", d.m_hat), (f"vhat_{name}", f"v̂({P})", d.v_hat)),
                ((f"m̂({P})", "", d.m_hat, f"update.{name}.m_hat"), (f"v̂({P})", "", d.v_hat, f"update.{name}.v_hat")),
                f"Δ({P}) = {lr:g}·{operand(d.m_hat)} / (√{tensor(d.v_hat)} + {opt.eps:g}) = {tensor(d.step)}")

    specs.append(spec("step", f"Adam step for {P}", f"Δ({P}) = η·m̂({P}) / (√v̂({P}) + ε)", step))

    def final_adam(r: IterationRecord) -> RawBuilt:
        d = r.updates[name]
        base = d.decayed if d.decayed is not None else r.params[name]
        return ((f"{name}_new", f"{P}'", d.new), ((start, start_label, base), (f"step_{name}", f"Δ({P})", d.step)),
                ((f"Δ({P})", "", d.step, f"update.{name}.step"),),
                f"{P}' = {tensor(base)} − {operand(d.step)} = {tensor(d.new)}")

    specs.append(spec("", f"Update {P}", f"{P}' = {start_label} − Δ({P})", final_adam))
    return specs
