"""`expect:` as an author meets it: tolerances with a stated meaning, near misses that show the
difference, and every mistake in the file found at load (exit 2), so exit 1 means a wrong number."""
from pathlib import Path

import pytest

from chainstep.core.check import check_scenario
from chainstep.core.scenario import ScenarioError, load_text
from chainstep.tui.cli import main

# L = ½(0.8 − 1)² = 0.02 exactly as arithmetic; in float64 it is 0.020000000000000007.
HALF = """title: t
network: {inputs: 1, layers: [{units: 1, activation: linear}]}
params: {W1: [[0.8]], b1: [0]}
data: {x: [1], y: [1.0]}
loss: half_mse
"""
# Two units, three samples: db1 is a 2×1 column, the error 2×3.
COLUMN = """title: c
network: {inputs: 1, layers: [{units: 2, activation: linear}]}
params: {W1: [[1], [2]], b1: [0, 0]}
data: {x: [[1, 2, 3]], y: [[1, 2, 3], [0, 0, 0]]}
loss: mse
reduction: sum
"""


def results(text: str) -> list:
    [rep] = check_scenario(load_text(text, "s.yaml"), gradcheck=False)
    return rep.expectations


@pytest.mark.parametrize("extra, ok", [
    ("value: 0.0200001, tol: 1e-6", True),      # |diff| = 1e-7 ≤ 1e-6
    ("value: 0.0200001, tol: 1e-8", False),
    ("value: 0.0200001, rel: 1e-4", True),      # 1e-7 ≤ 1e-4·0.0200001
    ("value: 0.0200001, rel: 1e-6", False),     # 1e-7 > 2e-8, and rel alone means no absolute part
    ("value: 0.0200001, tol: 1e-7, rel: 1e-6", True),   # 1e-7 ≤ 1e-7 + 2e-8
    ("value: 0.02", True),                      # the default absolute 1e-9 covers float rounding
])
def test_tol_is_absolute_and_rel_relative(extra: str, ok: bool) -> None:
    [r] = results(HALF + f"expect:\n  - {{step: loss.L, {extra}}}\n")
    assert r.ok is ok, r


def test_a_near_miss_shows_both_numbers_apart_and_the_difference() -> None:
    [r] = results(HALF + "expect:\n  - {step: loss.L, value: 0.020000001, tol: 5e-10}\n")
    assert not r.ok
    assert r.actual == "0.02"
    assert "≠ 0.020000001 ± 5e−10" in r.message and "off by −1e−09" in r.message


def test_a_matrix_near_miss_names_the_element() -> None:
    [r] = results(COLUMN + "expect:\n  - {step: loss.L, tensor: error, value: [[0, 0, 0], [2, 4, 6.5]]}\n")
    assert not r.ok and "at [1, 2] got 6, expected 6.5, off by −0.5" in r.message


def test_a_flat_value_against_a_column_is_accepted_and_printed_in_its_shape() -> None:
    [r] = results(COLUMN + "expect:\n  - {step: backward.1.db, value: [0, 24]}\n")
    assert r.ok, r   # δ = 2·(ŷ − y) = [[0, 0, 0], [4, 8, 12]], summed over the three samples
    assert r.actual == "[0; 24]" and r.message.startswith("= [0; 24] ")


@pytest.mark.parametrize("entry, where, says", [
    ("{step: loss.L, tensor: errors, value: 1}", "8:28", "step loss.L has no tensor `errors`"),
    ("{step: loss.L, tensor: error, at: [2, 0], value: 1}", "8:39", "`error` of loss.L is 2×3: it has no element [2, 0]"),
    ("{step: backward.1.db, value: [[1, 2], [3, 4]]}", "8:34", "expect[0].value is 2×2, but `db1` of backward.1.db is 2×1"),
    ("{step: backward.1.db, value: 3}", "8:34", "is one number, but `db1` of backward.1.db is 2×1"),
    ("{step: loss.L, value: 1, rel: -1}", "8:35", "must be at least 0"),
])
def test_every_mistake_in_expect_is_a_located_load_error(entry: str, where: str, says: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_text(COLUMN + f"expect:\n  - {entry}\n", "s.yaml")
    assert str(info.value).startswith(f"s.yaml:{where}: "), str(info.value)
    assert says in info.value.message


def test_exit_2_for_a_file_mistake_and_1_only_for_a_wrong_number(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(COLUMN + "expect:\n  - {step: loss.L, tensor: errors, value: 1}\n", encoding="utf-8")
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(COLUMN + "expect:\n  - {step: loss.L, value: 100}\n", encoding="utf-8")
    assert main(["check", "--no-gradcheck", str(bad)]) == 2
    assert main(["check", "--no-gradcheck", str(wrong)]) == 1


def test_readme_key_reference_names_every_key_of_the_format() -> None:
    from chainstep.core.format_spec import PART_KEYS, TOP_KEYS
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    keys = readme[readme.index("The keys (every one"):readme.index("A mistake in a file is reported")]
    missing = [k for k in {**TOP_KEYS, **PART_KEYS} if f"`{k}`" not in keys]
    assert not missing, f"README's key reference does not mention {missing}"
