"""Losses with their derivative ∂L/∂ŷ, reductions and the L2 cost term.

Conventions: tensors are (units × samples). `mean` divides by every element for the elementwise
losses (like ``T.mean((T − Y)**2)``) and by the number of samples for categorical cross-entropy,
whose per-sample loss already sums over classes. `sum` divides by nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Array = np.ndarray

# Probabilities are clipped to [EPS, 1 − EPS] before a log or a division, so a saturated output
# gives a large finite loss instead of inf. Softmax/sigmoid outputs use exact log-sum-exp forms.
EPS = 1e-12
REDUCTIONS = ("mean", "sum")


@dataclass(frozen=True)
class Loss:
    name: str
    title: str
    element_formula: str      # the loss of one element (or one sample)
    derivative_formula: str   # ∂(element loss)/∂ŷ
    elementwise: Callable[[Array, Array], Array]
    derivative: Callable[[Array, Array], Array]
    per_sample: bool = False  # True: the element loss is summed over units before reducing
    note: str = ""
    needs_target: bool = True  # False for the plain objective: the output itself, no y
    delta: float | None = None  # Huber's δ

    def count(self, yhat: Array, reduction: str) -> int:
        """The divisor N of the reduction."""
        if reduction == "sum":
            return 1
        return int(yhat.shape[1]) if self.per_sample else int(yhat.size)

    def formula(self, reduction: str) -> str:
        agg = "Σ" if reduction == "sum" else ("(1/n) Σ" if self.per_sample else "(1/N) Σ")
        return f"L = {agg} {self.element_formula}"

    def terms(self, yhat: Array, y: Array, logits: Array | None = None, activation: str = "") -> Array:
        """Per-element losses; exact from logits when the output layer allows it."""
        if logits is not None and self.name == "bce" and activation == "sigmoid":
            # −[y log σ(u) + (1−y) log(1−σ(u))] = softplus(u) − y·u, with no log of 0.
            return np.logaddexp(0.0, logits) - y * logits
        if logits is not None and self.name == "cross_entropy" and activation == "softmax":
            m = np.max(logits, axis=0, keepdims=True)
            lse = m + np.log(np.sum(np.exp(logits - m), axis=0, keepdims=True))
            return -y * (logits - lse)
        return self.elementwise(yhat, y)

    def value(self, yhat: Array, y: Array, reduction: str, logits: Array | None = None,
              activation: str = "") -> float:
        return float(np.sum(self.terms(yhat, y, logits, activation)) / self.count(yhat, reduction))

    def gradient(self, yhat: Array, y: Array, reduction: str) -> Array:
        """∂L/∂ŷ for the reduced loss."""
        return self.derivative(yhat, y) / self.count(yhat, reduction)


def _clip(p: Array) -> Array:
    return np.clip(p, EPS, 1.0 - EPS)


def _bce(yhat: Array, y: Array) -> Array:
    p = _clip(yhat)
    return -(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def _bce_grad(yhat: Array, y: Array) -> Array:
    p = _clip(yhat)
    return (p - y) / (p * (1.0 - p))


def _ce(yhat: Array, y: Array) -> Array:
    # No upper clip: a single-output "probability" (seed 004's −log w) may sit at or above 1.
    return -y * np.log(np.maximum(yhat, EPS))


def _ce_grad(yhat: Array, y: Array) -> Array:
    return -y / np.maximum(yhat, EPS)


LOSSES: dict[str, Loss] = {
    "mse": Loss("mse", "mean squared error", "(ŷ − y)²", "2(ŷ − y)",
                lambda p, y: (p - y) ** 2, lambda p, y: 2.0 * (p - y)),
    "half_mse": Loss("half_mse", "half squared error", "½(ŷ − y)²", "ŷ − y",
                     lambda p, y: 0.5 * (p - y) ** 2, lambda p, y: p - y),
    "mae": Loss("mae", "mean absolute error", "|ŷ − y|", "sign(ŷ − y)",
                lambda p, y: np.abs(p - y), lambda p, y: np.sign(p - y),
                note="|ŷ − y| has no derivative at ŷ = y; chainstep uses the subgradient 0 there."),
    "bce": Loss("bce", "binary cross-entropy", "−[y log ŷ + (1 − y) log(1 − ŷ)]",
                "(ŷ − y) / (ŷ(1 − ŷ))", _bce, _bce_grad,
                note="Use with sigmoid outputs; several sigmoid outputs make it multi-label."),
    "cross_entropy": Loss("cross_entropy", "categorical cross-entropy", "−Σₖ yₖ log ŷₖ",
                          "−y / ŷ", _ce, _ce_grad, per_sample=True,
                          note="Targets are one-hot columns; pair it with a softmax output."),
}

HUBER_DELTA = 1.0   # torch.nn.HuberLoss's default


def huber(delta: float = HUBER_DELTA) -> Loss:
    """Huber loss with threshold δ: squared for small errors, linear (so outliers pull less) beyond δ."""
    def value(p: Array, y: Array) -> Array:
        e = np.abs(p - y)
        return np.where(e <= delta, 0.5 * e * e, delta * (e - 0.5 * delta))

    return Loss("huber", f"Huber loss (δ = {delta:g})", f"½(ŷ − y)² if |ŷ − y| ≤ {delta:g} else {delta:g}·(|ŷ − y| − ½·{delta:g})",
                f"clip(ŷ − y, −{delta:g}, {delta:g})", value, lambda p, y: np.clip(p - y, -delta, delta),
                note="Like MSE near the target and like MAE far from it, so one outlier cannot dominate.",
                delta=delta)


LOSSES["huber"] = huber()
# The plain objective: L is the network's output itself, so ∂L/∂ŷ = 1 and the backward pass gives
# the gradient of the output with respect to every weight (and, with input_grad, to x).
LOSSES["output"] = Loss("output", "the output itself (a plain objective, no target)", "ŷ", "1",
                        lambda p, y: p.copy(), lambda p, y: np.ones_like(p), needs_target=False,
                        note="No target: the backward pass differentiates the output itself.")

# Output activation + loss pairs whose δ = ∂L/∂u simplifies exactly to (ŷ − y)/N. The trace uses
# that form because the chain-rule product overflows when ŷ saturates at 0 or 1.
FUSED = {("sigmoid", "bce"), ("softmax", "cross_entropy")}


def l2_term(weights: list[Array], lam: float) -> float:
    """The regularisation part of the cost: λ/2 · Σ W² over every weight matrix (not biases)."""
    return 0.5 * lam * float(sum(np.sum(w * w) for w in weights))
