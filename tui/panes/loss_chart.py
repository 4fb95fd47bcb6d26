"""The loss chart: cost per iteration computed so far, with the current iteration marked."""
from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from ...core.formatting import num

MAX_POINTS = 400   # more points than a terminal has columns only costs time


class LossChart(PlotextPlot, can_focus=True):
    """A plotext line chart; non-finite costs are left out of the line and reported in the title."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._key: tuple | None = None
        self.summary = ""
        self.hidden = False

    def show(self, costs: np.ndarray, current: int, known: np.ndarray | None = None, hidden: bool = False) -> None:
        """`costs` from Trace.cost_history, `known` from Trace.costs_known (a computed cost may
        be NaN; without `known`, NaN means not computed); `current` is 0-based."""
        computed = ~np.isnan(costs) if known is None else np.asarray(known, dtype=bool)
        key = (current, int(computed.sum()), len(costs), hidden)
        if key == self._key:
            return
        self._key = key
        self.hidden = hidden   # a quiz question waits: this iteration's cost is not shown
        idx = np.flatnonzero(computed)
        vals = costs[idx]
        finite = np.isfinite(vals) & ~((idx == current) & hidden)
        xs, ys = idx[finite] + 1, vals[finite]
        log = bool(len(ys)) and float(ys.min()) > 0 and float(ys.max()) / float(ys.min()) > 100
        if log:   # a falling (or diverging) cost spans decades: plot the exponent instead
            ys = np.log10(ys)
        if len(xs) > MAX_POINTS:   # keep every k-th point plus the last, so the shape survives
            keep = np.unique(np.append(np.linspace(0, len(xs) - 1, MAX_POINTS).astype(int), len(xs) - 1))
            xs, ys = xs[keep], ys[keep]
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        now = costs[current] if 0 <= current < len(costs) else math.nan
        diverged = int((~np.isfinite(vals)).sum())
        if hidden:
            title = f"cost · iteration {current + 1}: hidden until you answer"
        elif not (0 <= current < len(costs) and computed[current]):
            title = f"cost · iteration {current + 1}: not computed yet"
        else:
            title = f"cost · iteration {current + 1}: {num(now)}"
        if diverged:
            title += f" · {diverged} non-finite"
        self.summary = title
        plt.title(title)
        plt.xlabel("iteration")
        plt.ylabel("log₁₀ cost" if log else "")
        if len(xs):
            plt.plot(xs.tolist(), ys.tolist(), marker="braille", color="cyan")
            if math.isfinite(now) and (now > 0 or not log) and not hidden:
                plt.scatter([current + 1], [math.log10(now) if log else float(now)], marker="●", color="orange")
            lo, hi = float(ys.min()), float(ys.max())
            if hi == lo:
                hi, lo = hi + (abs(hi) or 1) * 0.1, lo - (abs(lo) or 1) * 0.1
            plt.ylim(lo, hi)
            right = max(int(xs.max()), current + 1, 2)
            plt.xlim(1, right)
            ticks = sorted({int(round(1 + (right - 1) * f)) for f in (0, 0.25, 0.5, 0.75, 1)})
            plt.xticks(ticks, [str(t) for t in ticks])
        plt.vline(current + 1, "orange")
        # plotext redraws the whole chart, slowly: in the frame after the one with the new step.
        self.call_after_refresh(self.refresh)

    def render(self) -> RenderResult:
        try:
            return super().render()
        except (OverflowError, ValueError, ZeroDivisionError):   # plotext cannot scale some ranges
            return Text(f"{self.summary}\n(the values cannot be drawn at this scale)")
