"""YAML -> python values, remembering where every value was written, within safety limits.

Only plain YAML values are accepted (no tags that build objects or read files), alias bombs and
deep nesting are refused before the work, and PyYAML's syntax errors are reworded and placed.
"""
from __future__ import annotations

import bisect
import math
import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import ScenarioError
from .numbers import too_many_digits, yaml11_only

# Limits past which a file is almost surely a typo, and would make the app crawl. Both hold before
# the expensive work: the size before reading, the node count while libyaml scans (about a second
# for the limit), before any Python object is built. Bigger data belongs in data.file (.npz).
MAX_FILE_BYTES = 8_000_000
MAX_NODES = 250_000   # YAML nodes, also after alias expansion (guards against "billion laughs")
_CLIB = getattr(yaml, "__with_libyaml__", False)

Path_ = tuple[Any, ...]   # keys and list indices from the top of the document down to one value
KEY = "\0key"   # path suffix under which a mapping key's own position is kept (errors about the key itself)


class Doc:
    """Where each value of one file was written (by its path), so an error can point there."""

    def __init__(self, file: str, text: str = ""):
        self.file = file
        self.marks: dict[Path_, tuple[int, int]] = {}
        self.nodes = 0
        # YAML also breaks lines at U+2028, U+2029, U+0085 and a lone CR; editors count only LF.
        # When the text holds one of those, places are recounted from the character index.
        odd = any(c in text for c in "\u2028\u2029\x85") or "\r" in text.replace("\r\n", "")
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)] if odd else None

    def pos(self, mark: Any) -> tuple[int, int]:
        """A YAML mark as the (line, column) an editor shows, both from 1."""
        if self._starts is None or mark is None:
            return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        line = bisect.bisect_right(self._starts, mark.index)
        return line, mark.index - self._starts[line - 1] + 1

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


def dotted(path: Path_) -> str:
    """`("network", "layers", 0)` -> `network.layers[0]`, as errors name a value."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "the file"


def _convert(loader: yaml.SafeLoader, node: yaml.Node, path: Path_, doc: Doc, depth: int = 0) -> Any:
    doc.nodes += 1
    if depth > 100:
        raise doc.error(path, "lists or mappings are nested too deeply",
                        "a scenario needs only a few levels: look for brackets that are never closed")
    if doc.nodes > MAX_NODES:
        raise doc.error(path, f"the file holds more than {MAX_NODES:,} values",
                        "write the data out plainly or generate it with data.generator")
    doc.marks.setdefault(path, doc.pos(node.start_mark))
    _check_tag(node, doc)
    if isinstance(node, yaml.ScalarNode):
        value = _scalar(loader, node, doc)
        # An expect: block may state inf or NaN (a diverging lesson); nothing else may.
        if isinstance(value, float) and not math.isfinite(value) and "expect" not in path:
            raise doc.error(path, f"{dotted(path)} is {node.value}, which is not a finite number",
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
                raise ScenarioError("a key must be a plain name", doc.file, *doc.pos(key_node.start_mark),
                                    "write `name: value`")
            _check_tag(key_node, doc)
            key = str(_scalar(loader, key_node, doc))
            if key in out:
                raise ScenarioError(f"`{key}` is given twice in {dotted(path)}", doc.file,
                                    *doc.pos(key_node.start_mark), "keep one of them")
            doc.marks[path + (key,)] = doc.pos(value_node.start_mark)
            doc.marks[path + (key, KEY)] = doc.pos(key_node.start_mark)
            out[key] = _convert(loader, value_node, path + (key,), doc, depth + 1)
        return out
    raise doc.error(path, "unsupported YAML node")  # pragma: no cover - yaml has only three kinds


# The only tags a scenario may use: plain YAML values. Anything else (python/object, !include, ...)
# is refused before it is constructed, so a file can never run code or pull in another file.
_CORE = "tag:yaml.org,2002:"
SAFE_TAGS = frozenset(_CORE + t for t in ("null", "bool", "int", "float", "str", "timestamp", "binary", "seq", "map"))


def _check_tag(node: yaml.Node, doc: Doc) -> None:
    if node.tag not in SAFE_TAGS:
        tag = node.tag.replace(_CORE, "!!")
        raise ScenarioError(f"the tag `{tag}` is not allowed in a scenario", doc.file, *doc.pos(node.start_mark),
                            "a scenario holds only plain numbers, text, lists and mappings: delete the tag")


def _scalar(loader: yaml.SafeLoader, node: yaml.ScalarNode, doc: Doc) -> Any:
    """Construct one scalar; an explicit tag that does not fit its text (`!!int abc`) is a located error."""
    where = doc.pos(node.start_mark)
    numeric = (_CORE + "int", _CORE + "float")
    # How the text reads without a tag (asked only where it matters: the resolver is costly per value).
    implicit = loader.resolve(yaml.ScalarNode, node.value, (True, False)) if node.tag in numeric else None
    if implicit in numeric:
        odd = yaml11_only(node.value, implicit)
        if odd is not None:
            raise ScenarioError(f"`{_clip(node.value)}` is {odd[0]}", doc.file, *where, odd[1])
        digits = too_many_digits(node.value) if node.tag == _CORE + "int" else None
        if digits is not None:
            raise ScenarioError(f"this is a {digits:,}-digit number, far too large for any value in a scenario",
                                doc.file, *where, "write a number below 1e308")
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
        tag = node.tag.replace(_CORE, "!!")
        # Advise deleting the tag only when the file wrote one (the plain text would read otherwise).
        written = loader.resolve(yaml.ScalarNode, node.value, (True, False)) != node.tag
        raise ScenarioError(f"`{_clip(node.value)}` cannot be read as {tag}", doc.file, *where,
                            f"delete the `{tag}` tag or fix the value" if written else "fix the value") from None


def _clip(text: str, limit: int = 40) -> str:
    """A value quoted in a message: short, so an error never echoes a large part of a file."""
    return text if len(text) <= limit else text[:limit] + "…"


def _expanded_size(node: yaml.Node, doc: Doc, sizes: dict[int, int], open_: set[int]) -> int:
    """How many values a node stands for once aliases are expanded, without expanding them."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_:
        raise ScenarioError("an alias refers to the value that contains it, so it never ends", doc.file,
                            *doc.pos(node.start_mark),
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


def _check_expansion(node: yaml.Node, doc: Doc) -> None:
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
                        doc.file, *doc.pos(culprit.start_mark),
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


def _syntax_error(exc: yaml.MarkedYAMLError, file: str, doc: Doc) -> ScenarioError:
    """PyYAML's complaint in a student's words, at the place to look (often where a bracket opened)."""
    problem, context = (exc.problem or "").strip(), (exc.context or "").strip()
    mark = exc.problem_mark or exc.context_mark
    opened = exc.context_mark or mark
    at = "line {}, column {}".format(*doc.pos(mark)) if mark else "the end"
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
    return ScenarioError(f"YAML syntax error: {what}", file, *doc.pos(mark), fix)


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


class _FastLoader(yaml.CSafeLoader if _CLIB else _Loader):  # type: ignore[misc,valid-type]
    """libyaml's parser with the same resolvers: scans in C, for files that are well formed."""


_FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
_COUNTED = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent, yaml.AliasEvent)


def _count_nodes(text: str, doc: Doc) -> bool:
    """Refuse a file with too many values while libyaml scans it, before any node is built.

    False when libyaml finds the text malformed: the Python parser then words the error.
    """
    parser = _FastLoader(text)
    count = 0
    try:
        while (event := parser.get_event()) is not None:
            count += isinstance(event, _COUNTED)
            if count > MAX_NODES:
                raise ScenarioError(f"the file holds more than {MAX_NODES:,} values", doc.file,
                                    *doc.pos(event.start_mark),
                                    "keep big data in a data.file (.npz or .npy) or use data.generator")
    except yaml.YAMLError:
        return False
    finally:
        parser.dispose()
    return True


def parse_yaml(text: str, file: str) -> tuple[Any, Doc]:
    doc = Doc(file, text)
    loader = None
    try:
        # The C parser first (fast, and it counts nodes before building them); any syntax error
        # is re-read by PyYAML's Python parser, whose messages _syntax_error knows how to word.
        fast = _CLIB and _count_nodes(text, doc)
        loader = _FastLoader(text) if fast else _Loader(text)   # safe: no tags that build objects
        try:
            node = loader.get_single_node()
        except yaml.YAMLError:
            if not fast:
                raise
            loader.dispose()
            loader = _Loader(text)
            node = loader.get_single_node()
        if node is None:
            raise ScenarioError("the file is empty", file, 1, 1, "start from the example in README")
        _check_expansion(node, doc)
        return _convert(loader, node, (), doc), doc
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file, doc) from None
    except yaml.reader.ReaderError as exc:   # a control character or other unprintable one
        line, col = _line_col(text, exc.position)
        raise ScenarioError(f"the character U+{exc.character if isinstance(exc.character, int) else ord(exc.character):04X} "
                            "cannot appear in a YAML file", file, line, col,
                            "delete it; only tabs, line breaks and printable characters are allowed") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"YAML error: {exc}", file, 1, 1, "check the file is valid YAML") from None
    except RecursionError:
        mark = _first_too_deep(text)
        raise ScenarioError("lists or mappings are nested too deeply", file, *doc.pos(mark),
                            "a scenario needs only a few levels: look for brackets that are never closed") from None
    finally:
        if loader is not None:
            loader.dispose()


def read_file(path: Path) -> str:
    """The text of a scenario file; too large, unreadable or not UTF-8 is a ScenarioError at the byte."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ScenarioError(f"the file is {path.stat().st_size:,} bytes: too large to be a scenario", str(path),
                                1, 1, f"keep it under {MAX_FILE_BYTES:,} bytes; generate big data with data.generator")
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {exc.strerror or exc}", str(path), 1, 1,
                            "check the path and its permissions") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = len(data[data.rfind(b"\n", 0, exc.start) + 1: exc.start].decode("utf-8", "replace")) + 1
        raise ScenarioError(f"byte 0x{data[exc.start]:02x} here is not UTF-8 text", str(path), line, col,
                            "save the file as UTF-8 (most editors offer it under Save As / Encoding)") from None
