"""The app against hostile scenario files and as a served session: it survives and touches nothing.

Markup in titles is shown as text, control characters are escaped, a file that fails in any way
ends on the error screen (never a crash), loading runs in a worker that Esc stops waiting for,
and a session served to a browser opens no paths and delivers screenshots and casts as downloads.
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.content import Content

from chainstep.core.scenario import load_scenario, load_text
from chainstep.tui.app import ChainstepApp
from chainstep.tui.app import loading
from chainstep.tui.screens.error import ErrorScreen
from chainstep.tui.screens.picker import ScenarioPicker

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad"
SIZE = (120, 40)
MARKUP = """\
title: "[/] closing nothing [bold"
description: "[/]"
network: {inputs: 1, layers: [{units: 1, activation: linear}]}
params: {W1: [[1]], b1: [0]}
data: {x: [[1]], y: [[0]]}
notes: {loss.L: "[/] a note [red]"}
parts:
  - {title: "[/]", iterations: 2}
  - {title: "[b]x[/b][/]", iterations: 2}
"""


async def test_markup_in_titles_and_notes_is_shown_as_text(tmp_path: Path) -> None:
    path = tmp_path / "markup.yaml"
    path.write_text(MARKUP, encoding="utf-8")
    app = ChainstepApp(load_scenario(path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space", "space", "right_square_bracket", "space")
        await pilot.pause()
        assert app.is_running and app.cursor.part == 1
        shown = Content.from_markup(str(app.network.border_title)).plain   # the getter gives markup
        assert shown == "Network · part 2: [b]x[/b][/]"
        app.open_scenario(str(path))   # the notice names the title as text too
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, ErrorScreen)


def test_control_characters_are_escaped_in_scenario_text_and_errors(tmp_path: Path) -> None:
    sc = load_text(MARKUP.replace('"[/] closing nothing [bold"', '"\\e[2J\\e]0;owned\\x07 title"'), "c.yaml")
    assert "\x1b" not in sc.title and "\x07" not in sc.title and "\\x1b[2J" in sc.title
    bad = tmp_path / "key.yaml"
    bad.write_text('"\\e[2Jkey": 1\n' + MARKUP, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "chainstep.tui", "check", "--no-gradcheck", str(bad)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "\x1b" not in done.stderr + done.stdout
    assert "unknown key `\\x1b[2Jkey`" in done.stderr
    good = tmp_path / "title.yaml"
    good.write_text(MARKUP.replace('"[/] closing nothing [bold"', '"\\e[2J"'), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "chainstep.tui", "check", str(good)],
                          capture_output=True, text=True, timeout=120)
    assert "\x1b" not in done.stdout and "\\x1b[2J" in done.stdout


@pytest.mark.parametrize("name", ["digits-past-python-limit", "hex-too-long", "base60-huge", "huge-integer-as-matrix",
                                  "expect-outside-shape", "billion-laughs", "line-separator"])
async def test_a_hostile_file_opened_in_the_app_ends_on_the_error_screen(name: str) -> None:
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=SIZE) as pilot:
        app.open_scenario(str(BAD / f"{name}.yaml"))
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ErrorScreen) and f"{name}.yaml:" in app.screen.message
        await pilot.press("escape", "space")
        assert app.is_running and app.scenario.name == "xor" and app.cursor.step == 1


async def test_an_unexpected_failure_while_loading_is_a_screen_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(name: str) -> Any:
        raise MemoryError("a shape of 10**12 floats")
    monkeypatch.setattr(loading, "load_scenario", explode)
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=SIZE) as pilot:
        app.open_scenario("xor")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ErrorScreen) and "MemoryError" in app.screen.message
        assert app.is_running


async def test_escape_stops_waiting_for_a_slow_file(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def slow(name: str) -> Any:
        release.wait(10)   # bounded: the test releases it at once after Esc
        return load_scenario("sign-of-the-error")
    monkeypatch.setattr(loading, "load_scenario", slow)
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=SIZE) as pilot:
        app.open_scenario("sign-of-the-error")
        await pilot.pause()
        await pilot.press("escape")
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.scenario.name == "xor" and app.is_running


# -- a session served to a browser -------------------------------------------------------------
@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    lesson = tmp_path / "teachers-lesson.yaml"
    lesson.write_text((ROOT / "tests" / "data" / "base.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv(loading.SERVED_ENV, json.dumps([str(lesson)]))
    return lesson


async def test_a_served_session_opens_no_path_the_browser_types(served: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("title: secret\n", encoding="utf-8")
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=SIZE) as pilot:
        for name in (str(secret), "/etc/passwd", str(ROOT / "tests" / "data" / "tui-broken.yaml")):
            app.open_scenario(name)
            await pilot.pause()
            assert not app.workers and not isinstance(app.screen, ErrorScreen) and app.scenario.name == "xor"
        await pilot.press("ctrl+p", *str(secret))
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert app.scenario.name == "xor" and not isinstance(app.screen, ErrorScreen)
        await pilot.press("escape")
        app.open_scenario("teachers-lesson")   # what the teacher served opens
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.scenario.name == "teachers-lesson"
        await pilot.press("o")
        assert isinstance(app.screen, ScenarioPicker)
        assert "teachers-lesson" in [e.name for e in app.screen.entries]


async def test_served_ctrl_s_and_ctrl_r_deliver_downloads(served: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    sent: list[tuple[str, bytes, str]] = []
    app = ChainstepApp(load_scenario("xor"))
    app.deliver_text = lambda f, **kw: sent.append(("text", f.getvalue().encode(), kw["save_filename"]))  # type: ignore
    app.deliver_binary = lambda f, **kw: sent.append(("binary", f.getvalue(), kw["save_filename"]))  # type: ignore
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")
        await pilot.press("ctrl+r", "space", "space", "ctrl+r")
        await pilot.pause()
        tmp = app._served_tmp
        assert tmp is not None and not list(Path(tmp).iterdir()), "the cast stayed on the server"
    assert [k for k, _, _ in sent] == ["text", "binary"]
    assert sent[0][1].lstrip().startswith(b"<svg") and sent[0][2].endswith(".svg")
    header = json.loads(sent[1][1].split(b"\n", 1)[0])
    assert header["version"] == 2 and sent[1][2].endswith(".cast")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["teachers-lesson.yaml"]   # nothing written here
    assert not Path(tmp).exists()


async def test_the_gradient_check_pane_does_not_say_agrees_when_everything_is_nan() -> None:
    from textual.widgets import Static
    from chainstep.tui.tools.gradcheck_screen import GradCheckScreen
    sc = load_scenario(ROOT / "tests" / "data" / "tui-two-parts.yaml")
    trace = sc.parts[1].trace
    app = ChainstepApp(sc)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(GradCheckScreen(trace, trace.iterations - 1, "backward.dyhat"))
        await pilot.pause()
        verdict = str(app.screen.query_one("#gc-verdict", Static).content)
        assert "nothing could be compared" in verdict and "agrees" not in verdict
