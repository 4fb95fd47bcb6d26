"""The data of a zoom on one gradient element: factors, paths, groups, per-sample details, the whole.

Names come in two styles side by side: the hand-worked one (net and out of unit i of layer l) and
the trace's (u and a).
"""
from __future__ import annotations

from dataclasses import dataclass

from .explain_target import Target
from .formatting import sub


@dataclass(frozen=True)
class ScalarFactor:
    name: str        # hand-worked style: ∂out₂[0]/∂net₂[0]
    alt: str         # the trace's style: σ'(u₂[0])
    formula: str     # how it is computed: a(1 − a), W₂[0,1], ŷ − y
    given: str       # the numbers it is computed from: "a = 0.751365"
    value: float
    # The size of the numbers the value is a difference of, where that is larger than the value:
    # a softmax entry a[m](δₘₖ − a[k]) is computed to about 1e-16·a[m], not 1e-16 of itself.
    scale: float | None = None

    @property
    def size(self) -> float:
        return abs(self.value) if self.scale is None else max(abs(self.value), self.scale)


@dataclass(frozen=True)
class Path:
    route: tuple[str, ...]        # the units it passes, from the loss down
    factors: tuple[ScalarFactor, ...]
    value: float                  # the product of the factors, left to right
    order: int                    # its place in the backward pass's accumulation (0 first)


@dataclass(frozen=True)
class PathGroup:
    """The paths through one unit: the first sum the backward pass forms on the way down."""

    via: str | None               # that unit, hand-worked style (net₂[0]); None for a single path
    via_alt: str | None           # ... and as the trace writes it (u₂[0])
    count: int
    shown: tuple[Path, ...]       # the largest, in accumulation order
    rest_count: int
    rest_value: float
    total: float


@dataclass(frozen=True)
class Accumulation:
    """One `+=` line: a path (or the rest of a group) added to the running total."""

    what: str
    value: float
    running: float


@dataclass(frozen=True)
class SampleDetail:
    sample: int
    value: float                  # ∂Eₙ/∂(element): the sum of every path
    paths: int
    enumerated: bool              # False: too many paths to compute one by one; groups in closed form
    groups: tuple[PathGroup, ...]
    steps: tuple[Accumulation, ...]
    tail: ScalarFactor | None     # the factor every path ends with: out_{l−1}[j] for W, 1 for b


@dataclass(frozen=True)
class Explanation:
    target: Target
    label: str                    # ∂L/∂W₁[0,1]
    element: str                  # what one sample's loss is differentiated by: W₁[0,1], u₁[0], ŷ[1]
    describe: str                 # what the element is, in words
    iteration: int                # 0-based, as the trace counts
    loss_name: str
    sample_loss: str              # Eₙ = Σₖ ½(ŷₖ − yₖ)²
    reduction: str
    divisor: int                  # N of L = (1/N)·Σₙ Eₙ
    divisor_text: str
    per_sample: tuple[float, ...]  # ∂Eₙ/∂(element) for each of `samples`
    samples: tuple[int, ...]
    reduced: float                # (1/N)·Σ per_sample
    l2: float                     # λ (0 when there is no L2 term on this element)
    l2_term: float                # λ·W[i,j]
    total: float
    matrix: float                 # the element as the matrix step computed it
    difference: float
    details: tuple[SampleDetail, ...]
    fused: bool
    notes: tuple[str, ...]
    picked: bool = False          # True: the caller chose the samples whose paths are written out


def node(kind: str, l: int, i: int) -> str:
    """net₂[0] or out₁[1] (out₀ is the input)."""
    return f"{'net' if kind == 'u' else 'out'}{sub(l)}[{i}]"


def alt(kind: str, l: int, i: int, depth: int) -> str:
    if kind == "u":
        return f"u{sub(l)}[{i}]"
    return f"x[{i}]" if l == 0 else (f"ŷ[{i}]" if l == depth else f"a{sub(l)}[{i}]")
