"""What the loss chart may show at a cursor: the costs of the iterations up to it, and no further.

The trace computes costs whenever an iteration is computed, including iterations a background job
prepared ahead of the cursor. A chart built from "whatever is known" would change with the timing
of that job and would show this iteration's cost before its loss step. These pure functions fix
what is shown: iterations 1 to the current one, the current one only once its cost step is reached.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

Array = np.ndarray


def cost_step(phases: Sequence[str]) -> int:
    """Index of the step that computes an iteration's cost: the last step of the loss phase.

    That is `loss.L`, or `loss.cost` when an L2 term is added; -1 if there is no loss phase.
    """
    last = -1
    for k, phase in enumerate(phases):
        if phase == "loss":
            last = k
    return last


@dataclass(frozen=True)
class CostsSoFar:
    """The costs a chart shows at a cursor; iterations are 0-based."""

    iterations: Array        # iterations with a finite, shown cost, ascending
    values: Array            # their costs
    counted: int             # how many iterations the non-finite count is over (1 to `counted`)
    non_finite: int          # how many of those have a NaN or infinite cost
    current: float | None    # this iteration's cost, None while it is not shown (or not computed)


def costs_so_far(costs: Array, known: Array | None, current: int, reached: bool,
                 hidden: bool = False) -> CostsSoFar:
    """The costs of iterations 0..current that may be shown, and how many of them are non-finite.

    `costs` and `known` come from Trace.cost_history and Trace.costs_known (without `known`, NaN
    means not computed). The current iteration counts only when `reached` (its cost step has
    run) and not `hidden` (a quiz question waits).
    """
    costs = np.asarray(costs, dtype=np.float64)
    computed = ~np.isnan(costs) if known is None else np.asarray(known, dtype=bool)
    upto = min(current + 1 if reached and not hidden else current, len(costs))
    upto = max(upto, 0)
    idx = np.flatnonzero(computed[:upto])
    vals = costs[idx]
    finite = np.isfinite(vals)
    now = None
    if reached and not hidden and 0 <= current < len(costs) and computed[current]:
        now = float(costs[current])
    return CostsSoFar(idx[finite], vals[finite], upto, int((~finite).sum()), now)
