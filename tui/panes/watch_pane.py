"""The watch pane: each watched tensor or element, its value at this step, and a sparkline of its history."""
from __future__ import annotations

import math
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

from ...core.formatting import num, tensor
from ...core.summary import stats


@dataclass(frozen=True)
class WatchShown:
    """What one row shows; made by the app from a core Watch (no numerics here)."""

    label: str
    history_label: str
    value: object | None            # numpy array, or None when nothing is known yet
    note: str                       # e.g. "from iteration 4: not computed yet in this one"
    iterations: tuple[int, ...]     # 0-based
    values: tuple[float, ...]
    current: int                    # 0-based iteration of the cursor


# Each watch draws in its own colour, and its label starts with a swatch of it, so several
# sparklines are told apart: (plotext colour, the same colour for rich text). plotext's
# "orange" is colour 3 of the terminal's palette.
COLOURS = (("cyan", "cyan"), ("magenta", "magenta"), ("green", "green"), ("orange", "color(3)"),
           ("blue", "blue"), ("red", "red"))


def colour_of(k: int) -> tuple[str, str]:
    """The (plotext, rich) colour of the k-th watch (0-based), repeating after six."""
    return COLOURS[k % len(COLOURS)]


class Sparkline(PlotextPlot, can_focus=False):
    """A frameless plotext line of the history, the current iteration marked."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._key: tuple | None = None

    def show(self, its: tuple[int, ...], values: tuple[float, ...], current: int, colour: str = "cyan") -> None:
        key = (its, values, current, colour)
        if key == self._key:
            return
        self._key = key
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.frame(False)
        plt.xticks([])
        plt.yticks([])
        pts = [(i + 1, v) for i, v in zip(its, values) if math.isfinite(v)]
        if pts:
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            plt.plot(xs, ys, marker="braille", color=colour)
            if its and its[-1] == current and math.isfinite(values[-1]):
                plt.scatter([current + 1], [values[-1]], marker="●", color=colour)
            lo, hi = min(ys), max(ys)
            if hi == lo:
                hi, lo = hi + (abs(hi) or 1) * 0.1, lo - (abs(lo) or 1) * 0.1
            plt.ylim(lo, hi)
        self.refresh()


class WatchRow(Horizontal):
    def compose(self) -> ComposeResult:
        yield Static("", classes="watch-text")
        yield Sparkline(classes="watch-spark")

    def show(self, w: WatchShown, k: int = 0) -> None:
        """Row `k` (0-based) of the pane: its colour, and the swatch before the label, say which sparkline is its."""
        plot_colour, text_colour = colour_of(k)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("━━ ", text_colour)
        text.append(w.label, "bold")
        text.append(" = ")
        if w.value is None:
            text.append("not computed yet", "dim")
        else:
            text.append(_value(w.value))
        if w.note:
            text.append(f"\n{w.note}", "dim")
        if w.values:
            finite = [v for v in w.values if math.isfinite(v)]
            span = f"{num(min(finite))} … {num(max(finite))}" if finite else "non-finite"
            text.append(f"\n{w.history_label} over iterations {w.iterations[0] + 1}–{w.iterations[-1] + 1}: {span}",
                        "dim")
        self.query_one(".watch-text", Static).update(text)
        self.query_one(Sparkline).show(w.iterations, w.values, w.current, plot_colour)


def _value(value) -> str:
    """A number in full; a small tensor written out; a big one summarised."""
    import numpy as np
    arr = np.asarray(value)
    if arr.size <= 6:
        return tensor(arr)
    s = stats(arr)
    shape = "×".join(map(str, arr.shape))
    bad = f", {s.nonfinite} non-finite" if s.nonfinite else ""
    return f"⟨{shape}⟩ ‖·‖ {num(s.norm)}, min {num(s.min)}, max {num(s.max)}{bad}"


class WatchPane(Vertical, can_focus=False):
    """One row per watch, in the order they were added; hidden while there are none."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._count = -1

    def show(self, rows: list[WatchShown]) -> None:
        if len(rows) != self._count:
            self._count = len(rows)
            self.remove_children()
            self.mount_all([WatchRow(classes="watch-row") for _ in rows])
            self.call_after_refresh(self._fill, rows)
        else:
            self._fill(rows)
        self.set_class(not rows, "-empty")

    def _fill(self, rows: list[WatchShown]) -> None:
        for k, (row, shown) in enumerate(zip(self.query(WatchRow), rows)):
            row.show(shown, k)

    @property
    def texts(self) -> list[str]:
        """The text of each row, for tests."""
        out = []
        for s in self.query(".watch-text").results(Static):
            c = s.content
            out.append(c.plain if isinstance(c, Text) else str(c))
        return out
