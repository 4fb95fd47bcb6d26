"""The stepping debugger: holds the cursor, asks the trace for the step, hands it to the panes."""
from __future__ import annotations

import argparse
import gc
from collections import OrderedDict

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Footer, Static
from textual.timer import Timer

from ...core.cost_view import cost_step
from ...core.cursor import Cursor, GotoError, Shape
from ...core.scenario import Scenario
from ...core.trace import Step, Trace
from ..tools.debugger import DebuggerTools
from ..tools.zoom import ZoomTools
from .palette import ChainstepCommands
from .jumps import TraceJumps
from .layout import PaneLayout
from .loading import ScenarioLoading
from .served import ServedDownloads
from ..recording.recorder import RecordingControls
from .memory import RememberedSession
from .parts import PartEnds
from .themes import ReadableThemes
from ..screens.goto import GotoDialog
from ..screens.help import HelpScreen
from ..screens.picker import ScenarioPicker
from ..quiz.controls import QuizControls
from ..panes.loss_chart import LossChart
from ..panes.network_view import NetworkView
from ..panes.sign_grid import ParamSigns, SignGridView
from ..panes.status_bar import StatusBar
from ..panes.step_view import StepView
from ..panes.tensor_view import TensorView

MIN_WIDTH, MIN_HEIGHT = 60, 20
STEP_CACHE = 512
WARM_DELAY = 0.02         # seconds after a frame before the neighbouring steps are prepared


class ChainstepApp(PartEnds, ReadableThemes, QuizControls, TraceJumps, PaneLayout, DebuggerTools, ZoomTools,
                   ScenarioLoading, ServedDownloads, RecordingControls, RememberedSession, App[int]):
    """Walk a scenario's trace one keystroke at a time, forwards and backwards."""

    CSS_PATH = "chainstep.tcss"
    AUTO_FOCUS = None   # the panes take the focus by Tab; until then every key steps the debugger
    TITLE = "chainstep"
    COMMANDS = App.COMMANDS | {ChainstepCommands}
    BINDINGS = [
        Binding("space,right", "next_step", "Next", tooltip="Next step (crosses into the next iteration)"),
        Binding("left", "prev_step", "Back", tooltip="Previous step: shows exactly what it showed before"),
        Binding("question_mark", "help", "Help", tooltip="This list of keys"),
        Binding("q", "quit", "Quit", tooltip="Leave chainstep"),
        Binding("down", "next_phase", "Phase↓", tooltip="Start of the next phase: forward, loss, backward, update"),
        Binding("up", "prev_phase", "Phase↑", tooltip="Start of this phase, or of the previous one"),
        Binding("n,pagedown", "next_iteration", "Iter+", tooltip="Same step, next iteration"),
        Binding("p,pageup", "prev_iteration", "Iter−", tooltip="Same step, previous iteration"),
        Binding("home", "first_step", "First", tooltip="First step of this iteration"),
        Binding("end", "last_step", "Last", tooltip="Last step of this iteration"),
        Binding("e", "run_to_end", "Run", tooltip="Run to the end of this iteration (again: the next one)"),
        Binding("g", "goto", "Go to", tooltip="Go to a step: 13, backward.1.dW, 500:13 or i500"),
        Binding("right_square_bracket", "next_part", "Part+", tooltip="Next part of the scenario"),
        Binding("left_square_bracket", "prev_part", "Part−", tooltip="Previous part of the scenario"),
        Binding("r", "restart", "Restart", tooltip="First step of the first iteration"),
        Binding("o", "open_picker", "Open", tooltip="Open another bundled scenario"),
        Binding("escape", "cancel_jump", "Cancel jump", show=False,
                tooltip="Stop computing a far jump"),
        *PaneLayout.LAYOUT_BINDINGS,
        *QuizControls.QUIZ_BINDINGS,
    ]

    def __init__(self, scenario: Scenario, *, part: int = 0, iteration: int = 0, step: int = 0,
                 args: argparse.Namespace | None = None) -> None:
        super().__init__()
        self.args = args
        self.scenario = scenario
        self.cursor = self._cursor_for(scenario, part, iteration, step)
        self._steps: OrderedDict[tuple[int, int, int], Step] = OrderedDict()
        self._shown_part: int | None = None
        self._shown_iteration: int | None = None
        self._target: Cursor | None = None
        self._jumps_reset()
        self._warm_timer: Timer | None = None
        self.quiz_setup(args)

    # ---- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield NetworkView(id="network")
                yield StepView(id="step")
                yield TensorView(id="tensors")
            with Vertical(id="right"):
                yield SignGridView(id="signs")
                yield LossChart(id="loss")
                yield from self.compose_debugger_panes()
        yield from self.compose_quiz()
        yield Static("", id="too-small")
        yield Footer()

    def on_mount(self) -> None:
        self.status = self.query_one(StatusBar)
        self.network = self.query_one(NetworkView)
        self.step_view = self.query_one(StepView)
        self.tensors = self.query_one(TensorView)
        self.signs = self.query_one(SignGridView)
        self.loss = self.query_one(LossChart)
        self.network.border_title = "Network"
        self.step_view.border_title = "Step"
        self.tensors.border_title = "Tensors"
        self.signs.border_title = "Gradient signs"
        self.signs.border_subtitle = "brighter = larger"
        self.loss.border_title = "Loss"
        self._check_size()
        self.watch(self.screen, "maximized", self._maximised, init=False)
        self.show_position()
        self.quiz_mount()
        self.call_after_refresh(self._settle_heap)

    @staticmethod
    def _settle_heap() -> None:
        """Hide the objects that exist once the app is up from Python's cyclic garbage collector.

        Textual keeps tens of thousands of long-lived objects; a full collection over them took up
        to 70 ms and landed on random keys. Frozen, they are skipped (refcounting still frees
        them); `on_unmount` unfreezes them so a finished app can be collected.
        """
        gc.freeze()
        gc.enable()   # `chainstep` pauses the collector until the first frame (cli/open.py)

    def on_unmount(self) -> None:
        self.quiz_save()
        gc.unfreeze()

    def on_resize(self, event: events.Resize) -> None:
        self._check_size(event.size.width, event.size.height)
        self.call_after_refresh(self.fit_panes)

    def _maximised(self, widget: Widget | None) -> None:
        """Maximised or restored, by M, Esc or the command palette alike."""
        if widget is not None:   # the pane's fitted height would hold it to its size in the layout
            widget.styles.height = "1fr"
            return
        self._fitted = ()        # restored: sizes from the content again
        self.call_after_refresh(self.fit_panes)

    def _check_size(self, w: int | None = None, h: int | None = None) -> None:
        if w is None or h is None:
            w, h = self.size
        small = w < MIN_WIDTH or h < MIN_HEIGHT
        self.screen.set_class(small, "-too-small")
        if small:
            self.query_one("#too-small", Static).update(
                f"[b]This terminal is {w}×{h}.[/]\n\nchainstep needs at least {MIN_WIDTH}×{MIN_HEIGHT}.\n"
                "Make the window larger or the font smaller.\n\n[dim]q quits[/]")

    # ---- the model ----------------------------------------------------------------------
    @staticmethod
    def _cursor_for(scenario: Scenario, part: int = 0, iteration: int = 0, step: int = 0) -> Cursor:
        return Cursor.over([Shape.of(p.trace) for p in scenario.parts], part, iteration, step)

    def trace(self, part: int | None = None) -> Trace:
        return self.scenario.parts[self.cursor.part if part is None else part].trace

    def step_at(self, part: int, iteration: int, k: int) -> Step:
        """The Step at a position; cached so stepping back shows the very same object."""
        key = (part, iteration, k)
        step = self._steps.get(key)
        if step is None:
            step = self.trace(part).step(iteration, k)
            self._steps[key] = step
            if len(self._steps) > STEP_CACHE:
                self._steps.popitem(last=False)
        else:
            self._steps.move_to_end(key)
        return step

    @property
    def current_step(self) -> Step:
        c = self.cursor
        return self.step_at(c.part, c.iteration, c.step)

    # ---- showing ------------------------------------------------------------------------
    def show_position(self) -> None:
        """Push the current step to every pane; each pane skips work when nothing changed for it."""
        c = self.cursor
        part = self.scenario.parts[c.part]
        trace = part.trace
        step, hidden = self.quiz_view(self.current_step)
        key = (c.part, c.iteration, c.step, *hidden)
        if self._shown_part != c.part:
            self.network.set_model(part.model.sizes, tuple(a.name for a in part.model.activations))
            many = len(self.scenario.parts) > 1
            # Content, not a str: a border title in a str is parsed as markup, and a title is the file's text.
            self.network.border_title = Content(f"Network · part {c.part + 1}: {part.title}") if many else "Network"
        self.status.show(self.scenario.name, c.part + 1, len(self.scenario.parts), c.iteration + 1,
                         trace.iterations, c.step + 1, trace.n_steps, step.phase, step.id)
        self.network.show(step)
        self.step_view.show(step, key)
        self.tensors.show(step, key)
        self._show_signs(c, trace)
        hide_cost = self.quiz_hides_cost()
        k_cost = cost_step(c.shape.phases)
        reached = c.step >= k_cost   # no spoiler: this iteration's cost shows from its loss step on
        if (c.part, c.iteration) != (self._shown_part, self._shown_iteration) or hide_cost or self.loss.hidden \
                or reached != self.loss.reached:
            self.loss.show(trace.cost_history(), c.iteration, trace.costs_known(), hidden=hide_cost,
                           reached=reached, cost_step=k_cost + 1)
        self._shown_part, self._shown_iteration = c.part, c.iteration
        self.debugger_show()
        asking = self.quiz_panel.display
        self.quiz_show()
        self.show_part_end()
        self.fit_panes()
        if self.quiz_panel.display != asking:   # once laid out, the question pane changes the room there is
            self.call_after_refresh(self.fit_panes)
        self._schedule_warm()

    def _schedule_warm(self) -> None:
        """Once the frame is out and no key follows at once, prepare what comes either side."""
        if self._warm_timer is not None:
            self._warm_timer.stop()
        self._warm_timer = self.set_timer(WARM_DELAY, self._warm)

    def _warm(self) -> None:
        self._warm_timer = None
        self._prefetch_neighbours()   # after the frame, so its thread does not slow the frame down
        here = self.cursor
        for there in (here.next_step(), here.prev_step()):
            if there.iteration == here.iteration or not self.trace(there.part).distance(there.iteration):
                key = (there.part, there.iteration, there.step)
                step = self.step_at(*key)
                self.step_view.prepare(step, key)
                self.tensors.prepare(step)

    def _show_signs(self, c: Cursor, trace: Trace) -> None:
        specs = trace.specs
        reached = tuple(s.param for s in specs[: c.step + 1] if s.param and s.phase == "backward")
        applied = tuple(s.param for s in specs[: c.step + 1] if s.param and s.phase == "update")
        hidden = self.quiz_hidden_params()
        key = (c.part, c.iteration, reached, applied, hidden)
        if key == self.signs._key:
            return
        grads = trace.known_gradients(c.iteration, c.step) if reached else {}
        grads = {n: g for n, g in grads.items() if n not in hidden}
        where = {s.param: f"step {k + 1}" for k, s in enumerate(specs) if s.param and s.phase == "backward"}
        sizes = trace.model.sizes
        shapes = {n: (sizes[int(n[1:])], sizes[int(n[1:]) - 1] if n[0] == "W" else 1) for n in trace.model.param_names}
        where.update({name: "you answer" for name in hidden})
        params = [ParamSigns(name, grads.get(name), trace.is_frozen(name), name in applied, where.get(name, ""),
                             shapes[name]) for name in trace.model.param_names]
        self.signs.show(params, key)

    # ---- actions ------------------------------------------------------------------------
    def action_next_step(self) -> None:
        self.next_step_or_part()

    def action_prev_step(self) -> None:
        self.go(self.aim.prev_step())

    def action_next_phase(self) -> None:
        self.go(self.aim.next_phase())

    def action_prev_phase(self) -> None:
        self.go(self.aim.prev_phase())

    def action_next_iteration(self) -> None:
        self.go(self.aim.next_iteration())

    def action_prev_iteration(self) -> None:
        self.go(self.aim.prev_iteration())

    def action_first_step(self) -> None:
        self.go(self.aim.first_step())

    def action_last_step(self) -> None:
        self.go(self.aim.last_step())

    def action_run_to_end(self) -> None:
        self.go(self.aim.run_to_end())

    def action_restart(self) -> None:
        self.go(self.aim.restart())

    def action_next_part(self) -> None:
        self._to_part(self.aim.next_part(), "This is the last part")

    def action_prev_part(self) -> None:
        self._to_part(self.aim.prev_part(), "This is the first part")

    def _to_part(self, target: Cursor, at_end: str) -> None:
        if target.part == self.aim.part:
            n = len(self.scenario.parts)
            self.notify(at_end if n > 1 else "This scenario has a single part", timeout=2)
            return
        self.go(target)
        self.notify(self.scenario.parts[target.part].title, title=f"Part {target.part + 1}", timeout=3, markup=False)

    def action_jump(self, step_id: str) -> None:
        """Go to a step of the current iteration by id (factor and layer clicks)."""
        trace = self.trace(self.aim.part)
        if step_id in trace.step_ids:
            self.go(self.aim.at(step=trace.index_of(step_id)))

    def action_cancel_jump(self) -> None:
        self.cancel_jump() or self.cancel_search() or self.cancel_loading()

    def action_goto(self) -> None:
        def check(text: str) -> str | None:
            try:
                self.aim.goto(text)
            except GotoError as exc:
                return str(exc)
            return None

        def done(text: str | None) -> None:
            if text:
                self.go(self.aim.goto(text))

        t = self.trace()
        self.push_screen(GotoDialog(check, t.n_steps, t.iterations), done)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_open_picker(self) -> None:
        self.push_screen(ScenarioPicker(self.scenario.name, self.quiz.store, extra=self.served or ()),
                         lambda name: self.open_scenario(name) if name else None)

    def load(self, scenario: Scenario) -> None:
        self.cancel_jump()
        self.save_scenario_state()
        self.scenario = scenario
        self.cursor = self._cursor_for(scenario)
        self._steps.clear()
        self._jumps_reset()
        self._shown_part = self._shown_iteration = None
        self.quiz_attach()
        self.show_position()
        self.restore_scenario_state()
        self.call_after_refresh(self._settle_heap)
        self.notify(scenario.title, title=f"Opened {scenario.name}", timeout=3, markup=False)

    def on_network_view_layer_clicked(self, event: NetworkView.LayerClicked) -> None:
        """A layer: its forward step, or in the backward pass the gradient step that belongs to it."""
        backward = self.cursor.phase in ("backward", "update")
        if event.kind == "loss":
            sid = "backward.dyhat" if backward else "loss.L"
        else:
            l = max(1, event.layer or 0)
            if backward:
                sid = f"backward.{l}.dW" if event.kind == "edge" else f"backward.{l}.delta"
            else:
                sid = f"forward.{l}.u" if event.kind == "edge" or event.layer == 0 else f"forward.{l}.a"
        self.action_jump(sid)
