"""`chainstep explain` on a 2-2-2 sigmoid network, against numbers worked out by hand in this file.

The scalar code below is the chain rule written out with math.exp and plain floats, one unit at a
time, the way a student does it on paper; it shares nothing with the engine.
"""
import json
import math

import pytest

from chainstep.tui.cli import main

NET = """\
title: two-two-two
network:
  inputs: 2
  layers:
    - {units: 2, activation: sigmoid}
    - {units: 2, activation: sigmoid}
params:
  W1: [[0.15, 0.20], [0.25, 0.30]]
  b1: [0.35, 0.35]
  W2: [[0.40, 0.45], [0.50, 0.55]]
  b2: [0.60, 0.60]
data:
  x: [[0.05], [0.10]]
  y: [[0.01], [0.99]]
loss: half_mse
reduction: sum
optimizer: {lr: 0.5}
iterations: 2
"""
W1 = [[0.15, 0.20], [0.25, 0.30]]
B1 = [0.35, 0.35]
W2 = [[0.40, 0.45], [0.50, 0.55]]
B2 = [0.60, 0.60]
X, Y, LR = [0.05, 0.10], [0.01, 0.99], 0.5


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def by_hand(w1, b1, w2, b2):
    """Forward pass and every path product of E = Σₖ ½(outₖ − yₖ)², unit by unit."""
    net1 = [w1[i][0] * X[0] + w1[i][1] * X[1] + b1[i] for i in range(2)]
    out1 = [sig(v) for v in net1]
    net2 = [w2[k][0] * out1[0] + w2[k][1] * out1[1] + b2[k] for k in range(2)]
    out2 = [sig(v) for v in net2]
    dE = [out2[k] - Y[k] for k in range(2)]              # ∂E/∂out₂[k]
    s2 = [out2[k] * (1 - out2[k]) for k in range(2)]     # ∂out₂[k]/∂net₂[k]
    s1 = [out1[i] * (1 - out1[i]) for i in range(2)]     # ∂out₁[i]/∂net₁[i]
    paths_w1 = {(i, j): [dE[k] * s2[k] * w2[k][i] * s1[i] * X[j] for k in range(2)]
                for i in range(2) for j in range(2)}
    g = {
        "W1": [[sum(paths_w1[i, j]) for j in range(2)] for i in range(2)],
        "b1": [sum(dE[k] * s2[k] * w2[k][i] * s1[i] for k in range(2)) for i in range(2)],
        "W2": [[dE[k] * s2[k] * out1[i] for i in range(2)] for k in range(2)],
        "b2": [dE[k] * s2[k] for k in range(2)],
    }
    return dict(out1=out1, out2=out2, dE=dE, s2=s2, s1=s1, paths_w1=paths_w1, g=g)


def step(w1, b1, w2, b2, g):
    """One gradient-descent update, by hand."""
    up = lambda m, d: [[m[r][c] - LR * d[r][c] for c in range(2)] for r in range(2)]
    return (up(w1, g["W1"]), [b1[i] - LR * g["b1"][i] for i in range(2)], up(w2, g["W2"]),
            [b2[k] - LR * g["b2"][k] for k in range(2)])


@pytest.fixture()
def net(tmp_path):
    path = tmp_path / "two-two-two.yaml"
    path.write_text(NET)
    return str(path)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["explain", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def g6(v: float) -> str:
    return f"{v:.6g}".replace("-", "−")


def test_the_hand_code_reproduces_the_textbook_numbers() -> None:
    h = by_hand(W1, B1, W2, B2)
    assert h["g"]["W1"][0][0] == pytest.approx(0.000438568, abs=5e-10)
    assert h["g"]["W2"][0][0] == pytest.approx(0.082167041, abs=5e-10)


@pytest.mark.parametrize("i,j", [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_every_first_layer_weight_is_the_sum_of_its_two_paths(capsys, net, i, j) -> None:
    h = by_hand(W1, B1, W2, B2)
    code, out, _ = run(capsys, net, f"W1[{i},{j}]")
    assert code == 0
    # each path's factors, with the values worked out above, in the hand-worked names
    for k in range(2):
        assert f"path {k + 1} of 2: E → out₂[{k}] → net₂[{k}] → out₁[{i}] → net₁[{i}]" in out
        assert f"∂E/∂out₂[{k}] = ∂E/∂ŷ[{k}]" in out and g6(h["dE"][k]) in out
        assert f"∂out₂[{k}]/∂net₂[{k}] = σ'(u₂[{k}])" in out and g6(h["s2"][k]) in out
        assert f"∂net₂[{k}]/∂out₁[{i}] = W₂[{k},{i}]" in out
        assert f"= {g6(h['paths_w1'][i, j][k])}" in out
    assert f"∂out₁[{i}]/∂net₁[{i}] = σ'(u₁[{i}])" in out and g6(h["s1"][i]) in out
    assert f"∂net₁[{i}]/∂W₁[{i},{j}] = x[{j}]" in out
    total = g6(h["g"]["W1"][i][j])
    assert f"matrix step backward.1.dW, element [{i},{j}]: {total}   scalar total: {total}" in out

    code, out, _ = run(capsys, net, f"W1[{i},{j}]", "--format", "json")
    data = json.loads(out)
    (detail,) = data["details"]
    values = [p["value"] for grp in detail["groups"] for p in grp["shown"]]
    assert values == pytest.approx(h["paths_w1"][i, j], rel=1e-12)
    assert data["total"] == pytest.approx(h["g"]["W1"][i][j], rel=1e-12)
    assert data["matrix"] == pytest.approx(h["g"]["W1"][i][j], rel=1e-12)
    assert abs(data["difference"]) < 1e-17


def test_output_weights_biases_and_the_second_iteration(capsys, net) -> None:
    h = by_hand(W1, B1, W2, B2)
    for element, want in [("W2[1,0]", h["g"]["W2"][1][0]), ("b1[1]", h["g"]["b1"][1]), ("db2[0]", h["g"]["b2"][0])]:
        code, out, _ = run(capsys, net, element, "--format", "json")
        assert code == 0 and json.loads(out)["total"] == pytest.approx(want, rel=1e-12)
    after = by_hand(*step(W1, B1, W2, B2, h["g"]))
    code, out, _ = run(capsys, net, "W1[1,1]", "--iteration", "2", "--format", "json")
    data = json.loads(out)
    assert data["iteration"] == 2 and data["total"] == pytest.approx(after["g"]["W1"][1][1], rel=1e-12)
    code, out, _ = run(capsys, net, "[1,1]", "--step", "backward.1.dW", "--iteration", "2")
    assert "at iteration 2 (step backward.1.dW)" in out and g6(after["g"]["W1"][1][1]) in out


def test_delta_and_the_gradient_passed_down(capsys, net) -> None:
    h = by_hand(W1, B1, W2, B2)
    da = sum(h["dE"][k] * h["s2"][k] * W2[k][0] for k in range(2))   # ∂E/∂out₁[0]
    code, out, _ = run(capsys, net, "dL_da1[0,0]", "--format", "json")
    assert json.loads(out)["total"] == pytest.approx(da, rel=1e-12)
    code, out, _ = run(capsys, net, "delta1[0,0]")
    assert g6(da * h["s1"][0]) in out and "δ₁[0,0] is how L responds to net₁[0] (u₁[0]) of sample 0" in out


def test_markdown(capsys, net) -> None:
    code, out, _ = run(capsys, net, "W1[0,0]", "--format", "markdown")
    assert code == 0 and out.startswith("# ∂L/∂W₁[0,0] at iteration 1") and "```text" in out
    assert out.count("```") % 2 == 0


@pytest.mark.parametrize("args,message", [
    (["W1[2,0]"], "dW1 is 2×2: it has no element [2,0]"),
    (["x[0,0]"], "is not a gradient this trace shows: zoom on one of"),
    (["W1[0,0]", "--iteration", "0"], "--iteration must be between 1 and 2"),
    (["W1[0,0]", "--iteration", "3"], "--iteration must be between 1 and 2"),
    (["W1[0,0]", "--part", "2"], "--part must be between 1 and 1"),
    (["[0,0]", "--step", "forward.1.u"], "not a gradient of the loss"),
    (["W1[0,0]", "--sample", "4"], "sample 4 does not enter"),
])
def test_bad_input_exits_2_with_what_is_allowed(capsys, net, args, message) -> None:
    code, out, err = run(capsys, net, *args)
    assert code == 2 and out == ""
    assert err.startswith("chainstep explain: ") and message in err and "Traceback" not in err


def test_a_diverged_run_exits_2(capsys, tmp_path) -> None:
    path = tmp_path / "diverged.yaml"
    path.write_text(NET.replace("x: [[0.05], [0.10]]", "x: [[1e308], [1e308]]").replace("[[0.15, 0.20]", "[[15, 20]"))
    code, _, err = run(capsys, str(path), "W1[0,0]")
    assert code == 2 and "inf or NaN" in err
