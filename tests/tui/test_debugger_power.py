"""Debugger tools in the app: breakpoints stop where they should both ways, watches, proof in place, views."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from chainstep.core.breakpoints import Breakpoint
from chainstep.core.scenario import load_scenario, load_text
from chainstep.tui.app import ChainstepApp
from chainstep.tui.tools.breakpoint_dialog import BreakpointDialog
from chainstep.tui.tools.gradcheck_screen import GradCheckScreen
from chainstep.tui.tools.landscape_screen import LandscapeChart, LandscapeScreen
from chainstep.tui.tools.minibatch_screen import MinibatchScreen
from chainstep.tui.tools.watch_dialog import WatchDialog
from chainstep.tui.panes.breakpoints_pane import BreakpointsPane
from chainstep.tui.panes.watch_pane import WatchPane

SIZE = (130, 44)
DATA = Path(__file__).resolve().parents[1] / "data"
DEEP_PART = 3        # scenario 05, "Five sigmoids deep: the gradient fades"
DEAD = (DATA / "dead_relu.yaml").read_text()


async def settle(app, pilot) -> None:
    """Let workers (search, checks, history) finish and their results reach the screen."""
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


def where(app) -> tuple[int, str]:
    return app.cursor.iteration, app.cursor.step_id


def text_of(widget) -> str:
    c = widget.content
    return c.plain if hasattr(c, "plain") else str(c)


async def jump(app, pilot, iteration: int, step_id: str) -> None:
    app.go(app.cursor.at(iteration=iteration, step=app.trace().index_of(step_id)))
    await settle(app, pilot)


# ---- breakpoints: every kind, forwards (c) and backwards (C) -------------------------------------

CASES = {
    # kind: (scenario, part, breakpoint, start, first forward stop, start for going back, backward stop)
    "step": ("xor", 0, Breakpoint("step", step_id="backward.1.dW"),
             (0, "forward.1.u"), (0, "backward.1.dW"), (5, "forward.1.u"), (4, "backward.1.dW")),
    "iteration": ("xor", 0, Breakpoint("iteration", iteration=40),
                  (0, "loss.L"), (40, "forward.1.u"), (300, "loss.L"), (40, "forward.1.u")),
    # w' = −2w with L = w², so the loss rises every iteration and the gradient 2w flips sign every time.
    "loss_rises": ("learning-rate-too-large", 0, Breakpoint("loss_rises"),
                   (0, "forward.1.u"), (1, "loss.L"), (5, "forward.1.u"), (4, "loss.L")),
    "sign_flip": ("learning-rate-too-large", 0, Breakpoint("sign_flip", param="W1", index=(0, 0)),
                  (0, "forward.1.u"), (1, "backward.1.dW"), (3, "forward.1.u"), (2, "backward.1.dW")),
    # ‖∂L/∂W₁‖ = |2w| = 2·2ⁱ first exceeds 100 at i = 6.
    "exploding": ("learning-rate-too-large", 0, Breakpoint("exploding", layer=1, threshold=100.0),
                  (0, "forward.1.u"), (6, "backward.1.dW"), (10, "forward.1.u"), (9, "backward.1.dW")),
    # Scenario 05's deep stack: ‖∂L/∂W₁‖ = 1/1024 < 1e-3 from the first iteration on.
    "vanishing": ("descent-and-the-chain-rule", DEEP_PART, Breakpoint("vanishing", layer=1, threshold=1e-3),
                  (0, "forward.1.u"), (0, "backward.1.dW"), (2, "forward.1.u"), (1, "backward.1.dW")),
}


@pytest.mark.parametrize("kind", list(CASES))
async def test_breakpoint_stops_forwards_and_backwards(kind) -> None:
    scenario, part, bp, start, fwd, back_from, back = CASES[kind]
    app = ChainstepApp(load_scenario(scenario), part=part)
    async with app.run_test(size=SIZE) as pilot:
        app.breakpoints().add(bp)
        await jump(app, pilot, *start)
        await pilot.press("c")
        await settle(app, pilot)
        assert where(app) == fwd
        pane = app.query_one(BreakpointsPane)
        assert "stopped here" in str(pane.get_option_at_index(0).prompt)
        await jump(app, pilot, *back_from)
        await pilot.press("C")
        await settle(app, pilot)
        assert where(app) == back


async def test_nonfinite_stops_where_inf_first_appears_both_ways() -> None:
    sc = load_scenario("learning-rate-too-large")
    trace = sc.parts[0].new_trace()

    def finite(i: int, k: int) -> bool:
        s = trace.step(i, k)
        return all(np.all(np.isfinite(v)) for v in (s.result.value, *(t.value for t in s.inputs)))

    first = next((i, k) for i in range(500, trace.iterations) for k in range(trace.n_steps) if not finite(i, k))
    app = ChainstepApp(sc)
    async with app.run_test(size=SIZE) as pilot:
        app.breakpoints().add(Breakpoint("nonfinite"))
        await pilot.press("c")
        await settle(app, pilot)
        assert (app.cursor.iteration, app.cursor.step) == first
        # From well past it, going back finds the last place a non-finite value appears; never the start.
        await jump(app, pilot, trace.iterations - 1, "forward.1.u")
        await pilot.press("C")
        await settle(app, pilot)
        i, k = app.cursor.iteration, app.cursor.step
        assert (i, k) >= first and not finite(i, k)


async def test_dead_relu_stops_at_the_activation_step() -> None:
    app = ChainstepApp(load_text(DEAD, "dead.yaml"))
    async with app.run_test(size=SIZE) as pilot:
        app.breakpoints().add(Breakpoint("dead_relu", layer=1))
        await pilot.press("c")
        await settle(app, pilot)
        assert where(app) == (0, "forward.1.a")
        await pilot.press("c")
        await settle(app, pilot)
        assert where(app) == (1, "forward.1.a")
        await pilot.press("C")
        await settle(app, pilot)
        assert where(app) == (0, "forward.1.a")


async def test_b_toggles_a_breakpoint_on_this_step_and_continue_reaches_it() -> None:
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await jump(app, pilot, 0, "backward.2.dW")
        await pilot.press("b")
        assert app.breakpoints().on_step("backward.2.dW")
        assert "● breakpoint" in app.status.plain
        await pilot.press("c")
        await settle(app, pilot)
        assert where(app) == (1, "backward.2.dW")
        await pilot.press("b")
        assert not app.breakpoints().on_step("backward.2.dW")
        await pilot.press("c")            # nothing left to stop at: the cursor stays
        await settle(app, pilot)
        assert where(app) == (1, "backward.2.dW")


async def test_condition_dialog_adds_a_vanishing_breakpoint_and_reports_mistakes() -> None:
    app = ChainstepApp(load_scenario("descent-and-the-chain-rule"), part=DEEP_PART)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("B")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, BreakpointDialog)
        await pilot.press("enter")                  # vanishing is first: Enter goes to its first field
        await pilot.press("9", "enter")             # layer 9 does not exist
        await pilot.pause()
        assert "layer 9" in text_of(dialog.query_one("#bp-error"))
        assert isinstance(app.screen, BreakpointDialog)
        await pilot.press("backspace", "1", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, BreakpointDialog)
        [bp] = app.breakpoints()
        assert (bp.kind, bp.layer, bp.threshold) == ("vanishing", 1, 1e-3)


@pytest.mark.parametrize("downs,fields,expected", [
    (1, {"layer": "2", "threshold": "50"}, Breakpoint("exploding", layer=2, threshold=50.0)),
    (2, {}, Breakpoint("nonfinite")),
    (3, {"threshold": "0.01"}, Breakpoint("loss_rises", threshold=0.01)),
    (4, {"element": "dW2[0,0]"}, Breakpoint("sign_flip", param="W2", index=(0, 0))),
    (6, {"step": "loss.L", "iteration": "3"}, Breakpoint("step", step_id="loss.L", iteration=2)),
    (7, {"iteration": "12"}, Breakpoint("iteration", iteration=11)),
])
async def test_condition_dialog_builds_each_kind(downs, fields, expected) -> None:
    app = ChainstepApp(load_scenario("descent-and-the-chain-rule"), part=DEEP_PART)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("B")
        await pilot.pause()
        await pilot.press(*["down"] * downs)
        for name, value in fields.items():
            app.screen.query_one(f"#bp-{name}").value = value
        await pilot.press("enter")
        if fields:      # Enter on the list moves into the first field; Enter there adds
            await pilot.press("enter")
        await pilot.pause()
        assert list(app.breakpoints()) == [expected]


async def test_escape_interrupts_a_long_run_which_reports_progress() -> None:
    app = ChainstepApp(load_scenario("mnist-sized-mlp"))
    async with app.run_test(size=SIZE) as pilot:
        app.breakpoints().add(Breakpoint("loss_rises", threshold=1e9))   # never hits: a run to the end
        await pilot.press("c")
        for _ in range(200):
            await pilot.pause(0.05)
            if "searched" in app.status.plain:
                break
        assert "Esc stops" in app.status.plain and "searched" in app.status.plain
        await pilot.press("escape")
        await settle(app, pilot)
        assert "searched" not in app.status.plain
        assert 0 < app.cursor.iteration < app.trace().iterations - 1   # stands where the run had got to


async def test_scenario_breakpoints_are_listed_and_can_be_switched_off_and_deleted() -> None:
    app = ChainstepApp(load_scenario(DATA / "deep_sigmoid.yaml"))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(BreakpointsPane)
        assert pane.option_count == 1 and "(scenario)" in str(pane.get_option_at_index(0).prompt)
        assert app.focused is None                  # the pane never takes the stepping keys by itself
        await pilot.press("k")
        assert app.focused is pane
        await pilot.press("space")
        assert not app.breakpoints().items[0].enabled
        await pilot.press("c")                      # c is not a pane key: it reaches the app, nothing is on
        await settle(app, pilot)
        assert where(app) == (0, "forward.1.u")
        await pilot.press("space")
        assert app.breakpoints().items[0].enabled
        await pilot.press("d")
        assert len(app.breakpoints()) == 0 and app.focused is None
        await pilot.press("space")                  # stepping again
        assert app.cursor.step == 1


# ---- watches ---------------------------------------------------------------------------------------

async def test_watch_shows_value_and_history_and_can_be_removed() -> None:
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=SIZE) as pilot:
        trace = app.trace()
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, WatchDialog)
        inp = app.screen.query_one("#watch-input")
        inp.value = "W9[0,0]"
        await pilot.press("enter")
        await pilot.pause()
        assert "no tensor is called `W9`" in text_of(app.screen.query_one("#watch-error"))
        inp.value = "W1[0,1]"
        await pilot.press("enter")
        await settle(app, pilot)
        pane = app.query_one(WatchPane)
        assert pane.display and len(pane.texts) == 1
        w01 = trace.record(0).params["W1"][0, 1]
        assert f"W₁[0,1] = {w01:.6g}".replace("-", "−") in pane.texts[0]
        for _ in range(3):
            await pilot.press("n")
        await settle(app, pilot)
        assert f"= {trace.record(3).params['W1'][0, 1]:.6g}".replace("-", "−") in pane.texts[0]
        assert "over iterations 1–4" in pane.texts[0]
        # A gradient not yet computed in this iteration shows the last one, and says so.
        await pilot.press("w")
        await pilot.pause()
        app.screen.query_one("#watch-input").value = "∂L/∂ŷ"
        await pilot.press("enter")
        await settle(app, pilot)
        assert "from iteration 3" in pane.texts[1]
        await jump(app, pilot, 3, "backward.dyhat")
        assert "from iteration" not in pane.texts[1] and "‖∂L/∂ŷ‖ over iterations 1–4" in pane.texts[1]
        # Typing a watched expression again removes it.
        await pilot.press("w")
        await pilot.pause()
        app.screen.query_one("#watch-input").value = "W1[0,1]"
        await pilot.press("enter")
        await settle(app, pilot)
        assert len(pane.texts) == 1 and "∂L/∂ŷ" in pane.texts[0]


# ---- proof in place and the two views -----------------------------------------------------------

async def test_gradient_check_beside_the_analytic_value() -> None:
    app = ChainstepApp(load_scenario("descent-and-the-chain-rule"), part=DEEP_PART)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await settle(app, pilot)
        assert isinstance(app.screen, GradCheckScreen)
        assert "computes no gradient" in text_of(app.screen.query_one("#gc-table"))
        await pilot.press("escape")
        await jump(app, pilot, 0, "backward.1.dW")
        await pilot.press("f")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, GradCheckScreen) and screen.result is not None
        [e] = screen.result.elements
        assert e.analytic == pytest.approx(-1 / 1024) and e.numeric == pytest.approx(-1 / 1024, rel=1e-6)
        assert "✓ the chain rule agrees" in text_of(screen.query_one("#gc-verdict"))
        await pilot.press("f")                      # f again closes it
        assert not isinstance(app.screen, GradCheckScreen)
        await jump(app, pilot, 0, "update.W1")      # an update checks the gradient it applies
        await pilot.press("f")
        await settle(app, pilot)
        assert app.screen.target == "backward.1.dW" and app.screen.result.ok


async def test_gradient_check_includes_the_watched_element_of_a_big_tensor() -> None:
    app = ChainstepApp(load_scenario("mnist-sized-mlp"))
    async with app.run_test(size=SIZE) as pilot:
        await jump(app, pilot, 0, "backward.2.dW")
        await pilot.press("w", *"W2[63,127]", "enter")
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        screen = app.screen
        r = screen.result
        assert r.ok and 24 <= len(r.elements) <= 25        # 24 sampled of 8,192, and the watched one
        assert screen.include == ((63, 127),) and (63, 127) in [e.index for e in r.elements]
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(screen.query_one("#gc-table").content)
        assert "[63,127] ◀ watched" in console.export_text()


async def test_minibatch_view_per_sample_mean_equals_batch() -> None:
    app = ChainstepApp(load_scenario("one-scalar-for-a-minibatch"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, MinibatchScreen)
        v = screen.view
        assert v.per_sample == (2.0, 8.0, 18.0, 32.0) and v.combined == v.batch == 15.0
        counts = text_of(screen.query_one("#mb-counts"))
        assert "equal" in counts and "batch route 2" in counts and "per-sample route 8" in counts
        assert "same both ways" in counts
        await pilot.press("t")                      # the batch route alone
        assert not screen.per_sample
        await pilot.press("e")
        inp = screen.query_one("#mb-element")
        assert app.focused is inp
        inp.value = "b1"
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.view.param == "b1" and screen.view.per_sample == (2.0, 4.0, 6.0, 8.0)
        assert screen.view.batch == 5.0


async def test_landscape_tangent_and_update_point() -> None:
    app = ChainstepApp(load_scenario("descent-and-the-chain-rule"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, LandscapeScreen)
        d = screen.data
        lr = app.trace().model.lr
        assert (d.param, d.index, d.p0, d.slope) == ("W1", (0, 0), 2.0, 4.0)   # L = w², dL/dw = 2w
        assert d.p_next == pytest.approx(2.0 - lr * 4.0)
        info = text_of(screen.query_one("#ls-info"))
        assert f"= {d.p_next:g}" in info and "(lower)" in info
        width = d.xs[-1] - d.xs[0]
        await pilot.press("plus")
        await settle(app, pilot)
        assert screen.data.xs[-1] - screen.data.xs[0] < width
        assert screen.query_one(LandscapeChart).size.height > 5
        await pilot.press("escape")
        assert not isinstance(app.screen, LandscapeScreen)


async def test_done_when_vanishing_breakpoint_watch_check_landscape() -> None:
    """The issue's walk-through, with keys only: a new user in the deep sigmoid stack."""
    app = ChainstepApp(load_scenario("descent-and-the-chain-rule"))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(DEEP_PART):
            await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert app.cursor.part == DEEP_PART
        await pilot.press("B", "enter", "1", "enter")      # vanishing, layer 1, default threshold 1e-3
        await pilot.pause()
        await pilot.press("c")
        await settle(app, pilot)
        assert where(app) == (0, "backward.1.dW")
        await pilot.press("w", *"W1[0,0]", "enter")
        await settle(app, pilot)
        assert "W₁[0,0] = 1" in app.query_one(WatchPane).texts[0]
        await pilot.press("f")
        await settle(app, pilot)
        assert app.screen.result.ok
        await pilot.press("escape", "l")
        await settle(app, pilot)
        assert isinstance(app.screen, LandscapeScreen) and app.screen.data.param == "W1"
        assert app.screen.data.slope == pytest.approx(-1 / 1024)


async def test_help_lists_the_debugger_keys() -> None:
    from chainstep.tui.screens.help import all_bindings, binding_rows
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=SIZE):
        rows = {desc for _, desc, _ in binding_rows(app, all_bindings(app))}
        assert {"Break", "Continue", "Reverse", "Condition…", "Breakpoints", "Watch", "Check grad",
                "Minibatch", "Landscape"} <= rows
