"""The scenario format as data: every key, what it means and what its value may be.

The loader (scenario.py) checks unknown keys against these tables and picks enum values from the
same registries (ACTIVATIONS, LOSSES, ...); `chainstep schema` turns the very same tables into a
JSON Schema for editors. A key is a `Key`: a str (its description, so the tables still read as
name -> description) carrying a JSON Schema fragment for its value and whether it is required.
"""
from __future__ import annotations

import inspect
from typing import Any

from .activations import ACTIVATIONS
from .breakpoints import BREAKPOINT_KEYS, CONDITIONS
from .data import GENERATORS, INIT_SCHEMES
from .losses import LOSSES, REDUCTIONS
from .optimizers import HYPER, KINDS

# Limits past which a file is almost surely a typo, and would make the app crawl.
MAX_UNITS = 4096
MAX_INPUTS = 100_000
MAX_LAYERS = 64
MAX_SAMPLES = 100_000
MAX_ITERATIONS = 1_000_000
MAX_SEED = 2**32 - 1

Schema = dict[str, Any]
CHECKS = ("per_sample_mean", "gradient_values_ratio")
OPTIMIZERS = KINDS
PARAM_NAME = "^[Wb][1-9][0-9]*$"   # W1, b1, W2, ...: which exist depends on the network's depth


class Key(str):
    """One key: its description (the str value), a JSON Schema of its value, and whether it is required.

    `keys` names the table of a mapping value, `item_keys` the table of each item of a list value;
    they are read when the schema is generated, so a key added to a table later is still included.
    """

    schema: Schema
    required: bool
    keys: dict[str, str] | None
    item_keys: dict[str, str] | None

    def __new__(cls, description: str, schema: Schema | None = None, required: bool = False,
                keys: dict[str, str] | None = None, item_keys: dict[str, str] | None = None) -> "Key":
        key = super().__new__(cls, description)
        key.schema, key.required, key.keys, key.item_keys = dict(schema or {}), required, keys, item_keys
        return key


# Value shapes, as JSON Schema fragments.

def text() -> Schema:
    return {"type": "string"}


def integer(low: int, high: int | None = None) -> Schema:
    return {"type": "integer", "minimum": low, **({"maximum": high} if high is not None else {})}


def number(minimum: float | None = None, positive: bool = False) -> Schema:
    out: Schema = {"type": "number"}
    if positive:
        out["exclusiveMinimum"] = 0
    elif minimum is not None:
        out["minimum"] = minimum
    return out


def one_of(options: Any) -> Schema:
    return {"type": "string", "enum": list(options)}


def matrix() -> Schema:
    """A number, one row of numbers, or a list of rows."""
    row = {"type": "array", "minItems": 1, "items": {"type": "number"}}
    return {"anyOf": [{"type": "number"}, row, {"type": "array", "minItems": 1, "items": row}]}


def mapping(keys: dict[str, str]) -> Schema:
    """A mapping that takes exactly the keys of a table, with the required ones."""
    out: Schema = {"type": "object", "properties": {k: schema_of(v) for k, v in keys.items()},
                   "additionalProperties": False}
    need = required(keys)
    if need:
        out["required"] = need
    return out


def schema_of(key: str) -> Schema:
    """The JSON Schema of one key's value; a plain str in a table (no type yet) allows any value."""
    if not isinstance(key, Key):
        return {"description": str(key)}
    out: Schema = {"description": str(key)}
    if key.keys is not None:
        out.update(mapping(key.keys))
    out.update(key.schema)
    if key.item_keys is not None:
        out["items"] = {**mapping(key.item_keys), **key.schema.get("items", {})}
    return out


def required(keys: dict[str, str]) -> list[str]:
    return [k for k, v in keys.items() if isinstance(v, Key) and v.required]


def generator_options() -> dict[str, dict[str, str]]:
    """Each data generator's options and their JSON type, read from the generator's signature."""
    out: dict[str, dict[str, str]] = {}
    for kind, fn in GENERATORS.items():
        out[kind] = {name: "integer" if isinstance(p.default, int) and not isinstance(p.default, bool) else "number"
                     for name, p in inspect.signature(fn).parameters.items()}
    return out


def _generator() -> Schema:
    kinds: list[Schema] = []
    for kind, options in generator_options().items():
        props: dict[str, Schema] = {"kind": {"const": kind}}
        for name, type_ in options.items():
            props[name] = integer(0, MAX_SAMPLES) if type_ == "integer" else number()
        kinds.append({"type": "object", "properties": props, "required": ["kind"], "additionalProperties": False})
    return {"anyOf": [one_of(GENERATORS), *kinds]}


_FILE = "a file, relative to the scenario: "
_NAME_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_COLUMN = {"anyOf": [{"type": "string"}, integer(0)]}
_COLUMNS = {"anyOf": [_COLUMN, {"type": "array", "minItems": 1, "items": _COLUMN}]}   # one column, or a list

# The tables. Nested mappings refer to the tables defined above them.
def with_option(kinds: Any, option: str, owner: str, value: Schema) -> Schema:
    """A name, or a mapping {kind: name, option: value} where only `owner` takes the option."""
    form = {"type": "object", "properties": {"kind": one_of(kinds), option: value}, "required": ["kind"],
            "additionalProperties": False,
            "if": {"required": [option]}, "then": {"properties": {"kind": {"const": owner}}}}
    return {"anyOf": [one_of(kinds), form]}


ACTIVATION_KEYS: dict[str, str] = {
    "kind": Key("the activation's name", one_of(ACTIVATIONS), required=True),
    "slope": Key("leaky_relu's slope for u ≤ 0 (default 0.01, as torch's negative_slope)", number(0)),
}
LOSS_KEYS: dict[str, str] = {
    "kind": Key("the loss's name", one_of(LOSSES), required=True),
    "delta": Key("huber's δ, where the loss turns from squared to linear (default 1)", number(positive=True)),
}
LAYER_KEYS: dict[str, str] = {
    "units": Key("number of units", integer(1, MAX_UNITS), required=True),
    "activation": Key(", ".join(ACTIVATIONS) + " (default linear), or {kind: leaky_relu, slope: 0.1}",
                      with_option(ACTIVATIONS, "slope", "leaky_relu", number(0))),
}
NETWORK_KEYS: dict[str, str] = {
    "inputs": Key("number of input features", integer(1, MAX_INPUTS), required=True),
    "layers": Key("list of {units, activation}", {"type": "array", "minItems": 1, "maxItems": MAX_LAYERS},
                  required=True, item_keys=LAYER_KEYS),
}
INIT_KEYS: dict[str, str] = {
    "scheme": Key(", ".join(INIT_SCHEMES) + " (default xavier)", one_of(INIT_SCHEMES)),
    "seed": Key("random seed", integer(0, MAX_SEED)),
    "scale": Key("multiplier", number()),
}
DATA_KEYS: dict[str, str] = {
    "x": Key("inputs, one row per feature", matrix()),
    "y": Key("targets, one row per output", matrix()),
    "generator": Key("a named generator instead of x and y: " + ", ".join(GENERATORS), _generator()),
    "file": Key(_FILE + "a .npz holding arrays x and y (features × samples)", text()),
    "keys": Key("the names of x and y in the .npz, e.g. {x: X_train, y: Y_train}", _NAME_MAP),
    "transpose": Key("true when the .npz arrays hold one sample per row", {"type": "boolean"}),
    "csv": Key(_FILE + "a .csv with one sample per row (first row may name the columns)", text()),
    "x_columns": Key("the .csv columns that are inputs, by name or 0-based index", _COLUMNS),
    "y_columns": Key("the .csv columns that are targets, by name or 0-based index", _COLUMNS),
}
_UNIT = {"type": "number", "minimum": 0, "exclusiveMaximum": 1}
OPTIMIZER_KEYS: dict[str, str] = {
    "kind": Key(", ".join(OPTIMIZERS) + " (default sgd)", one_of(OPTIMIZERS)),
    "lr": Key("learning rate η (default 0.1 for sgd, momentum and nesterov; 1e-3 for adam and adamw)",
              number(positive=True)),
    "momentum": Key("μ, how much of the velocity is kept (momentum, nesterov; default 0.9)", number(0)),
    "dampening": Key("τ: the velocity adds (1 − τ) times the gradient (momentum; default 0)",
                     {"type": "number", "minimum": 0, "maximum": 1}),
    "betas": Key("[β₁, β₂], decay rates of the two moment estimates, each in [0, 1) (adam, adamw; "
                 "default [0.9, 0.999])", {"type": "array", "minItems": 2, "maxItems": 2, "items": _UNIT}),
    "eps": Key("ε added to √v̂ (adam, adamw; default 1e-8)", number(0)),
    "weight_decay": Key("decoupled weight decay, apart from the cost's l2 (adamw; default 0.01)", number(0)),
}


def optimizer_rules() -> Schema:
    """Which keys each kind takes: no `kind:` means sgd."""
    rules = []
    for kind, hyper in HYPER.items():
        names = {"enum": ["kind", *hyper]}
        cond: Schema = {"properties": {"kind": {"const": kind}}}
        if kind != "sgd":
            cond["required"] = ["kind"]
        rules.append({"if": cond, "then": {"propertyNames": names}})
    return {"allOf": rules}
def no_target_rule() -> Schema:
    """`loss: output` takes no `y:` (the loader also sees a loss a part inherits; a schema cannot)."""
    output = {"anyOf": [{"const": "output"},
                        {"type": "object", "properties": {"kind": {"const": "output"}}, "required": ["kind"]}]}
    return {"if": {"properties": {"loss": output}, "required": ["loss"]},
            "then": {"properties": {"data": {"not": {"required": ["y"]}}}}}


PARAMS_KEYS: dict[str, str] = {
    "file": Key(_FILE + "a .npz (W1, b1, ...) or a PyTorch state_dict .pt of an nn.Sequential", text()),
    "keys": Key("the names in the .npz of our parameters, e.g. {W1: fc1_w, b1: fc1_b}", _NAME_MAP),
    "transpose": Key("true for kernels stored in × out, as Keras saves them: each W is transposed on loading",
                     {"type": "boolean"}),
}
EXPECT_KEYS: dict[str, str] = {
    "step": Key("step id", text()),
    "iteration": Key("iteration, counted from 1 (default 1, the first)", integer(1)),
    "tensor": Key("a tensor of the step (default its result)", text()),
    "at": Key("index of one element, e.g. [0, 1]",
              {"anyOf": [{"type": "integer"}, {"type": "array", "items": {"type": "integer"}}]}),
    "value": Key("expected number or matrix", matrix()),
    "tol": Key("absolute tolerance: passes when |got − value| ≤ tol + rel·|value| (default 1e-9; 0 when rel is given)",
               number(0)),
    "rel": Key("relative tolerance, a fraction of |value| (default 0)", number(0)),
    "below": Key("upper bound", number()),
    "above": Key("lower bound", number()),
    "check": Key("a named property: " + " or ".join(CHECKS), one_of(CHECKS)),
    "why": Key("where the number comes from", text()),
}
QUESTION_KINDS = ("sign", "signs", "number", "choice")   # core/quiz.py reads them from here
_INDEX = {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "array", "items": {"type": "integer", "minimum": 0}}]}
QUESTION_KEYS: dict[str, str] = {
    "kind": Key("sign (which way it moves, or its sign), signs (a sign grid), number or choice",
                one_of(QUESTION_KINDS), required=True),
    "ask": Key("the question, in the author's words", text(), required=True),
    "iteration": Key("the iteration it is asked in, from 1 (default 1)", integer(1)),
    "tensor": Key("a tensor of the step (default its result)", text()),
    "at": Key("one element, 0-based as numpy writes it, e.g. [0, 1]", _INDEX),
    "rel": Key("number: accept answers within this fraction of the engine's value (0.01 = 1%)", number(positive=True)),
    "abs": Key("number: accept answers within ± this much of the engine's value", number(positive=True)),
    "options": Key("choice: the options, 2 to 9 of them",
                   {"type": "array", "minItems": 2, "maxItems": 9, "items": {"type": "string"}}),
    "answer": Key("choice: the right option, by its text or its number from 1",
                  {"anyOf": [{"type": "string"}, integer(1)]}),
}
# breakpoints.py owns the breakpoint keys and checks them; here each gets the type that check wants.
_BREAKPOINT_TYPES: dict[str, Schema] = {
    "step": text(), "iteration": integer(1), "when": one_of(CONDITIONS), "layer": {"type": "integer"},
    "below": number(), "above": number(), "param": text(),
    "at": {"anyOf": [{"type": "integer"}, {"type": "array", "minItems": 1, "items": {"type": "integer"}}]},
    "enabled": {"type": "boolean"},
}
BREAKPOINT_TYPED_KEYS: dict[str, str] = {k: Key(d, _BREAKPOINT_TYPES.get(k)) for k, d in BREAKPOINT_KEYS.items()}
PART_KEYS: dict[str, str] = {
    "title": Key("title of this part", text()),
    "description": Key("what this part shows", text()),
    "network": Key("inputs and layers", keys=NETWORK_KEYS, required=True),
    "params": Key("initial parameters by name (W1, b1, ...), as lists of rows, or read from a file",
                  {"type": ["object", "null"], "patternProperties": {PARAM_NAME: matrix()}}, keys=PARAMS_KEYS),
    "init": Key("scheme and seed for parameters not given in params", keys=INIT_KEYS),
    "freeze": Key("parameters that are never updated",
                  {"anyOf": [{"type": "string", "pattern": PARAM_NAME},
                             {"type": "array", "items": {"type": "string", "pattern": PARAM_NAME}}]}),
    "data": Key("x and y as lists of rows, a generator, or a .npz / .csv file", keys=DATA_KEYS, required=True),
    "loss": Key(", ".join(LOSSES) + " (default mse), or {kind: huber, delta: 0.5}",
                with_option(LOSSES, "delta", "huber", number(positive=True))),
    "input_gradient": Key("true adds the step ∂L/∂x (backward.1.da_prev)", {"type": "boolean"}),
    "reduction": Key(" or ".join(REDUCTIONS) + " (default mean; sum for loss: output)", one_of(REDUCTIONS)),
    "l2": Key("λ of the cost term λ/2·ΣW² (0 for none)", number(0)),
    "optimizer": Key("kind and hyper-parameters, named as torch.optim names them", optimizer_rules(),
                     keys=OPTIMIZER_KEYS),
    "iterations": Key("number of training iterations to trace", integer(1, MAX_ITERATIONS)),
    "notes": Key("teaching notes keyed by step id (wildcards allowed: backward.*.dW)",
                 {"type": ["object", "null"], "additionalProperties": {"type": "string"}}),
    "expect": Key("values `chainstep check` verifies",
                  {"type": "array", "items": {"anyOf": [{"required": ["step"]}, {"required": ["check"]}]}},
                  item_keys=EXPECT_KEYS),
    "questions": Key("quiz questions keyed by step id, asked before the step's result is shown (--quiz)",
                     {"type": ["object", "null"], "additionalProperties": {
                         "anyOf": [mapping(QUESTION_KEYS), {"type": "array", "items": mapping(QUESTION_KEYS)}]}}),
    "breakpoints": Key("where `continue` stops: a step id, an iteration, or a condition (when: ...)",
                       {"type": ["array", "null"]}, item_keys=BREAKPOINT_TYPED_KEYS),
}
TOP_KEYS: dict[str, str] = {
    "name": Key("short identifier (defaults to the file name)", text()),
    "title": Key("one-line title", text()),
    "description": Key("a paragraph shown in the scenario picker", text()),
    "parts": Key("list of parts; each takes the part keys below and inherits the top-level ones",
                 {"type": "array", "minItems": 1}, item_keys=PART_KEYS),
}
