"""Every key of the debugger, driven through Textual's Pilot."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Input, OptionList, Static

from chainstep.core.scenario import load_scenario
from chainstep.core.trace import a_name
from chainstep.tui.app import MIN_HEIGHT, MIN_WIDTH, ChainstepApp, run_app
from chainstep.tui.screens.error import ErrorScreen
from chainstep.tui.screens.goto import GotoDialog
from chainstep.tui.screens.help import HelpScreen
from chainstep.tui.screens.picker import ScenarioPicker
from chainstep.tui.panes.network_view import NetworkView

DATA = Path(__file__).resolve().parent.parent / "data"
SIZE = (120, 40)


@pytest.fixture
def xor():
    return load_scenario("xor")


@pytest.fixture
def two_parts():
    return load_scenario(DATA / "tui-two-parts.yaml")


def where(app: ChainstepApp) -> tuple[int, int, int]:
    """(part, iteration, step), 1-based as the status line shows them."""
    c = app.cursor
    return c.part + 1, c.iteration + 1, c.step + 1


def panes(app: ChainstepApp) -> tuple:
    """Everything the panes show, as text, for comparing two visits of one position."""
    return (app.status.plain, app.step_view.markup, app.tensors.plain, app.signs.plain,
            tuple((seg.text, str(seg.style)) for y in range(app.network.content_region.height)
                  for seg in app.network.render_line(y)),
            app.loss.summary)


async def test_space_and_right_step_forward(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        assert where(app) == (1, 1, 1)
        await pilot.press("space")
        assert where(app) == (1, 1, 2)
        await pilot.press("right")
        assert where(app) == (1, 1, 3)
        assert "step 3/19" in app.status.plain


async def test_left_steps_back_and_stops_at_the_start(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space", "left")
        assert where(app) == (1, 1, 2)
        await pilot.press("left", "left", "left")
        assert where(app) == (1, 1, 1)


async def test_stepping_back_shows_exactly_what_stepping_forward_showed(xor) -> None:
    app = ChainstepApp(xor)
    n = xor.parts[0].trace.n_steps
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()                 # the first layout, fitted to the first step
        forward = [panes(app)]
        for _ in range(2 * n):              # every step of two iterations, and into the third
            await pilot.press("space")
            forward.append(panes(app))
        assert where(app) == (1, 3, 1)
        backward = [panes(app)]
        for _ in range(2 * n):
            await pilot.press("left")
            backward.append(panes(app))
        assert backward[::-1] == forward
        assert all(a[0] != b[0] and a[1] != b[1] for a, b in zip(forward, forward[1:]))


async def test_every_pane_updates_while_stepping(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        before = panes(app)
        await pilot.press("space")
        after = panes(app)
        assert after[0] != before[0] and after[1] != before[1] and after[2] != before[2]
        assert after[4] != before[4]                                   # the highlight moved (u1 -> a1)
        assert "W₂ 1×2  pending until step 9" in app.signs.plain
        await pilot.press("g")
        await pilot.press(*"backward.2.dW", "enter")
        assert "W₂ 1×2" in app.signs.plain and "W₂ 1×2  pending until step 9" not in app.signs.plain
        assert "▲" in app.signs.plain or "▼" in app.signs.plain
        chart = app.loss.summary
        await pilot.press("n")
        assert app.loss.summary != chart and "iteration 2" in app.loss.summary


async def test_network_highlights_the_tensors_of_the_step(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        depth = len(xor.parts[0].model.sizes) - 1
        await pilot.press("space")                       # forward.1.a: u1 -> a1
        assert app.network._hot_layer(1) and not app.network._hot_layer(0)
        assert app.network.border_subtitle == "forward →"
        await pilot.press("g", *"backward.1.dW", "enter")
        assert app.network._hot_layer(0)                  # x is a factor of dW1
        assert app.network.border_subtitle == "← backward"
        assert a_name(depth, depth) == "yhat"


async def test_down_and_up_move_by_phase(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        phases = []
        for _ in range(4):
            await pilot.press("down")
            phases.append(app.cursor.phase)
        assert phases == ["loss", "backward", "update", "forward"]
        assert where(app) == (1, 2, 1)
        await pilot.press("up")
        assert app.cursor.phase == "update" and app.cursor.iteration == 0
        await pilot.press("space", "up")
        assert app.cursor.step_id == "update.W1"


@pytest.mark.parametrize("forward,back", [("n", "p"), ("pagedown", "pageup")])
async def test_iteration_keys_keep_the_step(xor, forward: str, back: str) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space", forward)
        assert where(app) == (1, 2, 3)
        await pilot.press(forward)
        assert where(app) == (1, 3, 3)
        await pilot.press(back)
        assert where(app) == (1, 2, 3)


async def test_home_end_and_run_to_end(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space", "end")
        assert where(app) == (1, 1, 19)
        await pilot.press("home")
        assert where(app) == (1, 1, 1)
        await pilot.press("e")
        assert where(app) == (1, 1, 19)
        await pilot.press("e")
        assert where(app) == (1, 2, 19)


async def test_restart_goes_back_to_the_very_first_step(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "space", "r")
        assert where(app) == (1, 1, 1)


async def test_goto_accepts_ids_numbers_and_iterations_and_rejects_nonsense(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        assert isinstance(app.screen, GotoDialog)
        await pilot.press(*"nonsense", "enter")
        assert isinstance(app.screen, GotoDialog)
        assert "no step id" in str(app.screen.query_one("#goto-error", Static).render())
        app.screen.query_one(Input).value = ""
        await pilot.press(*"3:backward.1.dW", "enter")
        assert not isinstance(app.screen, GotoDialog)
        assert where(app) == (1, 3, 14)
        await pilot.press("g", "5", "enter")
        assert where(app) == (1, 3, 5)
        await pilot.press("g", "escape")
        assert where(app) == (1, 3, 5) and not isinstance(app.screen, GotoDialog)


async def test_a_far_jump_runs_in_a_worker_and_arrives(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g", *"2000:1", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert where(app) == (1, 2000, 1)
        assert "iteration 2000/2000" in app.status.plain and "computing" not in app.status.plain


async def test_escape_stops_a_far_jump(xor) -> None:
    app = ChainstepApp(xor)
    trace = xor.parts[0].trace
    slow_record = trace.record

    def record(i: int):            # slow each chunk down so the jump is still running at Escape
        time.sleep(0.02)
        return slow_record(i)

    trace.record = record  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        app.go(app.cursor.goto("2000:1"))
        assert "computing" in app.status.plain
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert where(app) == (1, 1, 2) and "computing" not in app.status.plain


async def test_part_keys_move_between_parts(two_parts) -> None:
    app = ChainstepApp(two_parts)
    async with app.run_test(size=SIZE) as pilot:
        assert "part 1/2" in app.status.plain
        await pilot.press("space", "right_square_bracket")
        assert where(app) == (2, 1, 1) and "part 2/2" in app.status.plain
        assert app.network.border_title == "Network · part 2: a learning rate that overflows"
        assert "iteration 1/1030" in app.status.plain
        await pilot.press("right_square_bracket")       # already the last part: stays
        assert where(app) == (2, 1, 1)
        await pilot.press("left_square_bracket")
        assert where(app) == (1, 1, 1) and "iteration 1/3" in app.status.plain


async def test_a_diverging_run_shows_inf_and_nan_without_crashing(two_parts) -> None:
    app = ChainstepApp(two_parts)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right_square_bracket", "g", *"1030:loss.L", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert where(app) == (2, 1030, 3)
        assert "NaN" in app.tensors.plain or "inf" in app.tensors.plain
        assert "diverged" in app.step_view.plain
        assert "non-finite" in app.loss.summary
        for key in ("space", "space", "space", "left", "down", "n", "p"):
            await pilot.press(key)
        assert app.is_running


async def test_o_opens_the_picker_and_enter_opens_the_scenario(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "o")
        picker = app.screen
        assert isinstance(picker, ScenarioPicker)
        names = [e.name for e in picker.entries]
        assert "xor" in names and all(e.title for e in picker.entries)
        other = next(n for n in names if n != "xor")
        picker.query_one(OptionList).highlighted = names.index(other)
        await pilot.press("enter")
        assert not isinstance(app.screen, ScenarioPicker)
        assert app.scenario.name == other and where(app) == (1, 1, 1)
        assert app.status.plain.startswith(other)


async def test_picker_escape_keeps_the_scenario(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "o", "escape")
        assert app.scenario is xor and where(app) == (1, 1, 2)


async def test_a_broken_scenario_shows_its_location_and_keeps_the_open_one(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        app.open_scenario(str(DATA / "tui-broken.yaml"))
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ErrorScreen)
        assert "tui-broken.yaml:5:30: unknown activation `sigmoidd`" in app.screen.message
        await pilot.press("escape")
        assert app.scenario is xor and where(app) == (1, 1, 2)
        await pilot.press("space")
        assert where(app) == (1, 1, 3)


async def test_question_mark_lists_every_binding_with_its_description(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=200, record=True, file=open("/dev/null", "w"))
        console.print(app.screen.table)
        text = console.export_text()
        for b in ChainstepApp.BINDINGS:
            assert b.description in text
        assert "space" in text and "?" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_q_quits(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_command_palette_runs_actions(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"Next iteration")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert where(app) == (1, 2, 1)


async def test_command_palette_opens_a_bundled_scenario(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"Open scenario: sign of the error")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert app.scenario.name == "sign-of-the-error"


async def test_command_palette_opens_a_file_and_shows_its_mistake(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*str(DATA / "tui-broken.yaml"))
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ErrorScreen) and ":5:30:" in app.screen.message
        await pilot.press("enter")
        assert app.scenario is xor


async def test_clicking_a_layer_goes_to_its_step(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        cols = app.network._columns
        a1 = next(c for c in cols if c.kind == "layer" and c.layer == 1)
        w2 = next(c for c in cols if c.kind == "edge" and c.layer == 2)
        left = app.network.content_region.x - app.network.region.x
        await pilot.click(NetworkView, offset=(left + a1.start + a1.width // 2, 3))
        assert app.cursor.step_id == "forward.1.a"
        await pilot.click(NetworkView, offset=(left + w2.start + w2.width // 2, 3))
        assert app.cursor.step_id == "forward.2.u"
        await pilot.press("down", "down")                  # into the backward pass
        await pilot.click(NetworkView, offset=(left + w2.start + w2.width // 2, 3))
        assert app.cursor.step_id == "backward.2.dW"


async def test_clicking_a_chain_rule_factor_goes_to_the_step_that_made_it(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.press("g", *"backward.1.dW", "enter")
        view = app.step_view
        links = []                     # (x, y, action) of every clickable run, as drawn
        for y in range(view.scrollable_content_region.height):
            strip, x = view.render_line(y), 0
            for seg in strip:
                meta = seg.style.meta if seg.style else {}
                if "@click" in meta and not (links and links[-1][1:] == (y, meta["@click"])):
                    links.append((x, y, meta["@click"]))
                x += seg.cell_length
        assert [a for _, _, a in links] == ["app.jump('backward.2.da_prev')", "app.jump('backward.1.da_du')"]
        x, y, _ = links[0]
        left, top = view.content_region.x - view.region.x, view.content_region.y - view.region.y
        await pilot.click("#step", offset=(left + x + 1, top + y))
        assert app.cursor.step_id == "backward.2.da_prev"


async def test_too_small_a_terminal_gets_a_notice_not_a_crash(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=(40, 12)) as pilot:
        assert app.screen.has_class("-too-small")
        notice = str(app.query_one("#too-small", Static).render())
        assert f"{MIN_WIDTH}×{MIN_HEIGHT}" in notice and "40×12" in notice
        await pilot.press("space", "space", "left")
        assert where(app) == (1, 1, 2)
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert not app.screen.has_class("-too-small")


async def test_shift_arrows_page_through_a_big_tensor() -> None:
    app = ChainstepApp(load_scenario("mnist-sized-mlp"))
    async with app.run_test(size=SIZE) as pilot:        # forward.1.u: W1 is 128×784
        assert app.tensors.scroll_offset == (0, 0)
        await pilot.press("shift+down")
        assert app.tensors.scroll_offset.y > 0
        w1 = app.tensors.blocks[0]
        shown = app.tensors.window(w1)
        await pilot.press("shift+right")                 # the next page of columns, not a scrollbar
        assert app.tensors.window(w1).first == shown.first + shown.count
        assert app.tensors.scroll_offset.x == 0
        await pilot.press("shift+left", "shift+up")
        assert app.tensors.scroll_offset == (0, 0) and app.tensors.window(w1).first == 0
        await pilot.press("shift+right", "space")        # a new step starts at the top left
        assert app.tensors.scroll_offset == (0, 0)
        assert all(app.tensors.window(b).first == 0 for b in app.tensors.blocks)


def test_every_binding_is_exercised_here() -> None:
    """A new key must get a test in this file: its key name has to appear in it."""
    import inspect, sys
    source = inspect.getsource(sys.modules[__name__])
    for b in ChainstepApp.BINDINGS:
        for key in b.key.split(","):
            assert f'"{key}"' in source, f"no test presses {key}"


def test_run_app_reports_a_broken_file_with_its_location(capsys) -> None:
    code = run_app(str(DATA / "tui-broken.yaml"), None)
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("chainstep: ") and "tui-broken.yaml:5:30:" in err
    assert "Traceback" not in err


def screen_text(app: ChainstepApp) -> list[str]:
    """What the terminal shows, line by line, from the compositor (partial redraws included)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_the_screen_after_stepping_matches_a_fresh_app_at_the_same_step(xor) -> None:
    walked = ChainstepApp(xor)
    async with walked.run_test(size=SIZE) as pilot:
        for _ in range(13):
            await pilot.press("space")
        await pilot.press("left", "space")
        await pilot.pause()
        seen = screen_text(walked)
    fresh = ChainstepApp(load_scenario("xor"), step=13)
    async with fresh.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(40):   # late in a full run, the footer can take a few more frames to appear
            if screen_text(fresh)[-1].strip():
                break
            await pilot.pause(0.05)
        assert screen_text(fresh) == seen
        assert "backward.1.dW" in seen[0]


async def test_quiz_keys_z_a_and_enter() -> None:
    """z switches quiz mode, a goes back to a question left with Esc, Enter moves on after an answer."""
    app = ChainstepApp(load_scenario("gradient-of-the-loss"))
    async with app.run_test(size=SIZE) as pilot:
        app.action_jump("backward.dyhat")
        await pilot.press("z")
        assert app.quiz_panel.state == "asking" and app.focused is not None
        await pilot.press("escape")
        assert app.focused is None
        await pilot.press("a")
        assert app.focused is not None and app.focused.has_class("quiz-sign")
        await pilot.press("down", "enter", "enter", *"-0.2", "enter")
        assert app.quiz_panel.state == "revealed" and "quiz 2/2" in app.status.plain
        await pilot.press("enter")
        assert where(app) == (1, 1, 5)


async def test_m_maximises_the_step_pane_and_s_swaps_panes_when_compact(xor) -> None:
    app = ChainstepApp(xor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("M")
        assert app.screen.maximized is app.step_view
        await pilot.press("M")
        assert app.screen.maximized is None
        await pilot.press("s")                          # wide enough for every pane: only a notice
        await pilot.pause()
        assert not app.screen.has_class("-side")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert app.screen.has_class("-side") and app.signs.region.height > 0
