"""The Python API: scenarios from an nn.Sequential or numpy arrays, their steps, and the debugger.

    import chainstep, torch.nn as nn
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    sc = chainstep.scenario(model, x, y, loss="bce", lr=0.5, iterations=200)   # x, y: one sample per row
    rows = chainstep.table(sc, iterations=1)      # list of dicts: pandas.DataFrame(rows)
    chainstep.debug(model, x, y, loss="bce")       # the debugger, until you quit it
"""
from __future__ import annotations

from typing import Any

from .core.from_python import Layer, build_scenario, trace_steps, trace_table
from .core.scenario import Scenario

__all__ = ["Layer", "debug", "scenario", "steps", "table"]


def scenario(network: Any, x: Any, y: Any, **options: Any) -> Scenario:
    """A scenario from an nn.Sequential (or a list of `Layer(weight, bias, activation)`) and data.

    x and y hold one sample per row; options: loss ("mse", "bce", ...), lr, iterations, reduction,
    title, description. Raises ScenarioError for what a YAML file would be refused for.
    """
    return build_scenario(network, x, y, **options)


def steps(sc: Scenario, iterations: int = 1, part: int = 1) -> list[Any]:
    """The immutable Steps of the first `iterations` iterations (the trace computes them on demand)."""
    return trace_steps(sc, iterations, part)


def table(sc: Scenario, iterations: int = 1, part: int = 1) -> list[dict[str, Any]]:
    """One flat dict per step (part, iteration and step counted from 1): ready for pandas.DataFrame."""
    return trace_table(sc, iterations, part)


def debug(network: Any, x: Any = None, y: Any = None, **options: Any) -> int:
    """Open the debugger on a network and its data (or on a Scenario) in this terminal; blocks until quit."""
    from .tui.app import ChainstepApp
    sc = network if isinstance(network, Scenario) else build_scenario(network, x, y, **options)
    return int(ChainstepApp(sc).run() or 0)
