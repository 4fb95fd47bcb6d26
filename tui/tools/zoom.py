"""The zoom tool mixed into the app: x asks for a gradient element; a click on a value opens it too."""
from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from ..panes.sign_grid import SignGridView
from ..panes.tensor_view import TensorView
from ..screens.prompt import PromptDialog


class ZoomDialog(PromptDialog):
    def __init__(self, check, suggestion: str = "") -> None:
        super().__init__(
            "zoomask", "Zoom on one gradient element",
            "As a watch writes it: W1[0,1] (the gradient of W1), b2[0], delta1[0,3], dL_da1[1,0], "
            "dL_dyhat[0,0]. Indices from 0; for δ and ∂L/∂a the second is the sample.",
            check, placeholder="e.g. W1[0,1]", value=suggestion)


class ZoomTools(App):
    """Opens the zoom at the cursor's iteration; bad elements become a notice, never a traceback."""

    BINDINGS = [
        Binding("x", "zoom", "Zoom", show=False,
                tooltip="One gradient element as scalars: per-sample lines, the reduction and every chain-rule "
                        "path (a click on a value of the Tensors pane or the sign grid opens it too)"),
    ]

    def _zoom_suggestion(self) -> str:
        """This step's gradient at [0,0], or the gradient of W1 when the step computes none."""
        from ...core.explain import ExplainError, resolve   # here, not at the top: not needed to start
        step = self.current_step
        trace = self.trace()
        for name in (step.result.name, *(t.name for t in step.inputs), f"d{step.param or ''}"):
            try:
                t = resolve(trace, f"{name}[0,0]")
            except ExplainError:
                continue
            return f"{t.name}[{','.join(map(str, t.index))}]"
        return "W1[0,0]"

    def action_zoom(self) -> None:
        if self.screen is not self.screen_stack[0] or self.quiz_blocks("the zoom"):  # type: ignore[attr-defined]
            return
        from ...core.explain import ExplainError, resolve   # here, not at the top: not needed to start
        trace = self.trace()

        def check(text: str) -> str | None:
            try:
                resolve(trace, text)
            except ExplainError as exc:
                return str(exc)
            return None

        self.push_screen(ZoomDialog(check, self._zoom_suggestion()), lambda text: text and self.open_zoom(text))

    def open_zoom(self, text: str) -> bool:
        """Open the zoom on `text` at the cursor's iteration; a notice says why when it cannot."""
        if self.quiz_blocks("the zoom"):  # type: ignore[attr-defined]
            return False
        from ...core.explain import ExplainError, explain   # here, not at the top: not needed to start
        from .zoom_screen import ZoomScreen
        trace, iteration = self.trace(), self.cursor.iteration
        try:
            e = explain(trace, iteration, text)
        except ExplainError as exc:
            self.notify(str(exc), title="Cannot zoom there", severity="warning", timeout=6)
            return False
        self.push_screen(ZoomScreen(trace, iteration, e, self.cursor.step))
        return True

    def on_tensor_view_cell_clicked(self, event: TensorView.CellClicked) -> None:
        event.stop()
        self.open_zoom(f"{event.name}[{event.row},{event.col}]")

    def on_sign_grid_view_cell_clicked(self, event: SignGridView.CellClicked) -> None:
        event.stop()
        if event.row is None:
            self.notify(f"{event.name} is drawn as block means here, one cell for many entries: press z and "
                        f"type the element, e.g. {event.name}[0,0]", title="Cannot zoom there", timeout=6)
            return
        self.open_zoom(f"d{event.name}[{event.row},{event.col}]")
