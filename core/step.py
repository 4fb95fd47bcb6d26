"""What one step of the trace holds: its tensors, chain-rule factors and text (data only)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .deferred import DeferredFields

Array = np.ndarray
PHASES = ("forward", "loss", "backward", "update")


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
