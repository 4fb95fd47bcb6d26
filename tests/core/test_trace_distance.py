"""Trace.distance tells the app whether a jump is cheap enough to compute on the key path."""
from __future__ import annotations

from chainstep.core.scenario import load_scenario


def test_distance_counts_the_iterations_record_would_compute() -> None:
    part = load_scenario("xor").parts[0]
    trace = part.new_trace(checkpoint_every=100)
    assert trace.distance(0) == 1
    assert trace.distance(250) == 251         # only the start is known yet
    trace.record(0)
    assert trace.distance(0) == 0
    assert trace.distance(5) == 5             # from the cached iteration 0
    trace.record(250)
    assert trace.distance(250) == 0
    assert trace.distance(260) == 10
    assert trace.distance(120) == 21          # from the checkpoint at 100 made on the way
