"""The loss chart: cost per iteration computed so far, with the current iteration marked."""
from __future__ import annotations

import math

import numpy as np
from textual_plotext import PlotextPlot

from ...core.formatting import num

MAX_POINTS = 400   # more points than a terminal has columns only costs time


class LossChart(PlotextPlot, can_focus=False):
    """A plotext line chart; non-finite costs are left out of the line and reported in the title."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._key: tuple | None = None
        self.summary = ""

    def show(self, costs: np.ndarray, current: int) -> None:
        """`costs` as from Trace.cost_history (NaN where not computed); `current` is 0-based."""
        computed = ~np.isnan(costs)
        key = (current, int(computed.sum()), len(costs))
        if key == self._key:
            return
        self._key = key
        idx = np.flatnonzero(computed)
        vals = costs[idx]
        finite = np.isfinite(vals)
        xs, ys = idx[finite] + 1, vals[finite]
        if len(xs) > MAX_POINTS:   # keep every k-th point plus the last, so the shape survives
            keep = np.unique(np.append(np.linspace(0, len(xs) - 1, MAX_POINTS).astype(int), len(xs) - 1))
            xs, ys = xs[keep], ys[keep]
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        now = costs[current] if 0 <= current < len(costs) else math.nan
        diverged = int((~finite).sum())
        if math.isnan(now):
            title = f"cost · iteration {current + 1}: not computed yet"
        else:
            title = f"cost · iteration {current + 1}: {num(now)}"
        if diverged:
            title += f" · {diverged} non-finite"
        self.summary = title
        plt.title(title)
        plt.xlabel("iteration")
        if len(xs):
            plt.plot(xs.tolist(), ys.tolist(), marker="braille", color="cyan")
            if math.isfinite(now):
                plt.scatter([current + 1], [float(now)], marker="●", color="orange")
            lo, hi = float(ys.min()), float(ys.max())
            if hi == lo:
                hi, lo = hi + (abs(hi) or 1) * 0.1, lo - (abs(lo) or 1) * 0.1
            plt.ylim(lo, hi)
            plt.xlim(1, max(int(xs.max()), current + 1, 2))
        plt.vline(current + 1, "orange")
        self.refresh()
