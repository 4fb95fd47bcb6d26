"""The panes' pure parts: glyphs, cells, wrapping, and that huge tensors draw only what shows."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from rich.console import Console

from chainstep.core.scenario import load_scenario
from chainstep.core.trace import Tensor
from chainstep.tui.app import ChainstepApp
from chainstep.tui.panes import tensor_view
from chainstep.tui.panes.sign_grid import LOWER, MAX_ROWS, RAISE, ZERO, ParamSigns, SignGrid, glyph, grid_lines
from chainstep.tui.panes.step_view import preview, step_lines, wrap
from chainstep.tui.panes.numbers import column_format
from chainstep.tui.panes.tensor_view import GAP, cell_text


def text_of(lines) -> list[str]:
    return ["".join(run[0] for run in line) for line in lines]


def test_glyph_says_what_the_update_does() -> None:
    # p ← p − η·g: a negative gradient raises the parameter, a positive one lowers it.
    assert glyph(-0.5) == RAISE and glyph(0.5) == LOWER and glyph(0.0) == ZERO
    assert glyph(math.nan) == "!" and glyph(math.inf) == "!"


def test_sign_grid_rows_and_states() -> None:
    params = [ParamSigns("W1", np.array([[-1.0, 2.0], [0.0, -0.01]])),
              ParamSigns("b1", None, reached_at="step 15"),
              ParamSigns("W2", np.array([[1.0]]), frozen=True),
              ParamSigns("b2", np.array([[3.0]]), applied=True)]
    lines = text_of(grid_lines(params, 40))
    assert lines[1].startswith("W₁ 2×2")
    assert lines[2].split() == [RAISE, LOWER] and lines[3].split() == [ZERO, RAISE]
    assert "b₁  pending until step 15" in lines
    assert any(line.startswith("W₂") and "frozen" in line for line in lines)
    assert any(line.startswith("b₂") and "updated" in line for line in lines)


def test_sign_grid_shades_by_magnitude() -> None:
    runs = grid_lines([ParamSigns("W1", np.array([[-1.0, -0.2, -0.01]]))], 40)[2]
    keys = [key for text, key in runs if text.strip()]
    assert keys == ["raise2", "raise1", "raise0"]


def test_huge_parameters_are_summarised_in_blocks() -> None:
    g = np.ones((128, 784))
    g[:64] = -1.0
    lines = text_of(grid_lines([ParamSigns("W1", g)], 42))
    assert "block means" in lines[2]
    rows = lines[3:]
    assert len(rows) == MAX_ROWS and all(len(r.split()) == 20 for r in rows)
    assert set(rows[0].split()) == {RAISE} and set(rows[-1].split()) == {LOWER}


def test_sign_grid_is_a_rich_renderable() -> None:
    console = Console(width=30, record=True, file=open("/dev/null", "w"))
    console.print(SignGrid([ParamSigns("W1", np.array([[-1.0, np.nan]]))]))
    out = console.export_text()
    assert RAISE in out and "!" in out and "W₁" in out


@pytest.mark.parametrize("v", [0.0, 1.0, -1.0, 0.000123456, -0.005636, 123456789.0, -1e-300, math.inf, -math.inf, math.nan])
def test_cells_have_one_width_and_a_leading_space(v: float) -> None:
    fmt = column_format(np.array([v, 1.0, -0.5]))
    s = cell_text(fmt, v)
    assert len(s) == GAP + fmt.width and s[0] == " "


def test_wrap_keeps_every_character_within_the_width() -> None:
    line = [("∂L/∂W₁ = [-0.00225426, -0.00364582; 0.000938904, 0.000423002]", "text", None),
            (" and a link", "link", "backward.2.dW")]
    parts = wrap(line, 20)
    assert all(sum(len(t) for t, _, _ in p) <= 20 for p in parts)
    assert "".join(t for p in parts for t, _, _ in p).replace(" ", "") == "".join(t for t, _, _ in line).replace(" ", "")
    assert any(link == "backward.2.dW" for p in parts for _, _, link in p)


def test_preview_is_short_and_marks_what_it_leaves_out() -> None:
    assert preview(np.array([[1.0, 2.0], [3.0, 4.0]])) == "[1, 2; 3, 4]"
    long = preview(np.arange(100.0))
    assert long.endswith(" …]") and len(long) <= 70


def test_step_lines_show_factors_one_under_another() -> None:
    step = load_scenario("xor").parts[0].trace.step(0, "backward.1.dW")
    text = "\n".join(text_of(step_lines(step)))
    labels = [f.label for f in step.factors]
    positions = [text.index(label) for label in labels]
    assert positions == sorted(positions) and len(labels) == 3
    assert "Chain rule" in text and step.formula in text


async def test_a_huge_tensor_formats_only_the_visible_cells(monkeypatch) -> None:
    app = ChainstepApp(load_scenario("xor"))
    big = Tensor("x", "x", np.random.default_rng(0).normal(size=(784, 512)))
    step = app.scenario.parts[0].trace.step(0, 0)
    huge = dataclasses.replace(step, inputs=(big,), result=big)
    calls = []
    real = tensor_view.cell_text
    monkeypatch.setattr(tensor_view, "cell_text", lambda fmt, v: calls.append(v) or real(fmt, v))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        calls.clear()
        app.tensors.show(huge, "huge")
        await pilot.pause()
        view = app.tensors.scrollable_content_region
        painted = len(calls)
        shown = max(app.tensors.window(b).count for b in app.tensors.blocks)
        assert 0 < shown < 512 and 0 < painted <= view.height * shown
        lines = [app.tensors.render_line(y) for y in range(view.height)]
        assert all(line.cell_length == view.width for line in lines)
        assert len(calls) == painted     # drawn rows are kept: drawing them again formats nothing
        assert "min " in app.tensors.plain and "norm" in app.tensors.plain
        app.tensors.scroll_to(0, 300, animate=False)
        await pilot.pause()
        assert app.tensors.scroll_offset.y == 300
        assert app.tensors.plain.startswith("298 │")   # header and summary lines come first


async def test_loss_chart_copes_with_inf_and_nan() -> None:
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=(120, 40)) as pilot:
        costs = np.array([1.0, 10.0, 1e300, math.inf, math.nan, math.nan])
        app.loss.show(costs, 3)
        await pilot.pause()
        assert "non-finite" in app.loss.summary and "inf" in app.loss.summary
        app.loss.render()                       # must not raise
        app.loss.show(np.full(4, math.nan), 0)
        await pilot.pause()
        assert "not computed yet" in app.loss.summary
        app.loss.show(np.array([1.0, math.inf, math.nan, math.nan]), 2, np.array([True, True, True, False]))
        await pilot.pause()
        assert app.loss.summary == "cost · iteration 3: NaN · non-finite in 2 of iterations 1–3"
