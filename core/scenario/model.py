"""What a loaded scenario is: its parts, and the `expect:` checks each part states."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..network import Model
from ..trace import Trace


@dataclass
class Expectation:
    step: str | None
    iteration: int              # 0-based; the file writes it from 1
    tensor: str | None
    at: tuple[int, ...] | None
    value: Any
    tol: float
    below: float | None
    above: float | None
    check: str | None
    why: str
    where: str  # file:line:col, so a failed check points at the line that stated it
    rel: float = 0.0  # relative tolerance: passes when |got − value| ≤ tol + rel·|value|


@dataclass
class Part:
    title: str
    description: str
    model: Model
    params: dict[str, np.ndarray]
    x: np.ndarray
    y: np.ndarray
    iterations: int
    notes: dict[str, str]
    expectations: list[Expectation]
    _trace: Trace | None = field(default=None, repr=False)
    breakpoints: list[Any] = field(default_factory=list)   # chainstep.core.breakpoints.Breakpoint
    questions: list[Any] = field(default_factory=list)     # chainstep.core.quiz.Question

    @property
    def trace(self) -> Trace:
        if self._trace is None:
            self._trace = self.new_trace()
        return self._trace

    def new_trace(self, **options: Any) -> Trace:
        return Trace(self.model, self.params, self.x, self.y, self.iterations, self.notes, **options)


@dataclass
class Scenario:
    name: str
    title: str
    description: str
    path: str
    parts: list[Part]
