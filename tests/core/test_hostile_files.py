"""Hostile scenario inputs found by an attacker's review: each is a located error, within bounds.

The cases that fit in a YAML file live in tests/data/bad (checked by test_loader_errors); these
are the ones that need a binary file, a monkeypatched limit or a look at how the work is bounded.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from chainstep.core import external_files, gradcheck
from chainstep.core.check import check_scenario
from chainstep.core.scenario import MAX_NODES, ScenarioError, load_scenario, load_text
from chainstep.core.scenario import read as read_module
from chainstep.tui.cli import main

NET = "network: {inputs: 2, layers: [{units: 1, activation: sigmoid}]}\n"


def _scenario(tmp_path: Path, npz: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(f"title: t\n{NET}data: {{file: {npz}}}\n", encoding="utf-8")
    return path


def test_an_npz_zip_bomb_is_refused_from_its_directory_before_inflating(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(external_files, "MAX_EXTERNAL_BYTES", 1_000_000)
    zeros = io.BytesIO()
    np.save(zeros, np.zeros((2, 400_000)))   # 6.4 MB of zeros: a few kB once deflated
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("x.npy", zeros.getvalue())
        zf.writestr("y.npy", zeros.getvalue())
    assert (tmp_path / "bomb.npz").stat().st_size < 100_000
    read = []
    monkeypatch.setattr(np.lib.format, "read_array", lambda *a, **k: read.append(1))
    with pytest.raises(ScenarioError, match=r"bomb.npz expands to 12,800,\d+ bytes: too large") as info:
        load_scenario(_scenario(tmp_path, "bomb.npz"))
    assert info.value.line == 3 and not read, "an array was read before the size was checked"


def test_an_npz_header_claiming_a_huge_shape_is_refused_before_allocating(tmp_path: Path) -> None:
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (100_000, 100_000_000)})
    with zipfile.ZipFile(tmp_path / "liar.npz", "w") as zf:
        zf.writestr("x.npy", header.getvalue() + b"\0" * 64)
        zf.writestr("y.npy", header.getvalue() + b"\0" * 64)
    with pytest.raises(ScenarioError, match="claims a shape of 80,000,000,000,000 bytes but holds"):
        load_scenario(_scenario(tmp_path, "liar.npz"))


def test_a_bare_npy_is_named_without_being_read(tmp_path: Path) -> None:
    np.save(tmp_path / "one.npy", np.zeros((2, 3)))
    with pytest.raises(ScenarioError, match="single unnamed array"):
        load_scenario(_scenario(tmp_path, "one.npy"))


def test_too_many_values_are_refused_while_scanning(monkeypatch: pytest.MonkeyPatch) -> None:
    text = f"title: t\n{NET}data: {{generator: xor}}\ndescription: [" + ", ".join(["1"] * (MAX_NODES + 10)) + "]\n"
    composed = []
    monkeypatch.setattr(read_module._FastLoader, "get_single_node",
                        lambda self: composed.append(1) or None)
    with pytest.raises(ScenarioError, match=f"more than {MAX_NODES:,} values") as info:
        load_text(text, "big.yaml")
    assert info.value.line == 4 and not composed, "nodes were built before the count was checked"


def test_a_syntax_error_after_a_line_separator_is_on_the_line_an_editor_shows() -> None:
    text = "title: 'a\u2028b'\ndescription: x\nloss: [mse\n"
    with pytest.raises(ScenarioError) as info:
        load_text(text, "s.yaml")
    assert info.value.line == 3


@pytest.mark.parametrize("text, read_as", [("'1:30'", "1:30"), ("'010'", "010"), ("10", 10), ("1.5e-3", 1.5e-3)])
def test_yaml_12_numbers_and_quoted_text_read_as_written(text: str, read_as: object) -> None:
    sc = load_text(f"title: t\n{NET}data: {{generator: xor}}\nnotes: {{}}\ndescription: {text}\n".replace(
        "description: 10", "iterations: 10").replace("description: 1.5e-3", "optimizer: {lr: 1.5e-3}"), "s.yaml")
    if read_as == 10:
        assert sc.parts[0].iterations == 10
    elif isinstance(read_as, float):
        assert sc.parts[0].model.lr == read_as
    else:
        assert sc.description == read_as


def test_the_gradient_check_samples_a_huge_tensor_without_listing_it() -> None:
    rng = np.random.default_rng(0)
    picks = gradcheck._sample((100_000, 100_000), 24, rng)   # 10^10 indices: listing them would never end
    assert len(picks) == 24 == len(set(picks))
    assert all(0 <= i < 100_000 and 0 <= j < 100_000 for i, j in picks)
    assert gradcheck._sample((2, 3), 24, rng) == [(i, j) for i in range(2) for j in range(3)]


def test_check_does_not_say_all_passed_when_no_gradient_was_compared(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "diverged.yaml"   # the cost is inf from the first iteration: nothing to compare
    path.write_text("title: overflowing from the start\nnetwork: {inputs: 1, layers: [{units: 1, activation: linear}]}\n"
                    "params: {W1: [[1e200]], b1: [0]}\ndata: {x: [[1e200]], y: [[0]]}\nloss: mse\n", encoding="utf-8")
    (report,) = check_scenario(load_scenario(path))
    assert sum(g.checked for g in report.gradients) == 0
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "no gradient element could be compared" in out
    assert "all checks passed, but 1 part(s) had no gradient to compare" in out


def test_a_gradient_check_of_nan_against_nan_compares_nothing() -> None:
    """Once a run is NaN, "agreeing" NaN with NaN is no check: the count of compared elements says so."""
    sc = load_scenario(Path(__file__).resolve().parents[1] / "data" / "tui-two-parts.yaml")
    trace = sc.parts[1].trace
    last = trace.iterations - 1
    assert np.isnan(trace.record(last).cost)
    result = gradcheck.check_step(trace, last, "backward.dyhat")
    assert result is not None and result.checked == 0
