"""Breakpoints: where a `continue` stops, and the search that finds the next (or previous) stop.

A breakpoint is either a place (a step id, an iteration) or a condition on the numbers of an
iteration. Every condition is anchored at the step that shows the offending number, so the
debugger stops where the student can see it:

- `nonfinite`  a non-finite value appears in a step's tensors (the step before had none);
  anchored at that step.
- `loss_rises` the cost of iteration i is larger than that of iteration i−1 (by more than
  `threshold`, default 0), or turns non-finite; anchored at the loss step.
- `vanishing`  ‖∂C/∂W_l‖ (Frobenius) below `threshold`; anchored at backward.l.dW.
- `exploding`  ‖∂C/∂W_l‖ above `threshold` (or non-finite); anchored at backward.l.dW.
- `sign_flip`  the gradient of one parameter element changes sign from iteration i−1 to i;
  anchored at that parameter's gradient step.
- `dead_relu`  a ReLU unit outputs 0 for every sample of the batch; anchored at forward.l.a.

Conditions hold (or not) at a position, like a conditional breakpoint on a line: a vanishing
gradient that stays vanishing stops every iteration. Only `nonfinite` fires where the value first
appears, because once a run has diverged every later step is non-finite.

The search evaluates iteration by iteration through the trace's records (lazily, nothing before
the start is recomputed when going forwards), can be interrupted through `should_stop`, reports
progress, and is bounded by `max_iterations`.
"""
from __future__ import annotations

from .definition import (BREAKPOINT_KEYS, CONDITIONS, DEFAULT_EXPLODING, DEFAULT_VANISHING, KINDS, Breakpoint,
                         BreakpointError, BreakpointList, from_mapping, validate)
from .hits import Hit, SearchResult, hits_at, hits_in, search

__all__ = [
    "BREAKPOINT_KEYS", "CONDITIONS", "DEFAULT_EXPLODING", "DEFAULT_VANISHING", "KINDS", "Breakpoint", "BreakpointError",
    "BreakpointList", "Hit", "SearchResult", "from_mapping", "hits_at", "hits_in", "search", "validate",
]
