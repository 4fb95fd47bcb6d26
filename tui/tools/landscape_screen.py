"""The loss landscape along one parameter: the curve, the tangent with the gradient as slope, the update."""
from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static
from textual_plotext import PlotextPlot

from ...core.formatting import num
from ...core.landscape import Landscape, half_width, landscape, tangent_within, y_range
from ...core.trace import Trace
from ...core.watch import WatchError, param_element


# plotext's "orange" is colour 3 of the terminal's palette: the legend uses the same colours.
LEGEND = Text.assemble(("━━ ", "cyan"), ("cost", "bold"), "   ", ("━━ ", "color(3)"), ("tangent", "bold"),
                       " (slope = gradient)   ", ("● ", "red"), ("now", "bold"), "   ", ("▲ ", "green"),
                       ("after the update", "bold"), " (the vertical line)")


class LandscapeChart(PlotextPlot, can_focus=False):
    """The curve, the tangent and the point, drawn so that all three stay visible.

    The y-limits come from the curve alone; the tangent is cut where it leaves them. Plotext
    draws later series over earlier ones, so the tangent goes first, then the curve, the update,
    and the current point last, on top of everything. The legend is a line above the chart
    (`LEGEND`): plotext's own would cover the top-left corner of the plot, where a curve may run.
    """

    def show(self, ls: Landscape) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        name = f"{ls.param}[{ls.index[0]},{ls.index[1]}]"
        plt.title(f"cost as {name} varies (every other parameter fixed)")
        plt.xlabel(name)
        ok = np.isfinite(ls.costs)
        limits = y_range(ls)
        if limits is not None:
            lo, hi = limits
            txs, tys = tangent_within(ls, lo, hi)
            if len(txs):
                plt.plot(txs.tolist(), tys.tolist(), marker="braille", color="orange")
            plt.plot(ls.xs[ok].tolist(), ls.costs[ok].tolist(), marker="braille", color="cyan")
            if math.isfinite(ls.c_next) and math.isfinite(ls.p_next):
                plt.vline(ls.p_next, "green")
                plt.scatter([ls.p_next], [ls.c_next], marker="▲", color="green")
            if math.isfinite(ls.c0):
                plt.scatter([ls.p0], [ls.c0], marker="●", color="red")
            plt.ylim(lo, hi)
            plt.xlim(float(ls.xs.min()), float(ls.xs.max()))
        self.refresh()


class LandscapeScreen(ModalScreen[None]):
    """+ and − zoom; a new element can be typed in the field."""

    AUTO_FOCUS = ""   # the keys below, not the element field, have the keyboard until e is pressed
    BINDINGS = [
        Binding("e", "edit", "Element…", tooltip="Type another parameter element, e.g. W2[0,1]"),
        Binding("escape,l", "close", "Close"),
        Binding("plus,equals_sign", "zoom(0.5)", "Zoom in"),
        Binding("minus", "zoom(2.0)", "Zoom out"),
    ]

    def __init__(self, trace: Trace, iteration: int, element: str) -> None:
        super().__init__()
        self.trace, self.iteration, self.element = trace, iteration, element
        self.width: float | None = None
        self.param: str | None = None
        self.index: tuple[int, int] = (0, 0)
        self.data: Landscape | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="ls-dialog"):
            yield Static(Text.assemble(("Loss landscape along one parameter", "bold"),
                                       ("   + / − zoom · e element · Esc closes", "dim")), id="ls-title")
            with Horizontal(classes="tool-field"):
                yield Label("Parameter element", classes="tool-label")
                yield Input(self.element, id="ls-element", classes="tool-input")
            yield Static(LEGEND, id="ls-legend")
            yield LandscapeChart(id="ls-chart")
            yield Static("", id="ls-info")

    def on_mount(self) -> None:
        self._load(self.element)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.width = None
        self._load(event.value)
        self.set_focus(None)

    def _load(self, text: str) -> None:
        try:
            self.param, self.index = param_element(self.trace, text)
        except WatchError as exc:
            self.query_one("#ls-info", Static).update(Text(str(exc), "red"))
            return
        self.element = f"{self.param}[{self.index[0]},{self.index[1]}]"
        self.query_one("#ls-info", Static).update(Text("computing the curve …", "dim"))
        self._compute(self.param, self.index, self.width)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _compute(self, param: str, index: tuple[int, int], width: float | None) -> None:
        data = landscape(self.trace, self.iteration, param, index, width=width)
        self.app.call_from_thread(self._show, data)

    def action_zoom(self, factor: float) -> None:
        if self.data is None or self.param is None:
            return
        d = self.data
        self.width = (self.width or half_width(d.p0, d.p0 - d.p_next)) * factor
        self._compute(self.param, self.index, self.width)

    def _show(self, d: Landscape) -> None:
        self.data = d
        self.query_one(LandscapeChart).show(d)
        name = f"{d.param}[{d.index[0]},{d.index[1]}]"
        info = Text()
        info.append(f"iteration {d.iteration + 1}: ", "bold")
        info.append(f"{name} = {num(d.p0)}, cost {num(d.c0)}; the gradient ∂C/∂{name} = {num(d.slope)} "
                    "is the slope of the tangent.\n")
        if d.frozen:
            info.append(f"{d.param} is frozen: the update leaves it at {num(d.p0)}.")
        else:
            slope = num(d.slope) if d.slope >= 0 else f"({num(d.slope)})"
            if d.optimizer != "sgd":   # the step comes from the optimiser's state, not from η·g alone
                info.append(f"The {d.optimizer} update (see its update steps) moves it to ")
            else:
                info.append(f"The update moves it to {name} − η·∂C/∂{name} = {num(d.p0)} − {d.lr:g}·{slope} = ")
            info.append(num(d.p_next), "bold")
            info.append(f", where this curve is at {num(d.c_next)}")
            if math.isfinite(d.c_next) and math.isfinite(d.c0):
                info.append(" (lower)" if d.c_next < d.c0 else " (not lower: the step overshoots)" if d.c_next > d.c0
                            else " (the same)")
            info.append(".")
            span = float(d.xs[-1] - d.xs[0]) if len(d.xs) > 1 else 0.0
            if span > 0 and abs(d.p_next - d.p0) < span / 200:
                info.append(f" The step is {abs(d.p_next - d.p0):.2g}, too small to see at this scale "
                            "(+ zooms in): a gradient this small barely moves the parameter.", "bold")
            info.append("\nThe other parameters move at the same time, so the next iteration's cost is "
                        "not exactly this curve's value.", "dim")
        if not d.finite:
            info.append("\nThe numbers here are not finite (the run has diverged): nothing to draw.", "bold red")
        self.query_one("#ls-info", Static).update(info)

    def action_edit(self) -> None:
        self.query_one("#ls-element", Input).focus()

    def action_close(self) -> None:
        self.dismiss(None)
