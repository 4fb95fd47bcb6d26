"""The zoom in the app: opened by x and by clicks, bad elements a notice, the numbers those of the trace."""
from __future__ import annotations

from chainstep.core.formatting import num
from chainstep.core.scenario import load_scenario, load_text
from chainstep.tui.app import ChainstepApp
from chainstep.tui.panes.sign_grid import SignGridView
from chainstep.tui.panes.tensor_view import TensorView
from chainstep.tui.screens.help import all_bindings, binding_rows
from chainstep.tui.tools.zoom import ZoomDialog
from chainstep.tui.tools.zoom_screen import ZoomScreen

SIZE = (130, 44)


def listen(app: ChainstepApp) -> list[str]:
    """Every notice the app shows, in order."""
    seen: list[str] = []
    show = app.notify

    def notify(message, *args, **kwargs):
        seen.append(str(message))
        return show(message, *args, **kwargs)

    app.notify = notify
    return seen


def zoom_text(app) -> str:
    return app.screen.query_one("#zoom-text").content.plain


def element(app, step_id: str, index: tuple[int, int]) -> float:
    return float(app.trace().step(app.cursor.iteration, step_id).result.value[index])


async def go(app, pilot, step_id: str) -> None:
    app.go(app.cursor.at(step=app.trace().index_of(step_id)))
    await pilot.pause()


async def test_x_asks_for_an_element_and_opens_the_zoom() -> None:
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await go(app, pilot, "backward.1.dW")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ZoomDialog)
        field = app.screen.query_one("Input")
        assert field.value == "dW1[0,0]"      # this step's gradient is offered
        field.value = ""
        await pilot.press(*"W1[0,1]", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ZoomScreen)
        text = zoom_text(app)
        want = num(element(app, "backward.1.dW", (0, 1))).replace("-", "−")
        assert "∂L/∂W₁[0,1] at iteration 1 (step backward.1.dW)" in text
        assert f"element [0,1]: {want}   scalar total: {want}" in text
        assert "Accumulation, in the order the backward pass adds them" in text
        assert "Not reached yet" not in text
        # another element from inside the zoom (e), then Esc back to the debugger where it was
        await pilot.press("e")
        box = app.screen.query_one("#zoom-element")
        box.value = "b2[0]"
        await pilot.press("enter")
        await pilot.pause()
        assert "∂L/∂b₂[0] at iteration 1" in zoom_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ZoomScreen) and app.cursor.step_id == "backward.1.dW"


async def test_a_bad_element_stays_in_the_dialog_with_what_is_allowed() -> None:
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        await pilot.pause()
        field = app.screen.query_one("Input")
        for text, message in [("W1[7,0]", "has no element [7,0]"), ("u1[0,0]", "not a gradient")]:
            field.value = text
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ZoomDialog)
            assert message in str(app.screen.query_one("#zoomask-error").content)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, (ZoomDialog, ZoomScreen))
        # at the first step the gradient is not computed yet: the zoom shows it and says so
        assert app.open_zoom("W2[0,1]")
        await pilot.pause()
        k = app.trace().index_of("backward.2.dW") + 1
        assert f"Not reached yet at the cursor: step {k} (backward.2.dW)" in zoom_text(app)


async def test_a_click_on_the_tensors_pane_zooms_on_that_value() -> None:
    app = ChainstepApp(load_scenario("xor"))
    seen = listen(app)
    async with app.run_test(size=SIZE) as pilot:
        await go(app, pilot, "backward.1.dW")
        tensors = app.query_one(TensorView)
        delta = next(b for b in tensors.blocks if b.tensor.name == "delta1")
        x_block = next(b for b in tensors.blocks if b.tensor.name == "x")
        # border 1, then the index column; the header line comes before row 0
        await pilot.click(TensorView, offset=(1 + tensors._index_w + 2 * 10 + 5, 1 + delta.start + 1 + 1))
        await pilot.pause()
        assert isinstance(app.screen, ZoomScreen)
        assert app.screen.explanation.target.name == "delta1" and app.screen.explanation.target.index == (1, 2)
        assert "δ₁[1,2] is how L responds to net₁[1] (u₁[1]) of sample 2" in zoom_text(app)
        await pilot.press("escape")
        await pilot.pause()
        # x is data, not a gradient: a notice, no zoom
        await pilot.click(TensorView, offset=(1 + tensors._index_w + 5, 1 + x_block.start + 1))
        await pilot.pause()
        assert not isinstance(app.screen, ZoomScreen)
        assert any("`x` is not a gradient" in s for s in seen)


async def test_a_click_on_the_sign_grid_zooms_on_that_gradient() -> None:
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await go(app, pilot, "backward.1.db")
        lines = app.signs.plain.splitlines()
        row = lines.index(next(s for s in lines if s.startswith("W₁"))) + 2   # W₁'s second row
        # border 1 + padding 1, two characters of indent, two per glyph: the second column
        await pilot.click(SignGridView, offset=(2 + 2 + 2, 1 + row))
        await pilot.pause()
        assert isinstance(app.screen, ZoomScreen)
        e = app.screen.explanation
        assert (e.target.name, e.target.index) == ("dW1", (1, 1))
        assert e.matrix == element(app, "backward.1.dW", (1, 1))


async def test_block_means_and_diverged_runs_give_a_notice() -> None:
    app = ChainstepApp(load_scenario("mnist-sized-mlp"))
    seen = listen(app)
    async with app.run_test(size=SIZE) as pilot:
        await go(app, pilot, "backward.1.db")
        lines = app.signs.plain.splitlines()
        row = lines.index(next(s for s in lines if s.startswith("W₁"))) + 2
        await pilot.click(SignGridView, offset=(2 + 2, 1 + row))
        await pilot.pause()
        assert not isinstance(app.screen, ZoomScreen)
        assert any("block means" in s for s in seen)
        # the zoom works on the big network all the same, from the key
        assert app.open_zoom("W1[5,300]")
        await pilot.pause()
        assert isinstance(app.screen, ZoomScreen)
        e = app.screen.explanation
        assert abs(e.total - e.matrix) <= 1e-12 * max(abs(e.matrix), 1e-300) + 1e-18
    text = """
title: diverged
network: {inputs: 1, layers: [{units: 1, activation: linear}]}
params: {W1: [[1e200]], b1: [0]}
data: {x: [[1e200]], y: [[0]]}
loss: mse
optimizer: {lr: 0.1}
iterations: 2
"""
    app = ChainstepApp(load_text(text))
    seen = listen(app)
    async with app.run_test(size=SIZE) as pilot:
        assert not app.open_zoom("W1[0,0]")
        await pilot.pause()
        assert not isinstance(app.screen, ZoomScreen)
        assert any("inf or NaN" in s for s in seen)


def test_the_key_has_a_description_for_the_help() -> None:
    app = ChainstepApp(load_scenario("xor"))
    rows = {keys: (desc, tip) for keys, desc, tip in binding_rows(app, all_bindings(app))}
    desc, tip = next(v for k, v in rows.items() if k.split(",")[0].strip().lower() == "x")
    assert desc == "Zoom" and "chain-rule path" in tip
