"""The parts of a scenario that say how it trains: activations and losses with their options, the optimiser."""
from __future__ import annotations

import difflib
from typing import Any

from ..activations import ACTIVATIONS, Activation, leaky_relu
from ..format_spec import ACTIVATION_KEYS, LOSS_KEYS, OPTIMIZER_KEYS
from ..losses import LOSSES, Loss, huber
from ..optimizers import HYPER, KINDS, Optimizer
from .read import KEY, Path_, dotted
from .validate import Validator, kind_of


def _named(value: Any, path: Path_, v: Validator, table: dict[str, str], options: list[str], what: str
           ) -> tuple[str, dict[str, Any], Path_]:
    """A bare name, or a mapping {kind: name, option: ...}: the name, the mapping, the name's path."""
    if isinstance(value, dict):
        m = v.mapping(value, path, table)
        name = v.choice(v.require(m, "kind", path, f"name the {what}: kind: {options[0]}"),
                        path + ("kind",), options, what)
        return name, m, path + ("kind",)
    return v.choice(value, path, options, what), {}, path


def read_activation(value: Any, path: Path_, v: Validator) -> Activation:
    name, m, _ = _named(value, path, v, ACTIVATION_KEYS, list(ACTIVATIONS), "activation")
    if "slope" in m:
        if name != "leaky_relu":
            raise v.err(path + ("slope", KEY), f"{name} takes no slope", "only leaky_relu has one; delete `slope`")
        slope = v.number(m["slope"], path + ("slope",), "the slope", low=0.0)
        return leaky_relu(slope)
    return ACTIVATIONS[name]


def read_loss(value: Any, path: Path_, v: Validator) -> Loss:
    name, m, _ = _named(value, path, v, LOSS_KEYS, list(LOSSES), "loss")
    if "delta" in m:
        if name != "huber":
            raise v.err(path + ("delta", KEY), f"the {name} loss takes no delta", "only huber has one; delete `delta`")
        delta = v.number(m["delta"], path + ("delta",), "Huber's δ", positive=True)
        return huber(delta)
    return LOSSES[name]


def read_optimizer(value: Any, path: Path_, v: Validator) -> tuple[Optimizer, float]:
    """The optimiser and its learning rate; each kind takes only its own torch.optim keys."""
    m = v.mapping(value, path, OPTIMIZER_KEYS)
    kind = v.choice(m.get("kind", "sgd"), path + ("kind",), KINDS, "optimizer")
    hyper = HYPER[kind]
    for key in m:
        if key != "kind" and key not in hyper:
            owners = [k for k, h in HYPER.items() if key in h]
            close = difflib.get_close_matches(key, list(hyper), n=1)
            if close:
                hint = f"did you mean `{close[0]}`?"
            elif key == "weight_decay":
                hint = "use kind: adamw for decoupled decay, or `l2:` for an L2 term in the cost"
            elif key == "dampening" and kind == "nesterov":
                hint = "Nesterov momentum needs no dampening (torch.optim.SGD refuses one); delete it"
            else:
                hint = f"{kind} takes " + ", ".join(hyper) + (f"; `{key}` belongs to " + ", ".join(owners) if owners else "")
            raise v.err(path + (key, KEY), f"the {kind} optimizer has no `{key}`", hint)
    lr = v.number(m.get("lr", hyper["lr"]), path + ("lr",), "the learning rate", positive=True)
    momentum = v.number(m.get("momentum", hyper.get("momentum", 0.0)), path + ("momentum",), "the momentum", low=0.0)
    if kind == "nesterov" and momentum == 0:
        raise v.err(path + ("momentum",), "Nesterov momentum with momentum 0 is plain SGD",
                    "give a momentum above 0, e.g. 0.9, or use kind: sgd")
    dampening = v.number(m.get("dampening", 0.0), path + ("dampening",), "the dampening", low=0.0)
    if dampening > 1:
        raise v.err(path + ("dampening",), f"{dotted(path + ('dampening',))} is {dampening:g}, but the dampening "
                    "must be at most 1", "write a number from 0 to 1 (0 keeps the whole gradient)")
    betas = _betas(m.get("betas", hyper.get("betas", (0.9, 0.999))), path + ("betas",), v)
    eps = v.number(m.get("eps", hyper.get("eps", 1e-8)), path + ("eps",), "ε", low=0.0)
    wd = v.number(m.get("weight_decay", hyper.get("weight_decay", 0.0)), path + ("weight_decay",),
                  "the weight decay", low=0.0)
    return Optimizer(kind, momentum, dampening, betas, eps, wd), lr


def _betas(value: Any, path: Path_, v: Validator) -> tuple[float, float]:
    if isinstance(value, tuple):
        return value   # the default
    if not isinstance(value, list) or len(value) != 2:
        raise v.err(path, f"{dotted(path)} must be a list of two numbers, not {kind_of(value)}",
                    "write it like [0.9, 0.999]")
    out = []
    for i, b in enumerate(value):
        b = v.number(b, path + (i,), f"β{'₁₂'[i]}")
        if not 0 <= b < 1:
            raise v.err(path + (i,), f"{dotted(path + (i,))} is {b:g}, but β{'₁₂'[i]} must lie in [0, 1)",
                        "a decay rate is at least 0 and below 1, e.g. 0.9 or 0.999")
        out.append(b)
    return out[0], out[1]
