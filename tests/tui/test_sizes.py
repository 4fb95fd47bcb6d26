"""Any terminal size, and resizing while stepping: never a crash, and below the smallest usable
layout a notice that names the size needed. Also a diverged run (inf, NaN in every pane) at the
extremes of size, where the panes have the least room to show them.
"""
from __future__ import annotations

import pytest

from chainstep.core.scenario import Scenario, load_scenario, load_text
from chainstep.tui.app import MIN_HEIGHT, MIN_WIDTH, ChainstepApp
from chainstep.tui.app.layout import COMPACT_WIDTH

SIZES = [(40, 12), (59, 20), (60, 19), (MIN_WIDTH, MIN_HEIGHT), (80, 24), (120, 40), (200, 60), (300, 100)]
PANES = ["#status", "#network", "#step", "#tensors", "#signs", "#loss"]
STEP_KEYS = ["space", "space", "space", "down", "n", "left", "up", "end", "home", "space"]

# A 1-2-1 regression whose learning rate is far too large: inf around iteration 87, NaN after.
DIVERGING = """
title: Too large a learning rate
network: {inputs: 1, layers: [{units: 2, activation: tanh}, {units: 1, activation: linear}]}
data: {x: [[1, 2, 3, 4]], y: [[2, 4, 6, 8]]}
loss: mse
l2: 0.1
optimizer: {lr: 10}
iterations: 120
"""


def too_small(w: int, h: int) -> bool:
    return w < MIN_WIDTH or h < MIN_HEIGHT


def notice(app: ChainstepApp) -> str:
    return str(app.query_one("#too-small").render())


def assert_layout_fits(app: ChainstepApp, w: int, h: int) -> None:
    """Every visible widget lies inside the terminal; the notice shows exactly when it should."""
    small = too_small(w, h)
    assert app.screen.has_class("-too-small") == small
    if small:
        text = notice(app)
        assert f"{MIN_WIDTH}×{MIN_HEIGHT}" in text and f"{w}×{h}" in text
        assert app.query_one("#too-small").display
    else:
        assert not app.query_one("#too-small").display or not app.screen.has_class("-too-small")
        # The panes (not their scrollable contents, which may be taller than their window).
        # The network gives way when the step needs the rows; under 100 columns (the compact layout)
        # the signs and loss wait behind `s`.
        shown = ["#status", "#step", "#tensors"] + (["#signs", "#loss"] if w >= COMPACT_WIDTH else [])
        for pane in PANES:
            widget = app.query_one(pane)
            r = widget.region
            if pane in shown:
                assert widget.display and r.area > 0, (pane, r, (w, h))
            assert r.x >= 0 and r.y >= 0 and r.right <= w and r.bottom <= h, (pane, r, (w, h))


@pytest.fixture(scope="module")
def xor() -> Scenario:
    return load_scenario("xor")


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_stepping_at_every_size(xor: Scenario, size: tuple[int, int]) -> None:
    w, h = size
    app = ChainstepApp(xor)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert_layout_fits(app, w, h)
        for key in STEP_KEYS:
            await pilot.press(key)
        assert_layout_fits(app, w, h)
        # The keys still moved the debugger, even while the notice hid the panes.
        assert (app.cursor.iteration, app.cursor.step) == (1, 1)
    assert app.return_code in (0, None)


async def test_resizing_while_stepping_loses_nothing(xor: Scenario) -> None:
    app = ChainstepApp(xor)
    sizes = [(40, 12), (300, 100), (MIN_WIDTH - 1, MIN_HEIGHT), (MIN_WIDTH, MIN_HEIGHT), (80, 24),
             (41, 99), (299, 13), (120, 40)]
    async with app.run_test(size=(120, 40)) as pilot:
        for n, (w, h) in enumerate(sizes, start=1):
            await pilot.resize_terminal(w, h)
            await pilot.press("space")
            await pilot.pause()
            assert app.size == (w, h)
            assert_layout_fits(app, w, h)
            assert (app.cursor.iteration, app.cursor.step) == (0, n)
            assert app.current_step.index == n
        # Back to a usable size: the panes show the step the cursor is on.
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert not app.screen.has_class("-too-small")
        assert app.current_step.id == app.trace().step_ids[len(sizes)]


@pytest.mark.parametrize("size", [(40, 12), (MIN_WIDTH, MIN_HEIGHT), (300, 100)], ids=["40x12", "min", "300x100"])
async def test_a_diverged_run_at_the_extremes_of_size(size: tuple[int, int]) -> None:
    sc = load_text(DIVERGING, "diverging.yaml")
    trace = sc.parts[0].trace
    app = ChainstepApp(sc, iteration=110)   # well past the overflow: NaN everywhere
    async with app.run_test(size=size) as pilot:
        for _ in range(trace.n_steps + 2):   # every step, across into the next iteration
            await pilot.press("space")
        await pilot.press("p", "end", "left", "home")
        assert_layout_fits(app, *size)
        assert not app.current_step.finite
        if not too_small(*size):
            await pilot.press("home", "down")   # the loss step
            screen = app.export_screenshot()
            assert "NaN" in screen
    assert app.return_code in (0, None)
