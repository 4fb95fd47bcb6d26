"""`chainstep progress` and `chainstep course` on the command line (the app itself is in test_quiz.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from chainstep.core.course import load_course
from chainstep.core.errors import ScenarioError
from chainstep.core.scenario import bundled, bundled_name, load_scenario
from chainstep.tui.cli import main
from chainstep.tui.course.progress import FILE, Answer, ProgressStore



def _seed_progress() -> None:
    store = ProgressStore()
    p = store.of("gradient-of-the-loss")
    p.answers["1/backward.dyhat@1#1"] = Answer(1, 1, 1, "− negative", "− negative (−0.2)")
    p.answers["1/backward.dyhat@1#2"] = Answer(0, 1, 1, "0.2", "−0.2")
    p.parts_done.add(1)
    p.position = (1, 2, 4)
    store.courses["backprop"] = 1
    assert store.save()


def test_progress_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    _seed_progress()
    assert main(["progress", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    row = next(r for r in data["scenarios"] if r["scenario"] == "gradient-of-the-loss")
    assert (row["right"], row["asked"], row["best"], row["parts_done"]) == (1, 2, 2, [1])
    assert row["position"] == {"part": 1, "iteration": 2, "step": 4}
    assert data["course"]["lesson"] == 2 and data["course"]["lessons"][1] == "gradient-of-the-loss"


def test_progress_as_text_and_reset(capsys: pytest.CaptureFixture[str]) -> None:
    _seed_progress()
    assert main(["progress"]) == 0
    out = capsys.readouterr().out
    assert "lesson 2 of 7" in out and "✓ finished · 1/2 right (best 2)" in out
    assert main(["progress", "--reset", "gradient-of-the-loss"]) == 0
    assert "forgot the progress of gradient-of-the-loss" in capsys.readouterr().out
    assert ProgressStore().peek("gradient-of-the-loss") is None and ProgressStore().courses == {"backprop": 1}
    assert main(["progress", "--reset"]) == 0
    assert ProgressStore().courses == {}


def test_progress_survives_a_corrupt_file(capsys: pytest.CaptureFixture[str]) -> None:
    store = ProgressStore()
    store.directory.mkdir(parents=True, exist_ok=True)
    (store.directory / FILE).write_text(json.dumps({"version": 1, "scenarios": {"x": {"position": "here"}}}))
    assert main(["progress"]) == 0
    captured = capsys.readouterr()
    assert "could not be read" in captured.err and "not started" in captured.out
    assert list(store.directory.glob(FILE + ".bad-*"))


def test_the_bundled_course_lists_the_lessons_in_order() -> None:
    course = load_course()
    names = {bundled_name(p) for p in bundled()}
    assert course.scenarios[:2] == ("sign-of-the-error", "gradient-of-the-loss")
    assert set(course.scenarios) <= names and "xor" in course.scenarios and "learning-rate-too-large" in course.scenarios
    for name in course.scenarios:
        load_scenario(name)


def test_a_course_naming_a_missing_lesson_is_a_located_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad-course.yaml"
    bad.write_text("title: t\nscenarios:\n  - sign-of-the-eror\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_course(str(bad))
    assert str(info.value).startswith(f"{bad}:3:5: no bundled scenario or file called `sign-of-the-eror`")
    assert main(["course", str(bad)]) == 2


def test_every_seed_lesson_asks_at_least_three_questions() -> None:
    for name in ("sign-of-the-error", "gradient-of-the-loss", "one-scalar-for-a-minibatch", "which-loss",
                 "descent-and-the-chain-rule"):
        assert sum(len(p.questions) for p in load_scenario(name).parts) >= 3, name
