"""The model: dense layers, a loss, an optimiser; and one full training iteration with every intermediate."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .activations import Activation
from .losses import FUSED, Loss, l2_term
from .optimizers import OptState, Optimizer, ParamUpdate, update

Array = np.ndarray
Params = dict[str, Array]


@dataclass(frozen=True)
class Model:
    """Structure and training rule. Parameters live outside, so checkpoints are plain dicts."""

    sizes: tuple[int, ...]                 # (inputs, units of layer 1, ..., outputs)
    activations: tuple[Activation, ...]    # one per layer
    loss: Loss
    reduction: str = "mean"
    l2: float = 0.0
    lr: float = 0.1
    frozen: frozenset[str] = frozenset()
    optimizer: Optimizer = Optimizer()
    input_grad: bool = False               # also compute ∂L/∂x (backward.1.da_prev)

    @property
    def depth(self) -> int:
        return len(self.activations)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(n for l in range(1, self.depth + 1) for n in (f"W{l}", f"b{l}"))

    @property
    def fused_output(self) -> bool:
        return (self.activations[-1].name, self.loss.name) in FUSED

    def forward(self, params: Params, x: Array, start: int = 1, a_in: Array | None = None
                ) -> tuple[list[Array], list[Array]]:
        """u and a of every layer from `start` on (a_in is a_{start-1}; x when start is 1)."""
        a = x if a_in is None else a_in
        us: list[Array] = []
        as_: list[Array] = []
        for l in range(start, self.depth + 1):
            u = params[f"W{l}"] @ a
            u += params[f"b{l}"]   # in place: same numbers as W·a + b, one array fewer
            a = self.activations[l - 1].forward(u)
            us.append(u)
            as_.append(a)
        return us, as_

    def cost(self, params: Params, x: Array, y: Array) -> float:
        """C = L + λ/2 ΣW², computed by a plain forward pass (what gradient checks perturb)."""
        with np.errstate(all="ignore"):
            us, as_ = self.forward(params, x)
            loss = self.loss.value(as_[-1], y, self.reduction, us[-1], self.activations[-1].name)
            return loss + self.reg(params)

    def reg(self, params: Params) -> float:
        if not self.l2:
            return 0.0
        return l2_term([params[f"W{l}"] for l in range(1, self.depth + 1)], self.l2)


@dataclass
class LayerGrads:
    dL_da: Array          # ∂L/∂a_l (for the top layer, ∂L/∂ŷ)
    da_du: Array | None   # ∂a_l/∂u_l elementwise; None for softmax
    delta: Array          # ∂L/∂u_l
    dW_loss: Array        # δ_l · a_{l−1}ᵀ
    dW: Array             # ∂C/∂W_l (adds λW_l when l2 > 0)
    db: Array             # ∂C/∂b_l = Σ over samples of δ_l
    da_prev: Array | None  # ∂L/∂a_{l−1} = W_lᵀ δ_l (for layer 1, ∂L/∂x: only with input_grad)


@dataclass
class IterationRecord:
    """Everything one iteration computed, kept so any step of it can be shown without recomputing."""

    iteration: int
    params: Params
    x: Array
    y: Array
    us: list[Array]
    as_: list[Array]
    terms: Array          # per-element (or per-class-per-sample) losses
    loss: float
    reg: float
    cost: float
    dyhat: Array
    grads: list[LayerGrads] = field(default_factory=list)   # index l-1
    new_params: Params = field(default_factory=dict)
    opt_state: OptState = OptState()          # the optimiser's state before this iteration's update
    new_opt_state: OptState = OptState()
    updates: dict[str, ParamUpdate] = field(default_factory=dict)   # per parameter, not for frozen ones

    @property
    def yhat(self) -> Array:
        return self.as_[-1]

    def a(self, l: int) -> Array:
        """a_l with a_0 = x."""
        return self.x if l == 0 else self.as_[l - 1]

    def param_grad(self, name: str) -> Array:
        g = self.grads[int(name[1:]) - 1]
        return g.dW if name[0] == "W" else g.db


def run_iteration(model: Model, params: Params, x: Array, y: Array, iteration: int = 0,
                  opt_state: OptState | None = None) -> IterationRecord:
    """Forward, loss, backward and the optimiser's update, keeping every intermediate tensor.

    Fast-forwarding through a long run calls this same function, so a number seen after a jump is
    bit-for-bit the number a straight run shows. Overflow and NaN propagate into the record
    (numpy warnings are silenced): the app shows non-finite values, it does not stop on them.
    """
    with np.errstate(all="ignore"):
        out = model.activations[-1]
        us, as_ = model.forward(params, x)
        yhat = as_[-1]
        terms = model.loss.terms(yhat, y, us[-1], out.name)
        n = model.loss.count(yhat, model.reduction)
        loss = float(np.sum(terms) / n)
        reg = model.reg(params)
        dyhat = model.loss.gradient(yhat, y, model.reduction)

        grads: list[LayerGrads] = [None] * model.depth  # type: ignore[list-item]
        upstream = dyhat
        for l in range(model.depth, 0, -1):
            act = model.activations[l - 1]
            u, a = us[l - 1], as_[l - 1]
            da_du = act.derivative(u, a) if act.derivative is not None else None
            if l == model.depth and model.fused_output:
                delta = (yhat - y) / n
            else:
                # The elementwise case of act.vjp, reusing da_du instead of recomputing it.
                delta = upstream * da_du if da_du is not None else act.vjp(u, a, upstream)
            a_prev = x if l == 1 else as_[l - 2]
            W = params[f"W{l}"]
            dW_loss = delta @ a_prev.T
            dW = dW_loss + model.l2 * W if model.l2 else dW_loss
            db = np.sum(delta, axis=1, keepdims=True)
            da_prev = W.T @ delta if l > 1 or model.input_grad else None
            grads[l - 1] = LayerGrads(upstream, da_du, delta, dW_loss, dW, db, da_prev)
            upstream = da_prev

        state = OptState() if opt_state is None else opt_state
        grad_of = {n: g for l in range(1, model.depth + 1)
                   for n, g in ((f"W{l}", grads[l - 1].dW), (f"b{l}", grads[l - 1].db))}
        new_params, new_state, updates = update(model.optimizer, model.lr, state, params, grad_of, model.frozen)
    return IterationRecord(iteration, params, x, y, us, as_, terms, loss, reg, loss + reg, dyhat,
                           grads, new_params, state, new_state, updates)
