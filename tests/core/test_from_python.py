"""The Python API builds the scenario a YAML file would, traces the same numbers, and matches torch."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import chainstep
from chainstep.core.scenario import Scenario, ScenarioError, load_scenario

HAS_TORCH = importlib.util.find_spec("torch") is not None
RNG = np.random.default_rng(19)
W1, B1 = RNG.normal(size=(3, 2)), RNG.normal(size=3)
W2, B2 = RNG.normal(size=(1, 3)), RNG.normal(size=1)
X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, -0.25]])   # one sample per row
Y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])


def rows(a: np.ndarray) -> str:
    return "[" + ", ".join("[" + ", ".join(repr(float(v)) for v in r) + "]" for r in np.atleast_2d(a)) + "]"


YAML = f"""
title: the same network, written by hand
network:
  inputs: 2
  layers:
    - {{units: 3, activation: tanh}}
    - {{units: 1, activation: sigmoid}}
params:
  W1: {rows(W1)}
  b1: {[float(v) for v in B1]}
  W2: {rows(W2)}
  b2: {[float(v) for v in B2]}
data:
  x: {rows(X.T)}
  y: {rows(Y[None, :])}
loss: bce
optimizer: {{lr: 0.3}}
iterations: 4
"""


def same_numbers(a: Scenario, b: Scenario, iterations: int) -> None:
    steps_a, steps_b = chainstep.steps(a, iterations), chainstep.steps(b, iterations)
    assert [s.id for s in steps_a] == [s.id for s in steps_b] and len(steps_a) == iterations * 19
    for s, t in zip(steps_a, steps_b):
        assert np.array_equal(s.result.value, t.result.value), s.id
        assert [f.label for f in s.factors] == [f.label for f in t.factors]


def test_numpy_arrays_trace_exactly_what_the_yaml_traces(tmp_path: Path) -> None:
    path = tmp_path / "same.yaml"
    path.write_text(YAML)
    by_hand = load_scenario(path)
    from_api = chainstep.scenario([chainstep.Layer(W1, B1, "tanh"), (W2, B2, "sigmoid")], X, Y, loss="bce",
                                  lr=0.3, iterations=4)
    same_numbers(by_hand, from_api, iterations=4)


def test_the_table_is_flat_counts_from_1_and_holds_the_values() -> None:
    sc = chainstep.scenario([(W1, B1, "tanh"), (W2, B2, "sigmoid")], X, Y, loss="bce", iterations=2)
    table = chainstep.table(sc, iterations=2)
    assert len(table) == 38 and table[0]["iteration"] == 1 and table[0]["step"] == 1 and table[-1]["iteration"] == 2
    first = table[0]
    assert first["id"] == "forward.1.u" and first["shape"] == (3, 5)
    assert np.allclose(first["value"], W1 @ X.T + B1[:, None])
    assert all(isinstance(v, (str, int, float, tuple, list, type(None))) for r in table for v in r.values())


def test_mistakes_are_refused_like_a_files() -> None:
    with pytest.raises(ScenarioError, match="loss"):
        chainstep.scenario([(W1, B1, "tanh"), (W2, B2, "sigmoid")], X, Y, loss="hinge")
    with pytest.raises(ValueError, match="same number of rows"):
        chainstep.scenario([(W1, B1, "tanh")], X, Y[:3])


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_an_nn_sequential_traces_like_its_arrays_and_updates_like_torch_optim() -> None:
    import torch
    from torch import nn
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1), nn.Sigmoid()).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(W1)); model[0].bias.copy_(torch.tensor(B1))
        model[2].weight.copy_(torch.tensor(W2)); model[2].bias.copy_(torch.tensor(B2))
    sc = chainstep.scenario(model, X, Y, loss="bce", lr=0.3, iterations=4)
    same_numbers(sc, chainstep.scenario([(W1, B1, "tanh"), (W2, B2, "sigmoid")], X, Y, loss="bce", lr=0.3,
                                        iterations=4), iterations=2)
    opt = torch.optim.SGD(model.parameters(), lr=0.3)
    loss = nn.functional.binary_cross_entropy(model(torch.tensor(X)), torch.tensor(Y)[:, None])
    loss.backward()
    opt.step()
    updated = {s.id: s.result.value for s in chainstep.steps(sc) if s.phase == "update"}
    assert np.allclose(updated["update.W1"], model[0].weight.detach().numpy(), rtol=0, atol=1e-12)
    assert np.allclose(updated["update.b2"].ravel(), model[2].bias.detach().numpy(), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="Conv1d"):
        chainstep.scenario(nn.Sequential(nn.Conv1d(1, 1, 1)), X, Y)


def test_keras_style_kernels_load_with_transpose(tmp_path: Path) -> None:
    np.savez(tmp_path / "keras.npz", W1=W1.T, b1=B1, W2=W2.T, b2=B2)   # in × out, as Keras saves kernels
    np.savez(tmp_path / "torch.npz", W1=W1, b1=B1, W2=W2, b2=B2)
    body = YAML.split("params:")[0] + "params: {file: FILE}\n" + "data:" + YAML.split("data:")[1]
    for name, extra in (("keras.npz", ", transpose: true"), ("torch.npz", "")):
        (tmp_path / f"{name}.yaml").write_text(body.replace("{file: FILE}", f"{{file: {name}{extra}}}"))
    keras, plain = (load_scenario(tmp_path / f"{n}.yaml") for n in ("keras.npz", "torch.npz"))
    same_numbers(keras, plain, iterations=1)
    (tmp_path / "bad.yaml").write_text(body.replace("{file: FILE}", "{file: keras.npz}"))
    with pytest.raises(ScenarioError, match="add transpose: true"):
        load_scenario(tmp_path / "bad.yaml")


def test_debug_opens_the_app_on_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    from chainstep.tui.app import ChainstepApp
    opened = []
    monkeypatch.setattr(ChainstepApp, "run", lambda self, *a, **k: opened.append(self.scenario) or 0)
    assert chainstep.debug([(W1, B1, "tanh"), (W2, B2, "sigmoid")], X, Y, loss="bce") == 0
    assert opened and opened[0].parts[0].x.shape == (2, 5)
