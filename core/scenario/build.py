"""From a validated document to a Scenario: the model, its parameters and data, and its parts.

Keys written at the top level are defaults every part inherits. Tensors are written as lists of
rows and are (units × samples): each column of `x` is one sample.
"""
from __future__ import annotations

import difflib
import inspect
from pathlib import Path
from typing import Any

import numpy as np

from ... import scenarios as _bundled_package
from ..data import GENERATORS, INIT_SCHEMES, generate, init_params
from ..errors import ScenarioError
from ..external import EXTERNAL_DATA_KEYS, read_data, read_params
# The format's key tables (for unknown-key errors and `chainstep schema`) and limits live in format_spec.
from ..format_spec import (DATA_KEYS, INIT_KEYS, LAYER_KEYS, MAX_INPUTS, MAX_ITERATIONS, MAX_LAYERS, MAX_SAMPLES,
                           MAX_SEED, MAX_UNITS, NETWORK_KEYS, OPTIMIZER_KEYS, PART_KEYS, TOP_KEYS)
from ..losses import REDUCTIONS
from ..network import Model
from ..trace import build_specs
from .model import Part, Scenario
from .read import KEY, Doc, Path_, parse_yaml, read_file
from .questions import questions_section
from .sections import breakpoints_section, expect_section, notes_section, tensor_shapes
from .training import read_activation, read_loss, read_optimizer
from .validate import Validator, kind_of

# The lessons ship as package data of chainstep.scenarios, wherever it is installed.
BUNDLED_DIR = Path(_bundled_package.__file__).resolve().parent
DEFAULT_SCENARIO = _bundled_package.DEFAULT_SCENARIO

# Limits past which a file is almost surely a typo, and would make the app crawl.
MAX_PARAMS = 10_000_000
MAX_ELEMENTS = 20_000_000


def _part(raw: dict[str, Any], path: Path_, v: Validator, default_title: str) -> Part:
    net = v.mapping(v.require(raw, "network", path, "add network: {inputs: N, layers: [...]}"),
                    path + ("network",), NETWORK_KEYS)
    npath = path + ("network",)
    inputs = v.integer(v.require(net, "inputs", npath, "how many features each sample has"),
                       npath + ("inputs",), 1, MAX_INPUTS, "the number of inputs")
    layers = v.require(net, "layers", npath, "list the layers, e.g. - {units: 1, activation: linear}")
    if not isinstance(layers, list) or not layers:
        raise v.err(npath + ("layers",), "network.layers must be a list with at least one layer",
                    "write - {units: 1, activation: linear}")
    if len(layers) > MAX_LAYERS:
        raise v.err(npath + ("layers",), f"{len(layers)} layers is too many to step through", f"at most {MAX_LAYERS}")
    sizes, acts = [inputs], []
    for i, layer in enumerate(layers):
        lp = npath + ("layers", i)
        layer = v.mapping(layer, lp, LAYER_KEYS)
        units = v.integer(v.require(layer, "units", lp, "give the layer's number of units"),
                          lp + ("units",), 1, MAX_UNITS, f"the units of layer {i + 1}")
        activation = read_activation(layer.get("activation", "linear"), lp + ("activation",), v)
        act = activation.name
        if act == "softmax" and units == 1:
            raise v.err(lp + ("activation",), f"softmax over layer {i + 1}'s single unit always gives 1",
                        "use sigmoid for one output, or give the layer one unit per class")
        sizes.append(units)
        acts.append(activation)
    n_params = sum(sizes[l] * sizes[l - 1] + sizes[l] for l in range(1, len(sizes)))
    if n_params > MAX_PARAMS:
        raise v.err(npath, f"the network has {n_params:,} parameters: too large to be sensible", f"keep it under {MAX_PARAMS:,}")
    depth = len(acts)

    # Parameters: explicit values first, the init scheme for the rest.
    init = v.mapping(raw.get("init", {}), path + ("init",), INIT_KEYS)
    scheme = v.choice(init.get("scheme", "xavier"), path + ("init", "scheme"), INIT_SCHEMES, "initialiser")
    seed = v.integer(init.get("seed", 0), path + ("init", "seed"), 0, MAX_SEED, "the seed")
    scale = v.number(init.get("scale", 1.0), path + ("init", "scale"), "the scale")
    params = init_params(tuple(sizes), scheme, seed, scale)
    names = [f"{k}{l}" for l in range(1, depth + 1) for k in "Wb"]
    given = raw.get("params", {})
    if isinstance(given, dict) and "file" in given:   # weights trained elsewhere (core/external.py)
        explicit = {k: val for k, val in given.items() if k not in ("file", "keys", "transpose")}
        params.update(read_params(given, path + ("params",), v, tuple(sizes), set(explicit) & set(names)))
        given = explicit
    given = v.mapping(given, path + ("params",), {n: "" for n in names}) if given else {}
    for name, value in given.items():
        pp = path + ("params", name)
        m = v.matrix(value, pp, name)
        l = int(name[1:])
        n_out, n_in = sizes[l], sizes[l - 1]
        if name[0] == "b":
            if m.size != n_out or min(m.shape) != 1:
                raise v.err(pp, f"{name} has {m.size} numbers but layer {l} has {n_out} unit{'s' * (n_out > 1)}",
                            f"give {name} one number per unit: {n_out}")
            m = m.reshape(n_out, 1)
        elif m.shape != (n_out, n_in):
            src = "the inputs" if l == 1 else f"layer {l - 1}"
            raise v.err(pp, f"{name} is {m.shape[0]}×{m.shape[1]}, but layer {l} has {n_out} unit(s) fed by "
                            f"{n_in} from {src}", f"{name} needs {n_out} row(s) of {n_in} number(s): one row per unit")
        params[name] = m
    freeze = raw.get("freeze", [])
    if not isinstance(freeze, list):
        freeze = [freeze]
    for i, name in enumerate(freeze):
        v.choice(name, path + ("freeze", i), names, "parameter")

    # Data. The loss comes first: the plain objective takes no target.
    loss = read_loss(raw.get("loss", "mse"), path + ("loss",), v)
    loss_name = loss.name
    dpath = path + ("data",)
    data = v.mapping(v.require(raw, "data", path, "add data: {x: [[...]], y: [[...]]} or data: {generator: ...}"),
                     dpath, DATA_KEYS)
    if any(k in data for k in EXTERNAL_DATA_KEYS):   # data saved elsewhere (core/external.py)
        x, y = read_data(data, dpath, v, inputs, sizes[-1])
    elif "generator" in data:
        if "x" in data or "y" in data:
            raise v.err(dpath, "data has both a generator and x/y", "keep one of them")
        x, y = _generated(data["generator"], dpath + ("generator",), v)
    else:
        x = v.matrix(v.require(data, "x", dpath, "x: one row per input feature, one column per sample"), dpath + ("x",), "x")
        if not loss.needs_target:
            if "y" in data:
                raise v.err(dpath + ("y", KEY), "loss: output is the network's output itself and takes no target y",
                            "delete y, or choose a loss that compares with a target, e.g. mse")
        else:
            y = v.matrix(v.require(data, "y", dpath, "y: one row per output, one column per sample; "
                                   "or loss: output for a plain objective with no target"), dpath + ("y",), "y")
    if not loss.needs_target:   # no target; a generator's or file's targets are not used
        y = np.zeros((sizes[-1], x.shape[1]))
    if x.size > MAX_ELEMENTS or x.shape[1] > MAX_SAMPLES:
        raise v.err(dpath, f"{x.shape[1]:,} samples is too many to step through", f"keep under {MAX_SAMPLES:,}")
    if x.shape[0] != inputs:
        raise v.err(dpath + ("x",), f"x has {x.shape[0]} row(s) but network.inputs is {inputs}",
                    "each row of x is one input feature and each column one sample")
    if y.shape[0] != sizes[-1]:
        raise v.err(dpath + ("y",), f"y has {y.shape[0]} row(s) but the last layer has {sizes[-1]} unit(s)",
                    "each row of y is one output and each column one sample")
    if y.shape[1] != x.shape[1]:
        raise v.err(dpath + ("y",), f"y has {y.shape[1]} sample column(s) but x has {x.shape[1]}",
                    "give one target column per input column")
    activations = sum(sizes[1:]) * x.shape[1]
    if activations > MAX_ELEMENTS:   # each step would hold tensors of this size: the app would crawl
        raise v.err(dpath, f"{x.shape[1]:,} samples through {sum(sizes[1:]):,} units make {activations:,} "
                           "activations per iteration: too large to be sensible",
                    f"keep samples × units under {MAX_ELEMENTS:,}: fewer samples or smaller layers")

    out = acts[-1].name
    if loss_name == "bce" and out != "sigmoid":
        raise v.err(path + ("loss",), f"bce needs outputs between 0 and 1, but the last layer is {out}",
                    "set the last layer's activation to sigmoid")
    if loss_name == "cross_entropy" and out != "softmax" and sizes[-1] > 1:
        raise v.err(path + ("loss",), f"cross_entropy over {sizes[-1]} classes needs a softmax output, not {out}",
                    "set the last layer's activation to softmax")
    if loss_name in ("bce", "cross_entropy") and (np.any(y < 0) or np.any(y > 1)):
        raise v.err(dpath + ("y",), f"{loss_name} targets must lie between 0 and 1",
                    "use 0/1 labels or one-hot columns")
    # The plain objective sums by default: "the gradient of the output" means of Σ ŷ, not its mean.
    reduction = v.choice(raw.get("reduction", "mean" if loss.needs_target else "sum"), path + ("reduction",),
                         REDUCTIONS, "reduction")
    l2 = v.number(raw.get("l2", 0.0), path + ("l2",), "the L2 strength", low=0.0)
    optimizer, lr = read_optimizer(raw.get("optimizer", {}), path + ("optimizer",), v)
    input_grad = raw.get("input_gradient", False)
    if not isinstance(input_grad, bool):
        raise v.err(path + ("input_gradient",), f"input_gradient must be true or false, not {kind_of(input_grad)}",
                    "write input_gradient: true")
    iterations = v.integer(raw.get("iterations", 1), path + ("iterations",), 1, MAX_ITERATIONS, "iterations")

    model = Model(tuple(sizes), tuple(acts), loss, reduction, l2, lr, frozenset(freeze), optimizer, input_grad)
    title = v.string(raw.get("title", default_title), path + ("title",), "the title")
    description = v.string(raw.get("description", ""), path + ("description",), "the description")
    part = Part(title, description, model, params, x, y, iterations, {}, [])
    step_ids = tuple(s.id for s in build_specs(model))   # ids only: no trace needed yet
    part.notes = notes_section(raw.get("notes", {}), path + ("notes",), v, step_ids)
    part.expectations = expect_section(raw.get("expect", []), path + ("expect",), v, step_ids, iterations, names,
                                       shapes=lambda sid: tensor_shapes(part, sid))
    part.breakpoints = breakpoints_section(raw.get("breakpoints", []), path + ("breakpoints",), v, part)
    part.questions = questions_section(raw.get("questions"), path + ("questions",), v, part)
    return part


def _generated(value: Any, path: Path_, v: Validator) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(value, str):
        value = {"kind": value}
    if not isinstance(value, dict):
        raise v.err(path, f"data.generator must be a generator name or a mapping with `kind:`, not {kind_of(value)}",
                    "write e.g. generator: xor, or generator: {kind: line, samples: 8}")
    m = v.mapping(value, path, {"kind": "generator name", **{k: "" for g in GENERATORS.values()
                                                                for k in inspect.signature(g).parameters}})
    kind = v.choice(v.require(m, "kind", path, "name the generator: " + ", ".join(GENERATORS)),
                    path + ("kind",), list(GENERATORS), "data generator")
    allowed = inspect.signature(GENERATORS[kind]).parameters
    options: dict[str, Any] = {}
    for key, val in m.items():
        if key == "kind":
            continue
        if key not in allowed:
            raise v.err(path + (key, KEY), f"the {kind} generator has no option `{key}`",
                        "its options are " + ", ".join(allowed))
        default = allowed[key].default
        if isinstance(default, int):
            options[key] = v.integer(val, path + (key,), 0, MAX_SAMPLES, key)
        else:
            options[key] = v.number(val, path + (key,), key)
    if options.get("samples", 1) < 1:
        raise v.err(path + ("samples",), "a generator needs at least 1 sample", "set samples to 1 or more")
    for key in ("features", "classes", "inputs", "outputs", "labels"):
        if key in options and options[key] < 1:
            raise v.err(path + (key,), f"{key} must be at least 1", f"set {key} to 1 or more")
        if options.get(key, 0) > MAX_INPUTS:
            raise v.err(path + (key,), f"{key} is too large to be sensible", f"at most {MAX_INPUTS}")
    size = options.get("samples", 32) * max(options.get(k, 1) for k in ("features", "inputs", "classes", "outputs", "labels"))
    if size > MAX_ELEMENTS:
        raise v.err(path, "the generated data is too large to be sensible", f"keep samples × features under {MAX_ELEMENTS:,}")
    with np.errstate(all="ignore"):
        x, y = generate(kind, **options)
    if x.shape[1] == 0:
        raise v.err(path, f"the {kind} generator made no samples with these options", "ask for at least one sample")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise v.err(path, f"the {kind} generator's options give numbers too large for a float (inf or NaN)",
                    "use smaller option values")
    return x, y



def load_text(text: str, file: str = "<scenario>", name: str | None = None) -> Scenario:
    raw, doc = parse_yaml(text, file)
    v = Validator(doc)
    top = v.mapping(raw, (), {**TOP_KEYS, **PART_KEYS})
    title = v.string(top.get("title", name or Path(file).stem), ("title",), "the title")
    description = v.string(top.get("description", ""), ("description",), "the description")
    sname = v.string(top.get("name", name or Path(file).stem), ("name",), "the name")
    defaults = {k: val for k, val in top.items() if k in PART_KEYS and k not in ("title", "description")}
    if "parts" in top:
        if not isinstance(top["parts"], list) or not top["parts"]:
            raise v.err(("parts",), "parts must be a list with at least one part", "write - title: ... under it")
        parts = []
        for i, raw_part in enumerate(top["parts"]):
            pm = v.mapping(raw_part, ("parts", i), PART_KEYS)
            merged = {**defaults, **pm}
            # A part inherits top-level keys; errors in those still point at the top-level line.
            for k in defaults:
                if k not in pm:
                    _alias_marks(doc, (k,), ("parts", i, k))
            parts.append(_part(merged, ("parts", i), v, f"{title}: part {i + 1}"))
    else:
        parts = [_part(top, (), v, title)]
    return Scenario(sname, title, description, file, parts)


def _alias_marks(doc: Doc, src: Path_, dst: Path_) -> None:
    for p, mark in list(doc.marks.items()):
        if p[: len(src)] == src:
            doc.marks[dst + p[len(src):]] = mark


def bundled() -> list[Path]:
    """The bundled scenario files, in catalogue order."""
    return sorted(BUNDLED_DIR.glob("*.yaml"))


def bundled_name(path: Path) -> str:
    """`01-sign-of-the-error.yaml` -> `sign-of-the-error`."""
    stem = path.stem
    head, _, rest = stem.partition("-")
    return rest if head.isdigit() and rest else stem


def resolve(name_or_path: str) -> Path:
    """A bundled scenario by name, or a file by path."""
    for path in bundled():
        if bundled_name(path) == name_or_path or path.stem == name_or_path:
            return path
    p = Path(name_or_path)
    try:
        if p.is_file():
            return p
        if p.is_dir():
            raise ScenarioError(f"`{name_or_path}` is a folder, not a scenario file", name_or_path, 1, 1,
                                "give the path of a .yaml file, e.g. " + str(p / "my-scenario.yaml"))
    except (OSError, ValueError):   # a name the OS cannot even look up (too long, NUL byte)
        pass
    names = [bundled_name(b) for b in bundled()]
    close = difflib.get_close_matches(name_or_path, names, n=1)
    hint = f"did you mean `{close[0]}`?" if close else "run `chainstep list` for the bundled scenarios"
    raise ScenarioError(f"no scenario file or bundled scenario called `{name_or_path}`", name_or_path, 1, 1, hint)


def load_scenario(name_or_path: str | Path) -> Scenario:
    path = resolve(str(name_or_path))
    text = read_file(path)
    name = bundled_name(path) if path.parent == BUNDLED_DIR else path.stem
    return load_text(text, str(path), name)
