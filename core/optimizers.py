"""Optimisers as data: hyper-parameters, the state they carry between iterations, and one update.

The arithmetic follows torch.optim step by step (SGD with momentum, dampening and Nesterov; Adam;
AdamW), so a run here can be held against PyTorch's. The state is immutable: an update returns a
new state, which is what lets the trace keep it in its checkpoints beside the parameters and
recompute any iteration exactly as a straight run did.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

Array = np.ndarray
Params = dict[str, Array]

# Each kind's hyper-parameters, with the defaults PyTorch gives them. Two exceptions: the SGD
# family keeps chainstep's learning rate of 0.1 (torch.optim.SGD says 1e-3), and `momentum`, which
# torch defaults to 0 (that is plain SGD), defaults to 0.9 once you ask for a momentum kind.
HYPER: dict[str, dict[str, Any]] = {
    "sgd": {"lr": 0.1},
    "momentum": {"lr": 0.1, "momentum": 0.9, "dampening": 0.0},
    "nesterov": {"lr": 0.1, "momentum": 0.9},
    "adam": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8},
    "adamw": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2},
}
KINDS = tuple(HYPER)
# The state each kind keeps per parameter: the velocity, or the two moment estimates.
SLOTS = {"sgd": (), "momentum": ("v",), "nesterov": ("v",), "adam": ("m", "v"), "adamw": ("m", "v")}


@dataclass(frozen=True)
class Optimizer:
    """One optimiser's kind and hyper-parameters (the learning rate lives on the Model).

    momentum and weight_decay default to 0 here; the loader fills in each kind's defaults from HYPER.
    """

    kind: str = "sgd"
    momentum: float = 0.0
    dampening: float = 0.0
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0

    @property
    def slots(self) -> tuple[str, ...]:
        return SLOTS[self.kind]


def _frozen_map(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(d))


def _read_only(a: Array) -> Array:
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class OptState:
    """What an optimiser remembers: how many updates it took, and its buffers per parameter."""

    t: int = 0
    slots: Mapping[str, Mapping[str, Array]] = field(default_factory=lambda: _frozen_map({}))

    def get(self, slot: str, name: str) -> Array | None:
        return self.slots.get(slot, {}).get(name)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for per in self.slots.values() for a in per.values())


@dataclass(frozen=True)
class ParamUpdate:
    """Every intermediate of one parameter's update, for the trace to show. None: not used by the kind."""

    grad: Array
    new: Array
    t: int = 0                   # the update's number, counted from 1 (Adam's bias corrections use it)
    decayed: Array | None = None  # AdamW: p − η·λ·p, before the Adam step
    v_prev: Array | None = None   # velocity or second moment before this update (None: no buffer yet)
    v: Array | None = None
    look: Array | None = None     # Nesterov: the gradient plus μ times the new velocity
    m_prev: Array | None = None
    m: Array | None = None
    m_hat: Array | None = None
    v_hat: Array | None = None
    step: Array | None = None     # Adam: η·m̂ / (√v̂ + ε), the amount taken off the parameter


def update(opt: Optimizer, lr: float, state: OptState, params: Params, grads: Params,
           frozen: frozenset[str]) -> tuple[Params, OptState, dict[str, ParamUpdate]]:
    """One optimiser step over every parameter; frozen ones keep their value and get no state."""
    t = state.t + 1
    new_params: Params = {}
    details: dict[str, ParamUpdate] = {}
    slots: dict[str, dict[str, Array]] = {s: {} for s in opt.slots}
    for name, p in params.items():
        if name in frozen:
            new_params[name] = p
            continue
        g = grads[name]
        d = _one(opt, lr, t, p, g, state, name)
        new_params[name] = d.new
        details[name] = d
        for s in opt.slots:
            slots[s][name] = _read_only(getattr(d, s))
    new_state = OptState(t, _frozen_map({s: _frozen_map(per) for s, per in slots.items()}))
    return new_params, new_state, details


def _one(opt: Optimizer, lr: float, t: int, p: Array, g: Array, state: OptState, name: str) -> ParamUpdate:
    kind = opt.kind
    if kind == "sgd":
        # p − η·g computed into the η·g temporary: same numbers, one big array fewer.
        new = lr * g
        return ParamUpdate(g, np.subtract(p, new, out=new), t)
    if kind in ("momentum", "nesterov"):
        v_prev = state.get("v", name)
        # As torch.optim.SGD: the first update takes the gradient itself as the velocity.
        v = g.copy() if v_prev is None else opt.momentum * v_prev + (1.0 - opt.dampening) * g
        look = g + opt.momentum * v if kind == "nesterov" else None
        return ParamUpdate(g, p - lr * (look if look is not None else v), t, v_prev=v_prev, v=v, look=look)
    b1, b2 = opt.betas
    decayed = p * (1.0 - lr * opt.weight_decay) if kind == "adamw" else None
    m_prev = state.get("m", name)
    v_prev = state.get("v", name)
    m_prev = np.zeros_like(g) if m_prev is None else m_prev
    v_prev = np.zeros_like(g) if v_prev is None else v_prev
    m = b1 * m_prev + (1.0 - b1) * g
    v = b2 * v_prev + (1.0 - b2) * (g * g)
    m_hat = m / (1.0 - b1 ** t)
    v_hat = v / (1.0 - b2 ** t)
    step = lr * m_hat / (np.sqrt(v_hat) + opt.eps)
    base = decayed if decayed is not None else p
    return ParamUpdate(g, base - step, t, decayed, v_prev, v, None, m_prev, m, m_hat, v_hat, step)
