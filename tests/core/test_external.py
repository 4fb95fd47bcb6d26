"""Your own network: weights from .npz or a PyTorch state_dict, data from .npz or .csv.

Every file is made here, in tmp_path; the PyTorch tests skip where torch is absent.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from chainstep.core.scenario import ScenarioError, load_scenario
from chainstep.tui.cli import main

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")

NET = """\
title: mine
network:
  inputs: 2
  layers:
    - {units: 3, activation: tanh}
    - {units: 1, activation: sigmoid}
loss: bce
iterations: 2
"""
RNG = np.random.default_rng(7)
W1, B1, W2, B2 = RNG.normal(size=(3, 2)), RNG.normal(size=3), RNG.normal(size=(1, 3)), RNG.normal(size=(1, 1))
X = RNG.normal(size=(2, 6))
Y = (RNG.random(size=(1, 6)) > 0.5).astype(float)


def scenario(folder: Path, params: str, data: str, name: str = "mine.yaml") -> Path:
    path = folder / name
    path.write_text(NET + params + "\n" + data + "\n", encoding="utf-8")
    return path


def where(path: Path, needle: str) -> str:
    """`file:line:col` of the first occurrence of `needle` in a file (1-based)."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return f"{path}:{n}:{line.index(needle) + 1}:"
    raise AssertionError(needle)


def error(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


@pytest.fixture
def npz(tmp_path: Path) -> Path:
    np.savez(tmp_path / "weights.npz", W1=W1, b1=B1, W2=W2, b2=B2)
    np.savez(tmp_path / "data.npz", x=X, y=Y)
    return tmp_path


def test_npz_weights_and_data(npz: Path) -> None:
    part = load_scenario(scenario(npz, "params: {file: weights.npz}", "data: {file: data.npz}")).parts[0]
    assert np.array_equal(part.params["W1"], W1) and np.array_equal(part.params["b1"], B1.reshape(3, 1))
    assert np.array_equal(part.params["W2"], W2) and np.array_equal(part.params["b2"], B2)
    assert np.array_equal(part.x, X) and np.array_equal(part.y, Y)
    yhat = part.trace.record(0).yhat
    expected = 1 / (1 + np.exp(-(W2 @ np.tanh(W1 @ X + B1.reshape(3, 1)) + B2)))
    np.testing.assert_allclose(yhat, expected, rtol=1e-12)


def test_paths_are_relative_to_the_scenario_not_the_working_directory(npz: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path_factory: pytest.TempPathFactory) -> None:
    (npz / "lessons").mkdir()
    (npz / "weights.npz").rename(npz / "lessons" / "weights.npz")
    path = scenario(npz / "lessons", "params: {file: weights.npz}", "data: {file: ../data.npz}")
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    assert np.array_equal(load_scenario(path).parts[0].params["W2"], W2)


def test_npz_names_mapped_with_keys_and_rows_as_samples(tmp_path: Path) -> None:
    np.savez(tmp_path / "w.npz", dense1_kernel=W1, dense1_bias=B1, out_kernel=W2, out_bias=B2)
    np.savez(tmp_path / "d.npz", features=X.T, labels=Y.T)   # one sample per row
    path = scenario(tmp_path, "params:\n  file: w.npz\n  keys: {W1: dense1_kernel, b1: dense1_bias, "
                              "W2: out_kernel, b2: out_bias}",
                    "data: {file: d.npz, keys: {x: features, y: labels}, transpose: true}")
    part = load_scenario(path).parts[0]
    assert np.array_equal(part.params["W1"], W1) and np.array_equal(part.x, X) and np.array_equal(part.y, Y)


def test_explicit_params_fill_in_and_override_the_file(tmp_path: Path) -> None:
    np.savez(tmp_path / "w.npz", W1=W1, W2=W2)   # no biases, as from a model built with bias=False
    np.savez(tmp_path / "d.npz", x=X, y=Y)
    path = scenario(tmp_path, "params: {file: w.npz, b1: [0, 0, 0], b2: 0.5, W2: [[1, 2, 3]]}", "data: {file: d.npz}")
    part = load_scenario(path).parts[0]
    assert np.array_equal(part.params["W1"], W1)
    assert np.array_equal(part.params["W2"], [[1, 2, 3]]) and part.params["b2"][0, 0] == 0.5

    missing = scenario(tmp_path, "params: {file: w.npz}", "data: {file: d.npz}", "missing.yaml")
    msg = error(missing)
    assert msg.startswith(where(missing, "w.npz")) and "gives no b1, b2" in msg and "b1: [0, 0]" in msg


def test_csv_with_header_names_and_default_inputs(tmp_path: Path) -> None:
    rows = "\n".join(f"{a},{b},{int(c)}" for a, b, c in zip(X[0], X[1], Y[0]))
    (tmp_path / "d.csv").write_text("x1,x2,label\n" + rows + "\n", encoding="utf-8")
    np.savez(tmp_path / "w.npz", W1=W1, b1=B1, W2=W2, b2=B2)
    part = load_scenario(scenario(tmp_path, "params: {file: w.npz}", "data: {csv: d.csv, y_columns: [label]}")).parts[0]
    np.testing.assert_allclose(part.x, X, rtol=1e-15)
    assert np.array_equal(part.y, Y)
    # The same file by column numbers, inputs listed in another order.
    swapped = scenario(tmp_path, "params: {file: w.npz}", "data: {csv: d.csv, x_columns: [1, 0], y_columns: 2}", "b.yaml")
    np.testing.assert_allclose(load_scenario(swapped).parts[0].x, X[::-1], rtol=1e-15)


def test_csv_without_header_by_index(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("1,2,0\n3,4,1\n", encoding="utf-8")
    np.savez(tmp_path / "w.npz", W1=W1, b1=B1, W2=W2, b2=B2)
    part = load_scenario(scenario(tmp_path, "params: {file: w.npz}",
                                  "data: {csv: d.csv, x_columns: [0, 1], y_columns: [2]}")).parts[0]
    assert part.x.tolist() == [[1, 3], [2, 4]] and part.y.tolist() == [[0, 1]]
    named = scenario(tmp_path, "params: {file: w.npz}", "data: {csv: d.csv, y_columns: [label]}", "n.yaml")
    msg = error(named)
    assert msg.startswith(where(named, "[label]")) and "no header row" in msg


# ---- located errors -----------------------------------------------------------------------

def test_missing_file_points_at_the_file_key(npz: Path) -> None:
    path = scenario(npz, "params: {file: weigths.npz}", "data: {file: data.npz}")
    msg = error(path)
    assert msg.startswith(where(path, "weigths.npz")) and "there is no file weigths.npz" in msg
    path = scenario(npz, "params: {file: weights.npz}", "data: {csv: nowhere.csv, y_columns: [y]}", "b.yaml")
    assert error(path).startswith(where(path, "nowhere.csv"))


def test_weight_shape_mismatch_names_the_shapes_and_spots_a_transpose(tmp_path: Path) -> None:
    np.savez(tmp_path / "w.npz", W1=W1.T, b1=B1, W2=W2, b2=B2)   # stored in × out, as Keras does
    np.savez(tmp_path / "d.npz", x=X, y=Y)
    path = scenario(tmp_path, "params: {file: w.npz}", "data: {file: d.npz}")
    msg = error(path)
    assert msg.startswith(where(path, "w.npz"))
    assert "W1 in w.npz has shape (2, 3)" in msg and "(3, 2)" in msg and "transposed" in msg

    np.savez(tmp_path / "w3.npz", W1=W1, b1=np.zeros(4), W2=W2, b2=B2)
    path = scenario(tmp_path, "params: {file: w3.npz}", "data: {file: d.npz}", "bias.yaml")
    assert "b1 in w3.npz has shape (4,), but layer 1 has 3 unit(s)" in error(path)

    np.savez(tmp_path / "deep.npz", W1=W1, b1=B1, W2=W2, b2=B2, W3=np.ones((1, 1)), b3=np.ones(1))
    path = scenario(tmp_path, "params: {file: deep.npz}", "data: {file: d.npz}", "deep.yaml")
    assert "deep.npz holds W3, b3, but the network has 2 layer(s)" in error(path)


def test_data_laid_out_one_sample_per_row_gets_a_transpose_hint(npz: Path) -> None:
    np.savez(npz / "rows.npz", x=X.T, y=Y.T)
    path = scenario(npz, "params: {file: weights.npz}", "data: {file: rows.npz}")
    msg = error(path)
    assert msg.startswith(where(path, "rows.npz")) and "add transpose: true" in msg
    np.savez(npz / "short.npz", x=X, y=Y[:, :4])
    path = scenario(npz, "params: {file: weights.npz}", "data: {file: short.npz}", "short.yaml")
    assert "y has 4 sample column(s) but x has 6" in error(path)


def test_bad_csv_cell_is_located_in_the_csv(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("a,b,y\n1,2,0\n3,\"four\",1\n", encoding="utf-8")
    np.savez(tmp_path / "w.npz", W1=W1, b1=B1, W2=W2, b2=B2)
    msg = error(scenario(tmp_path, "params: {file: w.npz}", "data: {csv: d.csv, y_columns: [y]}"))
    assert msg.startswith(f"{tmp_path / 'd.csv'}:3:3:") and "'four'" in msg
    (tmp_path / "r.csv").write_text("a,b,y\n1,2,0\n3,4\n", encoding="utf-8")
    msg = error(scenario(tmp_path, "params: {file: w.npz}", "data: {csv: r.csv, y_columns: [y]}", "r.yaml"))
    assert msg.startswith(f"{tmp_path / 'r.csv'}:3:1:") and "2 cells" in msg


def test_conflicting_and_misplaced_keys(npz: Path) -> None:
    path = scenario(npz, "params: {file: weights.npz}", "data: {file: data.npz, x: [[1]]}")
    assert "data has both a file and `x`" in error(path)
    path = scenario(npz, "params: {file: weights.npz}", "data: {x: [[1, 2]], y: [[0, 1]], transpose: true}", "t.yaml")
    msg = error(path)
    assert msg.startswith(where(path, "true")) and "names none" in msg
    path = scenario(npz, "params: {file: weights.npz, keys: {W7: a}}", "data: {file: data.npz}", "k.yaml")
    assert error(path).startswith(where(path, "a}}")) and "`W7` is not one of W1, b1, W2, b2" in error(path)


def test_pickled_arrays_are_refused(tmp_path: Path) -> None:
    np.savez(tmp_path / "w.npz", W1=np.array([{"a": 1}], dtype=object), b1=B1, W2=W2, b2=B2)
    np.savez(tmp_path / "d.npz", x=X, y=Y)
    assert "not plain number arrays" in error(scenario(tmp_path, "params: {file: w.npz}", "data: {file: d.npz}"))


def test_cli_check_reports_a_bad_file_with_exit_2(npz: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario(npz, "params: {file: gone.npz}", "data: {file: data.npz}")
    assert main(["check", "--no-gradcheck", str(path)]) == 2
    err = capsys.readouterr().err
    assert where(path, "gone.npz") in err and "Traceback" not in err


def test_schema_accepts_file_references(npz: Path) -> None:
    import jsonschema
    from chainstep.core.scenario import parse_yaml
    from chainstep.core.schema import build_schema
    for params, data in [("params: {file: w.npz, keys: {W1: a}, b1: [0, 0, 0]}", "data: {file: d.npz, transpose: true}"),
                         ("params: {file: m.pt}", "data: {csv: d.csv, x_columns: [a, 1], y_columns: [y]}"),
                         ("params: {file: m.pt}", "data: {csv: d.csv, x_columns: [1, 0], y_columns: 2}")]:
        raw, _ = parse_yaml(NET + params + "\n" + data + "\n", "<t>")
        jsonschema.validate(raw, build_schema())


# ---- PyTorch -------------------------------------------------------------------------------

def _sequential(*layers: int, wrap: bool = False):  # noqa: ANN202 - torch types only exist with torch
    import torch
    torch.manual_seed(0)
    mods = []
    for n_in, n_out in zip(layers, layers[1:]):
        mods += [torch.nn.Linear(n_in, n_out), torch.nn.Tanh()]
    mods[-1] = torch.nn.Sigmoid()
    net = torch.nn.Sequential(*mods).double()
    if wrap:
        holder = torch.nn.Module()
        holder.net = net
        return net, holder
    return net, net


@needs_torch
def test_torch_state_dict_of_a_sequential(npz: Path) -> None:
    import torch
    net, _ = _sequential(2, 3, 1)
    torch.save(net.state_dict(), npz / "model.pt")
    part = load_scenario(scenario(npz, "params: {file: model.pt}", "data: {file: data.npz}")).parts[0]
    assert np.array_equal(part.params["W1"], net[0].weight.detach().numpy())
    assert np.array_equal(part.params["b2"], net[2].bias.detach().numpy().reshape(1, 1))
    # The debugger's forward pass is the trained network's: same ŷ as torch computes.
    with torch.no_grad():
        expected = net(torch.from_numpy(X.T)).numpy().T
    np.testing.assert_allclose(part.trace.record(0).yhat, expected, rtol=1e-12)


@needs_torch
def test_torch_sequential_inside_a_module_and_layer_count(npz: Path) -> None:
    import torch
    net, holder = _sequential(2, 3, 1, wrap=True)
    torch.save(holder.state_dict(), npz / "wrapped.pth")   # keys net.0.weight, ...
    part = load_scenario(scenario(npz, "params: {file: wrapped.pth}", "data: {file: data.npz}")).parts[0]
    assert np.array_equal(part.params["W2"], net[2].weight.detach().numpy())

    deep, _ = _sequential(2, 3, 3, 1)
    torch.save(deep.state_dict(), npz / "deep.pt")
    path = scenario(npz, "params: {file: deep.pt}", "data: {file: data.npz}", "deep.yaml")
    msg = error(path)
    assert msg.startswith(where(path, "deep.pt")) and "3 Linear layer(s) but the network has 2" in msg


@needs_torch
def test_torch_whole_model_and_other_layers_are_refused(npz: Path) -> None:
    import torch
    net, _ = _sequential(2, 3, 1)
    torch.save(net, npz / "whole.pt")   # the pickled module, not its state_dict: never unpickled
    msg = error(scenario(npz, "params: {file: whole.pt}", "data: {file: data.npz}"))
    assert "state_dict" in msg
    odd = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3), torch.nn.Linear(3, 1))
    torch.save(odd.state_dict(), npz / "bn.pt")
    msg = error(scenario(npz, "params: {file: bn.pt}", "data: {file: data.npz}", "bn.yaml"))
    assert "not the weight or bias of a numbered layer" in msg or "not a Linear layer" in msg


def test_torch_file_without_torch_says_so(npz: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins
    real_import = builtins.__import__

    def no_torch(name: str, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if name == "torch" or name.startswith("torch."):
            raise ImportError("no torch here")
        return real_import(name, *args, **kwargs)

    (npz / "model.pt").write_bytes(b"not really")
    monkeypatch.setattr(builtins, "__import__", no_torch)
    msg = error(scenario(npz, "params: {file: model.pt}", "data: {file: data.npz}"))
    assert "torch is not installed" in msg and ".npz" in msg
