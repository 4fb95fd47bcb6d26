"""Scenarios written with each optimiser: they load, pass `chainstep check`, and show their state as steps."""
from __future__ import annotations

import json

import jsonschema
import numpy as np
import pytest
import yaml

from chainstep.core.check import check_scenario
from chainstep.core.landscape import landscape
from chainstep.core.optimizers import KINDS
from chainstep.core.scenario import ScenarioError, load_text
from chainstep.core.schema import build_schema

OPTIONS = {"sgd": "{kind: sgd, lr: 0.2}", "momentum": "{kind: momentum, lr: 0.1, momentum: 0.8, dampening: 0.2}",
           "nesterov": "{kind: nesterov, lr: 0.1}", "adam": "{kind: adam, lr: 0.01, betas: [0.8, 0.99], eps: 1.0e-6}",
           "adamw": "{kind: adamw, lr: 0.01, weight_decay: 0.1}"}


def random_network(kind: str, seed: int) -> str:
    return f"""\
title: {kind} on a random network
network:
  inputs: 4
  layers:
    - {{units: 6, activation: {{kind: leaky_relu, slope: 0.05}}}}
    - {{units: 5, activation: tanh}}
    - {{units: 3, activation: softmax}}
init: {{scheme: he, seed: {seed}}}
data: {{generator: {{kind: blobs, samples: 12, features: 4, classes: 3, seed: {seed}}}}}
loss: cross_entropy
l2: 0.01
freeze: [b2]
input_gradient: true
optimizer: {OPTIONS[kind]}
iterations: 6
"""


def test_every_kind_has_a_case() -> None:
    assert set(OPTIONS) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", [1, 2])
def test_check_passes_on_random_networks(kind: str, seed: int) -> None:
    text = random_network(kind, seed)
    jsonschema.validate(yaml.safe_load(text), build_schema())
    scenario = load_text(text, f"{kind}.yaml")
    reports = check_scenario(scenario, iterations=3)
    assert all(r.ok for r in reports)
    assert {g.step_id for r in reports for g in r.gradients} >= {"backward.1.da_prev", "backward.1.da_du"}


SUFFIXES = {"sgd": [], "momentum": ["v"], "nesterov": ["v", "look"], "adam": ["m", "v", "m_hat", "v_hat", "step"],
            "adamw": ["decay", "m", "v", "m_hat", "v_hat", "step"]}


@pytest.mark.parametrize("kind", KINDS)
def test_update_steps_show_the_state(kind: str) -> None:
    trace = load_text(random_network(kind, 1), "s.yaml").parts[0].trace
    ids = [s for s in trace.step_ids if s.startswith("update.W1")]
    assert ids == [f"update.W1.{x}" for x in SUFFIXES[kind]] + ["update.W1"]
    assert [s for s in trace.step_ids if s.startswith("update.b2")] == ["update.b2"]   # frozen: no state
    rec = trace.record(2)
    for sid in ids:
        step = trace.step(2, sid)
        assert step.phase == "update" and step.formula and step.substituted
        assert (step.param == "W1") == (sid == "update.W1")   # only the step that writes W1 names it
    final = trace.step(2, "update.W1")
    assert np.array_equal(final.result.value, rec.new_params["W1"])
    # Each factor that names a step points at one that exists.
    for sid in ids:
        for f in trace.step(2, sid).factors:
            assert f.step_id is None or f.step_id in trace.step_ids, (sid, f.label)


@pytest.mark.parametrize("kind", ["momentum", "adam"])
def test_landscape_lands_where_the_optimiser_does(kind: str) -> None:
    trace = load_text(random_network(kind, 2), "s.yaml").parts[0].trace
    ls = landscape(trace, 3, "W2", (1, 2))
    assert ls.optimizer == kind
    assert ls.p_next == float(trace.record(3).new_params["W2"][1, 2])


def test_schema_knows_which_keys_each_kind_takes() -> None:
    schema = build_schema()
    bad = [("sgd", "{kind: sgd, betas: [0.9, 0.99]}"), ("adam", "{kind: adam, momentum: 0.9}"),
           ("adam", "{kind: adam, betas: [0.9, 1.0]}"), ("adam", "{kind: adam, eps: -1}"),
           ("momentum", "{kind: momentum, weight_decay: 0.1}"), ("nesterov", "{kind: nesterov, dampening: 0.1}")]
    base = random_network("sgd", 1)
    for kind, option in bad:
        doc = yaml.safe_load(base.replace(OPTIONS["sgd"], option))
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(doc, schema)
        with pytest.raises(ScenarioError):
            load_text(base.replace(OPTIONS["sgd"], option), "s.yaml")
    for wrong in ("loss: {kind: mse, delta: 1}", "loss: {kind: huber, delta: 0}"):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(yaml.safe_load(base.replace("loss: cross_entropy", wrong)), schema)
    objective = "title: t\nnetwork: {inputs: 1, layers: [{units: 1}]}\nloss: output\ndata: {x: [[1]]"
    jsonschema.validate(yaml.safe_load(objective + "}\n"), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load(objective + ", y: [[1]]}\n"), schema)
    assert json.dumps(schema)   # still plain JSON


def test_defaults_are_torch_optims() -> None:
    """Left out, each hyper-parameter takes torch.optim's default (the SGD kinds' η excepted, see README)."""
    base = random_network("sgd", 1)

    def model(option: str):
        return load_text(base.replace(OPTIONS["sgd"], option), "s.yaml").parts[0].model

    adam, adamw = model("{kind: adam}"), model("{kind: adamw}")
    assert (adam.lr, adam.optimizer.betas, adam.optimizer.eps, adam.optimizer.weight_decay) == (1e-3, (0.9, 0.999), 1e-8, 0.0)
    assert (adamw.lr, adamw.optimizer.weight_decay) == (1e-3, 1e-2)
    momentum = model("{kind: momentum}")
    assert (momentum.lr, momentum.optimizer.momentum, momentum.optimizer.dampening) == (0.1, 0.9, 0.0)
    assert model("{}").optimizer.kind == "sgd"
