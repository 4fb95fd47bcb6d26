"""Activation functions, each with its derivative, as the trace shows them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    """One activation: forward map, elementwise derivative (None for softmax) and formulas."""

    name: str
    symbol: str
    formula: str
    derivative_formula: str
    forward: Callable[[Array], Array]
    # Elementwise derivative da/du given (u, a). Softmax couples its outputs, so it has none and
    # backpropagates through `vjp` instead.
    derivative: Callable[[Array, Array], Array] | None
    slope: float | None = None   # leaky ReLU's slope for u ≤ 0

    @property
    def elementwise(self) -> bool:
        return self.derivative is not None

    def vjp(self, u: Array, a: Array, upstream: Array) -> Array:
        """∂L/∂u from ∂L/∂a: elementwise product, or the softmax Jacobian applied per column."""
        if self.derivative is not None:
            return upstream * self.derivative(u, a)
        # Softmax: J = diag(a) − a·aᵀ per sample, so Jᵀg = a ⊙ (g − aᵀg).
        return a * (upstream - np.sum(a * upstream, axis=0, keepdims=True))


def _sigmoid(u: Array) -> Array:
    # tanh form never overflows, unlike 1/(1+exp(-u)) for large negative u.
    return 0.5 * (1.0 + np.tanh(0.5 * u))


def _softmax(u: Array) -> Array:
    shifted = u - np.max(u, axis=0, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=0, keepdims=True)


ACTIVATIONS: dict[str, Activation] = {
    "linear": Activation(
        "linear", "id", "a = u", "∂a/∂u = 1",
        lambda u: u.copy(), lambda u, a: np.ones_like(u),
    ),
    "sigmoid": Activation(
        "sigmoid", "σ", "a = σ(u) = 1/(1 + e^(−u))", "∂a/∂u = σ'(u) = a ⊙ (1 − a)",
        _sigmoid, lambda u, a: a * (1.0 - a),
    ),
    "tanh": Activation(
        "tanh", "tanh", "a = tanh(u)", "∂a/∂u = 1 − a²",
        np.tanh, lambda u, a: 1.0 - a * a,
    ),
    "relu": Activation(
        "relu", "ReLU", "a = max(0, u)", "∂a/∂u = 1 if u > 0 else 0",
        lambda u: np.maximum(u, 0.0), lambda u, a: (u > 0).astype(np.float64),
    ),
    "softmax": Activation(
        "softmax", "softmax", "a = e^u / Σₖ e^uₖ (per sample)",
        "∂a/∂u = diag(a) − a·aᵀ (per sample)",
        _softmax, None,
    ),
}


LEAKY_SLOPE = 0.01   # torch.nn.LeakyReLU's default negative_slope


def leaky_relu(slope: float = LEAKY_SLOPE) -> Activation:
    """ReLU that keeps a small slope for negative inputs, so a unit below zero still learns."""
    return Activation(
        "leaky_relu", "LeakyReLU", f"a = LeakyReLU(u), slope {slope:g} for u ≤ 0", f"∂a/∂u = 1 if u > 0 else {slope:g}",
        lambda u: np.where(u > 0, u, slope * u), lambda u, a: np.where(u > 0, 1.0, slope), slope)


ACTIVATIONS["leaky_relu"] = leaky_relu()


def get_activation(name: str) -> Activation:
    return ACTIVATIONS[name]
