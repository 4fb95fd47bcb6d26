"""The JSON Schema of the scenario format: shipped as generated, valid, and in step with the loader.

The loader checks far more than a schema can (shapes against the network, step ids, which W/b
exist), so agreement is tested in two directions: on held examples of the four mistakes a schema
can see (unknown key, wrong enum, wrong type, missing required key) both reject, and on every
valid file both accept, so an editor never underlines a scenario that loads.
"""
from __future__ import annotations

import copy
import json
import os
import random
from pathlib import Path
from typing import Any

import jsonschema   # in the test extra: a missing one should fail, not skip
import pytest
import yaml

from chainstep.core import format_spec, scenario
from chainstep.core.activations import ACTIVATIONS
from chainstep.core.losses import LOSSES
from chainstep.core.scenario import BUNDLED_DIR, ScenarioError, bundled, load_text, parse_yaml
from chainstep.core.schema import MODELINE, SCHEMA_FILE, build_schema, schema_text
from chainstep.tui.cli import main

ROOT = Path(__file__).resolve().parents[2]
BAD_DIR = ROOT / "tests" / "data" / "bad"
VALIDATOR = jsonschema.Draft202012Validator(build_schema())

BASE = (ROOT / "tests" / "data" / "base.yaml").read_text()  # the valid scenario the cases edit


def sub(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def schema_errors(text: str) -> list[str]:
    raw, _ = parse_yaml(text, "<test>")
    return [e.message for e in VALIDATOR.iter_errors(raw)]


def loader_accepts(text: str) -> bool:
    try:
        load_text(text, "<test>")
    except ScenarioError as exc:
        assert "there is no file" not in str(exc), "an example must fail for its own mistake, not a missing file"
        return False
    return True


# Held examples of bad input, by the kind of mistake; both the schema and the loader must refuse each.
BAD = {
    # unknown keys, at each level
    "unknown-top-key": BASE + "optimiser: {lr: 0.1}\n",
    "unknown-network-key": sub("  inputs: 2\n", "  inputs: 2\n  hidden: 3\n"),
    "unknown-layer-key": sub("{units: 1, activation: sigmoid}", "{units: 1, activation: sigmoid, bias: true}"),
    "unknown-part-key": BASE + "parts:\n  - title: a\n    name: not-a-part-key\n",
    "unknown-init-key": BASE + "init: {scheme: he, sed: 3}\n",
    "unknown-optimizer-key": sub("optimizer: {lr: 0.5}", "optimizer: {lr: 0.5, momentum: 0.9}"),
    "unknown-data-key": sub("data: {generator: xor}", "data: {generator: xor, shuffle: true}"),
    "unknown-expect-key": BASE + "expect:\n  - {step: loss.L, value: 1, tolerance: 0.1}\n",
    "unknown-generator-option": sub("data: {generator: xor}", "data: {generator: {kind: xor, samples: 3}}"),
    # wrong enum values
    "unknown-activation": sub("{units: 1, activation: sigmoid}", "{units: 1, activation: swish}"),
    "unknown-loss": sub("loss: mse", "loss: hinge"),
    "unknown-reduction": BASE + "reduction: median\n",
    "unknown-init-scheme": BASE + "init: {scheme: kaiming}\n",
    "unknown-generator": sub("data: {generator: xor}", "data: {generator: spirals}"),
    "unknown-optimizer": sub("optimizer: {lr: 0.5}", "optimizer: {kind: rmsprop, lr: 0.5}"),
    "unknown-check": BASE + "expect:\n  - {check: mean_of_means}\n",
    # wrong types
    "units-as-text": sub("{units: 1, activation: sigmoid}", "{units: one, activation: sigmoid}"),
    "lr-as-text": sub("optimizer: {lr: 0.5}", "optimizer: {lr: fast}"),
    "iterations-as-text": sub("iterations: 3", "iterations: three"),
    "iterations-as-list": sub("iterations: 3", "iterations: [3]"),
    "title-as-number": sub("title: t", "title: 12"),
    "layers-as-number": sub("  layers:\n    - {units: 2, activation: sigmoid}\n    - {units: 1, activation: sigmoid}\n",
                            "  layers: 2\n"),
    "network-as-list": sub("network:\n  inputs: 2", "network:\n  - inputs: 2").replace("\n  layers:", "\n    layers:")
                                                                              .replace("\n    - {", "\n      - {"),
    "x-with-text": sub("data: {generator: xor}", "data: {x: [[a, b]], y: [[1, 0]]}"),
    "activation-as-number": sub("{units: 1, activation: sigmoid}", "{units: 1, activation: 3}"),
    "notes-as-list": BASE + "notes: [loss.L]\n",
    "params-file-as-number": BASE + "params: {file: 3}\n",
    "csv-columns-as-mapping": sub("data: {generator: xor}", "data: {csv: d.csv, x_columns: {a: 1}, y_columns: [b]}"),
    # out of range
    "zero-units": sub("{units: 1, activation: sigmoid}", "{units: 0, activation: sigmoid}"),
    "negative-lr": sub("optimizer: {lr: 0.5}", "optimizer: {lr: -0.5}"),
    "zero-iterations": sub("iterations: 3", "iterations: 0"),
    # missing required keys
    "no-network": sub("network:\n  inputs: 2\n  layers:\n    - {units: 2, activation: sigmoid}\n"
                      "    - {units: 1, activation: sigmoid}\n", ""),
    "no-data": sub("data: {generator: xor}\n", ""),
    "no-inputs": sub("  inputs: 2\n", ""),
    "no-layers": sub("  layers:\n    - {units: 2, activation: sigmoid}\n    - {units: 1, activation: sigmoid}\n", ""),
    "layer-without-units": sub("{units: 1, activation: sigmoid}", "{activation: sigmoid}"),
    "expect-without-step": BASE + "expect:\n  - {value: 1.0}\n",
    "empty-parts": BASE + "parts: []\n",
    "unknown-breakpoint-condition": BASE + "breakpoints:\n  - {when: sometimes}\n",
    "breakpoint-iteration-as-text": BASE + "breakpoints:\n  - {iteration: first}\n",
    "unknown-breakpoint-key": BASE + "breakpoints:\n  - {step: loss.L, stop: true}\n",
}

# Valid variations: the loader accepts each, so the schema must not underline it.
GOOD = {
    "base": BASE,
    "freeze-one-name": BASE + "freeze: W1\n",
    "freeze-list": BASE + "freeze: [W1, b2]\n",
    "params-null": BASE + "params:\n",
    "notes-null": BASE + "notes:\n",
    "explicit-params": BASE + "params: {W2: [[1, 2]], b2: 0.5, b1: [0, 0]}\n",
    "generator-options": sub("data: {generator: xor}", "data: {generator: {kind: xor, repeat: 2}}"),
    "expect-at-int": BASE + "expect:\n  - {step: loss.L, value: 0.3, below: 1, tol: 0.5}\n"
                            "  - {step: forward.1.a, at: 0, above: 0}\n",
    "parts-inherit": BASE + "parts:\n  - {title: one}\n  - {title: two, loss: half_mse, iterations: 2}\n",
    "parts-give-network": "title: t\ndata: {generator: xor}\nparts:\n  - network: {inputs: 2, layers: [{units: 1}]}\n",
    "exponent-float": sub("optimizer: {lr: 0.5}", "optimizer: {lr: 5e-1}"),
    "breakpoints": BASE + "breakpoints:\n  - {step: loss.L}\n  - {when: loss_rises}\n  - {iteration: 2, enabled: false}\n",
}


def test_shipped_schema_is_the_generated_one() -> None:
    shipped = (BUNDLED_DIR / SCHEMA_FILE).read_text(encoding="utf-8")
    assert shipped == schema_text(), "run `chainstep schema -o scenarios/chainstep.schema.json`"


def test_schema_is_valid_draft_2020_12() -> None:
    schema = build_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", bundled(), ids=lambda p: p.stem)
def test_bundled_scenario_points_at_the_schema_and_validates(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == MODELINE
    assert schema_errors(text) == []


@pytest.mark.parametrize("name", list(BAD))
def test_schema_and_loader_both_reject(name: str) -> None:
    text = BAD[name]
    assert schema_errors(text), f"the schema accepts {name}"
    assert not loader_accepts(text), f"the loader accepts {name}"


@pytest.mark.parametrize("name", list(GOOD))
def test_schema_and_loader_both_accept(name: str) -> None:
    text = GOOD[name]
    assert loader_accepts(text)
    assert schema_errors(text) == []


def _bad_files() -> list[Path]:
    return sorted(BAD_DIR.glob("*.yaml")) if BAD_DIR.is_dir() else []


@pytest.mark.parametrize("path", _bad_files(), ids=lambda p: p.stem)
def test_schema_never_stricter_than_the_loader_on_held_bad_files(path: Path) -> None:
    """Every held bad file the schema underlines is one the loader refuses too."""
    try:
        text = path.read_text(encoding="utf-8")
        errors = schema_errors(text)
    except (ScenarioError, UnicodeDecodeError):
        pytest.skip("not YAML a schema can see")
    if errors:
        assert not loader_accepts(text)


def test_held_bad_files_of_the_schema_kinds_are_caught_by_the_schema() -> None:
    """The held files of the four kinds a schema can see are underlined by it, not only by the loader."""
    kinds = ("unknown-key", "unknown-activation", "unknown-loss", "unknown-generator", "unknown-initialiser",
             "wrong-type", "missing-data", "lr-not-a-number", "negative-inputs", "zero-units")
    files = [p for p in _bad_files() if p.stem.startswith(kinds)]
    if not files:
        pytest.skip("no held bad files of these kinds")
    missed = [p.name for p in files if not schema_errors(p.read_text(encoding="utf-8"))]
    assert missed == []


def test_every_key_of_every_table_is_typed_and_the_loader_uses_these_tables() -> None:
    tables = {n: getattr(format_spec, n) for n in dir(format_spec)
              if n.endswith("_KEYS") and n != "BREAKPOINT_KEYS"}   # breakpoints.py's own table, typed here
    assert len(tables) >= 9
    for name, table in tables.items():
        untyped = [k for k, v in table.items() if not (isinstance(v, format_spec.Key) and (v.schema or v.keys))]
        assert untyped == [], f"{name}: give these keys a Key(description, schema) in core/format_spec.py"
        if hasattr(scenario, name):
            assert getattr(scenario, name) is table, f"scenario.{name} must be format_spec's table"


def test_enums_come_from_the_registries() -> None:
    defs = build_schema()["$defs"]
    assert defs["loss"]["anyOf"][0]["enum"] == list(LOSSES)
    layer = defs["network"]["properties"]["layers"]["items"]
    assert layer["properties"]["activation"]["anyOf"][0]["enum"] == list(ACTIVATIONS)
    assert set(layer["properties"]) == set(format_spec.LAYER_KEYS)


def test_cli_prints_and_writes_the_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == build_schema()
    out = tmp_path / SCHEMA_FILE
    assert main(["schema", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == schema_text()
    assert main(["schema", "-o", str(tmp_path / "missing-dir" / "x.json")]) == 2


# Values the loader lets through but a schema should not advertise: it reads any false-like
# `params:`/`notes:` (0, "", []) as absent, and `value: null` in an expectation as no value.
LENIENT = {("params",), ("notes",), ("value",)}
MUTATION_VALUES: list[Any] = [None, True, 0, 1, -1, 2, 0.5, -0.5, 1e9, "x", "sigmoid", "mse", "W1", "loss.L",
                              [], [1], [0, 1], [[1, 2]], {}, {"a": 1}]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    items = node.items() if isinstance(node, dict) else enumerate(node[:3]) if isinstance(node, list) else []
    for k, child in items:
        out += _paths(child, path + (k,))
    return out


def test_schema_never_refuses_a_mutated_scenario_the_loader_accepts() -> None:
    """Random one-value edits of the small bundled scenarios: what loads is never underlined."""
    rng = random.Random(10)
    trials = 3000 if os.environ.get("CHAINSTEP_FUZZ") == "long" else 120
    texts = [p.read_text(encoding="utf-8") for p in bundled() if p.stat().st_size < 20_000]
    disagreements = []
    for _ in range(trials):
        raw, _ = parse_yaml(rng.choice(texts), "<t>")
        path = rng.choice(_paths(raw))
        parent = raw
        for k in path[:-1]:
            parent = parent[k]
        if rng.random() < 0.3 and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(rng.choice(MUTATION_VALUES))
        if VALIDATOR.is_valid(raw):
            continue
        try:
            load_text(yaml.safe_dump(raw, allow_unicode=True), "<t>")
        except ScenarioError:
            continue
        error = next(VALIDATOR.iter_errors(raw))
        if tuple(error.absolute_path)[-1:] in LENIENT and not error.instance:
            continue
        disagreements.append(f"{list(error.absolute_path)}: {error.message}")
    assert disagreements == []
