"""Fuzzing the scenario loader: whatever a file holds, `load_text` either loads it or raises
`ScenarioError` with a line and a column, never any other exception.

Two kinds of malformed input:
- text mutations of the bundled scenarios (characters, lines and indentation deleted, inserted,
  replaced, duplicated), which mostly exercise the YAML layer;
- well-formed YAML with wrong contents: a valid scenario's tree with random values (any type, huge
  and non-finite numbers, deep lists) put at random keys, keys deleted and unknown keys added,
  which exercises validation.

Profiles (hypothesis settings, applied per test so other tests keep their own):
- default `chainstep-fuzz-ci`: 150 examples per test, derandomised, a few seconds in total;
- the long run, 10,000 documents per kind with random seeds, is a pair of tests behind the `slow`
  marker (deselected by default): `.venv/bin/python -m pytest tests/core/test_loader_fuzz.py -m slow -s`
  (about 15 minutes on a shared 2-core machine; with -s it prints how many examples ran, in how
  long, and how they ended). `CHAINSTEP_FUZZ=long` also gives the default tests that profile.

Documents that once failed are kept below as `@example`s, so every run (CI's too) repeats them.
"""
from __future__ import annotations

import collections
import copy
import os
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chainstep.core.scenario import ScenarioError, bundled, load_text

settings.register_profile(
    "chainstep-fuzz-ci", max_examples=150, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "chainstep-fuzz-long", max_examples=10_000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = "chainstep-fuzz-long" if os.environ.get("CHAINSTEP_FUZZ") == "long" else "chainstep-fuzz-ci"
FUZZ = settings(settings.get_profile(PROFILE))

ROOT = Path(__file__).resolve().parents[2]
SMALL = """\
title: t
network:
  inputs: 2
  layers:
    - {units: 2, activation: sigmoid}
    - {units: 1, activation: sigmoid}
params:
  W1: [[0.1, -0.2], [0.3, 0.4]]
  b2: [0.5]
data:
  x: [[0, 0, 1, 1], [0, 1, 0, 1]]
  y: [[0, 1, 1, 0]]
loss: mse
optimizer: {lr: 0.5}
iterations: 3
notes: {backward.dyhat: the sign says which way to move}
expect:
  - {step: loss.L, iteration: 1, below: 10, why: small weights}
breakpoints:
  - {when: vanishing, layer: 1, below: 1e-4}
  - {step: backward.1.dW, iteration: 2}
  - {when: sign_flip, param: W1, at: [0, 1]}
"""
SEEDS = [SMALL] + [p.read_text(encoding="utf-8") for p in bundled()]
# How each example ended, for the long run's summary.
OUTCOMES: collections.Counter[str] = collections.Counter()


def check(text: str) -> None:
    """The property: loads, or fails with our error at a real place in the file."""
    try:
        load_text(text, "fuzz.yaml")
    except ScenarioError as e:
        assert isinstance(e.line, int) and isinstance(e.col, int), repr(e)
        assert 1 <= e.line <= text.count("\n") + 2, (str(e), text)
        assert e.col >= 1, str(e)
        assert e.message and e.hint, str(e)
        assert str(e).startswith(f"fuzz.yaml:{e.line}:{e.col}: ")
        OUTCOMES[("yaml: " if e.message.startswith("YAML") else "") + e.message.split(" ")[0]] += 1
    else:
        OUTCOMES["loaded"] += 1


# --- text mutations ------------------------------------------------------------------------------

YAML_CHARS = list(":{}[],-#&*!|>'\"%@`?\t\n ") + list("0123456789.eE+") + ["\\", "~", "<<", "---", "..."]
chars = st.one_of(st.sampled_from(YAML_CHARS), st.characters(codec="utf-8"), st.text(max_size=6))


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        kind = draw(st.sampled_from(["delete", "insert", "replace", "del_line", "dup_line", "swap_lines",
                                     "indent", "dedent", "new_line"]))
        if kind in ("delete", "insert", "replace"):
            i = draw(st.integers(0, len(text)))
            j = min(len(text), i + draw(st.integers(0, 8)))
            new = "" if kind == "delete" else draw(chars)
            text = text[:i] + new + (text[i:] if kind == "insert" else text[j:])
            continue
        k = draw(st.integers(0, len(lines) - 1))
        if kind == "del_line":
            del lines[k]
        elif kind == "dup_line":
            lines.insert(k, lines[k])
        elif kind == "swap_lines":
            m = draw(st.integers(0, len(lines) - 1))
            lines[k], lines[m] = lines[m], lines[k]
        elif kind == "indent":
            lines[k] = " " * draw(st.integers(1, 4)) + lines[k]
        elif kind == "dedent":
            lines[k] = lines[k][draw(st.integers(1, 4)):]
        else:
            pieces = st.sampled_from(YAML_CHARS + list("abxyzW"))
            lines.insert(k, "".join(draw(st.lists(pieces, max_size=20))))
        text = "\n".join(lines)
    return text


# Documents the fuzzer or a review once broke the loader with (kept as regression examples).
REGRESSIONS = [
    SMALL.replace("iterations: 3", "iterations: 0x" + "f" * 4000),       # past Python's int/str digit limit
    SMALL.replace("iterations: 3", "iterations: 1" + ":0" * 3000),       # base 60, thousands of parts
    SMALL.replace("lr: 0.5", "lr: " + "9" * 5000),                      # "delete the !!int tag" it never had
    SMALL.replace("y: [[0, 1, 1, 0]]", "y: " + "9" * 400),               # OverflowError where a matrix belongs
    SMALL.replace("iterations: 3", "iterations: 1:30"),                  # YAML 1.1 read it as 90
    SMALL.replace("below: 10", "below: .nan"),
    SMALL.replace("title: t", "title: 't\u2028'").replace("loss: mse", "loss: msee"),
    SMALL.replace("title: t", 'title: "\\e[2J"'),
]


def _with_regressions(test):   # type: ignore[no-untyped-def]
    for text in REGRESSIONS:
        test = example(text)(test)
    return test


@FUZZ
@_with_regressions
@given(mutated())
def test_text_mutations_raise_only_located_scenario_errors(text: str) -> None:
    check(text)


@pytest.mark.slow
@settings(settings.get_profile("chainstep-fuzz-long"))
@given(mutated())
def test_text_mutations_long(text: str) -> None:
    check(text)


# --- well-formed YAML, wrong contents --------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.integers(), st.integers(-(10**400), 10**400),
    st.floats(allow_nan=True, allow_infinity=True), st.floats(-10, 10), st.text(max_size=12),
    st.sampled_from(["linear", "sigmoid", "softmax", "bce", "cross_entropy", "xor", "line", "blobs", "W1", "b1",
                     "loss.L", "backward.dyhat", "backward.*.dW", "sgd", "sum", "mean", "he", "per_sample_mean",
                     "", "0", "1e-3", "-1", "nan", ".inf"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8) | st.sampled_from(
        ["units", "activation", "inputs", "layers", "x", "y", "kind", "samples", "lr", "step", "value", "at",
         "generator", "seed", "scheme", "features", "classes"]), inner, max_size=4)), max_leaves=20)


def _paths(tree: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(tree, dict):
        for k, v in tree.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out += _paths(v, prefix + (i,))
    return out


def _set(tree: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    node = tree
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return tree


def _delete(tree: Any, path: tuple) -> Any:
    node = tree
    for p in path[:-1]:
        node = node[p]
    del node[path[-1]]
    return tree


TREES = [yaml.safe_load(s) for s in SEEDS]


@st.composite
def wrong_contents(draw: st.DrawFn) -> str:
    tree = copy.deepcopy(draw(st.sampled_from(TREES)))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(tree)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "replace", "delete", "add_key", "wrap_in_list"]))
        if action == "delete" and path:
            tree = _delete(tree, path)
        elif action == "add_key" and isinstance(tree, dict):
            node = tree
            for p in path:
                node = node[p] if isinstance(node, (dict, list)) else node
            if isinstance(node, dict):
                node[draw(st.text(min_size=1, max_size=10))] = draw(values)
        elif action == "wrap_in_list":
            node = tree
            for p in path:
                node = node[p]
            tree = _set(tree, path, [node])
        else:
            tree = _set(tree, path, draw(values))
    return yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)


@FUZZ
@given(wrong_contents())
def test_wrong_contents_raise_only_located_scenario_errors(text: str) -> None:
    check(text)


@pytest.mark.slow
@settings(settings.get_profile("chainstep-fuzz-long"))
@given(wrong_contents())
def test_wrong_contents_long(text: str) -> None:
    check(text)


def test_seeds_are_valid() -> None:
    """The mutations start from scenarios that load; otherwise the fuzz would test little."""
    for text in SEEDS:
        load_text(text, "seed.yaml")


@pytest.fixture(scope="module", autouse=True)
def _report_counts() -> Any:
    """With -s, print how many examples ran, in how long, and how they ended."""
    start = time.perf_counter()
    yield
    total = sum(OUTCOMES.values())
    if total:
        top = ", ".join(f"{k} {v}" for k, v in OUTCOMES.most_common(12))
        label = "chainstep-fuzz-long" if total > 2 * 150 + len(REGRESSIONS) else PROFILE   # the slow pair ran
        print(f"\n[{label}] {total} examples in {time.perf_counter() - start:.1f} s; "
              f"{OUTCOMES['loaded']} loaded; most common first words of errors: {top}")

