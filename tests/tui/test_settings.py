"""Settings and remembered state: round trips through the temporary config/state dirs conftest sets."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from chainstep.core.scenario import load_scenario
from chainstep.core.watch import Watch
from chainstep.tui.userdata import settings as store
from chainstep.tui.app import ChainstepApp
from chainstep.tui.cli import main

SIZE = (120, 40)


def quiet_app(scenario: str = "xor") -> tuple[ChainstepApp, list[str]]:
    app = ChainstepApp(load_scenario(scenario))
    notes: list[str] = []
    app.notify = lambda message, **kw: notes.append(str(message))  # type: ignore[method-assign]
    return app, notes


async def test_theme_breakpoints_and_watches_survive_a_restart() -> None:
    app, _ = quiet_app()
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "textual-light"
        app.breakpoints().toggle_step("loss.L")
        app.watches().append(Watch.of(app.trace(), "W1[0,1]"))
        await pilot.pause()
    assert json.loads(store.settings_path().read_text())["theme"] == "textual-light"
    assert store.last_scenario() == "xor"

    again, notes = quiet_app()
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert again.theme == "textual-light"
        assert again.breakpoints().on_step("loss.L")
        assert [w.text for w in again.watches()] == ["W1[0,1]"]
    assert not notes


async def test_another_scenario_keeps_its_own_breakpoints() -> None:
    app, _ = quiet_app()
    async with app.run_test(size=SIZE) as pilot:
        app.breakpoints().toggle_step("loss.L")
        app.open_scenario("sign-of-the-error")
        await pilot.pause()
        assert not app.breakpoints().on_step("loss.L")
        app.open_scenario("xor")
        await pilot.pause()
        assert app.breakpoints().on_step("loss.L")
    assert store.last_scenario() == "xor"


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", "\xff\xfe garbage"])
async def test_a_corrupt_settings_file_is_set_aside_with_a_notice(text: str) -> None:
    path = store.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("latin-1"))
    app, notes = quiet_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "textual-dark"
    assert path.with_name("settings.json.corrupt").read_bytes() == text.encode("latin-1")
    assert any("could not be read" in n and "settings.json.corrupt" in n for n in notes)


async def test_bad_values_and_stale_records_are_dropped_not_fatal() -> None:
    store.write_json(store.settings_path(), {"theme": "no-such-theme", "remember_breakpoints": "yes"})
    store.save_state({"last_scenario": "xor", "scenarios": {"xor": {"parts": {
        "1": {"breakpoints": [{"kind": "step", "step_id": "no.such.step"}, {"kind": "bogus"}],
              "watches": ["nosuch", "W2"]},
        "7": {"breakpoints": []}}}}})
    app, notes = quiet_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "textual-dark"
        assert [w.text for w in app.watches()] == ["W2"]
        assert len(app.breakpoints()) == 0
    assert any("remember_breakpoints" in n for n in notes)
    assert any("no theme called 'no-such-theme'" in n for n in notes)
    assert any("no longer fit" in n for n in notes)


def test_last_scenario_skips_a_file_that_is_gone(tmp_path: Path) -> None:
    gone = tmp_path / "mine.yaml"
    store.save_state({"last_scenario": str(gone), "scenarios": {}})
    assert store.last_scenario() is None
    store.write_json(store.settings_path(), {"restore_last_scenario": False})
    store.save_state({"last_scenario": "xor", "scenarios": {}})
    assert store.last_scenario() is None


def test_config_init_shows_and_resets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--init"]) == 0
    assert json.loads(store.settings_path().read_text()) == store.DEFAULTS
    assert main(["config", "--init"]) == 2   # never overwrites the user's file
    store.save_state({"last_scenario": "xor", "scenarios": {}})
    capsys.readouterr()
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert str(store.settings_path()) in out and "last scenario: xor" in out
    assert main(["config", "--reset", "state"]) == 0
    assert store.settings_path().exists() and not store.state_path().exists()
    assert main(["config", "--reset"]) == 0
    assert not store.settings_path().exists()


async def test_a_browser_session_neither_reads_nor_writes_the_files(monkeypatch: pytest.MonkeyPatch) -> None:
    store.write_json(store.settings_path(), {"theme": "textual-light"})
    monkeypatch.setattr(ChainstepApp, "is_web", property(lambda self: True))
    app, _ = quiet_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "textual-dark"
        app.theme = "nord"
        app.breakpoints().toggle_step("loss.L")
    assert json.loads(store.settings_path().read_text()) == {"theme": "textual-light"}
    assert not store.state_path().exists()
