"""The ordered steps of one iteration for a model: ids, titles, formulas and how each is built."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .formatting import num, operand, sub, tensor
from .network import IterationRecord, Model
from .step import Array, Built, Factor, Tensor
from .step_text import a_label, a_name, dL_da_label, group as _group, with_error as _with_error
from .update_steps import RawBuilt, update_specs


@dataclass(frozen=True)
class StepSpec:
    """What a step is, independent of the numbers; `build` fills them in from an iteration."""

    id: str
    phase: str
    layer: int | None
    title: str
    formula: str
    direction: str
    focus: tuple[str, ...]
    build: Callable[[IterationRecord], Built]
    param: str | None = None


def _t(name: str, label: str, value: Array) -> Tensor:
    return Tensor(name, label, np.asarray(value, dtype=np.float64))


def _wrapped(build: Callable[[IterationRecord], RawBuilt]) -> Callable[[IterationRecord], Built]:
    """A builder of plain tuples (update_steps.py) as one of Tensors and Factors."""
    def wrapped(r: IterationRecord) -> Built:
        result, inputs, factors, s = build(r)
        return _t(*result), tuple(_t(*t) for t in inputs), tuple(Factor(*f) for f in factors), s
    return wrapped


def build_specs(model: Model) -> list[StepSpec]:
    """The ordered steps of one iteration for this model."""
    L = model.depth
    loss = model.loss
    specs: list[StepSpec] = []
    add = specs.append

    for l in range(1, L + 1):
        act = model.activations[l - 1]
        ap, al = a_label(l - 1, L), a_label(l, L)
        apn, aln = a_name(l - 1, L), a_name(l, L)

        def fwd_u(r: IterationRecord, l=l, ap=ap, apn=apn) -> Built:
            W, b, a_prev, u = r.params[f"W{l}"], r.params[f"b{l}"], r.a(l - 1), r.us[l - 1]
            s = f"u{sub(l)} = {tensor(W)}·{operand(a_prev)} + {operand(b)} = {tensor(u)}"
            return (_t(f"u{l}", f"u{sub(l)}", u),
                    (_t(f"W{l}", f"W{sub(l)}", W), _t(apn, ap, a_prev), _t(f"b{l}", f"b{sub(l)}", b)),
                    (), s)

        add(StepSpec(f"forward.{l}.u", "forward", l, f"Layer {l}: weighted sum",
                     f"u{sub(l)} = W{sub(l)}·{ap} + b{sub(l)}", "forward",
                     (apn, f"W{l}", f"b{l}", f"u{l}"), fwd_u))

        def fwd_a(r: IterationRecord, l=l, al=al, aln=aln, act=act) -> Built:
            u, a = r.us[l - 1], r.as_[l - 1]
            if act.name == "linear":
                s = f"{al} = u{sub(l)} = {tensor(a)}"
            else:
                s = f"{al} = {act.symbol}({tensor(u)}) = {tensor(a)}"
            return _t(aln, al, a), (_t(f"u{l}", f"u{sub(l)}", u),), (), s

        add(StepSpec(f"forward.{l}.a", "forward", l, f"Layer {l}: {act.name} activation",
                     act.formula.replace("a =", f"{al} =").replace("(u)", f"(u{sub(l)})")
                     .replace("u)", f"u{sub(l)})").replace("e^u", f"e^u{sub(l)}")
                     if act.name != "linear" else f"{al} = u{sub(l)}",
                     "forward", (f"u{l}", aln), fwd_a))

    def _target(r: IterationRecord) -> tuple[Tensor, ...]:
        """y and the error ŷ − y; nothing for the plain objective, which has no target."""
        return (_t("y", "y", r.y), _t("error", "ŷ − y", r.yhat - r.y)) if loss.needs_target else ()

    def loss_step(r: IterationRecord) -> Built:
        n = loss.count(r.yhat, model.reduction)
        inputs = (_t("yhat", "ŷ", r.yhat), *_target(r), _t("terms", loss.element_formula, r.terms))
        div = "" if n == 1 else f"(1/{n})·"
        with_error = _with_error(loss.element_formula, r.yhat, r.y)
        s = f"L = {div}Σ {with_error + ' = ' + div + 'Σ ' if with_error else ''}{operand(r.terms)} = {tensor(r.loss)}"
        return _t("L", "L", r.loss), inputs, (), s

    add(StepSpec("loss.L", "loss", None, f"Loss: {loss.title} ({model.reduction})",
                 loss.formula(model.reduction), "forward", ("yhat", "y", "L") if loss.needs_target else ("yhat", "L"),
                 loss_step))

    if model.l2:
        def reg_step(r: IterationRecord) -> Built:
            ws = tuple(_t(f"W{l}", f"W{sub(l)}", r.params[f"W{l}"]) for l in range(1, L + 1))
            s = f"R = {num(model.l2)}/2·{tensor(sum(float(np.sum(w.value ** 2)) for w in ws))} = {tensor(r.reg)}"
            return _t("R", "R", r.reg), ws, (), s

        add(StepSpec("loss.reg", "loss", None, "Regularisation: L2 penalty on the weights",
                     "R = λ/2·Σ W²", "forward", tuple(f"W{l}" for l in range(1, L + 1)), reg_step))

        def cost_step(r: IterationRecord) -> Built:
            return (_t("C", "C", r.cost), (_t("L", "L", r.loss), _t("R", "R", r.reg)), (),
                    f"C = {tensor(r.loss)} + {operand(r.reg)} = {tensor(r.cost)}")

        add(StepSpec("loss.cost", "loss", None, "Cost: loss plus regularisation", "C = L + R",
                     "forward", ("L", "C"), cost_step))

    def dyhat_step(r: IterationRecord) -> Built:
        n = loss.count(r.yhat, model.reduction)
        div = "" if n == 1 else f"(1/{n})·"
        with_error = _with_error(loss.derivative_formula, r.yhat, r.y)
        s = (f"∂L/∂ŷ = {div}{_group(loss.derivative_formula, div)}"
             f"{' = ' + div + with_error if with_error else ''} = {tensor(r.dyhat)}")
        return (_t("dL_dyhat", "∂L/∂ŷ", r.dyhat),
                (_t("yhat", "ŷ", r.yhat), *_target(r)), (), s)

    div = "" if model.reduction == "sum" else "(1/N)·"
    add(StepSpec("backward.dyhat", "backward", L, "Loss gradient: how L responds to each prediction",
                 f"∂L/∂ŷ = {div}{_group(loss.derivative_formula, div)}", "backward", ("yhat", "L"), dyhat_step))

    for l in range(L, 0, -1):
        act = model.activations[l - 1]
        al, aln = a_label(l, L), a_name(l, L)
        ap, apn = a_label(l - 1, L), a_name(l - 1, L)
        up_id = "backward.dyhat" if l == L else f"backward.{l + 1}.da_prev"
        up_label = dL_da_label(l, L)
        fused = l == L and model.fused_output
        S = sub(l)

        if act.elementwise:
            def da_du(r: IterationRecord, l=l, S=S, al=al, aln=aln) -> Built:
                g = r.grads[l - 1]
                return (_t(f"da{l}_du{l}", f"∂{al}/∂u{S}", g.da_du),
                        (_t(f"u{l}", f"u{S}", r.us[l - 1]), _t(aln, al, r.as_[l - 1])), (),
                        f"∂{al}/∂u{S} = {tensor(g.da_du)}")

            add(StepSpec(f"backward.{l}.da_du", "backward", l, f"Layer {l}: derivative of {act.name}",
                         act.derivative_formula.replace("∂a/∂u", f"∂{al}/∂u{S}"), "backward",
                         (f"u{l}", aln), da_du))

        def through(r: IterationRecord, l=l, S=S, al=al, up_id=up_id, up_label=up_label, act=act) -> list[Factor]:
            """∂L/∂a and how it passes through the activation: the factors whose product is δ."""
            g = r.grads[l - 1]
            factors = [Factor(up_label, "from the layer above" if l < L else "from the loss", g.dL_da, up_id)]
            if g.da_du is not None:
                factors.append(Factor(f"∂{al}/∂u{S}", act.derivative_formula, g.da_du, f"backward.{l}.da_du", "⊙"))
            else:   # softmax couples its outputs: no element-wise factor, the Jacobian acts on the vector
                factors.append(Factor(f"(∂{al}/∂u{S})ᵀ·{up_label} = δ{S}",
                                      f"softmax Jacobian applied: {al} ⊙ ({up_label} − Σₖ {al}ₖ·{up_label}ₖ)",
                                      g.delta, f"backward.{l}.delta", "Jᵀ·"))
            return factors

        def delta(r: IterationRecord, l=l, S=S, al=al, aln=aln, up_label=up_label, fused=fused, act=act,
                  through=through) -> Built:
            g = r.grads[l - 1]
            factors = through(r)
            if act.elementwise:
                how = " (computed in the exact form (ŷ − y)/N, no division by ŷ)" if fused else ""
                s = f"δ{S} = {tensor(g.dL_da)} ⊙ {operand(g.da_du)} = {tensor(g.delta)}{how}"
            else:
                how = "; with cross-entropy this is exactly (ŷ − y)/n" if fused else ""
                s = (f"δ{S} = (∂{al}/∂u{S})ᵀ·{up_label} = {al} ⊙ ({up_label} − Σₖ {al}ₖ·{up_label}ₖ) = "
                     f"{tensor(g.delta)}{how}")
            return (_t(f"delta{l}", f"δ{S}", g.delta),
                    (_t(f"dL_d{aln}" if l < L else "dL_dyhat", up_label, g.dL_da),), tuple(factors), s)

        formula = (f"δ{S} = ∂L/∂u{S} = {up_label} ⊙ ∂{al}/∂u{S}" if act.elementwise else
                   f"δ{S} = ∂L/∂u{S} = (∂{al}/∂u{S})ᵀ·{up_label}, the softmax Jacobian applied to {up_label}")
        add(StepSpec(f"backward.{l}.delta", "backward", l, f"Layer {l}: error signal δ", formula,
                     "backward", (f"u{l}", aln), delta))

        def dW(r: IterationRecord, l=l, S=S, ap=ap, apn=apn, through=through) -> Built:
            g = r.grads[l - 1]
            a_prev = r.a(l - 1)
            factors = through(r)
            factors.append(Factor(f"∂u{S}/∂W{S} = {ap}ᵀ", f"u{S} = W{S}·{ap} + b{S}", a_prev.T, None, "·"))
            inputs = [_t(f"delta{l}", f"δ{S}", g.delta), _t(apn, ap, a_prev)]
            s = f"∂L/∂W{S} = {tensor(g.delta)}·{operand(a_prev.T)} = {tensor(g.dW_loss)}"
            if model.l2:
                factors.append(Factor(f"λW{S}", "from the L2 term", model.l2 * r.params[f"W{l}"], "loss.reg", "+"))
                inputs.append(_t(f"W{l}", f"W{S}", r.params[f"W{l}"]))
                s = (f"∂C/∂W{S} = {tensor(g.dW_loss)} + {num(model.l2)}·{operand(r.params[f'W{l}'])} = "
                     f"{tensor(g.dW)}")
            return _t(f"dW{l}", f"∂C/∂W{S}" if model.l2 else f"∂L/∂W{S}", g.dW), tuple(inputs), tuple(factors), s

        through_act = (f"({up_label} ⊙ ∂{al}/∂u{S})" if act.elementwise else f"((∂{al}/∂u{S})ᵀ·{up_label})")
        chain = f"∂L/∂W{S} = {through_act}·∂u{S}/∂W{S} = δ{S}·{ap}ᵀ"
        if model.l2:
            chain = f"∂C/∂W{S} = {through_act}·∂u{S}/∂W{S} + λW{S} = δ{S}·{ap}ᵀ + λW{S}"
        add(StepSpec(f"backward.{l}.dW", "backward", l, f"Layer {l}: gradient of the weights", chain,
                     "backward", (apn, f"W{l}", f"u{l}"), dW, param=f"W{l}"))

        def db(r: IterationRecord, l=l, S=S) -> Built:
            g = r.grads[l - 1]
            ones = np.ones((g.delta.shape[1], 1))   # δ·𝟙 adds up each unit's row: the sum over samples
            factors = (Factor(f"δ{S}", "∂L/∂u", g.delta, f"backward.{l}.delta"),
                       Factor(f"∂u{S}/∂b{S} = 𝟙", "1 for every sample, so δ·𝟙 sums over the samples", ones, None, "·"))
            return (_t(f"db{l}", f"∂L/∂b{S}", g.db), (_t(f"delta{l}", f"δ{S}", g.delta),), factors,
                    f"∂L/∂b{S} = Σ {operand(g.delta)} = {tensor(g.db)}")

        add(StepSpec(f"backward.{l}.db", "backward", l, f"Layer {l}: gradient of the biases",
                     f"∂L/∂b{S} = δ{S}·𝟙, the sum over samples of δ{S}", "backward", (f"b{l}", f"u{l}"), db,
                     param=f"b{l}"))

        if l > 1 or model.input_grad:
            def da_prev(r: IterationRecord, l=l, S=S, ap=ap, apn=apn) -> Built:
                g = r.grads[l - 1]
                W = r.params[f"W{l}"]
                factors = (Factor(f"(∂u{S}/∂{ap})ᵀ = W{S}ᵀ", f"u{S} = W{S}·{ap} + b{S}", W.T, None),
                           Factor(f"δ{S}", "∂L/∂u", g.delta, f"backward.{l}.delta", "·"))
                return (_t(f"dL_d{apn}", f"∂L/∂{ap}", g.da_prev),
                        (_t(f"W{l}", f"W{S}", W), _t(f"delta{l}", f"δ{S}", g.delta)), factors,
                        f"∂L/∂{ap} = {tensor(W.T)}·{operand(g.delta)} = {tensor(g.da_prev)}")

            add(StepSpec(f"backward.{l}.da_prev", "backward", l, f"Layer {l}: pass the gradient down",
                         f"∂L/∂{ap} = W{S}ᵀ·δ{S}", "backward", (f"W{l}", apn), da_prev))

    for u in update_specs(model):
        add(StepSpec(u.id, "update", u.layer, u.title, u.formula, "backward", u.focus, _wrapped(u.build), u.param))
    return specs
