"""One number format per column: one width, one notation, the stated precision, a true minus."""
from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chainstep.tui.panes.numbers import (DIGITS, FIXED, MINUS, SCI, column_format, format_column,
                                         format_tensor, parse, tensor_formats, tensor_notation)

SPECIALS = {"0", "inf", MINUS + "inf", "NaN"}

finite = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_infinity=False,
                   allow_subnormal=False)
anything = st.one_of(finite, st.sampled_from([0.0, -0.0, math.inf, -math.inf, math.nan]))
columns = st.lists(anything, min_size=1, max_size=12)


def is_number(entry: str) -> bool:
    return entry.strip() not in SPECIALS


@settings(max_examples=300, deadline=None)
@given(columns)
def test_every_entry_of_a_column_has_one_width_and_one_notation(values: list[float]) -> None:
    fmt = column_format(np.array(values))
    entries = format_column(np.array(values))
    assert {len(e) for e in entries} == {fmt.width}
    numbers = [e for e in entries if is_number(e)]
    assert len({"e" in e for e in numbers}) <= 1
    assert all(("e" in e) == (fmt.notation == SCI) for e in numbers)
    # one notation, one precision: the same number of digits after the point, the points lined up
    assert len({e.partition(".")[2].partition("e")[0].strip().__len__() for e in numbers}) <= 1
    assert len({e.find(".") for e in numbers}) <= 1
    if fmt.notation == SCI:
        assert {len(e.strip().lstrip(MINUS).partition("e")[0].replace(".", "")) for e in numbers} <= {DIGITS}
        assert len({len(e.strip().partition("e")[2]) for e in numbers}) <= 1   # one exponent width


@settings(max_examples=300, deadline=None)
@given(columns)
def test_every_entry_reads_back_within_the_stated_precision(values: list[float]) -> None:
    fmt = column_format(np.array(values))
    for v, entry in zip(values, format_column(np.array(values))):
        if math.isnan(v):
            assert entry.strip() == "NaN"
        elif math.isinf(v):
            assert entry.strip() == ("inf" if v > 0 else MINUS + "inf")
        elif v == 0:
            assert entry.strip() == "0"
        else:
            assert abs(parse(entry) - v) <= fmt.tolerance(v) * (1 + 1e-9)
            assert parse(entry) != 0 and math.copysign(1, parse(entry)) == math.copysign(1, v)


@settings(max_examples=200, deadline=None)
@given(st.lists(finite.filter(lambda v: v != 0), min_size=1, max_size=12))
def test_the_smallest_magnitude_keeps_its_significant_digits(values: list[float]) -> None:
    fmt = column_format(np.array(values))
    smallest = min(abs(v) for v in values)
    if fmt.notation == FIXED and fmt.decimals:
        assert fmt.tolerance(smallest) <= 0.5 * 10.0 ** (math.floor(math.log10(smallest)) - DIGITS + 1) * 1.0001


@settings(max_examples=200, deadline=None)
@given(columns)
def test_negatives_get_a_true_minus_and_no_hyphen(values: list[float]) -> None:
    for v, entry in zip(values, format_column(np.array(values))):
        assert "-" not in entry
        if v < 0 and entry.strip() != "0":
            assert entry.strip().startswith(MINUS)


def test_a_gradient_column_reads_in_one_format() -> None:
    # the xor δ₁ that used to read −0.00574 and 0.003381 side by side
    assert format_column(np.array([-0.00574024, 0.0019898, 0.00338136, -0.00563562])) == [
        "−0.005740", " 0.001990", " 0.003381", "−0.005636"]


def test_zero_whole_numbers_and_non_finite_values_are_plain() -> None:
    assert format_column(np.array([0.0, 1.0, 0.0])) == ["0", "1", "0"]
    assert format_column(np.array([-0.0, 0.0])) == ["0", "0"]
    entries = format_column(np.array([math.nan, 0.5, -math.inf, 0.0]))
    assert [e.strip() for e in entries] == ["NaN", "0.5000", MINUS + "inf", "0"]
    assert len({e.find(".") for e in entries if "." in e}) == 1
    # 0 stands where the units digit does, so it cannot be mistaken for a rounded small value
    assert entries[3].index("0") == entries[1].index("0")


def test_a_wide_range_is_scientific_with_one_exponent_width() -> None:
    entries = format_column(np.array([1.5e-7, -2.0, 3.0e-300]))
    assert entries == [" 1.500e−007", "−2.000e+000", " 3.000e−300"]
    assert format_column(np.array([1.5e-7, -2.0])) == [" 1.500e−07", "−2.000e+00"]


def test_a_tensor_has_one_notation_and_per_column_formats() -> None:
    a = np.array([[0.5, 1e-6], [0.25, 2e-6]])
    assert tensor_notation(a) == SCI
    formats = tensor_formats(a, notation=tensor_notation(a))
    assert {f.notation for f in formats} == {SCI}
    rows = format_tensor(a)
    assert rows[0] == ["5.000e−01", "1.000e−06"]
    assert [f.notation for f in tensor_formats(a)] == [FIXED, SCI]   # each column its own, when asked
