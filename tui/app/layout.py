"""Pane sizes that follow the content, a compact layout for small terminals, maximise and scroll.

The Step pane gets the rows its step needs (formula, numbers, every factor, the result), the sign
grid the rows of its grid; the network and the loss chart give way first, the tensors pane keeps a
few rows. Below COMPACT_WIDTH columns the Step and Tensors panes take the whole width and `s` swaps
in the other panes. `M` maximises the focused pane (Textual's Screen.maximize) and restores it.
"""
from __future__ import annotations

from textual.binding import Binding
from textual.widget import Widget

COMPACT_WIDTH = 100     # below this many columns, one column of panes at a time
NETWORK_ROWS = (5, 9)   # the network pane's content rows: fewest worth drawing, most it needs
TENSOR_MIN = 5          # the tensors pane never shrinks below this (3 rows of values)
LOSS_MIN = 9            # the loss chart's smallest readable height
BORDER = 2              # every pane has a round border: one row above, one below


def split_column(avail: int, step_rows: int, network_rows: int) -> tuple[int, int, int]:
    """Heights of (network, step, tensors) in a column of `avail` rows; 0 hides the network.

    The Step pane's content comes first, then the tensors' minimum, then the network, which is
    dropped rather than squeezed below its smallest useful size.
    """
    step = step_rows + BORDER
    network = network_rows + BORDER if network_rows > 0 else 0
    room = avail - step - TENSOR_MIN
    if room < network:
        network = room if room >= NETWORK_ROWS[0] + BORDER else 0
    step = max(3, min(step, avail - network - TENSOR_MIN))
    return network, step, max(0, avail - network - step)


class PaneLayout:
    """Mixed into the app: call `fit_panes()` after the panes have been shown a step."""

    LAYOUT_BINDINGS = [
        Binding("M", "maximise", "Max", tooltip="Maximise the focused pane (the Step pane if none); M or Esc restores"),
        Binding("s", "toggle_side", "Side", show=False,
                tooltip="Compact layout (under 100 columns): swap the Step and Tensors panes for the network, "
                        "signs and loss"),
        Binding("shift+down", "scroll_pane(0, 1)", "Scroll↓", show=False,
                tooltip="Scroll the focused pane (or the tensors) down a page; Tab moves the focus"),
        Binding("shift+up", "scroll_pane(0, -1)", "Scroll↑", show=False, tooltip="Scroll the focused pane up a page"),
        Binding("shift+right", "scroll_pane(1, 0)", "Scroll→", show=False,
                tooltip="Show the tensors pane's next columns"),
        Binding("shift+left", "scroll_pane(-1, 0)", "Scroll←", show=False, tooltip="Show the tensors' previous columns"),
    ]
    # The status line, the question pane and the Footer stay in view while a pane is maximised.
    ALLOW_IN_MAXIMIZED_VIEW = "StatusBar, Footer, #quiz"

    _fitted: tuple = ()
    compact = False

    def fit_panes(self) -> None:
        """Give each pane the rows its content needs (cheap when nothing changed)."""
        screen = self.step_view.screen   # type: ignore[attr-defined]  # the panes' screen, under any dialog
        if screen.maximized is not None:
            return
        left, right = self.query_one("#left"), self.query_one("#right")   # type: ignore[attr-defined]
        if not left.size.height:   # not laid out yet: the first resize fits the panes
            return
        width = self.size.width   # type: ignore[attr-defined]
        compact = width < COMPACT_WIDTH
        if compact != self.compact:
            self.compact = compact
            screen.set_class(compact, "-compact")
            self.tensors.border_subtitle = "s: network, signs, loss" if compact else ""   # type: ignore
            self.refresh_bindings()   # type: ignore[attr-defined]
            self.call_after_refresh(self.fit_panes)   # type: ignore[attr-defined]
            return
        step_rows = self.step_view.rows_needed(self.step_view.content_region.width)   # type: ignore[attr-defined]
        net_rows = min(max(max(self.network.sizes or (1,)) + 2, NETWORK_ROWS[0]), NETWORK_ROWS[1])  # type: ignore
        side = screen.has_class("-side")
        if compact and side:
            fitted = ("side",)
        else:
            network, step, tensors = split_column(left.size.height, step_rows, 0 if compact else net_rows)
            fitted = (network, step, tensors)
        others = sum(w.outer_size.height for w in right.children
                     if w.display and w not in (self.signs, self.loss))   # type: ignore[attr-defined]
        signs = max(5, min(self.signs.content_rows + BORDER, right.size.height - others - LOSS_MIN))  # type: ignore
        fitted += (signs, compact, side)
        if fitted == self._fitted:
            return
        self._fitted = fitted
        self.signs.styles.height = signs   # type: ignore[attr-defined]
        if compact and side:
            self.network.display = True   # type: ignore[attr-defined]
            self.network.styles.height = "1fr"   # type: ignore[attr-defined]
            return
        self.network.display = network > 0   # type: ignore[attr-defined]
        if network:
            self.network.styles.height = network   # type: ignore[attr-defined]
        self.step_view.styles.height = step   # type: ignore[attr-defined]

    def action_toggle_side(self) -> None:
        if not self.compact:
            self.notify("The network, signs and loss are already in view: s swaps panes only under "  # type: ignore
                        f"{COMPACT_WIDTH} columns", timeout=3)
            return
        screen = self.step_view.screen   # type: ignore[attr-defined]
        screen.toggle_class("-side")
        self.loss.border_subtitle = "s: back to the step" if screen.has_class("-side") else ""  # type: ignore
        self._fitted = ()
        self.call_after_refresh(self.fit_panes)   # type: ignore[attr-defined]

    def action_maximise(self) -> None:
        screen = self.step_view.screen   # type: ignore[attr-defined]
        if screen.maximized is not None:
            screen.minimize()
            self._fitted = ()
            self.call_after_refresh(self.fit_panes)   # type: ignore[attr-defined]
            return
        screen.maximize(self._pane(), container=False)

    def _pane(self) -> Widget:
        """The focused pane, or the Step pane when no pane has the focus."""
        focused = self.step_view.screen.focused   # type: ignore[attr-defined]
        panes = (self.network, self.step_view, self.tensors, self.signs, self.loss)   # type: ignore[attr-defined]
        return focused if focused in panes and focused.display else self.step_view   # type: ignore

    def action_scroll_pane(self, dx: int, dy: int) -> None:
        """Page through the focused pane (the tensors pane when none has the focus)."""
        focused = self.screen.focused   # type: ignore[attr-defined]
        pane = focused if focused in (self.step_view, self.signs) else self.tensors   # type: ignore[attr-defined]
        page = getattr(pane, "page", None)
        if page is not None:
            page(dx, dy)
            return
        view = pane.scrollable_content_region
        pane.scroll_relative(dx * max(1, view.width - 8), dy * max(1, view.height - 1), animate=False)
