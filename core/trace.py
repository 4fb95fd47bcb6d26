"""The step trace: one training iteration as an ordered list of whiteboard steps, computed lazily.

A `Trace` is random-access over (iteration, step). It keeps parameter checkpoints every few
iterations and recomputes from the nearest one, so jumping anywhere in a long run stays cheap and
memory stays bounded; a small cache keeps the iterations the user is looking at.
"""
from __future__ import annotations

import fnmatch
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .deferred import DeferredFields
from .formatting import num, operand, sub, tensor
from .step_text import a_label, a_name, dL_da_label, group as _group, with_error as _with_error
from .network import IterationRecord, Model, Params, run_iteration
from .optimizers import OptState
from .update_steps import RawBuilt, update_specs

Array = np.ndarray
PHASES = ("forward", "loss", "backward", "update")
# Bytes of parameter checkpoints a Trace may keep. 256 MiB holds 10,000 iterations of the
# 784-128-64-10 scenario at one checkpoint per 33, so a jump recomputes at most 32 iterations
# (~55 ms on a busy 2-core machine; 43 of them missed 100 ms), and the app, with its caches and
# Textual, stays under 400 MB (tests/bench.py, P4).
MEMORY_BUDGET = 256 * 2**20


@dataclass(frozen=True)
class Tensor:
    name: str    # ASCII key, usable in expect: blocks and watch expressions
    label: str   # how the app writes it: W₁, ∂L/∂ŷ
    value: Array


@dataclass(frozen=True)
class Factor:
    """One factor of a chain-rule product, and the step that computed it.

    `op` says how it joins the product of the factors before it, so the list multiplies out to
    the step's result: "" starts it, "⊙" element-wise, "·" matrix product on the right, "+" adds
    a term, and "Jᵀ·" means the value IS the Jacobian (softmax) applied to the product so far.
    """

    label: str
    formula: str
    value: Array
    step_id: str | None = None
    op: str = ""


@dataclass(frozen=True)
class Step(DeferredFields):
    """One step of one iteration. From a Trace, its tensors, factors and substituted text are built
    on first read (most steps a trace hands out are never shown); from outside it is immutable."""

    DEFERRED = ("result", "inputs", "factors", "substituted")   # the order StepSpec.build returns them

    id: str
    iteration: int
    index: int
    phase: str
    layer: int | None
    title: str
    formula: str
    substituted: str
    result: Tensor
    inputs: tuple[Tensor, ...]
    factors: tuple[Factor, ...]
    note: str
    param: str | None       # the parameter a gradient or update step is about
    direction: str          # "forward" or "backward": which way information flows
    focus: tuple[str, ...]  # tensors the network view highlights (x, u1, a1, W1, ...)

    @property
    def finite(self) -> bool:
        return bool(np.all(np.isfinite(self.result.value)))

    def tensor(self, name: str) -> Tensor:
        for t in (self.result, *self.inputs):
            if t.name == name:
                return t
        raise KeyError(name)


Built = tuple[Tensor, tuple[Tensor, ...], tuple[Factor, ...], str]


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


class Trace:
    """Random access to every step of every iteration of one scenario part."""

    def __init__(self, model: Model, params: Params, x: Array, y: Array, iterations: int,
                 notes: dict[str, str] | None = None, checkpoint_every: int | None = None,
                 cache_size: int = 4, memory_budget: int = MEMORY_BUDGET):
        self.model = model
        self.x = np.asarray(x, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.float64)
        self.iterations = int(iterations)
        self.notes = dict(notes or {})
        self._note_cache: dict[str, str] = {}   # step id -> note, so wildcards are matched once
        self.specs = build_specs(model)
        self.step_ids = tuple(s.id for s in self.specs)
        self._index = {sid: k for k, sid in enumerate(self.step_ids)}
        if checkpoint_every is None:
            # As many checkpoints as the memory budget allows, so a jump recomputes few iterations.
            # Optimiser state (a velocity, or Adam's two moments) is checkpointed too: count it.
            size = max(1, sum(p.nbytes for p in params.values()) * (1 + len(model.optimizer.slots)))
            checkpoint_every = max(1, math.ceil(self.iterations / max(1, memory_budget // size)))
        self.checkpoint_every = int(checkpoint_every)
        # Each checkpoint holds the parameters and the optimiser state at the start of an iteration.
        self._checkpoints: dict[int, tuple[Params, OptState]] = {
            0: ({k: np.array(v, dtype=np.float64) for k, v in params.items()}, OptState())}
        self._cache: OrderedDict[int, IterationRecord] = OrderedDict()
        self._cache_size = cache_size
        self._costs = np.full(self.iterations, np.nan)
        self._known = np.zeros(self.iterations, dtype=bool)  # NaN alone can't tell "diverged" from "not yet"
        self._lock = threading.RLock()

    # ---- shape of the trace -------------------------------------------------------------
    @property
    def n_steps(self) -> int:
        return len(self.specs)

    def index_of(self, step_id: str) -> int:
        return self._index[step_id]

    def phase_of(self, k: int) -> str:
        return self.specs[k].phase

    # ---- the numbers -------------------------------------------------------------------
    def params_at(self, i: int) -> Params:
        """Parameters at the start of iteration i (i == iterations gives the trained result)."""
        if i == 0:
            return self._checkpoints[0][0]
        return self.record(i - 1).new_params

    def record(self, i: int) -> IterationRecord:
        if not 0 <= i < self.iterations:
            raise IndexError(f"iteration {i} is outside 0..{self.iterations - 1}")
        with self._lock:
            rec = self._cache.get(i)
            if rec is not None:
                self._cache.move_to_end(i)
                return rec
            start, params, state = self._start(i)
        # Computed outside the lock, so reading a cached iteration (the app's key path) never waits
        # for a long fast-forward in another thread. Two threads may compute the same iteration;
        # that is harmless, as run_iteration is deterministic.
        for j in range(start, i + 1):
            rec = run_iteration(self.model, params, self.x, self.y, j, state)
            params, state = rec.new_params, rec.new_opt_state
            with self._lock:
                self._costs[j] = rec.cost
                self._known[j] = True
                if (j + 1) % self.checkpoint_every == 0 and j + 1 < self.iterations:
                    self._checkpoints.setdefault(j + 1, (params, state))
        with self._lock:
            self._cache[i] = rec
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return rec

    def distance(self, i: int) -> int:
        """How many iterations `record(i)` would have to compute (0 when it is cached)."""
        with self._lock:
            if i in self._cache:
                return 0
            return i - self._start(i)[0] + 1

    def _start(self, i: int) -> tuple[int, Params, OptState]:
        """Where computing iteration i begins: the nearest checkpoint, or a nearer cached iteration.

        Call with the lock held.
        """
        start = max(c for c in self._checkpoints if c <= i)
        params, state = self._checkpoints[start]
        for j, cached in self._cache.items():
            if start <= j < i:
                start, params, state = j + 1, cached.new_params, cached.new_opt_state
        return start, params, state

    def step(self, i: int, k: int | str) -> Step:
        if isinstance(k, str):
            k = self.index_of(k)
        spec = self.specs[k]
        record = self.record(i)

        def build() -> Built:
            with np.errstate(all="ignore"):   # a diverged run squares and subtracts inf here: show it, stay quiet
                return spec.build(record)

        return Step.deferred(build, id=spec.id, iteration=i, index=k, phase=spec.phase, layer=spec.layer,
                             title=spec.title, formula=spec.formula, note=self.note_for(spec.id),
                             param=spec.param, direction=spec.direction, focus=spec.focus)

    def note_for(self, step_id: str) -> str:
        note = self._note_cache.get(step_id)
        if note is None:
            note = self._note_cache[step_id] = self._find_note(step_id)
        return note

    def _find_note(self, step_id: str) -> str:
        if step_id in self.notes:
            return self.notes[step_id]
        for pattern, text in self.notes.items():   # wildcards such as backward.*.dW
            if fnmatch.fnmatchcase(step_id, pattern):
                return text
        return ""

    def cost_history(self) -> Array:
        """Cost per iteration computed so far (NaN where not yet computed)."""
        return self._costs.copy()

    def costs_known(self) -> Array:
        """Which entries of cost_history() have been computed (a computed cost may itself be NaN)."""
        return self._known.copy()

    def known_gradients(self, i: int, k: int) -> dict[str, Array]:
        """Parameter gradients of iteration i that the trace has reached by step k."""
        rec = self.record(i)
        return {s.param: rec.param_grad(s.param) for s in self.specs[: k + 1]
                if s.param and s.id.startswith("backward.")}

    def is_frozen(self, name: str) -> bool:
        return name in self.model.frozen
