"""The Tensors pane in the app: whole columns only, an ellipsis column, paging by columns."""
from __future__ import annotations

import re

from chainstep.core.scenario import load_scenario
from chainstep.tui.app import ChainstepApp
from chainstep.tui.panes.numbers import MINUS, parse
from chainstep.tui.panes.tensor_view import TensorView, columns_of

SIZE = (120, 40)


async def go(app, pilot, step_id: str) -> None:
    app.go(app.cursor.at(step=app.trace().index_of(step_id)))
    await pilot.pause()


def row_lines(view: TensorView) -> list[tuple[object, int, str]]:
    """(block, row, text after the index bar) of every tensor row on screen, from the rendered lines."""
    out = []
    top = int(view.scroll_offset.y)
    for y in range(view.scrollable_content_region.height):
        text = view.render_line(y).text
        line = top + y
        block = next((b for b in reversed(view.blocks) if b.start <= line), None)
        m = re.match(r"\s*(\d+) │(.*)$", text)
        if block is None or m is None:
            continue
        out.append((block, int(m.group(1)), m.group(2)))
    return out


def check_whole_numbers(view: TensorView) -> int:
    """Every token on a row is a whole number of its tensor, or the closing ellipsis; how many ellipses."""
    ellipses = 0
    rows = row_lines(view)
    assert rows
    width = view.scrollable_content_region.width - view._index_w
    for block, r, text in rows:
        assert len(text) == width          # the row is drawn to the pane's edge, not past it
        tokens = text.split()
        win = view.window(block)
        if win.more:
            assert tokens[-1] == "…"
            tokens = tokens[:-1]
            ellipses += 1
        assert len(tokens) == win.count
        value, cols = block.tensor.value, columns_of(block.tensor.value)
        for i, token in enumerate(tokens):
            c = win.first + i
            v = float(value[r, c])
            assert "-" not in token
            # a number cut at the border would read back as another number (or not at all)
            assert abs(parse(token) - v) <= cols.format(c).tolerance(v) * (1 + 1e-9)
    return ellipses


async def test_a_wide_tensor_ends_in_an_ellipsis_column_never_mid_number() -> None:
    app = ChainstepApp(load_scenario("08-mnist-sized-mlp"))
    async with app.run_test(size=SIZE) as pilot:          # forward.1.u: W₁ is 128×784
        await pilot.pause()
        view = app.tensors
        assert view.scroll_offset.x == 0 and not view.show_horizontal_scrollbar
        assert check_whole_numbers(view) > 0
        assert "cols 0–4 of 784" in view.plain
        first = view.window(view.blocks[0])
        await pilot.press("shift+right")
        moved = view.window(view.blocks[0])
        assert moved.first == first.first + first.count > 0
        assert f"cols {moved.first}–{moved.last} of 784" in view.plain
        assert check_whole_numbers(view) > 0
        row0 = row_lines(view)[0][2].split()
        assert parse(row0[0]) == float(f"{view.blocks[0].tensor.value[0, moved.first]:.3e}")
        await pilot.press("shift+left")
        assert view.window(view.blocks[0]).first == 0 and "cols 0–4 of 784" in view.plain


async def test_the_last_page_shows_the_end_of_the_tensor() -> None:
    app = ChainstepApp(load_scenario("08-mnist-sized-mlp"))
    async with app.run_test(size=SIZE) as pilot:
        await go(app, pilot, "backward.1.dW")                 # ∂L/∂W₁ is 128×784 too
        view = app.tensors
        for _ in range(400):
            before = [view.window(b).first for b in view.blocks]
            view.page(1, 0)
            if [view.window(b).first for b in view.blocks] == before:
                break
        await pilot.pause()
        wins = [(b, view.window(b)) for b in view.blocks]
        assert all(w.first + w.count == b.cols and not w.more for b, w in wins)
        check_whole_numbers(view)
        assert any(w.first > 0 for _, w in wins)


async def test_columns_fit_again_after_a_resize() -> None:
    app = ChainstepApp(load_scenario("08-mnist-sized-mlp"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        wide = app.tensors.window(app.tensors.blocks[0]).count
        for size in [(100, 30), (80, 24), (200, 60)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            check_whole_numbers(app.tensors)
        assert app.tensors.window(app.tensors.blocks[0]).count > wide


async def test_a_column_on_screen_shares_one_width_and_notation() -> None:
    app = ChainstepApp(load_scenario("06-xor"))
    async with app.run_test(size=SIZE) as pilot:
        await go(app, pilot, "backward.1.dW")
        view = app.tensors
        delta = next(b for b in view.blocks if b.tensor.name == "delta1")
        texts = [text for b, _, text in row_lines(view) if b is delta]
        assert len(texts) == 2
        # the same decimal places and the points lined up: the old cells read −0.00574 over −0.002734
        assert texts[0].split() == ["−0.005740", "0.001990", "0.003381", "−0.005636"]
        assert [m.start() for m in re.finditer(r"\.", texts[0])] == [m.start() for m in re.finditer(r"\.", texts[1])]
        assert {len(t.split()[0]) for t in texts} == {len("−0.005740")}
        assert MINUS in view.plain and "-" not in view.plain.replace("∂L/∂", "")
        assert "cols" not in view.plain                      # every column shows: no range in the header
        check_whole_numbers(view)
