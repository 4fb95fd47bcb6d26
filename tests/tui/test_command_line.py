"""The command line as its ecosystem expects: help everywhere, completion, JSON for CI, a real package."""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

import chainstep
from chainstep.tui.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[1] / "data"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:   # argparse offers no public walk over its subparsers
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_every_command_and_option_explains_itself() -> None:
    parser = build_parser()
    commands = _subparsers(parser)
    assert {"open", "check", "trace", "record", "export", "completion"} <= set(commands)
    missing = [f"{name} {'/'.join(a.option_strings) or a.dest}"
               for name, sub in [("chainstep", parser), *commands.items()] for a in sub._actions
               if a.help in (None, "") and not isinstance(a, argparse._SubParsersAction)]
    assert not missing, f"options without help text: {missing}"
    listed = parser.format_help()
    assert all(name in listed for name in commands)


def test_python_dash_m_chainstep_and_the_version_agree() -> None:
    out = subprocess.run([sys.executable, "-m", "chainstep", "--version"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == f"chainstep {version('chainstep')}"
    assert chainstep.__version__ == version("chainstep")


def test_check_json_is_one_report_for_ci(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "xor", "--iterations", "1", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["failures"] == 0 and report["unreadable"] == []
    (part,) = report["scenarios"][0]["parts"]
    assert part["expectations"] and all(e["ok"] for e in part["expectations"])
    assert part["finite_differences"]["ok"] and part["finite_differences"]["elements"] > 0
    assert main(["check", str(DATA / "seed001_mismatch.yaml"), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["failures"] >= 1
    assert any(not e["ok"] for p in report["scenarios"][0]["parts"] for e in p["expectations"])


def test_check_json_names_an_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("network: [\n")
    assert main(["check", str(bad), "--format", "json"]) == 2
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["ok"] is False and report["unreadable"][0]["file"] == str(bad)
    assert f"{bad}:" in captured.err


def test_trace_json_values_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "xor", "--format", "json"]) == 0
    plain = json.loads(capsys.readouterr().out)["steps"]
    assert main(["trace", "xor", "--format", "json", "--values"]) == 0
    full = json.loads(capsys.readouterr().out)["steps"]
    assert "value" not in plain[0]["inputs"][0]
    first = full[0]["inputs"][0]
    assert len(first["value"]) == first["shape"][0] and len(first["value"][0]) == first["shape"][1]
    backward = next(s for s in full if s["factors"])
    assert all("value" in f for f in backward["factors"])


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_bash_completion_script_parses_and_knows_the_commands() -> None:
    out = subprocess.run([sys.executable, "-m", "chainstep", "completion", "bash"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0
    assert subprocess.run(["bash", "-n"], input=out.stdout, text=True).returncode == 0
    for word in ("record", "export", "check", "--input-events", "--format"):
        assert word in out.stdout


def test_a_built_wheel_holds_every_package_and_data_file(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                          "-q", "-w", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    (wheel,) = tmp_path.glob("chainstep-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("chainstep/__init__.py", "chainstep/__main__.py", "chainstep/core/trace.py",
                 "chainstep/tui/recording/tee.py", "chainstep/tui/app/chainstep.tcss",
                 "chainstep/scenarios/chainstep.schema.json"):
        assert name in names, name
    # every source folder made it in: a subpackage missing from pyproject's list would be dropped
    for folder, package in (("core", "chainstep/core"), ("tui", "chainstep/tui")):
        for py in (ROOT / folder).rglob("*.py"):
            if "root" in py.relative_to(ROOT / folder).parts[:1]:
                continue
            assert f"{package}/{py.relative_to(ROOT / folder).as_posix()}" in names, py
    assert any(n.startswith("chainstep/scenarios/") and n.endswith(".yaml") for n in names)
