"""Summaries of tensors too big to read cell by cell: statistics and block-reduced grids."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Stats:
    """Statistics over the finite entries; `nonfinite` counts inf and NaN entries."""

    min: float
    max: float
    mean: float
    norm: float
    nonfinite: int
    size: int


def stats(a: np.ndarray) -> Stats:
    arr = np.asarray(a, dtype=np.float64)
    finite = np.isfinite(arr)
    vals = arr[finite]
    bad = int(arr.size - vals.size)
    if vals.size == 0:
        nan = float("nan")
        return Stats(nan, nan, nan, nan, bad, int(arr.size))
    with np.errstate(all="ignore"):   # the norm of huge finite values may overflow to inf
        # A plain reduction rather than np.linalg.norm: BLAS may spin up threads for this, which
        # costs milliseconds when another thread is computing iterations.
        norm = float(np.sqrt(np.add.reduce(vals * vals)))
        return Stats(float(vals.min()), float(vals.max()), float(vals.mean()), norm, bad, int(arr.size))


def block_mean(a: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """`a` (2-D) reduced to at most rows × cols cells, each the mean of its block.

    Blocks containing inf or NaN stay non-finite, so a diverging entry is never averaged away.
    """
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim != 2:
        arr = arr.reshape(arr.shape[0] if arr.ndim else 1, -1)
    r, c = arr.shape
    rows, cols = max(1, min(rows, r)), max(1, min(cols, c))
    if (rows, cols) == (r, c):
        return arr
    r_edges = np.linspace(0, r, rows + 1).astype(int)
    c_edges = np.linspace(0, c, cols + 1).astype(int)
    with np.errstate(all="ignore"):
        sums = np.add.reduceat(np.add.reduceat(arr, r_edges[:-1], axis=0), c_edges[:-1], axis=1)
        counts = np.outer(np.diff(r_edges), np.diff(c_edges))
        return sums / counts
