"""The screen shows the whole chain rule: every step of every bundled lesson, read off the screen.

The screen text comes from the app's own screenshot (the SVG Textual exports), so what is asserted
is what a person would see: if a factor is scrolled away or cut off, its label is not there.
"""
from __future__ import annotations

import html
import re

import pytest

from chainstep.core.scenario import load_scenario
from chainstep.core.scenario.build import bundled, bundled_name
from chainstep.core.trace import Step
from chainstep.tui.app import ChainstepApp

CELL_WIDTH = 12.2   # Rich's SVG export: one terminal cell is 12.2 units wide
TEXT = re.compile(r'<text [^>]*?x="([\d.]+)"[^>]*?clip-path="url\(#[^)]*?-line-(\d+)\)">(.*?)</text>')


def screen_lines(app: ChainstepApp) -> list[str]:
    """The characters on screen, one string per terminal row."""
    w, h = app.size
    rows = [[" "] * w for _ in range(h)]
    for x, line, text in TEXT.findall(app.export_screenshot()):
        col, y = round(float(x) / CELL_WIDTH), int(line)
        for i, ch in enumerate(html.unescape(text).replace("\xa0", " ")):
            if y < h and 0 <= col + i < w:
                rows[y][col + i] = ch
    return ["".join(r) for r in rows]


def pane_text(app: ChainstepApp, widget) -> str:
    """What a pane shows inside its border, spaces removed (wrapping only moves words)."""
    r = widget.region
    lines = screen_lines(app)[r.y + 1: r.y + r.height - 1]
    return "".join(line[r.x + 1: r.x + r.width - 1] for line in lines).replace(" ", "")


def must_see(step: Step) -> list[str]:
    """Title, formula, the formula with numbers, each factor and the result."""
    items = [step.title, step.formula, step.substituted]
    items += [f.label for f in step.factors]
    if step.factors and step.phase != "update" and step.result.value.size:
        items.append("=" + step.result.label)
    return items


def missing(app: ChainstepApp) -> list[str]:
    shown = pane_text(app, app.step_view)
    return [item for item in must_see(app.current_step) if item.replace(" ", "") not in shown]


SCENARIOS = [bundled_name(p) for p in bundled()]


async def walk(name: str, size: tuple[int, int], maximise: bool = False) -> list[str]:
    """Every step of the first iteration; what could not be seen, as `step: item` lines."""
    app = ChainstepApp(load_scenario(name))
    problems: list[str] = []
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        n = app.trace().n_steps
        for k in range(n):
            await pilot.pause()
            gone = missing(app)
            if gone and maximise:   # the compact layout's answer: M gives the Step pane the screen
                await pilot.press("M")
                await pilot.pause()
                gone = missing(app)
                await pilot.press("M")
                await pilot.pause()
            problems += [f"{app.current_step.id}: {item}" for item in gone]
            if k < n - 1:
                await pilot.press("space")
    return problems


@pytest.mark.parametrize("size", [(120, 40), (100, 30)], ids=["120x40", "100x30"])
@pytest.mark.parametrize("name", SCENARIOS)
async def test_every_factor_and_the_result_are_on_screen(name: str, size: tuple[int, int]) -> None:
    assert await walk(name, size) == []


@pytest.mark.parametrize("name", SCENARIOS)
async def test_the_compact_layout_shows_every_step_at_80x24(name: str) -> None:
    assert await walk(name, (80, 24), maximise=True) == []


async def test_the_walk_notices_a_step_that_does_not_fit() -> None:
    """The check can fail: a Step pane held to 6 rows hides the chain rule of a gradient step."""
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_jump("backward.1.dW")
        await pilot.pause()
        assert missing(app) == []
        app.fit_panes = lambda: None          # keep the layout from following the content
        app.step_view.styles.height = 6
        await pilot.pause()
        assert "=" + app.current_step.result.label in missing(app)


async def test_compact_layout_swaps_panes_with_s_and_maximise_restores() -> None:
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.has_class("-compact")
        assert app.step_view.display and not app.signs.is_on_screen
        await pilot.press("s")
        await pilot.pause()
        assert app.signs.region.height > 0 and app.loss.region.height > 0 and app.network.region.height > 0
        assert app.step_view.region.height == 0
        await pilot.press("s")
        await pilot.pause()
        assert app.step_view.region.height > 0
        await pilot.press("M")
        await pilot.pause()
        assert app.screen.maximized is app.step_view
        assert app.step_view.region.height == 24 - 2   # the status line and the Footer stay
        await pilot.press("M")
        await pilot.pause()
        assert app.screen.maximized is None


async def test_tab_moves_focus_and_m_maximises_the_focused_pane() -> None:
    app = ChainstepApp(load_scenario("mnist-sized-mlp"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        seen = set()
        for _ in range(5):
            await pilot.press("tab")
            seen.add(app.screen.focused)
        assert {app.network, app.step_view, app.tensors, app.signs, app.loss} <= seen
        app.tensors.focus()
        await pilot.press("M")
        await pilot.pause()
        assert app.screen.maximized is app.tensors
        before = app.cursor.step
        await pilot.press("space")              # stepping keys still step with a pane focused
        assert app.cursor.step == before + 1
        await pilot.press("escape")             # Esc restores, as in every Textual app
        await pilot.pause()
        assert app.screen.maximized is None
        assert app.step_view.region.height > 3


async def test_the_status_line_abbreviates_rather_than_cuts() -> None:
    app = ChainstepApp(load_scenario("three-optimisers"))
    async with app.run_test(size=(60, 20)) as pilot:
        app.action_jump("backward.1.dW")
        await pilot.pause()
        top = screen_lines(app)[0].strip()
        assert len(app.status.plain) > 60                 # in full it would not fit
        assert top.endswith(("backward.1.dW", "back"))   # shortened word by word, not cut
        c = app.cursor
        assert f"{c.iteration + 1}/" in top and f"{c.step + 1}/{app.trace().n_steps}" in top


async def test_a_pane_maximised_from_the_command_palette_fills_the_screen() -> None:
    """The palette's Maximize calls Screen.maximize directly, not through M."""
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.screen.maximize(app.step_view)
        await pilot.pause()
        assert app.step_view.region.height == 40 - 2
        app.screen.minimize()
        await pilot.pause()
        await pilot.pause()
        assert 3 < app.step_view.region.height < 38
