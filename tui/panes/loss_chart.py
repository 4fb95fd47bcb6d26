"""The loss chart: the cost of each iteration up to the cursor, the current iteration marked."""
from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from ...core.cost_view import CostsSoFar, costs_so_far
from ...core.formatting import MINUS, num

MAX_POINTS = 400   # more points than a terminal has columns only costs time
Y_TICKS = 5


def short(x: float, digits: int = 4) -> str:
    """A cost with `digits` significant digits and a true minus (for labels that must be short)."""
    x = float(x)
    return num(x) if not math.isfinite(x) or x == 0 else f"{x:.{digits}g}".replace("-", MINUS)


def tick_labels(values: list[float]) -> list[str]:
    """Labels for the y ticks with just enough digits (3 to 8) to tell them apart."""
    for digits in range(3, 9):
        labels = [short(v, digits) for v in values]
        if len(set(labels)) == len(labels):
            break
    return labels


class LossChart(PlotextPlot, can_focus=True):
    """A plotext line chart; non-finite costs are left out of the line and counted in the label.

    The label is chosen at render time from longest to shortest, so it fits the pane's width
    (plotext drops a title that does not fit).
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._key: tuple | None = None
        self.summary = ""
        self.labels: tuple[str, ...] = ()   # the label, longest first
        self.label = ""                     # the one the last render showed
        self._tick_width = 0
        self.hidden = False
        self.reached = True

    def show(self, costs: np.ndarray, current: int, known: np.ndarray | None = None, hidden: bool = False,
             reached: bool = True, cost_step: int = 0) -> None:
        """`costs` from Trace.cost_history, `known` from Trace.costs_known (a computed cost may
        be NaN; without `known`, NaN means not computed); `current` is 0-based. `reached`: the
        cursor has reached this iteration's cost step (`cost_step`, 1-based), so its cost may be shown."""
        view = costs_so_far(costs, known, current, reached, hidden)
        computed_now = 0 <= current < len(costs) and bool(
            ~np.isnan(costs[current]) if known is None else known[current])
        # repr: a NaN cost equals itself as text, not as a float, and an unchanged chart is not redrawn.
        key = (current, view.counted, len(view.iterations), view.non_finite, repr(view.current), computed_now,
               len(costs), hidden, reached, cost_step)
        if key == self._key:
            return
        self._key = key
        self.hidden = hidden    # a quiz question waits: this iteration's cost is not shown
        self.reached = reached
        self.labels = self._labels(view, current, hidden, reached, computed_now, cost_step)
        self.summary = self.labels[0]
        xs, ys = view.iterations + 1, view.values
        log = bool(len(ys)) and float(ys.min()) > 0 and float(ys.max()) / float(ys.min()) > 100
        if log:   # a falling (or diverging) cost spans decades: plot the exponent instead
            ys = np.log10(ys)
        if len(xs) > MAX_POINTS:   # keep every k-th point plus the last, so the shape survives
            keep = np.unique(np.append(np.linspace(0, len(xs) - 1, MAX_POINTS).astype(int), len(xs) - 1))
            xs, ys = xs[keep], ys[keep]
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel("iteration")
        plt.ylabel("log₁₀ cost" if log else "")
        self._tick_width = 0
        right = max(current + 1, 2)
        if len(xs):
            plt.plot(xs.tolist(), ys.tolist(), marker="braille", color="cyan")
            now = view.current
            if now is not None and math.isfinite(now) and (now > 0 or not log):
                plt.scatter([current + 1], [math.log10(now) if log else now], marker="●", color="orange")
            lo, hi = float(ys.min()), float(ys.max())
            if hi == lo:
                hi, lo = hi + (abs(hi) or 1) * 0.1, lo - (abs(lo) or 1) * 0.1
            plt.ylim(lo, hi)
            # Ticks of our own, so their width is known and the label can be fitted beside them.
            ticks = [lo + (hi - lo) * k / (Y_TICKS - 1) for k in range(Y_TICKS)]
            labels = tick_labels(ticks)
            plt.yticks(ticks, labels)
            self._tick_width = max(map(len, labels))
        plt.xlim(1, right)
        xt = sorted({int(round(1 + (right - 1) * f)) for f in (0, 0.25, 0.5, 0.75, 1)})
        plt.xticks(xt, [str(t) for t in xt])
        plt.vline(current + 1, "orange")
        # plotext redraws the whole chart, slowly: in the frame after the one with the new step.
        self.call_after_refresh(self.refresh)

    @staticmethod
    def _labels(view: CostsSoFar, current: int, hidden: bool, reached: bool, computed_now: bool,
                cost_step: int) -> tuple[str, ...]:
        """The label from longest to shortest; every one says this iteration's state."""
        n = current + 1
        if hidden:
            states = ("hidden until you answer", "hidden until you answer", "hidden")
        elif not reached:
            until = f"until step {cost_step}" if cost_step else "until its loss step"
            states = (f"pending {until}", f"pending {until}", "pending")
        elif view.current is None or not computed_now:
            states = ("not computed yet", "not computed yet", "not computed")
        else:
            states = (num(view.current), short(view.current), short(view.current))
        bad = view.non_finite
        span = "iteration 1" if view.counted == 1 else f"iterations 1–{view.counted}"
        tails = ((f" · non-finite in {bad} of {span}", f" · {bad} of {view.counted} non-finite",
                  f" · {bad} non-finite") if bad else ("", "", ""))
        return (f"cost · iteration {n}: {states[0]}{tails[0]}",
                f"cost · it {n}: {states[1]}{tails[1]}",
                f"it {n}: {states[1]}{tails[2]}",
                f"it {n}: {states[2]}",
                states[2])

    def render(self) -> RenderResult:
        room = self.size.width - max(self._tick_width, 3) - 2
        fits = [t for t in self.labels if len(t) <= room]
        self.label = fits[0] if fits else (self.labels[-1] if self.labels else "")
        self.plt.title(self.label)
        try:
            return super().render()
        except (OverflowError, ValueError, ZeroDivisionError):   # plotext cannot scale some ranges
            return Text(f"{self.summary}\n(the values cannot be drawn at this scale)")
