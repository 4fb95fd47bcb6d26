"""The zoom on one gradient element: path products against the matrix gradient, for random networks."""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import chainstep.core.explain_paths as ex
from chainstep.core.activations import ACTIVATIONS
from chainstep.core.explain import ExplainError, explain
from chainstep.core.explain_target import gradient_names
from chainstep.core.losses import LOSSES
from chainstep.core.network import Model
from chainstep.core.testing import random_trace
from chainstep.core.trace import Trace

ALL = 10 ** 9   # a path limit no test network reaches: every path listed with its factors


def build(seed: int, sizes: tuple[int, ...], hidden: list[str], out: str, loss: str, reduction: str,
          samples: int, l2: float) -> Trace:
    return random_trace(sizes, [*hidden, out], loss, reduction, l2, seed, samples, iterations=2)


def outputs_for(loss: str) -> list[str]:
    return {"bce": ["sigmoid"], "cross_entropy": ["softmax"]}.get(loss, list(ACTIVATIONS))


@st.composite
def networks(draw):
    depth = draw(st.integers(1, 4))
    loss = draw(st.sampled_from(sorted(LOSSES)))
    out = draw(st.sampled_from(outputs_for(loss)))
    k_out = draw(st.integers(2, 3)) if out == "softmax" else draw(st.integers(1, 3))
    widths = [draw(st.integers(2, 3)) for _ in range(depth - 1)]
    hidden = [draw(st.sampled_from(sorted(ACTIVATIONS))) for _ in range(depth - 1)]
    sizes = (draw(st.integers(1, 3)), *widths, k_out)
    trace = build(draw(st.integers(0, 10_000)), sizes, hidden, out, loss, draw(st.sampled_from(["mean", "sum"])),
                  draw(st.integers(1, 3)), draw(st.sampled_from([0.0, 0.0, 0.2])))
    names = sorted(gradient_names(trace))
    name = draw(st.sampled_from(names))
    shape = trace.step(0, gradient_names(trace)[name][2]).result.value.shape
    index = (draw(st.integers(0, shape[0] - 1)), draw(st.integers(0, shape[1] - 1)))
    return trace, f"{name}[{index[0]},{index[1]}]"


def describe(trace: Trace) -> str:
    m = trace.model
    rec = trace.record(0)
    return (f"{m.sizes} {[a.name for a in m.activations]} {m.loss.name} {m.reduction} l2={m.l2} "
            f"u={[u.tolist() for u in rec.us]} a={[a.tolist() for a in rec.as_]} y={rec.y.tolist()}")


def close(a: float, b: float, scale: float) -> bool:
    """Equal to 1e-12 relative: to the larger of the values and the sum of |path| that produced them."""
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b), scale, 1e-300)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=networks())
def test_path_products_sum_to_the_matrix_element(case) -> None:
    trace, element = case
    which = explain(trace, 0, element).samples   # every sample that enters the element
    e = explain(trace, 0, element, samples=which, limit=ALL)
    total, scale = 0.0, 0.0
    for d, v in zip(e.details, e.per_sample):
        assert d.enumerated and d.sample == e.samples[e.details.index(d)]
        paths = [p for g in d.groups for p in g.shown]
        assert len(paths) == d.paths and all(g.rest_count == 0 for g in d.groups)
        for p in paths:   # each path's value is the product of the factors it names
            assert p.value == math.prod(f.value for f in p.factors)
        s = sum(p.value for p in paths)
        # the size of the numbers summed; a saturated softmax entry a(1 − a) is known only to 1e-16·a
        scale_n = sum(math.prod(f.size for f in p.factors) for p in paths)
        assert close(s, v, scale_n), describe(trace)     # the paths add up to that sample's line
        assert close(d.steps[-1].running, s, scale_n)    # and so do the += lines
        total += s
        scale += scale_n
    N = e.divisor
    # the per-sample lines reduce to the value: (1/N)·Σ, plus λ·W for a weight with L2
    assert close(sum(e.per_sample) / N, e.reduced, sum(abs(v) for v in e.per_sample) / N)
    matrix = float(np.asarray(trace.step(0, e.target.step_id).result.value)[
        e.target.index if len(e.target.index) == 2 else (e.target.index[0], 0)])
    assert e.matrix == matrix
    assert close(total / N + e.l2_term, matrix, scale / N + abs(e.l2_term))
    assert close(e.total, matrix, scale / N + abs(e.l2_term))


@settings(max_examples=150, deadline=None)
@given(case=networks(), limit=st.integers(1, 4))
def test_grouping_keeps_the_total(case, limit) -> None:
    trace, element = case
    full = explain(trace, 0, element, limit=ALL)
    short = explain(trace, 0, element, samples=tuple(d.sample for d in full.details), limit=limit)
    for a, b in zip(full.details, short.details):
        assert sum(len(g.shown) for g in b.groups) == min(limit, b.paths)
        scale = sum(math.prod(f.size for f in p.factors) for g in a.groups for p in g.shown)
        for ga, gb in zip(a.groups, b.groups):
            assert gb.count == ga.count == len(gb.shown) + gb.rest_count
            assert close(sum(p.value for p in gb.shown) + gb.rest_value, ga.total, scale)
            assert close(gb.total, ga.total, scale)
        assert close(b.steps[-1].running, a.value, scale)
        # the listed paths are the largest ones
        listed = sorted((abs(p.value) for g in b.groups for p in g.shown), reverse=True)
        every = sorted((abs(p.value) for g in a.groups for p in g.shown), reverse=True)
        assert listed == every[:len(listed)]


@settings(max_examples=80, deadline=None)
@given(case=networks())
def test_group_totals_in_closed_form_match_the_paths(case) -> None:
    trace, element = case
    listed = explain(trace, 0, element, limit=ALL)
    old = ex.ENUM_CAP
    ex.ENUM_CAP = 0   # as if the network were too big to list its paths
    try:
        grouped = explain(trace, 0, element, samples=tuple(d.sample for d in listed.details))
    finally:
        ex.ENUM_CAP = old
    for a, b in zip(listed.details, grouped.details):
        if b.paths == 1 and b.enumerated:
            continue   # a single path is always listed
        assert not b.enumerated and all(not g.shown for g in b.groups)
        assert [g.via for g in a.groups] == [g.via for g in b.groups]
        scale = sum(math.prod(f.size for f in p.factors) for g in a.groups for p in g.shown)
        for ga, gb in zip(a.groups, b.groups):
            assert close(ga.total, gb.total, scale) and gb.count == ga.count


def test_softmax_paths_go_through_every_output() -> None:
    trace = build(1, (2, 3, 3), ["sigmoid"], "softmax", "mse", "mean", 2, 0.0)
    e = explain(trace, 0, "W1[0,1]", limit=ALL)
    d = e.details[0]
    assert d.paths == 3 * 3   # enter out₂[m], leave through net₂[k], then down to out₁[0]
    assert {p.route[1] for g in d.groups for p in g.shown} == {"out₂[0]", "out₂[1]", "out₂[2]"}
    names = {f.name for g in d.groups for p in g.shown for f in p.factors}
    assert "∂out₂[0]/∂net₂[2]" in names and "∂out₂[1]/∂net₂[1]" in names


def test_fused_output_uses_the_exact_form() -> None:
    trace = build(2, (2, 2, 3), ["tanh"], "softmax", "cross_entropy", "mean", 3, 0.0)
    e = explain(trace, 0, "delta2[1,0]")
    (p,) = [p for g in e.details[0].groups for p in g.shown]
    assert p.factors[0].name == "∂E/∂net₂[1]" and p.factors[0].formula.startswith("ŷ − y")
    assert e.fused and any("collapses" in n for n in e.notes)


def test_hand_worked_names() -> None:
    trace = build(3, (2, 2, 2), ["sigmoid"], "sigmoid", "half_mse", "sum", 1, 0.0)
    e = explain(trace, 0, "W1[1,0]")
    p = e.details[0].groups[0].shown[0]
    assert [f.name for f in p.factors] == ["∂E/∂out₂[0]", "∂out₂[0]/∂net₂[0]", "∂net₂[0]/∂out₁[1]",
                                           "∂out₁[1]/∂net₁[1]", "∂net₁[1]/∂W₁[1,0]"]
    assert [f.alt for f in p.factors] == ["∂E/∂ŷ[0]", "σ'(u₂[0])", "W₂[0,1]", "σ'(u₁[1])", "x[0]"]
    assert p.route == ("E", "out₂[0]", "net₂[0]", "out₁[1]", "net₁[1]")


@pytest.mark.parametrize("text,message", [
    ("W1[2,0]", "has no element [2,0]"),
    ("W1[0]", "has no element"),
    ("x[0,0]", "not a gradient"),
    ("da1_du1[0,0]", "not a gradient"),
    ("W1", "give one element"),
    ("[0,0]", "names no tensor"),
    ("dW1[a,b]", "whole numbers"),
])
def test_bad_elements_say_what_is_allowed(text, message) -> None:
    trace = build(4, (2, 2, 1), ["sigmoid"], "sigmoid", "mse", "mean", 2, 0.0)
    with pytest.raises(ExplainError, match=message.replace("[", r"\[").replace("]", r"\]")):
        explain(trace, 0, text)


def test_a_step_names_the_tensor() -> None:
    trace = build(4, (2, 2, 1), ["sigmoid"], "sigmoid", "mse", "mean", 2, 0.0)
    assert explain(trace, 0, "[0,1]", step_id="backward.1.dW").target.name == "dW1"
    assert explain(trace, 0, "[0,0]", step_id="update.b2").target.name == "db2"
    with pytest.raises(ExplainError, match="not a gradient of the loss"):
        explain(trace, 0, "[0,0]", step_id="forward.1.u")
    with pytest.raises(ExplainError, match="does not compute dW1"):
        explain(trace, 0, "W1[0,0]", step_id="backward.2.dW")


def test_a_diverged_run_is_refused_clearly() -> None:
    trace = build(5, (1, 1), [], "linear", "mse", "mean", 1, 0.0)
    trace = Trace(trace.model, {"W1": np.array([[1e200]]), "b1": np.zeros((1, 1))}, np.array([[1e200]]),
                  np.zeros((1, 1)), 2)
    with pytest.raises(ExplainError, match="inf or NaN"):
        explain(trace, 0, "W1[0,0]")


def test_iterations_are_counted_from_one_in_messages() -> None:
    trace = build(4, (2, 2, 1), ["sigmoid"], "sigmoid", "mse", "mean", 2, 0.0)
    with pytest.raises(ExplainError, match=r"iteration 3 is outside 1\.\.2"):
        explain(trace, 2, "W1[0,0]")


# ---- the per-sample lines against autograd and finite differences ---------------------------

def sample_loss(torch, name: str, a, u, y):
    """Eₙ for one sample (a column), written with torch's own functions."""
    if name == "bce":
        return torch.nn.functional.binary_cross_entropy_with_logits(u, y, reduction="sum")
    if name == "cross_entropy":
        return -(y * torch.log_softmax(u, dim=0)).sum()
    from chainstep.core.losses import HUBER_DELTA
    return {"mse": lambda: ((a - y) ** 2).sum(), "half_mse": lambda: (0.5 * (a - y) ** 2).sum(),
            "mae": lambda: (a - y).abs().sum(), "output": lambda: a.sum(),
            "huber": lambda: torch.nn.functional.huber_loss(a, y, reduction="sum", delta=HUBER_DELTA)}[name]()


TORCH_CASES = [("sigmoid", "sigmoid", "half_mse"), ("tanh", "softmax", "mse"), ("relu", "linear", "mae"),
               ("softmax", "sigmoid", "bce"), ("sigmoid", "softmax", "cross_entropy"), ("linear", "tanh", "mse"),
               ("leaky_relu", "linear", "huber"), ("tanh", "sigmoid", "output")]


@pytest.mark.torch
@pytest.mark.parametrize("hidden,out,loss", TORCH_CASES)
def test_per_sample_lines_match_autograd(hidden, out, loss) -> None:
    """The lines only the zoom shows, ∂Eₙ/∂(element) of one sample's own loss, against autograd."""
    torch = pytest.importorskip("torch")
    from chainstep.core.activations import LEAKY_SLOPE
    act = {"linear": lambda u: u, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
           "softmax": lambda u: torch.softmax(u, dim=0),
           "leaky_relu": lambda u: torch.nn.functional.leaky_relu(u, LEAKY_SLOPE)}
    trace = build(7, (3, 4, 3, 3), [hidden, hidden], out, loss, "mean", 4, 0.0)
    rec = trace.record(0)
    for element, param, index in [("W1[2,1]", "W1", (2, 1)), ("b2[1]", "b2", (1, 0)), ("W3[0,2]", "W3", (0, 2))]:
        e = explain(trace, 0, element)
        for n, value in zip(e.samples, e.per_sample):
            p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in rec.params.items()}
            a = torch.tensor(rec.x[:, n:n + 1], dtype=torch.float64)
            for l, f in enumerate(trace.model.activations, start=1):
                u = p[f"W{l}"] @ a + p[f"b{l}"]
                a = act[f.name](u)
            sample_loss(torch, loss, a, u, torch.tensor(rec.y[:, n:n + 1], dtype=torch.float64)).backward()
            want = float(p[param].grad[index])
            assert value == pytest.approx(want, rel=1e-10, abs=1e-13), (element, n)


def test_per_sample_lines_match_central_differences() -> None:
    """The same lines against (Eₙ(w + h) − Eₙ(w − h))/2h."""
    trace = build(8, (2, 3, 2), ["tanh"], "sigmoid", "half_mse", "sum", 3, 0.0)
    rec, model = trace.record(0), trace.model
    e = explain(trace, 0, "W1[1,0]")
    h = 1e-6
    for n, value in zip(e.samples, e.per_sample):
        def E(shift: float) -> float:
            params = {k: v.copy() for k, v in rec.params.items()}
            params["W1"][1, 0] += shift
            us, as_ = model.forward(params, rec.x[:, n:n + 1])
            return float(np.sum(0.5 * (as_[-1] - rec.y[:, n:n + 1]) ** 2))
        assert value == pytest.approx((E(h) - E(-h)) / (2 * h), rel=1e-7, abs=1e-10)


def test_each_delta_step_names_its_input_after_its_own_layer() -> None:
    """The zoom looks tensors up by name; a depth-3 trace once called every ∂L/∂a input dL_da1."""
    trace = build(9, (2, 3, 4, 2), ["tanh", "tanh"], "linear", "mse", "mean", 2, 0.0)
    assert trace.step(0, "backward.2.delta").inputs[0].name == "dL_da2"
    assert trace.step(0, "backward.1.delta").inputs[0].name == "dL_da1"
    assert explain(trace, 0, "dL_da2[3,1]").target.step_id == "backward.3.da_prev"


def test_the_gradient_of_the_input_when_the_trace_has_it() -> None:
    plain = build(10, (3, 4, 2), ["tanh"], "sigmoid", "mse", "mean", 2, 0.0)
    with pytest.raises(ExplainError, match="not a gradient this trace shows"):
        explain(plain, 0, "dL_dx[1,0]")
    m = plain.model
    model = Model(m.sizes, m.activations, m.loss, m.reduction, m.l2, m.lr, input_grad=True)
    trace = Trace(model, plain.params_at(0), plain.x, plain.y, 2)
    e = explain(trace, 0, "dL_dx[2,1]", limit=ALL)
    assert e.target.step_id == "backward.1.da_prev" and e.label == "∂L/∂x[2,1]"
    paths = [p for g in e.details[0].groups for p in g.shown]
    assert len(paths) == 2 * 4 and paths[0].route[-1] == "out₀[2]"
    assert close(sum(p.value for p in paths) / e.divisor, e.matrix, sum(abs(p.value) for p in paths))
