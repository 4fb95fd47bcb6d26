"""No dead ends: a part's last step says what comes next and space goes on; ] and [ only where parts exist."""
from __future__ import annotations

from pathlib import Path

import pytest
from textual.content import Content

from chainstep.core.scenario import load_scenario
from chainstep.tui.app import ChainstepApp

DATA = Path(__file__).resolve().parent.parent / "data"
SIZE = (120, 40)
WIDE = (200, 40)   # the whole Footer fits
NOTICE = "Part 1 of 2 done: press ] for Part 2: a learning rate that overflows"


def where(app: ChainstepApp) -> tuple[int, int, int]:
    """(part, iteration, step), 1-based as the status line shows them."""
    c = app.cursor
    return c.part + 1, c.iteration + 1, c.step + 1


def screen_text(app: ChainstepApp) -> str:
    """What the terminal shows, from the compositor."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def footer_text(app: ChainstepApp) -> str:
    return screen_text(app).splitlines()[-1]


def subtitle(app: ChainstepApp) -> str:
    """The Step pane's bottom border text, as plain text (the getter gives markup)."""
    sub = app.step_view.border_subtitle
    return "" if sub is None else Content.from_markup(sub).plain


async def goto(app: ChainstepApp, pilot, target: str) -> None:
    await pilot.press("g", *target, "enter")
    await app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def two_parts():
    return load_scenario(DATA / "tui-two-parts.yaml")


async def test_the_last_step_of_a_part_says_what_comes_next_and_space_goes_there(two_parts) -> None:
    app = ChainstepApp(two_parts)
    async with app.run_test(size=SIZE) as pilot:
        n = two_parts.parts[0].trace.n_steps
        await goto(app, pilot, f"3:{n - 1}")
        assert subtitle(app) == "" and "done: press ]" not in screen_text(app)
        await pilot.press("space")
        assert where(app) == (1, 3, n)
        assert subtitle(app) == NOTICE
        # On the Step pane's bottom border (a long title may end in "…"); the toast has it whole.
        assert "Part 1 of 2 done: press ] for Part 2" in screen_text(app)
        assert any(NOTICE in n.message for n in app._notifications)
        await pilot.press("space")
        assert where(app) == (2, 1, 1)
        assert subtitle(app) == "" and "done: press ]" not in screen_text(app)


async def test_the_end_of_an_iteration_inside_a_part_is_not_the_end_of_the_part(two_parts) -> None:
    app = ChainstepApp(two_parts)
    async with app.run_test(size=SIZE) as pilot:
        n = two_parts.parts[0].trace.n_steps
        await goto(app, pilot, f"2:{n}")
        assert subtitle(app) == ""
        await pilot.press("space")
        assert where(app) == (1, 3, 1)


async def test_right_arrow_goes_on_too_and_left_comes_back_within_the_new_part(two_parts) -> None:
    app = ChainstepApp(two_parts)
    async with app.run_test(size=SIZE) as pilot:
        n = two_parts.parts[0].trace.n_steps
        await goto(app, pilot, f"3:{n}")
        await pilot.press("right")
        assert where(app) == (2, 1, 1)
        await pilot.press("left")                                 # the first step of a part: stays
        assert where(app) == (2, 1, 1)


async def test_the_last_part_s_last_step_stays_where_it_is(two_parts) -> None:
    app = ChainstepApp(two_parts, part=1)
    async with app.run_test(size=SIZE) as pilot:
        trace = two_parts.parts[1].trace
        await goto(app, pilot, f"{trace.iterations}:{trace.n_steps}")
        assert where(app) == (2, trace.iterations, trace.n_steps)
        await pilot.press("space")
        assert where(app) == (2, trace.iterations, trace.n_steps)
        assert subtitle(app) == "" and "done: press ]" not in screen_text(app)


async def test_a_bundled_scenario_with_many_parts_names_the_next_one() -> None:
    scenario = load_scenario("descent-and-the-chain-rule")
    assert len(scenario.parts) > 2
    app = ChainstepApp(scenario)
    async with app.run_test(size=SIZE) as pilot:
        first = scenario.parts[0].trace
        await goto(app, pilot, f"{first.iterations}:{first.n_steps}")
        want = f"Part 1 of {len(scenario.parts)} done: press ] for Part 2: {scenario.parts[1].title}"
        assert subtitle(app) == want
        assert "Part 1 of" in screen_text(app) and "done: press ] for Part 2" in screen_text(app)
        await pilot.press("space")
        assert where(app) == (2, 1, 1)
        assert "part 2/" in app.status.plain


async def test_a_part_title_is_shown_as_text_not_markup(tmp_path: Path) -> None:
    text = (DATA / "tui-two-parts.yaml").read_text()
    text = text.replace('"a learning rate that overflows"', '"[b]not bold[/b] and [red]not red[/red]"')
    path = tmp_path / "markup-title.yaml"
    path.write_text(text)
    scenario = load_scenario(path)
    app = ChainstepApp(scenario)
    async with app.run_test(size=WIDE) as pilot:
        trace = scenario.parts[0].trace
        await goto(app, pilot, f"{trace.iterations}:{trace.n_steps}")
        assert subtitle(app).endswith("Part 2: [b]not bold[/b] and [red]not red[/red]")
        assert "[b]not bold[/b] and [red]not red[/red]" in screen_text(app)


async def test_the_part_keys_are_in_the_footer_only_when_there_are_parts(two_parts) -> None:
    app = ChainstepApp(two_parts)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert "] Part+" in footer_text(app) and "[ Part−" in footer_text(app)
        app.load(load_scenario("xor"))
        await pilot.pause()
        assert "Part+" not in footer_text(app) and "Part−" not in footer_text(app)
        assert app.check_action("next_part", ()) is False
        await pilot.press("right_square_bracket")                # hidden and disabled: nothing moves
        assert where(app) == (1, 1, 1)
        app.load(two_parts)
        await pilot.pause()
        assert "] Part+" in footer_text(app)
        await pilot.press("right_square_bracket")
        assert where(app) == (2, 1, 1)


async def test_a_single_part_scenario_has_no_part_keys_from_the_start() -> None:
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        footer = footer_text(app)
        assert "Go to" in footer and "Part+" not in footer and "Part−" not in footer
