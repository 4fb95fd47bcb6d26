"""Scenarios from Python objects: an nn.Sequential or plain numpy arrays, and the data.

The network becomes the same mapping a YAML scenario holds (sizes, activations, params, data,
loss, optimiser) and goes through the same loader, so a scenario made here is validated, limited
and traced exactly like the file that says the same thing. Arrays are the way Python code holds
them: weights (out × in) as nn.Linear stores them, data one sample per row.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .scenario import Scenario
from .trace import Step

# PyTorch module class name -> our activation; a Linear with no activation after it is linear.
TORCH_ACTIVATIONS = {"Sigmoid": "sigmoid", "Tanh": "tanh", "ReLU": "relu", "Softmax": "softmax",
                     "Identity": "linear"}


@dataclass(frozen=True)
class Layer:
    """One dense layer: weights (out × in), bias (out), and the activation after it."""
    weight: Any
    bias: Any = None
    activation: str = "linear"


def _array(a: Any) -> np.ndarray:
    if hasattr(a, "detach"):   # a torch tensor, without importing torch
        a = a.detach().cpu().numpy()
    return np.asarray(a, dtype=np.float64)


def sequential_layers(model: Any) -> list[Layer]:
    """The Linear layers of an nn.Sequential with the activation module that follows each."""
    layers: list[Layer] = []
    for module in model:   # nn.Sequential iterates over its modules in order
        kind = type(module).__name__
        if kind == "Linear":
            layers.append(Layer(module.weight, module.bias))
        elif kind == "Identity":
            continue
        elif kind in TORCH_ACTIVATIONS and layers and layers[-1].activation == "linear":
            layers[-1] = Layer(layers[-1].weight, layers[-1].bias, TORCH_ACTIVATIONS[kind])
        elif kind in TORCH_ACTIVATIONS:
            raise ValueError(f"a {kind} must follow a Linear layer, one activation per layer")
        else:
            raise ValueError(f"cannot step through a {kind} module: chainstep knows Linear layers, each "
                             "followed by at most one of " + ", ".join(sorted(TORCH_ACTIVATIONS)))
    if not layers:
        raise ValueError("the model has no Linear layer")
    return layers


def _rows(a: np.ndarray) -> list[list[float]]:
    return [[float(v) for v in row] for row in np.atleast_2d(a)]


def scenario_mapping(layers: Sequence[Layer | tuple[Any, ...]], x: Any, y: Any, *, loss: str = "mse",
                     lr: float = 0.1, iterations: int = 100, reduction: str = "mean",
                     title: str = "A network from Python", description: str = "") -> dict[str, Any]:
    """The YAML scenario, as a mapping, that describes this network and data."""
    norm = [layer if isinstance(layer, Layer) else Layer(*layer) for layer in layers]
    x_arr, y_arr = _array(x), _array(y)
    if x_arr.ndim == 1:
        x_arr = x_arr[:, None]
    if y_arr.ndim == 1:
        y_arr = y_arr[:, None]
    if x_arr.ndim != 2 or y_arr.ndim != 2 or x_arr.shape[0] != y_arr.shape[0]:
        raise ValueError(f"x and y need one sample per row and the same number of rows; got {x_arr.shape} "
                         f"and {y_arr.shape}")
    params: dict[str, Any] = {}
    for n, layer in enumerate(norm, start=1):
        w = _array(layer.weight)
        params[f"W{n}"] = _rows(w)
        bias = np.zeros(w.shape[0]) if layer.bias is None else _array(layer.bias).reshape(-1)
        params[f"b{n}"] = [float(v) for v in bias]
    return {
        "title": title, "description": description,
        "network": {"inputs": int(x_arr.shape[1]),
                    "layers": [{"units": int(_array(l.weight).shape[0]), "activation": l.activation} for l in norm]},
        "params": params,
        "data": {"x": _rows(x_arr.T), "y": _rows(y_arr.T)},   # the format holds features × samples
        "loss": loss, "reduction": reduction, "optimizer": {"lr": float(lr)}, "iterations": int(iterations),
    }


def build_scenario(network: Any, x: Any, y: Any, **options: Any) -> Scenario:
    """A Scenario from an nn.Sequential or a list of Layer / (weight, bias, activation), and the data.

    Options are those of `scenario_mapping` (loss, lr, iterations, reduction, title, description).
    A mistake (an unknown loss, mismatched shapes) raises ScenarioError like a YAML file would.
    """
    import yaml
    from .scenario.build import load_text
    layers = network if isinstance(network, (list, tuple)) else sequential_layers(network)
    mapping = scenario_mapping(layers, x, y, **options)
    text = yaml.safe_dump(mapping, sort_keys=False, allow_unicode=True)
    return load_text(text, "<python>", "python")


def step_record(step: Step, part: int = 1) -> dict[str, Any]:
    """One step as a flat dict for a table (pandas.DataFrame(records)); counts from 1."""
    return {
        "part": part, "iteration": step.iteration + 1, "step": step.index + 1, "id": step.id,
        "phase": step.phase, "layer": step.layer, "title": step.title, "formula": step.formula,
        "substituted": step.substituted, "result": step.result.name, "shape": tuple(np.shape(step.result.value)),
        "value": np.array(step.result.value, copy=True).tolist(),
    }


def trace_steps(scenario: Scenario, iterations: int = 1, part: int = 1) -> list[Step]:
    """Every step of the first `iterations` iterations of part `part` (from 1)."""
    trace = scenario.parts[part - 1].trace
    return [trace.step(i, k) for i in range(min(iterations, trace.iterations)) for k in range(trace.n_steps)]


def trace_table(scenario: Scenario, iterations: int = 1, part: int = 1) -> list[dict[str, Any]]:
    return [step_record(s, part) for s in trace_steps(scenario, iterations, part)]
