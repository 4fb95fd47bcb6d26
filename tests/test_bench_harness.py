"""The benchmark's own arithmetic and verdicts (tests/bench.py is never collected; this is)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("chainstep_bench", Path(__file__).parent / "bench.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = bench
_spec.loader.exec_module(bench)


def test_percentiles_interpolate() -> None:
    assert bench.pct([3.0, 1.0, 2.0], 50) == 2.0
    assert bench.pct([0.0, 10.0], 95) == pytest.approx(9.5)
    assert bench.pct(list(range(101)), 95) == 95


def test_blas_tuning_variables_are_unset_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.delenv("OPENBLAS_L2_SIZE", raising=False)
    env, changed = bench.child_env()
    assert "OPENBLAS_CORETYPE" not in env and "OPENBLAS_L2_SIZE" not in env
    assert changed == ["unset OPENBLAS_CORETYPE=Haswell"]


def _report(p1_p95: float, p3_ratio: float, jump_max: float) -> dict:
    p1 = {"p50_ms": p1_p95 / 2, "p95_ms": p1_p95}
    return {
        "p1": {"baseline": {"p50_ms": 2.0, "p95_ms": 10.0}, "xor": dict(p1), "mnist-sized-mlp": dict(p1)},
        "p2": {"chainstep_ms": 300.0, "hello_ms": 250.0, "ratio": 1.2},
        "p3": {"runs": [{"threads": 1, "ours_ms": p3_ratio, "torch_ms": 1.0, "ratio": p3_ratio,
                         "record_ms": 0.8, "steps_ms": 0.2},
                        {"threads": 2, "ours_ms": 9.0, "torch_ms": 1.0, "ratio": 9.0, "record_ms": 8.0,
                         "steps_ms": 1.0}]},
        "p4": {"median_ms": 10.0, "max_ms": jump_max, "cpu_median_ms": 9.0, "cpu_max_ms": 20.0,
               "peak_rss_mb": 300.0, "rss_before_mb": 40.0, "first_pass_s": 9.0,
               "first_pass_ms_per_iteration": 0.9},
        "p4app": {"peak_rss_mb": 350.0, "rss_start_mb": 70.0},
        "p5": {"not_measured": "no recorder"},
    }


def test_verdicts_follow_the_goals() -> None:
    good = {row[0]: row[-1] for row in bench.table(_report(p1_p95=12.0, p3_ratio=0.9, jump_max=50.0))}
    assert good["P1 key→frame xor p50/p95 ms"] == "met"          # 12 ms and 1.2× the baseline
    assert good["P2 start-up to first frame ms"] == "met"
    assert good["P3 iteration + its Steps ms (1 thread)"] == "met"
    assert good["P3 iteration + its Steps ms (2 threads)"] == ""   # information only
    assert good["P4 jump median / max ms"] == "met"
    assert good["P5 recording on/off"] == "n/a"
    bad = {row[0]: row[-1] for row in bench.table(_report(p1_p95=20.0, p3_ratio=1.2, jump_max=150.0))}
    assert bad["P1 key→frame xor p50/p95 ms"] == "MISSED"        # over 16 ms (and 2× the baseline)
    assert bad["P3 iteration + its Steps ms (1 thread)"] == "MISSED"
    assert bad["P4 jump median / max ms"] == "MISSED"


def test_p1_is_judged_against_the_floor_when_there_is_one() -> None:
    report = _report(p1_p95=12.0, p3_ratio=0.9, jump_max=50.0)
    report["p1"]["floor"] = {"p50_ms": 6.0, "p95_ms": 6.0}     # 12 ms is 2× this floor
    rows = {row[0]: row for row in bench.table(report)}
    assert rows["P1 key→frame xor p50/p95 ms"][-1] == "MISSED"
    assert rows["P1 key→frame xor p50/p95 ms"][2].endswith("floor")
    assert "  one Static per key p50/p95 ms" in rows


def test_the_floor_app_changes_every_pane_per_key() -> None:
    sys.path.insert(0, str(bench.BASELINES))
    from floor_app import PANES, pane_texts
    a, b = pane_texts(3), pane_texts(4)
    assert set(a) == {"status", *PANES} and all(a[k] != b[k] for k in a)
