"""Summaries used by the app for tensors too big to read cell by cell."""
from __future__ import annotations

import math

import numpy as np

from chainstep.core.summary import block_mean, stats


def test_stats_of_finite_values() -> None:
    s = stats(np.array([[3.0, -4.0], [0.0, 1.0]]))
    assert (s.min, s.max, s.mean, s.nonfinite, s.size) == (-4.0, 3.0, 0.0, 0, 4)
    assert math.isclose(s.norm, math.sqrt(26))


def test_stats_skip_and_count_nonfinite_entries() -> None:
    s = stats(np.array([1.0, np.inf, np.nan, -1.0]))
    assert (s.min, s.max, s.mean, s.nonfinite) == (-1.0, 1.0, 0.0, 2)
    assert math.isnan(stats(np.array([np.nan])).mean)


def test_block_mean_reduces_to_the_requested_grid() -> None:
    a = np.arange(24, dtype=float).reshape(4, 6)
    out = block_mean(a, 2, 3)
    assert out.shape == (2, 3)
    assert out[0, 0] == np.mean(a[:2, :2]) and out[1, 2] == np.mean(a[2:, 4:])


def test_block_mean_leaves_small_arrays_alone_and_keeps_nonfinite_blocks() -> None:
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert block_mean(a, 8, 8) is not None and np.array_equal(block_mean(a, 8, 8), a)
    b = np.ones((4, 4)); b[0, 0] = np.nan
    out = block_mean(b, 2, 2)
    assert np.isnan(out[0, 0]) and out[1, 1] == 1.0
