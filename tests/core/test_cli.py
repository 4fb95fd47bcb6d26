"""The plain-terminal subcommands: list, check, trace, --version, and their exit codes."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from chainstep.core.scenario import bundled, bundled_name
from chainstep.tui.cli import main

DATA = Path(__file__).resolve().parent.parent / "data"


def test_list_shows_every_bundled_scenario(capsys) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for path in bundled():
        assert bundled_name(path) in out


def test_list_json(capsys) -> None:
    assert main(["list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in rows} == {bundled_name(p) for p in bundled()}
    assert all(r["title"] for r in rows)


def test_check_passes_on_xor(capsys) -> None:
    assert main(["check", "xor"]) == 0
    out = capsys.readouterr().out
    assert "finite differences" in out and "all checks passed" in out


def test_check_reports_a_wrong_expectation_with_its_line(capsys) -> None:
    assert main(["check", str(DATA / "seed001_mismatch.yaml")]) == 1
    out = capsys.readouterr().out
    assert "FAIL expect backward.dyhat" in out
    assert "seed001_mismatch.yaml:11:5" in out


def test_check_without_names_is_a_usage_error(capsys) -> None:
    assert main(["check"]) == 2


def test_unknown_scenario_exits_2_without_traceback() -> None:
    proc = subprocess.run([sys.executable, "-m", "chainstep.tui", "check", "no-such-scenario"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "no scenario file or bundled scenario called `no-such-scenario`" in proc.stderr


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_trace_formats(fmt, capsys) -> None:
    assert main(["trace", "xor", "--format", fmt, "--iterations", "2"]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        data = json.loads(out)
        ids = [s["id"] for s in data["steps"]]
        assert ids.count("backward.1.dW") == 2 and ids[0] == "forward.1.u"
    else:
        assert "backward.2.dW" in out and "∂L/∂W₂" in out


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("chainstep ")
