"""One count everywhere a user reads or types: iterations and steps from 1 (tensor indices stay 0-based)."""
import json
from pathlib import Path

import pytest

from chainstep.core.check import check_scenario
from chainstep.core.scenario import ScenarioError, load_scenario, load_text
from chainstep.tui.cli import main

DATA = Path(__file__).resolve().parent.parent / "data"
BASE = (DATA / "base.yaml").read_text(encoding="utf-8")   # 3 iterations


def test_expect_iteration_counts_from_1_and_is_checked_there() -> None:
    # The loss of iteration 2 differs from that of iteration 1; stating iteration 2's loss for
    # iteration 1 must fail, which shows `iteration: 2` really means the second iteration.
    sc = load_text(BASE, "s.yaml")
    trace = sc.parts[0].trace
    first, second = float(trace.step(0, "loss.L").result.value), float(trace.step(1, "loss.L").result.value)
    assert abs(first - second) > 1e-6
    text = BASE + (f"expect:\n  - {{step: loss.L, value: {second!r}, iteration: 2}}\n"
                   f"  - {{step: loss.L, value: {second!r}}}\n")
    [rep] = check_scenario(load_text(text, "s.yaml"), gradcheck=False)
    assert [r.ok for r in rep.expectations] == [True, False]   # no iteration: means the first one


def test_expect_iteration_0_is_a_located_error_that_names_the_new_count() -> None:
    with pytest.raises(ScenarioError) as info:
        load_text(BASE + "expect:\n  - {step: loss.L, iteration: 0, below: 1}\n", "old.yaml")
    assert str(info.value).startswith("old.yaml:12:31: ")
    assert "now count from 1" in info.value.message


def test_breakpoint_iteration_counts_from_1() -> None:
    sc = load_text(BASE + "breakpoints:\n  - {iteration: 3}\n", "s.yaml")
    [bp] = sc.parts[0].breakpoints
    assert bp.iteration == 2 and bp.describe() == "iteration 3"


def test_check_prints_iterations_from_1(tmp_path, capsys) -> None:
    path = tmp_path / "three.yaml"
    path.write_text(BASE + "expect:\n  - {step: loss.L, iteration: 3, below: 10}\n", encoding="utf-8")
    assert main(["check", str(path), "--iterations", "5"]) == 0
    out = capsys.readouterr().out
    assert "expect loss.L @ iteration 3:" in out
    assert "finite differences over iterations 1–3 (the part runs only 3)" in out


def test_trace_start_counts_from_1(capsys) -> None:
    assert main(["trace", str(DATA / "base.yaml")]) == 0
    out = capsys.readouterr().out
    assert "== iteration 1 ==" in out and "iteration 0" not in out
    assert main(["trace", str(DATA / "base.yaml"), "--start", "3", "--format", "json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert {s["iteration"] for s in steps} == {3}
    assert [s["step"] for s in steps] == list(range(1, len(steps) + 1))


@pytest.mark.parametrize("args, says", [
    (["--start", "0"], "--start 0: iterations count from 1, and this part has 3 (use 1 to 3)"),
    (["--start", "4"], "--start 4: iterations count from 1"),
    (["--start", "2", "--iterations", "5"], "asks for iterations 2 to 6, but this part runs only 3 (use --iterations 2"),
    (["--iterations", "0"], "--iterations 0: give 1 or more"),
])
def test_trace_refuses_iterations_outside_the_part(args, says, capsys) -> None:
    assert main(["trace", str(DATA / "base.yaml"), *args]) == 2
    assert says in capsys.readouterr().err


def test_trace_can_print_every_iteration(capsys) -> None:
    assert main(["trace", str(DATA / "base.yaml"), "--iterations", "3"]) == 0
    out = capsys.readouterr().out
    assert [f"== iteration {i} ==" in out for i in (1, 2, 3)] == [True] * 3
