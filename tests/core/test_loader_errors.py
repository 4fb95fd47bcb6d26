"""Every way a scenario can be wrong: the exact line and column, what is wrong and how to fix it.

Each case is a small edit of one valid scenario. `python tests/core/test_loader_errors.py` prints
the whole list with the message a user sees (it goes into the issue's closing note).
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from chainstep.core.scenario import MAX_NODES, ScenarioError, load_scenario, load_text

ROOT = Path(__file__).resolve().parents[2]
BAD_DIR = ROOT / "tests" / "data" / "bad"

# The valid scenario every case edits; the cases quote its line numbers.
BASE = (ROOT / "tests" / "data" / "base.yaml").read_text()
LAYERS = "  layers:\n    - {units: 2, activation: sigmoid}\n    - {units: 1, activation: sigmoid}\n"


def sub(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def add(extra: str) -> str:
    return BASE + extra


def data(spec: str) -> str:
    return sub("data: {generator: xor}", f"data: {spec}")


BOMB = "".join(f"{c}: &{c} [{', '.join([f'*{p}'] * 9) if p else ', '.join(['lol'] * 9)}]\n"
               for p, c in zip(["", *"abcdefgh"], "abcdefghi"))


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    line: int
    col: int
    what: str   # a piece of the message: what is wrong
    how: str    # a piece of the hint: how to fix it


CASES = [
    # --- YAML syntax -------------------------------------------------------------------------
    Case("tab-indent", sub("  inputs", "\tinputs"), 3, 1, "tab character", "replace the tab with spaces"),
    Case("tab-in-indentation", sub("  inputs: 2", "\tinputs: 2"), 3, 1, "tab character", "spaces"),
    Case("unclosed-brace", sub("{generator: xor}", "{generator: xor"), 7, 7,
         "the `{` opened here is not closed", "add the missing `}`"),
    Case("unclosed-bracket", data("{x: [[0, 1], [1, 0], y: [[1, 0]]}"), 7, 11,
         "the `[` opened here is not closed", "add the missing `]`"),
    Case("key-indented-too-far", sub("  layers:", "   layers:"), 4, 10,
         "indented differently", "line the key up"),
    Case("item-indented-too-little", sub("    - {units: 1", "   - {units: 1"), 6, 4,
         "indented differently from the lines above", "indent it exactly like"),
    Case("colon-in-unquoted-value", add("description: the loss: mse\n"), 11, 22, "unquoted value contains `: `",
         "put the value in quotes"),
    Case("missing-colon", add("iterations 5\n"), 11, 1, "this key has no `:`", "write `key: value`"),
    Case("unclosed-quote", add("title: 'abc\n"), 11, 8, "the quote opened here is never closed", "close the quote"),
    Case("bad-escape", add('description: "a\\qb"\n'), 11, 17, "unknown escape character 'q'", "single quotes"),
    Case("undefined-alias", sub("loss: mse", "loss: *foo"), 8, 7, "has no anchor `&name`", "define the anchor"),
    Case("duplicate-anchor", add("description: &d a\nname: &d b\n"), 12, 7, "a second anchor 'd'",
         "its own name"),
    Case("duplicate-key", add("loss: mae\n"), 11, 1, "`loss` is given twice", "keep one"),
    Case("key-is-a-list", add("[a]: 1\n"), 11, 1, "a key must be a plain name", "name: value"),
    Case("two-documents", add("---\ntitle: again\n"), 11, 1, "a second YAML document", "delete the `---`"),
    Case("empty-file", "", 1, 1, "the file is empty", "start from the example"),
    Case("only-comments", "# nothing yet\n", 1, 1, "the file is empty", "start from the example"),
    Case("top-level-list", "- network: {}\n", 1, 1, "the file must be a mapping", "key: value"),
    Case("top-level-text", "just some words\n", 1, 1, "not the text 'just some words'", "key: value"),
    Case("control-character", add('description: "bell\x07"\n'), 11, 19, "U+0007 cannot appear", "delete it"),
    Case("nul-byte", add("description: a\x00b\n"), 11, 15, "U+0000 cannot appear", "delete it"),
    Case("deep-nesting", add("description: " + "[" * 200 + "]" * 200 + "\n"), 11, 113,
         "nested too deeply", "a few levels"),
    Case("runaway-nesting", "a: " + "[" * 3000, 1, 104, "nested too deeply", "never closed"),
    # --- safety: tags never build objects, aliases never explode ------------------------------
    Case("python-object-apply", sub("lr: 0.5", "lr: !!python/object/apply:os.system ['echo hi']"), 9, 17,
         "the tag `!!python/object/apply:os.system` is not allowed", "delete the tag"),
    Case("python-name", sub("title: t", "title: !!python/name:os.system"), 1, 8,
         "the tag `!!python/name:os.system` is not allowed", "delete the tag"),
    Case("python-object-mapping", add("init: !!python/object:argparse.Namespace {seed: 1}\n"), 11, 7,
         "`!!python/object:argparse.Namespace` is not allowed", "delete the tag"),
    Case("python-tag-via-tag-directive", "%TAG !p! tag:yaml.org,2002:python/\n---\n" + sub(
        "lr: 0.5", "lr: !p!object/apply:os.system [ls]"), 11, 17, "`!!python/object/apply:os.system` is not allowed",
        "delete the tag"),
    Case("python-tag-inside-a-merge", "base: &b {x: !!python/object/apply:os.system [ls]}\n" + BASE.replace(
        "data: {generator: xor}", "data: {<<: *b, generator: xor}"), 1, 14, "is not allowed", "delete the tag"),
    Case("python-tuple", sub("lr: 0.5", "lr: !!python/tuple [1]"), 9, 17, "`!!python/tuple` is not allowed",
         "delete the tag"),
    Case("include-tag", sub("lr: 0.5", "lr: !include other.yaml"), 9, 17, "`!include` is not allowed",
         "delete the tag"),
    Case("set-tag", add("description: !!set {a, b}\n"), 11, 14, "`!!set` is not allowed", "delete the tag"),
    Case("tag-on-key", add("!!python/name:os.system x: 1\n"), 11, 1, "is not allowed", "delete the tag"),
    Case("int-tag-on-text", sub("lr: 0.5", "lr: !!int abc"), 9, 17, "`abc` cannot be read as !!int",
         "delete the `!!int` tag"),
    Case("bool-tag-on-text", sub("lr: 0.5", "lr: !!bool maybe"), 9, 17, "cannot be read as !!bool", "fix the value"),
    Case("timestamp-tag-on-text", sub("lr: 0.5", "lr: !!timestamp soon"), 9, 17, "cannot be read as !!timestamp",
         "fix the value"),
    Case("billion-laughs", BOMB + BASE, 6, 4, "expands to 597,871 values through aliases", "at most 250,000"),
    Case("alias-to-itself", add("description: &d [*d]\n"), 11, 14, "refers to the value that contains it",
         "not its own parent"),
    # --- non-finite numbers written in the file ----------------------------------------------
    Case("lr-inf", sub("lr: 0.5", "lr: .inf"), 9, 17, "optimizer.lr is .inf, which is not a finite number", "finite number"),
    Case("lr-minus-inf", sub("lr: 0.5", "lr: -.Inf"), 9, 17, "is -.Inf, which is not a finite number", "finite number"),
    Case("lr-nan", sub("lr: 0.5", "lr: .nan"), 9, 17, "optimizer.lr is .nan, which is not", "finite number"),
    Case("lr-1e999", sub("lr: 0.5", "lr: 1e999"), 9, 17, "optimizer.lr is 1e999, which is not a finite number", "below about 1e308"),
    Case("x-holds-nan", data("{x: [[0, .nan], [1, 0]], y: [[1, 0]]}"), 7, 16, "data.x[0][1] is .nan, which is not", "finite number"),
    Case("weight-inf", add("params: {W2: [[1, .inf]]}\n"), 11, 19, "params.W2[0][1] is .inf, which is not", "finite number"),
    Case("huge-integer-lr", sub("lr: 0.5", "lr: " + "9" * 400), 9, 17, "a 400-digit number, too large",
         "below 1e308"),
    Case("huge-integer-in-x", data("{x: [[1" + "0" * 400 + ", 0], [1, 0]], y: [[1, 0]]}"), 7, 13,
         "data.x holds a 401-digit number", "below 1e308"),
    # --- wrong types --------------------------------------------------------------------------
    Case("inputs-text", sub("inputs: 2", "inputs: two"), 3, 11,
         "network.inputs must be a whole number (the number of inputs), not the text 'two'", "from 1 to"),
    Case("inputs-fraction", sub("inputs: 2", "inputs: 2.5"), 3, 11, "must be a whole number (the number of inputs), "
         "not the number 2.5", "from 1 to"),
    Case("units-boolean", sub("units: 1,", "units: yes,"), 6, 15, "not true/false", "from 1 to"),
    Case("lr-not-a-number", sub("lr: 0.5", "lr: fast"), 9, 17,
         "optimizer.lr must be a number (the learning rate), not the text 'fast'", "without quotes"),
    Case("lr-quoted", sub("lr: 0.5", "lr: '0.5'"), 9, 17, "not the text '0.5'", "without quotes"),
    Case("lr-list", sub("lr: 0.5", "lr: [0.5]"), 9, 17, "must be a number (the learning rate), not a list",
         "like 0.1"),
    Case("lr-a-date", sub("lr: 0.5", "lr: 2024-01-01"), 9, 17, "not the date 2024-01-01", "like 0.1"),
    Case("iterations-text", sub("iterations: 3", "iterations: many"), 10, 13, "must be a whole number", "from 1 to"),
    Case("title-number", sub("title: t", "title: 3"), 1, 8, "title must be text", "quotes"),
    Case("network-empty", sub("network:\n  inputs: 2\n" + LAYERS, "network:\n"), 2, 9,
         "network must be a mapping of keys to values, not empty", "key: value"),
    Case("layers-mapping", sub(LAYERS, "  layers: {units: 1}\n"), 4, 11,
         "network.layers must be a list with at least one layer", "- {units: 1"),
    Case("layer-a-number", sub("- {units: 2, activation: sigmoid}", "- 2"), 5, 7,
         "network.layers[0] must be a mapping", "key: value"),
    Case("x-a-mapping", data("{x: {a: 1}, y: [[1]]}"), 7, 11, "must be a number or a list of rows of numbers (x), not a mapping",
         "[[1, 2], [3, 4]]"),
    Case("x-text-entry", data("{x: [[0, a], [1, 0]], y: [[1, 0]]}"), 7, 16, "data.x holds the text 'a'",
         "plain numbers"),
    Case("x-mixed-rows", data("{x: [[0, 1], 1], y: [[1, 0]]}"), 7, 11, "mixes numbers and rows", "every row a [list]"),
    Case("params-a-list", add("params: [1]\n"), 11, 9, "params must be a mapping", "key: value"),
    Case("generator-a-number", sub("{generator: xor}", "{generator: 5}"), 7, 19,
         "data.generator must be a generator name or a mapping", "generator: xor"),
    Case("notes-a-list", add("notes: [a, b]\n"), 11, 8, "notes must be a mapping", "key: value"),
    Case("note-a-number", add("notes: {backward.dyhat: 3}\n"), 11, 25, "notes.backward.dyhat must be text",
         "quotes"),
    Case("freeze-a-number", add("freeze: 3\n"), 11, 9, "freeze[0] must be text", "quotes"),
    Case("l2-text", add("l2: big\n"), 11, 5, "l2 must be a number (the L2 strength)", "without quotes"),
    Case("binary-description", add("description: !!binary aGVsbG8=\n"), 11, 14, "not binary data", "quotes"),
    # --- unknown keys, with "did you mean" ----------------------------------------------------
    Case("unknown-top-key", sub("loss: mse", "los: mse"), 8, 1, "unknown key `los` in the file", "did you mean `loss`?"),
    Case("unknown-network-key", sub("inputs: 2", "input: 2"), 3, 3, "unknown key `input` in network",
         "did you mean `inputs`?"),
    Case("unknown-layer-key", sub("{units: 2, activation", "{unit: 2, activation"), 5, 8,
         "unknown key `unit` in network.layers[0]", "did you mean `units`?"),
    Case("unknown-optimizer-key", sub("lr: 0.5", "learning_rate: 0.5"), 9, 13,
         "unknown key `learning_rate` in optimizer", "known keys: kind, lr"),
    Case("unknown-part-key", add("parts:\n  - titel: a\n"), 12, 5, "unknown key `titel` in parts[0]",
         "did you mean `title`?"),
    Case("unknown-expect-key", add("expect: [{step: loss.L, valu: 1}]\n"), 11, 25, "unknown key `valu` in expect[0]",
         "did you mean `value`?"),
    Case("unknown-param-name", add("params: {W3: [[1]]}\n"), 11, 10, "unknown key `W3` in params",
         "known keys: W1, b1, W2, b2"),
    Case("unknown-generator-option", sub("{generator: xor}", "{generator: {kind: xor, samples: 5}}"), 7, 31,
         "the xor generator has no option `samples`", "its options are repeat"),
    # --- missing required keys ----------------------------------------------------------------
    Case("missing-network", "title: t\ndata: {generator: xor}\n", 1, 1, "the file needs `network`",
         "add network:"),
    Case("missing-data", sub("data: {generator: xor}\n", ""), 1, 1, "the file needs `data`", "add data:"),
    Case("missing-inputs", sub("  inputs: 2\n", ""), 3, 3, "network needs `inputs`", "features"),
    Case("missing-layers", sub(LAYERS, ""), 3, 3, "network needs `layers`", "list the layers"),
    Case("missing-units", sub("{units: 2, activation: sigmoid}", "{activation: sigmoid}"), 5, 7,
         "network.layers[0] needs `units`", "number of units"),
    Case("missing-y", data("{x: [[0, 1], [1, 0]]}"), 7, 7, "data needs `y`", "one row per output"),
    Case("missing-generator-kind", sub("{generator: xor}", "{generator: {samples: 4}}"), 7, 19,
         "data.generator needs `kind`", "name the generator"),
    Case("expect-without-step", add("expect: [{value: 1}]\n"), 11, 10, "needs a `step`", "step: backward.dyhat"),
    Case("expect-without-value", add("expect: [{step: loss.L}]\n"), 11, 10, "needs `value`, `below` or `above`",
         "state the number"),
    # --- shapes, in the user's terms ----------------------------------------------------------
    Case("x-rows-vs-inputs", data("{x: [[0, 1]], y: [[1, 0]]}"), 7, 11, "x has 1 row(s) but network.inputs is 2",
         "each row of x is one input feature"),
    Case("y-rows-vs-outputs", data("{x: [[0, 1], [1, 0]], y: [[1, 0], [0, 1]]}"), 7, 32,
         "y has 2 row(s) but the last layer has 1 unit(s)", "each row of y is one output"),
    Case("y-columns-vs-x", data("{x: [[0, 1], [1, 0]], y: [[1, 0, 1]]}"), 7, 32,
         "y has 3 sample column(s) but x has 2", "one target column per input column"),
    Case("ragged-rows", data("{x: [[0, 1], [1]], y: [[1, 0]]}"), 7, 20, "row 2 of data.x has 1 numbers but row 1 has 2",
         "the same length"),
    Case("empty-row", data("{x: [[], []], y: [[1]]}"), 7, 11, "data.x has an empty row", "at least one number"),
    Case("empty-x", data("{x: [], y: [[1]]}"), 7, 11, "not an empty list", "[[1, 2], [3, 4]]"),
    Case("weights-wrong-shape", add("params: {W1: [[1, 2, 3], [4, 5, 6]]}\n"), 11, 14,
         "W1 is 2×3, but layer 1 has 2 unit(s) fed by 2 from the inputs", "2 row(s) of 2 number(s)"),
    Case("weights-wrong-shape-hidden", add("params: {W2: [[1], [2]]}\n"), 11, 14,
         "W2 is 2×1, but layer 2 has 1 unit(s) fed by 2 from layer 1", "1 row(s) of 2 number(s)"),
    Case("biases-wrong-count", add("params: {b1: [1, 2, 3]}\n"), 11, 14, "b1 has 3 numbers but layer 1 has 2 units",
         "one number per unit: 2"),
    Case("ce-targets-not-probabilities", sub("loss: mse", "loss: bce", data("{x: [[0, 1], [1, 0]], y: [[2, 0]]}")),
         7, 32, "bce targets must lie between 0 and 1", "0/1 labels"),
    # --- unknown names ------------------------------------------------------------------------
    Case("unknown-activation", sub("activation: sigmoid}\n    - {units: 1", "activation: sigmoyd}\n    - {units: 1"),
         5, 30, "unknown activation `sigmoyd`", "did you mean `sigmoid`?"),
    Case("unknown-loss", sub("loss: mse", "loss: msee"), 8, 7, "unknown loss `msee`", "did you mean `mse`?"),
    Case("unknown-loss-no-match", sub("loss: mse", "loss: hinge"), 8, 7, "unknown loss `hinge`",
         "choose one of mse, half_mse, mae, bce, cross_entropy"),
    Case("unknown-initialiser", add("init: {scheme: glorot}\n"), 11, 16, "unknown initialiser `glorot`",
         "choose one of normal, xavier, he, zeros"),
    Case("unknown-generator", sub("generator: xor", "generator: xorr"), 7, 19, "unknown data generator `xorr`",
         "did you mean `xor`?"),
    Case("loss-named-as-elsewhere", sub("loss: mse", "loss: binary_crossentropy"), 8, 7,
         "unknown loss `binary_crossentropy`", "did you mean `bce`?"),
    Case("initialiser-named-as-elsewhere", add("init: {scheme: kaiming}\n"), 11, 16, "unknown initialiser `kaiming`",
         "did you mean `he`?"),
    Case("unknown-reduction", add("reduction: avg\n"), 11, 12, "unknown reduction `avg`", "mean, sum"),
    Case("unknown-optimizer", sub("lr: 0.5", "kind: adamm"), 9, 19, "unknown optimizer `adamm`", "did you mean `adam`?"),
    Case("unknown-frozen-param", add("freeze: [W9]\n"), 11, 10, "unknown parameter `W9`", "W1, b1, W2, b2"),
    # --- loss and output activation that cannot go together -----------------------------------
    Case("bce-on-linear-output", sub("loss: mse", "loss: bce", sub("units: 1, activation: sigmoid",
                                                                   "units: 1, activation: linear")),
         8, 7, "bce needs outputs between 0 and 1, but the last layer is linear", "activation to sigmoid"),
    Case("cross-entropy-without-softmax", sub("loss: mse", "loss: cross_entropy", sub(
        "units: 1, activation: sigmoid", "units: 2, activation: sigmoid", data("{x: [[0, 1], [1, 0]], y: [[1, 0], [0, 1]]}"))),
        8, 7, "cross_entropy over 2 classes needs a softmax output, not sigmoid", "activation to softmax"),
    Case("softmax-single-unit", sub("units: 1, activation: sigmoid", "units: 1, activation: softmax"), 6, 30,
         "softmax over layer 2's single unit always gives 1", "use sigmoid for one output"),
    # --- sizes: zero, negative, absurd --------------------------------------------------------
    Case("inputs-zero", sub("inputs: 2", "inputs: 0"), 3, 11, "network.inputs is 0, but the number of inputs must be at least 1",
         "from 1 to 100000"),
    Case("inputs-negative", sub("inputs: 2", "inputs: -3"), 3, 11, "is -3, but the number of inputs must be at least 1",
         "from 1 to"),
    Case("units-zero", sub("units: 1,", "units: 0,"), 6, 15, "network.layers[1].units is 0", "from 1 to 4096"),
    Case("units-too-many", sub("units: 2,", "units: 5000,"), 5, 15, "5000: too large to be sensible", "the limit is 4096"),
    Case("units-absurd", sub("units: 1,", "units: " + "9" * 40 + ","), 6, 15, "a 40-digit number: too large",
         "the limit is 4096"),
    Case("too-many-parameters", sub("inputs: 2", "inputs: 4000", sub("units: 2,", "units: 4000,")), 3, 3,
         "the network has 16,008,001 parameters: too large", "under 10,000,000"),
    Case("too-many-layers", sub(LAYERS, "  layers:\n" + "    - {units: 1}\n" * 65), 5, 5,
         "65 layers is too many", "at most 64"),
    Case("no-layers", sub(LAYERS, "  layers: []\n"), 4, 11, "at least one layer", "- {units: 1"),
    Case("too-many-activations", sub("units: 2,", "units: 4096,", sub("{generator: xor}",
                                                                     "{generator: {kind: xor, repeat: 20000}}")),
         7, 7, "80,000 samples through 4,097 units", "fewer samples or smaller layers"),
    Case("generator-too-big", sub("{generator: xor}", "{generator: {kind: random, samples: 100000, inputs: 100000}}"),
         7, 19, "the generated data is too large", "under 20,000,000"),
    Case("generator-no-samples", sub("{generator: xor}", "{generator: {kind: xor, repeat: 0}}"), 7, 19,
         "the xor generator made no samples", "at least one sample"),
    Case("generator-zero-samples", sub("{generator: xor}", "{generator: {kind: binary, samples: 0}}"), 7, 43,
         "a generator needs at least 1 sample", "set samples to 1"),
    Case("generator-zero-features", sub("{generator: xor}", "{generator: {kind: binary, features: 0}}"), 7, 44,
         "features must be at least 1", "set features to 1"),
    Case("generator-overflows", sub("inputs: 2", "inputs: 1", sub("{generator: xor}",
                                                                   "{generator: {kind: line, slope: 1e308, intercept: 1e308}}")),
         7, 19, "give numbers too large for a float", "smaller option values"),
    Case("iterations-zero", sub("iterations: 3", "iterations: 0"), 10, 13, "iterations is 0", "from 1 to 1000000"),
    Case("iterations-too-many", sub("iterations: 3", "iterations: 99999999"), 10, 13, "too large to be sensible",
         "the limit is 1000000"),
    # --- learning rate and other numbers ------------------------------------------------------
    Case("lr-zero", sub("lr: 0.5", "lr: 0"), 9, 17, "the learning rate must be greater than 0", "small positive"),
    Case("lr-negative", sub("lr: 0.5", "lr: -0.1"), 9, 17, "optimizer.lr is -0.1", "small positive"),
    Case("l2-negative", add("l2: -1\n"), 11, 5, "the L2 strength must be at least 0", "at least 0"),
    Case("seed-negative", add("init: {seed: -1}\n"), 11, 14, "init.seed is -1", "from 0 to"),
    Case("tolerance-negative", add("expect: [{step: loss.L, value: 1, tol: -1}]\n"), 11, 40,
         "the tolerance must be at least 0", "at least 0"),
    # --- parts ---------------------------------------------------------------------------------
    Case("parts-empty", add("parts: []\n"), 11, 8, "parts must be a list with at least one part", "- title:"),
    Case("part-not-a-mapping", add("parts: [1]\n"), 11, 9, "parts[0] must be a mapping", "key: value"),
    Case("mistake-inside-a-part", add("parts:\n  - title: a\n    loss: msq\n"), 13, 11, "unknown loss `msq`",
         "did you mean `mse`?"),
    Case("inherited-key-wrong-for-a-part", sub("inputs: 2", "inputs: 3") + "parts:\n  - title: a\n", 7, 7,
         "x has 2 row(s) but network.inputs is 3", "each row of x"),
    # --- notes and expect entries --------------------------------------------------------------
    Case("note-for-unknown-step", add("notes: {backward.dyhatt: hi}\n"), 11, 9, "no step is called `backward.dyhatt`",
         "did you mean `backward.dyhat`?"),
    Case("note-pattern-matches-nothing", add("notes: {backward.*.dZ: hi}\n"), 11, 9,
         "no step is called `backward.*.dZ`", "did you mean"),
    Case("expect-not-a-list", add("expect: {step: loss.L}\n"), 11, 9, "expect must be a list of checks",
         "- {step: ..., value: ...}"),
    Case("expect-entry-empty", add("expect: [~]\n"), 11, 10, "expect[0] must be a mapping", "key: value"),
    Case("expect-unknown-step", add("expect: [{step: loss.LL, value: 1}]\n"), 11, 17, "unknown step id `loss.LL`",
         "did you mean `loss.L`?"),
    Case("expect-iteration-past-the-run", add("expect: [{step: loss.L, value: 1, iteration: 5}]\n"), 11, 46,
         "expect[0].iteration is 5, but this part runs only 3 iteration(s)", "from 1 to 3"),
    Case("expect-iteration-negative", add("expect: [{step: loss.L, value: 1, iteration: -1}]\n"), 11, 46,
         "iterations count from 1", "from 1 to 3"),
    Case("expect-iteration-zero-from-the-old-count", add("expect: [{step: loss.L, value: 1, iteration: 0}]\n"),
         11, 46, "expect[0].iteration is 0, but iterations now count from 1", "add 1 to every `iteration:`"),
    Case("expect-iteration-last-is-fine-but-one-past-is-not", add("expect: [{step: loss.L, value: 1, iteration: 4}]\n"),
         11, 46, "runs only 3 iteration(s), numbered 1 to 3", "from 1 to 3"),
    Case("breakpoint-iteration-zero-from-the-old-count", add("breakpoints: [{iteration: 0}]\n"), 11, 27,
         "breakpoints[0].iteration is 0, but iterations now count from 1", "add 1"),
    Case("breakpoint-iteration-past-the-run", add("breakpoints: [{step: loss.L, iteration: 4}]\n"), 11, 41,
         "runs only 3 iteration(s), numbered 1 to 3", "from 1 to 3"),
    Case("expect-at-not-indices", add("expect: [{step: loss.L, value: 1, at: x}]\n"), 11, 39,
         "expect[0].at must be whole-number indices, not the text 'x'", "like [0, 1]"),
    Case("expect-unknown-check", add("expect: [{check: foo}]\n"), 11, 18, "unknown check `foo`", "per_sample_mean"),
    Case("expect-value-text", add("expect: [{step: loss.L, value: abc}]\n"), 11, 32,
         "expect[0].value must be a number or a list of rows of numbers", "[[1, 2], [3, 4]]"),
    Case("expect-bound-text", add("expect: [{step: loss.L, below: low}]\n"), 11, 32,
         "expect[0].below must be a number", "without quotes"),
    Case("breakpoint-unknown-condition", add("breakpoints: [{when: vanish}]\n"), 11, 22, "unknown condition `vanish`",
         "did you mean `vanishing`?"),
    Case("breakpoint-threshold-huge", add("breakpoints: [{when: vanishing, layer: 1, below: 1" + "0" * 400 + "}]\n"),
         11, 50, "`below` is a 401-digit number", "below 1e308"),
    Case("expect-per-sample-mean-with-value", add("expect: [{check: per_sample_mean, value: 1}]\n"), 11, 42,
         "per_sample_mean compares two computations", "delete `value`"),
]


def error_of(text: str, file: str = "s.yaml") -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_text(text, file)
    return info.value


def test_base_scenario_is_valid() -> None:
    """Every case below breaks this one; it must load on its own."""
    sc = load_text(BASE, "s.yaml")
    assert sc.parts[0].model.sizes == (2, 2, 1)


def test_case_ids_are_unique() -> None:
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_error_is_located_and_explained(case: Case) -> None:
    e = error_of(case.text)
    assert (e.line, e.col) == (case.line, case.col), str(e)
    assert case.what in e.message, str(e)
    assert e.hint and case.how in e.hint, str(e)
    # The one-line form the CLI prints: file:line:col: what (how to fix)
    assert str(e) == f"s.yaml:{case.line}:{case.col}: {e.message} ({e.hint})"
    assert "\n" not in str(e)


def test_expect_may_state_non_finite_values() -> None:
    """The one place inf and NaN may be written: what a diverging lesson expects to see."""
    sc = load_text(add("expect: [{step: loss.L, value: .nan}, {step: loss.L, below: .inf}]\n"), "s.yaml")
    values = [e.value for e in sc.parts[0].expectations]
    assert values[0] != values[0] and values[1] is None


def test_python_tags_never_run_code(tmp_path: Path) -> None:
    """Safe loading: no tag can call a function, even one with side effects."""
    marker = tmp_path / "ran"
    for tag in ("!!python/object/apply:os.system", "!!python/object/apply:subprocess.call",
                "!!python/object/new:os.system"):
        text = sub("lr: 0.5", f"lr: {tag} [['touch', '{marker}']]")
        e = error_of(text)
        assert "is not allowed" in e.message and (e.line, e.col) == (9, 17)
    assert not marker.exists()


def test_alias_bomb_is_refused_before_expansion() -> None:
    """The size is computed over shared nodes, so refusing the bomb does not build it."""
    e = error_of(BOMB + BASE)
    assert f"at most {MAX_NODES:,}" in e.hint
    # A few honest aliases are fine.
    ok = "shared: &layer {units: 2, activation: sigmoid}\n"
    text = sub("    - {units: 2, activation: sigmoid}", "    - *layer", BASE)
    e = error_of(ok + text)   # the anchor's own key is not a scenario key ...
    assert "unknown key `shared`" in e.message and (e.line, e.col) == (1, 1)
    sc = load_text(sub("    - {units: 2, activation: sigmoid}", "    - &layer {units: 2, activation: sigmoid}",
                       BASE).replace("- {units: 1, activation: sigmoid}", "- {<<: *layer, units: 1}"))
    assert sc.parts[0].model.sizes == (2, 2, 1)   # ... but aliases and merge keys inside it work


def test_error_names_the_file() -> None:
    e = error_of(sub("loss: mse", "loss: msee"), file="lessons/mine.yaml")
    assert str(e).startswith("lessons/mine.yaml:8:7: unknown loss `msee`")


# --- Files on disk: read errors and the bundled examples of mistakes --------------------------

def test_directory_instead_of_file(tmp_path: Path) -> None:
    folder = tmp_path / "lesson.yaml"
    folder.mkdir()
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder)
    e = info.value
    assert "is a folder, not a scenario file" in e.message and "path of a .yaml file" in e.hint
    assert (e.line, e.col) == (1, 1)


def test_missing_file_suggests_a_bundled_name() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario("xro")
    assert "no scenario file or bundled scenario called `xro`" in info.value.message
    assert "did you mean `xor`?" in info.value.hint


def test_non_utf8_bytes_are_located(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(BASE.encode() + "description: caf\u00e9 na\u00efve\n".encode("latin-1"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    e = info.value
    assert (e.line, e.col) == (11, 17) and "byte 0xe9 here is not UTF-8 text" in e.message
    assert "save the file as UTF-8" in e.hint


def test_unreadable_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can read a file without read permission")
    path = tmp_path / "secret.yaml"
    path.write_text(BASE)
    path.chmod(0)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "cannot read the file: Permission denied" in info.value.message


def _bad_files() -> list[Path]:
    return sorted(BAD_DIR.glob("*.yaml"))


def _stated(path: Path) -> tuple[str, str]:
    """Each file's first two lines state the error it must give: `# error: L:C: what` and `# fix: how`."""
    lines = path.read_bytes().decode("utf-8", "replace").splitlines()
    assert lines[0].startswith("# error: ") and lines[1].startswith("# fix: "), path.name
    return lines[0][len("# error: "):], lines[1][len("# fix: "):]


def test_there_are_bad_example_files() -> None:
    assert len(_bad_files()) >= 20


@pytest.mark.parametrize("path", _bad_files(), ids=lambda p: p.stem)
def test_bad_example_file(path: Path) -> None:
    where_what, how = _stated(path)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    e = info.value
    assert str(e).startswith(f"{path}:{where_what}"), str(e)
    assert how in (e.hint or ""), str(e)


# --- The command line: exit code 2, one line, no traceback ------------------------------------

CHAINSTEP = ROOT / ".venv" / "bin" / "chainstep"
HAS_CHECK = importlib.util.find_spec("chainstep.tui.cli.scenarios") is not None
needs_check = pytest.mark.skipif(not HAS_CHECK, reason="`chainstep check` (tui/cli/scenarios.py) is not there yet")


def _run(cmd: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cmd, "check", "--no-gradcheck", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


@needs_check
@pytest.mark.skipif(not CHAINSTEP.exists(), reason="no console script in .venv/bin")
def test_cli_check_every_bad_file_exits_2_without_traceback() -> None:
    """One run over all the example mistakes: one located line each on stderr, exit code 2."""
    files = _bad_files()
    done = _run([str(CHAINSTEP)], *map(str, files))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = [ln for ln in done.stderr.splitlines() if ln.startswith("chainstep: ")]
    for path in files:
        where_what, how = _stated(path)
        mine = [ln for ln in lines if ln.startswith(f"chainstep: {path}:")]
        assert len(mine) == 1, (path.name, done.stderr)
        assert mine[0].startswith(f"chainstep: {path}:{where_what}") and mine[0].endswith(f"({how})"), mine[0]


@needs_check
@pytest.mark.parametrize("name", ["python-tag", "billion-laughs", "latin1-bytes"])
def test_python_m_check_exits_2(name: str) -> None:
    path = BAD_DIR / f"{name}.yaml"
    done = _run([sys.executable, "-m", "chainstep.tui"], str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{path}:{_stated(path)[0]}" in done.stderr


@needs_check
def test_cli_check_on_a_folder_exits_2(tmp_path: Path) -> None:
    done = _run([sys.executable, "-m", "chainstep.tui"], str(tmp_path))
    assert done.returncode == 2 and "is a folder, not a scenario file" in done.stderr
    assert "Traceback" not in done.stderr


def _print_table() -> None:   # pragma: no cover - run by hand for the closing note
    for c in CASES:
        try:
            load_text(c.text, "s.yaml")
            print(f"- {c.id}: (loaded!)")
        except ScenarioError as e:
            print(f"- {c.id}: {e}")
    for p in _bad_files():
        try:
            load_scenario(p)
        except ScenarioError as e:
            print(f"- data/bad/{p.name}: {str(e).replace(str(ROOT) + '/', '')}")


if __name__ == "__main__":   # pragma: no cover
    _print_table()
