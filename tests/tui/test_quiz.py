"""Quiz mode and courses, driven through Pilot as a student would: predict, answer, see, go on."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from chainstep.core.course import load_course
from chainstep.core.scenario import load_scenario
from chainstep.tui.app import ChainstepApp
from chainstep.tui.course.progress import FILE, ProgressStore
from chainstep.tui.userdata.dirs import state_dir

DATA = Path(__file__).resolve().parent.parent / "data" / "quiz"
SIZE = (120, 40)


def quiz_app(scenario, mode: str | None = "questions", **kw) -> ChainstepApp:
    return ChainstepApp(scenario, args=argparse.Namespace(quiz=mode, **kw))


async def go_to(app: ChainstepApp, pilot, step_id: str) -> None:
    app.action_jump(step_id)
    await pilot.pause()


async def at_the_line_gradient(app: ChainstepApp, pilot) -> None:
    """sign-of-the-error's third part, at ∂L/∂W₁, where a sign question waits."""
    app.action_next_part()
    app.action_next_part()
    await pilot.pause()
    await go_to(app, pilot, "backward.1.dW")
    assert app.quiz_panel.state == "asking"


def result_text(app: ChainstepApp) -> str:
    return app.quiz_panel.result_plain


async def test_the_result_stays_hidden_until_answered() -> None:
    app = quiz_app(load_scenario("gradient-of-the-loss"))
    async with app.run_test(size=SIZE) as pilot:
        await go_to(app, pilot, "backward.dyhat")
        assert app.quiz_panel.state == "asking"
        # ∂L/∂ŷ = −0.2 is nowhere: not in the formula, the tensors (ŷ − y is hidden too) or the note.
        assert "0.2" not in app.step_view.plain and "= ?" in app.step_view.plain
        assert "0.2" not in app.tensors.plain
        assert "short of the target" not in app.step_view.plain   # the note waits for the reveal
        assert "hidden until you answer" in app.loss.summary    # L = ½(ŷ − y)² would give |∂L/∂ŷ| away
        await pilot.press("down", "enter")             # − negative: right
        assert app.quiz_panel.state == "revealed"
        assert "0.2" not in app.step_view.plain        # a second question waits at this step
        await pilot.press("enter")                     # on to it
        assert app.quiz_panel.state == "asking"
        await pilot.press(*"-0.2", "enter")
        await pilot.pause()
        assert app.quiz_panel.state == "revealed"
        assert "−0.2" in app.step_view.plain and "✓ Right" in result_text(app)
        assert "0.02" in app.loss.summary
        assert "short of the target" in result_text(app)          # the step's note explains the answer


async def test_hidden_gradient_signs_and_loss_until_answered() -> None:
    app = quiz_app(load_scenario("sign-of-the-error"))
    async with app.run_test(size=SIZE) as pilot:
        await at_the_line_gradient(app, pilot)
        assert "W₁ 1×1  pending until you answer" in app.signs.plain and "▲ " not in app.signs.plain.splitlines()[2]
        await pilot.press("up", "enter")               # ▲ raises: right, the gradient is −20
        await pilot.pause()
        assert "▲" in app.signs.plain.splitlines()[2]


async def test_right_and_wrong_answers_change_the_score() -> None:
    app = quiz_app(load_scenario(DATA / "two-parts.yaml"))
    async with app.run_test(size=SIZE) as pilot:
        assert "quiz 0/0" in app.status.plain
        await go_to(app, pilot, "backward.dyhat")
        await pilot.press("up", "enter")               # + positive: right
        assert "quiz 1/1" in app.status.plain
        await pilot.press("enter")
        await pilot.press(*"3", "enter")                # dL/dw is 4: wrong
        await pilot.pause()
        assert "quiz 1/2" in app.status.plain
        assert "✗ Not quite" in result_text(app) and "the answer is 4" in result_text(app)


async def test_a_sign_grid_by_keyboard_scored_per_element() -> None:
    app = quiz_app(load_scenario(DATA / "one-part.yaml"))
    async with app.run_test(size=SIZE) as pilot:
        await go_to(app, pilot, "backward.1.dW")
        assert app.focused is not None and app.focused.has_class("quiz-grid")
        await pilot.press("enter")                      # not filled: refused
        assert app.quiz_panel.state == "asking"
        await pilot.press("down", "minus", "up", "plus", "enter")   # +; − filled out of order with arrows
        assert app.quiz_panel.state == "revealed" and "quiz 2/2" in app.status.plain
        await pilot.press("n")                          # the question belongs to iteration 1 only
        await pilot.pause()
        assert app.cursor.iteration == 1 and app.quiz_panel.state == "closed"


async def test_sign_drill_for_any_scenario() -> None:
    app = quiz_app(load_scenario("xor"), mode="signs")
    async with app.run_test(size=SIZE) as pilot:
        await go_to(app, pilot, "backward.2.dW")
        assert app.quiz_panel.state == "asking"
        grid = app.focused
        assert grid is not None and (grid.rows, grid.cols) == (1, 2)
        await pilot.press("plus", "plus", "enter")
        await pilot.pause()
        right, asked = app.quiz.score()
        assert asked == 2 and f"quiz {right}/2" in app.status.plain


async def test_stepping_straight_from_one_question_to_the_next() -> None:
    """backward.2.dW and backward.2.db both ask in the drill: the second input replaces the first at once."""
    app = quiz_app(load_scenario("xor"), mode="signs")
    async with app.run_test(size=SIZE) as pilot:
        await go_to(app, pilot, "backward.2.dW")
        app.action_next_step()
        app.action_prev_step()
        app.action_next_step()
        await pilot.pause()
        grid = app.focused
        assert app.current_step.id == "backward.2.db" and (grid.rows, grid.cols) == (1, 1)
        assert len(app.query(".quiz-grid")) == 1


async def test_z_switches_quiz_mode() -> None:
    app = quiz_app(load_scenario("gradient-of-the-loss"), mode=None)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(app, pilot, "backward.dyhat")
        assert "−0.2" in app.step_view.plain and not app.quiz_panel.display
        await pilot.press("z")
        assert app.quiz_panel.state == "asking" and "-0.2" not in app.step_view.plain
        await pilot.press("escape", "z")
        assert not app.quiz_panel.display and "−0.2" in app.step_view.plain


async def test_progress_is_saved_and_read_back() -> None:
    sc = load_scenario(DATA / "two-parts.yaml")
    app = quiz_app(sc)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(app, pilot, "backward.dyhat")
        await pilot.press("up", "enter")
    saved = json.loads((state_dir() / FILE).read_text())
    (entry,) = saved["scenarios"].values()
    assert entry["answers"]["1/backward.dyhat@1#1"]["right"] == 1
    assert entry["position"] == [1, 1, 4]
    again = quiz_app(load_scenario(DATA / "two-parts.yaml"))
    async with again.run_test(size=SIZE) as pilot:
        assert "quiz 1/1" in again.status.plain          # the score is kept
        await go_to(again, pilot, "backward.dyhat")
        assert again.quiz_panel.state == "asking"        # the answered one is done: the second is asked
        assert again.quiz_panel.question.kind == "number"


async def test_a_corrupt_progress_file_is_set_aside() -> None:
    state_dir().mkdir(parents=True, exist_ok=True)
    (state_dir() / FILE).write_text("{ not json", encoding="utf-8")
    app = quiz_app(load_scenario(DATA / "two-parts.yaml"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any("could not be read" in n.message for n in app._notifications)
        await go_to(app, pilot, "backward.dyhat")
        await pilot.press("up", "enter")
    aside = list(state_dir().glob(FILE + ".bad-*"))
    assert len(aside) == 1 and aside[0].read_text() == "{ not json"
    assert ProgressStore().notice is None and ProgressStore().scenarios


async def test_the_course_moves_part_to_part_and_lesson_to_lesson() -> None:
    course = load_course(str(DATA / "course.yaml"))
    app = quiz_app(load_scenario(course.scenarios[0]), course=course, course_index=0)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(app, pilot, "backward.dyhat")
        await pilot.press("up", "enter", "enter", *"4", "enter")
        await pilot.pause()
        assert "Enter: part 2" in result_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert app.cursor.part == 1
        await go_to(app, pilot, "update.W1")
        await pilot.press("1")
        await pilot.pause()
        assert "next lesson" in result_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert app.scenario.title == "A grid" and app.course_index == 1
    store = ProgressStore()
    assert store.courses[course.name] == 1
    first = store.scenarios[str((DATA / "two-parts.yaml").resolve())]
    assert first.parts_done == {1, 2} and first.score() == (3, 3)


async def test_the_picker_shows_progress() -> None:
    from textual.widgets import OptionList
    app = quiz_app(load_scenario("gradient-of-the-loss"))
    async with app.run_test(size=SIZE) as pilot:
        await go_to(app, pilot, "backward.dyhat")
        await pilot.press("down", "enter", "escape", "o")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        texts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("gradient-of-the-loss" in t and "0/1 parts · 1/1 right" in t for t in texts)
        assert all("right" not in t for t in texts if "sign-of-the-error" in t)


def test_a_scripted_recording_can_answer_questions(tmp_path: Path) -> None:
    from chainstep.tui.cli import main
    out = tmp_path / "quiz.cast"
    code = main(["record", "gradient-of-the-loss", "--quiz", "--keys", "space*3 down enter", "-o", str(out)])
    assert code == 0
    cast = out.read_text(encoding="utf-8")
    assert "quiz 1/1" in cast and "Right." in cast
    assert not (state_dir() / FILE).exists()   # a demo leaves the teacher's progress alone


def test_serve_passes_quiz_mode_to_every_session() -> None:
    from chainstep.tui.serve.launch import app_command
    assert app_command("/x/lesson.yaml", "signs").endswith("/x/lesson.yaml --quiz signs")
    assert "--quiz" not in app_command("/x/lesson.yaml")


async def test_the_tools_wait_while_a_question_is_asked() -> None:
    """The zoom, gradient check, minibatch view, landscape and watches would show the answer."""
    from chainstep.tui.tools.zoom_screen import ZoomScreen
    app = quiz_app(load_scenario("sign-of-the-error"))
    async with app.run_test(size=SIZE) as pilot:
        await at_the_line_gradient(app, pilot)
        for action in (app.action_gradcheck, app.action_minibatch, app.action_landscape, app.action_zoom):
            action()
            await pilot.pause()
            assert app.screen is app.screen_stack[0], action.__name__
        assert app.open_zoom("W1[0,0]") is False
        await pilot.press("up", "enter")               # answered: the tools open again
        await pilot.pause()
        assert app.open_zoom("W1[0,0]") is not False
        await pilot.pause()
        assert isinstance(app.screen, ZoomScreen)
