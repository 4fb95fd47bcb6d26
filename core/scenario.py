"""Scenario files: load YAML safely, validate it, and point at the exact line of any mistake.

A scenario is a title and description plus one or more *parts*; each part is a network, data, a
loss and a number of iterations, with teaching notes and an `expect:` block. Keys written at the
top level are defaults every part inherits. Tensors are written as lists of rows and are
(units × samples): each column of `x` is one sample.
"""
from __future__ import annotations

import datetime
import difflib
import fnmatch
import inspect
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from .. import scenarios as _bundled_package
from .activations import ACTIVATIONS
from .errors import ScenarioError
from .data import GENERATORS, INIT_SCHEMES, generate, init_params
from .external import EXTERNAL_DATA_KEYS, read_data, read_params
# The format's key tables (for unknown-key errors and `chainstep schema`) and limits live in format_spec.
from .format_spec import (CHECKS, DATA_KEYS, EXPECT_KEYS, INIT_KEYS, LAYER_KEYS, MAX_INPUTS, MAX_ITERATIONS,
                          MAX_LAYERS, MAX_SAMPLES, MAX_UNITS, NETWORK_KEYS, OPTIMIZER_KEYS, PART_KEYS, TOP_KEYS)
from .losses import LOSSES, REDUCTIONS
from .network import Model
from .trace import Trace, build_specs

# The lessons ship as package data of chainstep.scenarios, wherever it is installed.
BUNDLED_DIR = Path(_bundled_package.__file__).resolve().parent
DEFAULT_SCENARIO = "xor"

# Limits past which a file is almost surely a typo, and would make the app crawl.
MAX_PARAMS = 10_000_000
MAX_ELEMENTS = 20_000_000
MAX_FILE_BYTES = 20_000_000
MAX_NODES = 2_000_000   # YAML nodes after alias expansion (guards against "billion laughs")
# Names other libraries use, so "did you mean" finds ours even when the spelling is far off.
SYNONYMS = {
    "binary_cross_entropy": "bce", "binary_crossentropy": "bce", "bce_loss": "bce", "log_loss": "bce",
    "categorical_cross_entropy": "cross_entropy", "categorical_crossentropy": "cross_entropy",
    "crossentropy": "cross_entropy", "nll": "cross_entropy", "ce": "cross_entropy",
    "mean_squared_error": "mse", "l2": "mse", "mean_absolute_error": "mae", "l1": "mae",
    "logistic": "sigmoid", "identity": "linear", "none": "linear",
    "glorot": "xavier", "glorot_normal": "xavier", "kaiming": "he", "kaiming_normal": "he", "gaussian": "normal",
}


@dataclass
class Expectation:
    step: str | None
    iteration: int
    tensor: str | None
    at: tuple[int, ...] | None
    value: Any
    tol: float
    below: float | None
    above: float | None
    check: str | None
    why: str
    where: str  # file:line:col, so a failed check points at the line that stated it


@dataclass
class Part:
    title: str
    description: str
    model: Model
    params: dict[str, np.ndarray]
    x: np.ndarray
    y: np.ndarray
    iterations: int
    notes: dict[str, str]
    expectations: list[Expectation]
    _trace: Trace | None = field(default=None, repr=False)
    breakpoints: list[Any] = field(default_factory=list)   # chainstep.core.breakpoints.Breakpoint

    @property
    def trace(self) -> Trace:
        if self._trace is None:
            self._trace = self.new_trace()
        return self._trace

    def new_trace(self, **options: Any) -> Trace:
        return Trace(self.model, self.params, self.x, self.y, self.iterations, self.notes, **options)


@dataclass
class Scenario:
    name: str
    title: str
    description: str
    path: str
    parts: list[Part]


# ---------------------------------------------------------------------------------------------
# YAML -> python values, remembering where every value was written.

Path_ = tuple[Any, ...]


KEY = "\0key"   # path suffix under which a mapping key's own position is kept (errors about the key itself)


class _Doc:
    def __init__(self, file: str):
        self.file = file
        self.marks: dict[Path_, tuple[int, int]] = {}
        self.nodes = 0

    def at(self, path: Path_) -> tuple[int, int]:
        while path and path not in self.marks:
            path = path[:-1]
        return self.marks.get(path, (1, 1))

    def error(self, path: Path_, message: str, hint: str | None = None) -> ScenarioError:
        line, col = self.at(path)
        return ScenarioError(message, self.file, line, col, hint)

    def where(self, path: Path_) -> str:
        line, col = self.at(path)
        return f"{self.file}:{line}:{col}"


def _dotted(path: Path_) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "the file"


def _convert(loader: yaml.SafeLoader, node: yaml.Node, path: Path_, doc: _Doc, depth: int = 0) -> Any:
    doc.nodes += 1
    if depth > 100:
        raise doc.error(path, "lists or mappings are nested too deeply",
                        "a scenario needs only a few levels: look for brackets that are never closed")
    if doc.nodes > MAX_NODES:
        raise doc.error(path, f"the file holds more than {MAX_NODES:,} values",
                        "write the data out plainly or generate it with data.generator")
    doc.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    _check_tag(node, doc)
    if isinstance(node, yaml.ScalarNode):
        value = _scalar(loader, node, doc)
        # An expect: block may state inf or NaN (a diverging lesson); nothing else may.
        if isinstance(value, float) and not math.isfinite(value) and "expect" not in path:
            raise doc.error(path, f"{_dotted(path)} is {node.value}, which is not a finite number",
                            "write a finite number (below about 1e308); inf and NaN cannot start a computation")
        return value
    if isinstance(node, yaml.SequenceNode):
        return [_convert(loader, child, path + (i,), doc, depth + 1) for i, child in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        own = {id(k) for k, _ in node.value}
        loader.flatten_mapping(node)   # resolves YAML merge keys (<<)
        if len(own) != len(node.value) or any(id(k) not in own for k, _ in node.value):
            # A key written here overrides one merged in by `<<:` (as in YAML); only keys written
            # twice by hand are a mistake. Later pairs win, as when PyYAML builds a dict.
            last = {k.value: i for i, (k, _) in enumerate(node.value) if isinstance(k, yaml.ScalarNode)}
            node.value = [(k, v) for i, (k, v) in enumerate(node.value)
                          if id(k) in own or not isinstance(k, yaml.ScalarNode) or last[k.value] == i]
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ScenarioError("a key must be a plain name", doc.file, key_node.start_mark.line + 1,
                                    key_node.start_mark.column + 1, "write `name: value`")
            _check_tag(key_node, doc)
            key = str(_scalar(loader, key_node, doc))
            if key in out:
                raise ScenarioError(f"`{key}` is given twice in {_dotted(path)}", doc.file,
                                    key_node.start_mark.line + 1, key_node.start_mark.column + 1,
                                    "keep one of them")
            doc.marks[path + (key,)] = (value_node.start_mark.line + 1, value_node.start_mark.column + 1)
            doc.marks[path + (key, KEY)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _convert(loader, value_node, path + (key,), doc, depth + 1)
        return out
    raise doc.error(path, "unsupported YAML node")  # pragma: no cover - yaml has only three kinds


# The only tags a scenario may use: plain YAML values. Anything else (python/object, !include, ...)
# is refused before it is constructed, so a file can never run code or pull in another file.
_CORE = "tag:yaml.org,2002:"
SAFE_TAGS = frozenset(_CORE + t for t in ("null", "bool", "int", "float", "str", "timestamp", "binary", "seq", "map"))


def _check_tag(node: yaml.Node, doc: _Doc) -> None:
    if node.tag not in SAFE_TAGS:
        tag = node.tag.replace(_CORE, "!!")
        raise ScenarioError(f"the tag `{tag}` is not allowed in a scenario", doc.file, node.start_mark.line + 1,
                            node.start_mark.column + 1,
                            "a scenario holds only plain numbers, text, lists and mappings: delete the tag")


def _scalar(loader: yaml.SafeLoader, node: yaml.ScalarNode, doc: _Doc) -> Any:
    """Construct one scalar; an explicit tag that does not fit its text (`!!int abc`) is a located error."""
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
        tag = node.tag.replace(_CORE, "!!")
        raise ScenarioError(f"`{node.value}` cannot be read as {tag}", doc.file, node.start_mark.line + 1,
                            node.start_mark.column + 1, f"delete the `{tag}` tag or fix the value") from None


def _expanded_size(node: yaml.Node, doc: _Doc, sizes: dict[int, int], open_: set[int]) -> int:
    """How many values a node stands for once aliases are expanded, without expanding them."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_:
        raise ScenarioError("an alias refers to the value that contains it, so it never ends", doc.file,
                            node.start_mark.line + 1, node.start_mark.column + 1,
                            "an alias `*name` can only repeat a value defined before it, not its own parent")
    open_.add(key)
    children: list[yaml.Node] = []
    if isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    total = 1 + sum(_expanded_size(c, doc, sizes, open_) for c in children)
    open_.discard(key)
    sizes[key] = total
    return total


def _check_expansion(node: yaml.Node, doc: _Doc) -> None:
    """Refuse alias bombs ("billion laughs") before building anything, pointing at the culprit."""
    sizes: dict[int, int] = {}
    total = _expanded_size(node, doc, sizes, set())
    if total <= MAX_NODES:
        return
    culprit = node
    while True:   # descend into the first child that alone is too big
        kids = (culprit.value if isinstance(culprit, yaml.SequenceNode) else
                [v for _, v in culprit.value] if isinstance(culprit, yaml.MappingNode) else [])
        big = next((c for c in kids if sizes[id(c)] > MAX_NODES), None)
        if big is None:
            break
        culprit = big
    raise ScenarioError(f"this value expands to {sizes[id(culprit)]:,} values through aliases (`*name`)",
                        doc.file, culprit.start_mark.line + 1, culprit.start_mark.column + 1,
                        f"a scenario may hold at most {MAX_NODES:,} values: write the data out plainly "
                        "or use data.generator")


class _Loader(yaml.SafeLoader):
    """SafeLoader that also reads YAML 1.2 floats such as 1e-12 (YAML 1.1 wants 1.0e-12)."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def _line_col(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def _syntax_error(exc: yaml.MarkedYAMLError, file: str) -> ScenarioError:
    """PyYAML's complaint in a student's words, at the place to look (often where a bracket opened)."""
    problem, context = (exc.problem or "").strip(), (exc.context or "").strip()
    mark = exc.problem_mark or exc.context_mark
    opened = exc.context_mark or mark
    at = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "the end"
    fix = "check indentation, colons and brackets on this line and the one before"
    if "'\\t'" in problem or "'\t'" in problem:
        what, fix = "a tab character here: YAML indents with spaces only", "replace the tab with spaces"
    elif "mapping values are not allowed" in problem:
        what = "a `key:` where none can start: this line is indented differently from the keys beside it, " \
               "or an unquoted value contains `: `"
        fix = "line the key up with the other keys at its level, or put the value in quotes"
    elif problem.startswith("expected <block end>"):
        what = "this line is indented differently from the lines above it"
        fix = "indent it exactly like the other entries at its level (spaces only)"
    elif problem.startswith(("expected ',' or '}'", "expected ',' or ']'")) and opened is not None:
        bracket = "{" if problem.startswith("expected ',' or '}'") else "["
        got = problem.split("but got ", 1)[-1]
        got = {"'<scalar>'": "another value", "'<stream end>'": "the end of the file",
               "'<block end>'": "the end of the block", "'<block mapping start>'": "a new key"}.get(got, got)
        what = f"the `{bracket}` opened here is not closed: YAML reached {got} at {at}"
        fix = f"add the missing `{'}' if bracket == '{' else ']'}`, or a comma between entries"
        mark = opened
    elif "could not find expected ':'" in problem and opened is not None:
        what, fix, mark = "this key has no `:` after it", "write `key: value` with a space after the colon", opened
    elif "found another document" in problem:
        what = "a second YAML document starts here (a line `---`): a scenario file holds one"
        fix = "delete the `---` and what follows, or put several lessons under `parts:`"
    elif "undefined alias" in problem:
        what = problem.replace("found undefined alias", "the alias") + " (`*name`) has no anchor `&name` before it"
        fix = "define the anchor first, or write the value out"
    elif "duplicate anchor" in context:
        what, fix = context.split(";")[0].replace("found duplicate", "a second") + " here", "give each anchor its own name"
    elif "unknown escape character" in problem:
        what = problem.replace("found unknown", "an unknown") + " inside double quotes"
        fix = "write \\\\ for a backslash, or use single quotes"
    elif "quoted scalar" in context and opened is not None and "escape" not in problem:
        what, fix, mark = "the quote opened here is never closed", "close the quote", opened
    elif "unexpected end of stream" in problem:
        what, fix = "the file ends in the middle of a value", "close the bracket or quote that is still open"
    elif "that cannot start any token" in problem:
        what = problem.replace("found character", "the character").replace("that cannot", "cannot")
        fix = "put the value in quotes"
    else:
        what = "; ".join(t for t in (context, problem) if t) or "the file is not valid YAML"
    return ScenarioError(f"YAML syntax error: {what}", file, mark.line + 1 if mark else 1,
                         mark.column + 1 if mark else 1, fix)


_OPEN = (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken, yaml.BlockSequenceStartToken,
         yaml.BlockMappingStartToken)
_CLOSE = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken)


def _first_too_deep(text: str, limit: int = 101) -> yaml.Mark | None:
    """Where nesting first passes `limit`, found by the (non-recursive) scanner after the parser overflowed."""
    scanner, depth = _Loader(text), 0
    try:
        while (token := scanner.get_token()) is not None:
            depth += isinstance(token, _OPEN) - isinstance(token, _CLOSE)
            if depth > limit:
                return token.start_mark
    except yaml.YAMLError:
        pass
    finally:
        scanner.dispose()
    return None


def parse_yaml(text: str, file: str) -> tuple[Any, _Doc]:
    doc = _Doc(file)
    loader = None
    try:
        loader = _Loader(text)   # safe: no tags that build Python objects or read files
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError("the file is empty", file, 1, 1, "start from the example in README")
        _check_expansion(node, doc)
        return _convert(loader, node, (), doc), doc
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file) from None
    except yaml.reader.ReaderError as exc:   # a control character or other unprintable one
        line, col = _line_col(text, exc.position)
        raise ScenarioError(f"the character U+{exc.character if isinstance(exc.character, int) else ord(exc.character):04X} "
                            "cannot appear in a YAML file", file, line, col,
                            "delete it; only tabs, line breaks and printable characters are allowed") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"YAML error: {exc}", file, 1, 1, "check the file is valid YAML") from None
    except RecursionError:
        mark = _first_too_deep(text)
        raise ScenarioError("lists or mappings are nested too deeply", file, mark.line + 1 if mark else 1,
                            mark.column + 1 if mark else 1,
                            "a scenario needs only a few levels: look for brackets that are never closed") from None
    finally:
        if loader is not None:
            loader.dispose()


# ---------------------------------------------------------------------------------------------
# Validation helpers.

class _V:
    """Typed access to a converted document, raising located errors."""

    def __init__(self, doc: _Doc):
        self.doc = doc

    def err(self, path: Path_, message: str, hint: str | None = None) -> ScenarioError:
        return self.doc.error(path, message, hint)

    def mapping(self, value: Any, path: Path_, keys: dict[str, str] | None) -> dict[str, Any]:
        """A mapping whose keys are all in `keys` (None: any key, as for notes keyed by step id)."""
        if not isinstance(value, dict):
            raise self.err(path, f"{_dotted(path)} must be a mapping of keys to values, not {_kind(value)}",
                           "write `key: value` lines indented under it")
        for key in value if keys is not None else ():
            if key not in keys:
                close = difflib.get_close_matches(key, list(keys), n=1)
                hint = f"did you mean `{close[0]}`?" if close else "known keys: " + ", ".join(keys)
                raise self.err(path + (key, KEY), f"unknown key `{key}` in {_dotted(path)}", hint)
        return value

    def require(self, m: dict[str, Any], key: str, path: Path_, hint: str) -> Any:
        if key not in m:
            raise self.err(path, f"{_dotted(path)} needs `{key}`", hint)
        return m[key]

    def integer(self, value: Any, path: Path_, low: int, high: int, what: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.err(path, f"{_dotted(path)} must be a whole number ({what}), not {_kind(value)}",
                           f"write a number from {low} to {high}")
        if value < low:
            raise self.err(path, f"{_dotted(path)} is {value}, but {what} must be at least {low}",
                           f"write a number from {low} to {high}")
        if value > high:
            shown = value if value < 10**15 else f"a {len(str(value))}-digit number"
            raise self.err(path, f"{_dotted(path)} is {shown}: too large to be sensible for {what}",
                           f"the limit is {high}")
        return value

    def number(self, value: Any, path: Path_, what: str, low: float | None = None,
               positive: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.err(path, f"{_dotted(path)} must be a number ({what}), not {_kind(value)}",
                           "write it like 0.1 or 1e-3, without quotes")
        if isinstance(value, int) and abs(value) > _FLOAT_MAX:
            raise self.err(path, f"{_dotted(path)} is a {len(str(abs(value)))}-digit number, too large for {what}",
                           "write a number below 1e308")
        value = float(value)
        if positive and value <= 0:
            raise self.err(path, f"{_dotted(path)} is {value:g}, but {what} must be greater than 0",
                           "use a small positive number such as 0.1")
        if low is not None and value < low:
            raise self.err(path, f"{_dotted(path)} is {value:g}, but {what} must be at least {low:g}",
                           f"write a number of at least {low:g}")
        return value

    def string(self, value: Any, path: Path_, what: str) -> str:
        if not isinstance(value, str):
            raise self.err(path, f"{_dotted(path)} must be text ({what}), not {_kind(value)}",
                           "put it in quotes if it looks like a number")
        return value

    def choice(self, value: Any, path: Path_, options: tuple[str, ...] | list[str], what: str) -> str:
        s = self.string(value, path, what)
        if s not in options:
            close = [SYNONYMS[s.lower()]] if SYNONYMS.get(s.lower()) in options else \
                difflib.get_close_matches(s, list(options), n=1)
            hint = (f"did you mean `{close[0]}`? " if close else "") + "choose one of " + ", ".join(options)
            raise self.err(path, f"unknown {what} `{s}`", hint)
        return s

    def matrix(self, value: Any, path: Path_, what: str) -> np.ndarray:
        """A number, a list (one row) or a list of equal-length rows of numbers."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return np.array([[float(value)]])
        if not isinstance(value, list) or not value:
            found = "an empty list" if value == [] else _kind(value)
            raise self.err(path, f"{_dotted(path)} must be a number or a list of rows of numbers ({what}), not {found}",
                           "write it like [[1, 2], [3, 4]]")
        rows = value if all(isinstance(r, list) for r in value) else [value]
        if any(isinstance(r, list) for r in value) and not all(isinstance(r, list) for r in value):
            raise self.err(path, f"{_dotted(path)} mixes numbers and rows", "make every row a [list]")
        width = len(rows[0])
        for i, row in enumerate(rows):
            rp = path + (i,) if rows is value else path
            if len(row) != width:
                raise self.err(rp, f"row {i + 1} of {_dotted(path)} has {len(row)} numbers but row 1 has {width}",
                               "every row of a matrix needs the same length")
            for j, v in enumerate(row):
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    raise self.err(rp + (j,), f"{_dotted(path)} holds {_kind(v)} where a number belongs",
                                   "write plain numbers without quotes")
                if isinstance(v, int) and abs(v) > _FLOAT_MAX:
                    raise self.err(rp + (j,), f"{_dotted(path)} holds a {len(str(abs(v)))}-digit number, too large "
                                   "for a float", "write numbers below 1e308")
        if width == 0:
            raise self.err(path, f"{_dotted(path)} has an empty row", "write at least one number per row")
        return np.array(rows, dtype=np.float64)


_FLOAT_MAX = 1.7976931348623157e308


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"the date {value}"
    if isinstance(value, bytes):
        return "binary data"
    if isinstance(value, float):
        return f"the number {value:g}"
    return {bool: "true/false", int: "a whole number", str: f"the text {value!r}"[:60],
            list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)


# ---------------------------------------------------------------------------------------------
# Building parts.

def _part(raw: dict[str, Any], path: Path_, v: _V, default_title: str) -> Part:
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
        act = v.choice(layer.get("activation", "linear"), lp + ("activation",), list(ACTIVATIONS), "activation")
        if act == "softmax" and units == 1:
            raise v.err(lp + ("activation",), f"softmax over layer {i + 1}'s single unit always gives 1",
                        "use sigmoid for one output, or give the layer one unit per class")
        sizes.append(units)
        acts.append(ACTIVATIONS[act])
    n_params = sum(sizes[l] * sizes[l - 1] + sizes[l] for l in range(1, len(sizes)))
    if n_params > MAX_PARAMS:
        raise v.err(npath, f"the network has {n_params:,} parameters: too large to be sensible", f"keep it under {MAX_PARAMS:,}")
    depth = len(acts)

    # Parameters: explicit values first, the init scheme for the rest.
    init = v.mapping(raw.get("init", {}), path + ("init",), INIT_KEYS)
    scheme = v.choice(init.get("scheme", "xavier"), path + ("init", "scheme"), INIT_SCHEMES, "initialiser")
    seed = v.integer(init.get("seed", 0), path + ("init", "seed"), 0, 2**32 - 1, "the seed")
    scale = v.number(init.get("scale", 1.0), path + ("init", "scale"), "the scale")
    params = init_params(tuple(sizes), scheme, seed, scale)
    names = [f"{k}{l}" for l in range(1, depth + 1) for k in "Wb"]
    given = raw.get("params", {})
    if isinstance(given, dict) and "file" in given:   # weights trained elsewhere (core/external.py)
        explicit = {k: val for k, val in given.items() if k not in ("file", "keys")}
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

    # Data.
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
        y = v.matrix(v.require(data, "y", dpath, "y: one row per output, one column per sample"), dpath + ("y",), "y")
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

    loss_name = v.choice(raw.get("loss", "mse"), path + ("loss",), list(LOSSES), "loss")
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
    reduction = v.choice(raw.get("reduction", "mean"), path + ("reduction",), REDUCTIONS, "reduction")
    l2 = v.number(raw.get("l2", 0.0), path + ("l2",), "the L2 strength", low=0.0)
    opt = v.mapping(raw.get("optimizer", {}), path + ("optimizer",), OPTIMIZER_KEYS)
    v.choice(opt.get("kind", "sgd"), path + ("optimizer", "kind"), ("sgd",), "optimizer")
    lr = v.number(opt.get("lr", 0.1), path + ("optimizer", "lr"), "the learning rate", positive=True)
    iterations = v.integer(raw.get("iterations", 1), path + ("iterations",), 1, MAX_ITERATIONS, "iterations")

    model = Model(tuple(sizes), tuple(acts), LOSSES[loss_name], reduction, l2, lr, frozenset(freeze))
    title = v.string(raw.get("title", default_title), path + ("title",), "the title")
    description = v.string(raw.get("description", ""), path + ("description",), "the description")
    part = Part(title, description, model, params, x, y, iterations, {}, [])
    step_ids = tuple(s.id for s in build_specs(model))   # ids only: no trace needed yet
    part.notes = _notes(raw.get("notes", {}), path + ("notes",), v, step_ids)
    part.expectations = _expectations(raw.get("expect", []), path + ("expect",), v, step_ids, iterations, names)
    part.breakpoints = _breakpoints(raw.get("breakpoints", []), path + ("breakpoints",), v, part)
    return part


def _generated(value: Any, path: Path_, v: _V) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(value, str):
        value = {"kind": value}
    if not isinstance(value, dict):
        raise v.err(path, f"data.generator must be a generator name or a mapping with `kind:`, not {_kind(value)}",
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


def _notes(value: Any, path: Path_, v: _V, step_ids: tuple[str, ...]) -> dict[str, str]:
    m = v.mapping(value, path, None) if value else {}
    for key, text in m.items():
        if not any(fnmatch.fnmatchcase(s, key) for s in step_ids):
            close = difflib.get_close_matches(key, step_ids, n=1)
            raise v.err(path + (key, KEY), f"no step is called `{key}`",
                        f"did you mean `{close[0]}`?" if close else "run `chainstep trace` to list the step ids")
        v.string(text, path + (key,), "a note")
    return {k: str(t).strip() for k, t in m.items()}


def _breakpoints(value: Any, path: Path_, v: _V, part: Part) -> list[Any]:
    """Breakpoints declared in the file; each mistake points at the key that is wrong."""
    from .breakpoints import BreakpointError, from_mapping, validate
    if value is None:
        return []
    if not isinstance(value, list):
        raise v.err(path, "breakpoints must be a list", "write each as - {when: vanishing, layer: 1, below: 1e-3}")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise v.err(path + (i,), f"a breakpoint must be a mapping, not {_kind(item)}",
                        "write e.g. - {step: backward.1.dW} or - {when: loss_rises}")
        try:
            bp = validate(from_mapping(item), part.trace)
        except BreakpointError as exc:
            raise v.err(path + (i,) + ((exc.key,) if exc.key in item else ()), exc.message, exc.hint) from None
        out.append(replace(bp, origin=v.doc.where(path + (i,))))
    return out


def _expectations(value: Any, path: Path_, v: _V, step_ids: tuple[str, ...], iterations: int,
                  params: list[str]) -> list[Expectation]:
    if not isinstance(value, list):
        raise v.err(path, "expect must be a list of checks", "write each as - {step: ..., value: ...}")
    out = []
    for i, item in enumerate(value):
        ip = path + (i,)
        m = v.mapping(item, ip, EXPECT_KEYS)
        check = m.get("check")
        if check is not None:
            v.choice(check, ip + ("check",), CHECKS, "check")
        step = m.get("step")
        if step is None and check is None:
            raise v.err(ip, "an expectation needs a `step` (or a `check`)", "e.g. step: backward.dyhat")
        if step is not None:
            v.choice(step, ip + ("step",), list(step_ids), "step id")
        it = m.get("iteration", 0)
        if isinstance(it, int) and not isinstance(it, bool) and it >= iterations:
            raise v.err(ip + ("iteration",), f"{_dotted(ip + ('iteration',))} is {it}, but this part runs only "
                        f"{iterations} iteration(s), numbered 0 to {iterations - 1}",
                        f"use an iteration from 0 to {iterations - 1}, or raise `iterations`")
        iteration = v.integer(it, ip + ("iteration",), 0, iterations - 1, "the iteration")
        tensor_name = m.get("tensor")
        if tensor_name is not None:
            v.string(tensor_name, ip + ("tensor",), "a tensor name")
        at = m.get("at")
        if at is not None:
            if isinstance(at, int):
                at = [at]
            if not isinstance(at, list) or not all(isinstance(a, int) and not isinstance(a, bool) for a in at):
                raise v.err(ip + ("at",), f"{_dotted(ip + ('at',))} must be whole-number indices, not {_kind(m['at'])}",
                            "write the row and column from 0, like [0, 1]")
            at = tuple(at)
        if check is None and not any(k in m for k in ("value", "below", "above")):
            raise v.err(ip, "an expectation needs `value`, `below` or `above`", "state the number the source gives")
        val = m.get("value")
        if val is not None and not isinstance(val, (int, float)):
            val = v.matrix(val, ip + ("value",), "expected value")
        elif val is not None:
            val = v.number(val, ip + ("value",), "the expected value")
        if check == "per_sample_mean" and m.get("step") is None and "value" in m:
            raise v.err(ip + ("value",), "per_sample_mean compares two computations; it takes no value",
                        "delete `value`, or name a `step` to compare with")
        tol = v.number(m.get("tol", 1e-9), ip + ("tol",), "the tolerance", low=0.0)
        if not math.isfinite(tol):
            raise v.err(ip + ("tol",), f"{_dotted(ip + ('tol',))} is {tol}: a tolerance must be a finite number",
                        "write a small number such as 1e-9")
        below = v.number(m["below"], ip + ("below",), "the bound") if "below" in m else None
        above = v.number(m["above"], ip + ("above",), "the bound") if "above" in m else None
        why = v.string(m.get("why", ""), ip + ("why",), "an explanation")
        out.append(Expectation(step, iteration, tensor_name, at, val, tol, below, above, check, why, v.doc.where(ip)))
    return out


def load_text(text: str, file: str = "<scenario>", name: str | None = None) -> Scenario:
    raw, doc = parse_yaml(text, file)
    v = _V(doc)
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


def _alias_marks(doc: _Doc, src: Path_, dst: Path_) -> None:
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
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ScenarioError(f"the file is {path.stat().st_size:,} bytes: too large to be a scenario", str(path),
                                1, 1, f"keep it under {MAX_FILE_BYTES:,} bytes; generate big data with data.generator")
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {exc.strerror or exc}", str(path), 1, 1,
                            "check the path and its permissions") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = len(data[data.rfind(b"\n", 0, exc.start) + 1: exc.start].decode("utf-8", "replace")) + 1
        raise ScenarioError(f"byte 0x{data[exc.start]:02x} here is not UTF-8 text", str(path), line, col,
                            "save the file as UTF-8 (most editors offer it under Save As / Encoding)") from None
    name = bundled_name(path) if path.parent == BUNDLED_DIR else path.stem
    return load_text(text, str(path), name)
