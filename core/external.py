"""A network trained elsewhere: weights from .npz or a PyTorch state_dict, data from .npz or .csv.

A scenario refers to the files (paths relative to the scenario file):

    params: {file: weights.npz}                  # arrays W1, b1, W2, b2, ...
    params: {file: model.pt}                     # state_dict of nn.Sequential(Linear, act, Linear, ...)
    params: {file: w.npz, keys: {W1: fc1_w}}     # other names, mapped to ours
    params: {file: keras.npz, transpose: true}   # kernels stored in × out (Keras): each W is turned
    data: {file: data.npz}                       # arrays x and y, features × samples
    data: {file: data.npz, transpose: true}      # ... or one sample per row
    data: {csv: data.csv, x_columns: [a, b], y_columns: [label]}

Weights are (units out × units in), as PyTorch's nn.Linear stores them (`transpose: true` reads
Keras-style in × out kernels); the activations are the
scenario's `layers:`, since a state_dict does not record them. Every mistake (a missing file, an
array of the wrong shape, a text cell in a CSV) is a located error: at the scenario line that names
the file, or at the line and column of the CSV cell.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .errors import ScenarioError
from .external_files import MAX_EXTERNAL_BYTES, ExternalError, _check_file, read_npz

EXTERNAL_DATA_KEYS = ("file", "csv", "keys", "transpose", "x_columns", "y_columns")
TORCH_SUFFIXES = (".pt", ".pth")
_TORCH_KEY = re.compile(r"^(?:(?P<prefix>.*)\.)?(?P<index>\d+)\.(?P<kind>weight|bias)$")

Path_ = tuple[Any, ...]


class _Validator(Protocol):
    """What the scenario validator offers (kept structural so this module does not import the loader)."""

    doc: Any

    def err(self, path: Path_, message: str, hint: str | None = None) -> Exception: ...

    def string(self, value: Any, path: Path_, what: str) -> str: ...


# ---------------------------------------------------------------------------------------------
# Reading files (no scenario involved: plain arrays in, ExternalError out).

def read_torch_state_dict(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a saved PyTorch state_dict, as float64 arrays. Needs torch (imported here only)."""
    _check_file(path)
    try:
        import torch
    except ImportError:
        raise ExternalError(f"{path.name} is a PyTorch file, but torch is not installed",
                            "pip install torch (CPU is enough), or save the weights as .npz "
                            "with numpy.savez(W1=..., b1=...)") from None
    try:
        # weights_only: tensors and plain containers only, so a file cannot run code when loaded.
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:   # torch raises many kinds for a file it cannot read safely
        raise ExternalError(f"{path.name} cannot be read as a PyTorch state_dict ({type(exc).__name__})",
                            "save it with torch.save(model.state_dict(), path), not the whole model") from None
    if not isinstance(obj, dict):
        raise ExternalError(f"{path.name} holds a {type(obj).__name__}, not a state_dict",
                            "save it with torch.save(model.state_dict(), path)")
    out: dict[str, np.ndarray] = {}
    for key, value in obj.items():
        if not isinstance(value, torch.Tensor):
            raise ExternalError(f"{path.name}: entry `{key}` is a {type(value).__name__}, not a tensor",
                                "save model.state_dict() of a plain nn.Sequential")
        out[str(key)] = value.detach().to(torch.float64).numpy()
    return out


def sequential_names(state: dict[str, np.ndarray], file: str) -> dict[str, str]:
    """Our names for a Sequential's entries: the k-th Linear layer's weight/bias -> Wk/bk.

    `0.weight, 0.bias, 2.weight, 2.bias` (activations at 1 and 3 hold nothing) -> W1, b1, W2, b2.
    A common prefix (`net.0.weight` for a Sequential kept in an attribute) is allowed.
    """
    layers: dict[int, dict[str, str]] = {}
    prefixes = set()
    for key in state:
        m = _TORCH_KEY.match(key)
        if not m:
            raise ExternalError(f"{file}: entry `{key}` is not the weight or bias of a numbered layer",
                                "only nn.Sequential models of Linear and activation layers can be opened; "
                                "for other models map names with keys: {W1: fc1.weight, b1: fc1.bias, ...}")
        prefixes.add(m["prefix"])
        layers.setdefault(int(m["index"]), {})[m["kind"]] = key
    if len(prefixes) > 1:
        raise ExternalError(f"{file} holds layers of several modules ({', '.join(sorted(map(str, prefixes)))})",
                            "map the names with keys: {W1: ..., b1: ...}")
    names: dict[str, str] = {}
    for k, index in enumerate(sorted(layers), start=1):
        entry = layers[index]
        weight = entry.get("weight")
        if weight is None or state[weight].ndim != 2:
            raise ExternalError(f"{file}: layer {index} of the Sequential is not a Linear layer",
                                "only Linear and activation layers (ReLU, Sigmoid, Tanh, Softmax) can be opened")
        names[f"W{k}"] = weight
        if "bias" in entry:
            names[f"b{k}"] = entry["bias"]
    return names


def _cell_columns(line: str) -> list[int]:
    """1-based column where each comma-separated cell of a CSV line starts (quotes respected)."""
    starts, quoted = [1], False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            starts.append(i + 2)
    return starts


def read_csv(path: Path, x_columns: list[str | int] | None, y_columns: list[str | int]
             ) -> tuple[np.ndarray, np.ndarray]:
    """x and y (features × samples) from a CSV with one sample per row; the first row may name columns."""
    _check_file(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ExternalError(f"{path.name} is not UTF-8 text", "save the CSV as UTF-8") from None
    except OSError as exc:
        raise ExternalError(f"cannot read {path.name}: {exc.strerror or exc}", "check its permissions") from None
    lines = text.splitlines()
    rows = [(n, line, next(csv.reader(io.StringIO(line)))) for n, line in enumerate(lines, start=1) if line.strip()]
    if not rows:
        raise ExternalError(f"{path.name} is empty", "one sample per row, columns separated by commas", 1, 1)

    def is_number(cell: str) -> bool:
        try:
            float(cell)
            return True
        except ValueError:
            return False

    header: list[str] | None = None
    if not all(is_number(c) for c in rows[0][2]):
        header = [c.strip() for c in rows[0][2]]
        rows = rows[1:]
    if not rows:
        raise ExternalError(f"{path.name} has a header but no samples", "add one row per sample", 1, 1)
    width = len(header) if header is not None else len(rows[0][2])

    def index(col: str | int, key: str) -> int:
        if isinstance(col, int):
            if not 0 <= col < width:
                raise ExternalError(f"{path.name} has {width} columns, numbered 0 to {width - 1}; there is no column {col}",
                                    "count columns from 0", key=key)
            return col
        if header is None:
            raise ExternalError(f"{path.name} has no header row, so there is no column named `{col}`",
                                "give columns by number from 0, or add a first row naming them", key=key)
        if col not in header:
            raise ExternalError(f"{path.name} has no column `{col}` (its columns: {', '.join(header)})",
                                "use a name from the header row", key=key)
        return header.index(col)

    ys = [index(c, "y_columns") for c in y_columns]
    xs = ([index(c, "x_columns") for c in x_columns] if x_columns is not None
          else [i for i in range(width) if i not in ys])
    if not xs:
        raise ExternalError(f"{path.name} has no column left for the inputs", "list them in x_columns", key="y_columns")
    table = np.empty((len(rows), width))
    for r, (n, line, cells) in enumerate(rows):
        if len(cells) != width:
            raise ExternalError(f"row {n} of {path.name} has {len(cells)} cells but the file has {width} columns",
                                "give every row the same number of comma-separated cells", n, 1)
        starts = _cell_columns(line)
        for c, cell in enumerate(cells):
            try:
                value = float(cell)
            except ValueError:
                raise ExternalError(f"{path.name} holds {cell!r} where a number belongs",
                                    "write plain numbers; encode labels as 0/1 or one column per class",
                                    n, starts[c] if c < len(starts) else 1) from None
            if not np.isfinite(value):
                raise ExternalError(f"{path.name} holds {cell.strip()}, a non-finite number",
                                    "inf and NaN cannot start a computation: fill in or drop the sample",
                                    n, starts[c] if c < len(starts) else 1)
            table[r, c] = value
    return table[:, xs].T.copy(), table[:, ys].T.copy()


# ---------------------------------------------------------------------------------------------
# From a scenario's `params:` / `data:` mapping to arrays, with errors located in the scenario.

def _base_dir(v: _Validator) -> Path:
    file = Path(str(v.doc.file))
    return file.parent if file.suffix else Path.cwd()   # "<scenario>" text has no folder: use the cwd


def _located(v: _Validator, path: Path_, exc: ExternalError, file: Path) -> Exception:
    if exc.line is not None:   # a place inside the external file itself (a CSV cell)
        return ScenarioError(exc.message, str(file), exc.line, exc.col, exc.hint)
    return v.err(path, exc.message, exc.hint)


def _name_map(spec: dict[str, Any], path: Path_, v: _Validator, allowed: list[str]) -> dict[str, str] | None:
    keys = spec.get("keys")
    if keys is None:
        return None
    if not isinstance(keys, dict):
        raise v.err(path + ("keys",), "keys must map our names to the names in the file",
                    "e.g. keys: {" + ", ".join(f"{a}: ..." for a in allowed[:2]) + "}")
    for ours, theirs in keys.items():
        if ours not in allowed:
            raise v.err(path + ("keys", ours), f"`{ours}` is not one of {', '.join(allowed)}",
                        "the left side is our name, the right side the name in the file")
        v.string(theirs, path + ("keys", ours), "the name of an array in the file")
    return dict(keys)


def _shape_params(arrays: dict[str, np.ndarray], sizes: tuple[int, ...], file: str,
                  transpose: bool = False) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name, a in arrays.items():
        layer = int(name[1:])
        n_out, n_in = sizes[layer], sizes[layer - 1]
        a = np.asarray(a)
        if transpose and name[0] == "W" and a.ndim == 2:
            a = a.T
        if not np.issubdtype(a.dtype, np.number) or np.iscomplexobj(a):
            raise ExternalError(f"{name} in {file} holds {a.dtype} values, not real numbers", "save float arrays")
        a = a.astype(np.float64)
        if not np.all(np.isfinite(a)):
            raise ExternalError(f"{name} in {file} holds inf or NaN", "start from finite weights")
        src = "the inputs" if layer == 1 else f"layer {layer - 1}"
        if name[0] == "b":
            if a.size != n_out or (a.ndim == 2 and 1 not in a.shape) or a.ndim > 2:
                raise ExternalError(f"{name} in {file} has shape {a.shape}, but layer {layer} has {n_out} unit(s)",
                                    f"{name} needs {n_out} number(s), one per unit")
            out[name] = a.reshape(n_out, 1)
        else:
            if a.shape != (n_out, n_in):
                hint = f"{name} needs shape ({n_out}, {n_in}): one row per unit of layer {layer}, one column per unit of {src}"
                if a.shape == (n_in, n_out) and n_in != n_out:
                    hint += ("; with transpose: true it is read as stored (out × in)" if transpose else
                             "; this one looks transposed (in × out, as Keras stores kernels): add transpose: true")
                raise ExternalError(f"{name} in {file} has shape {a.shape}, but layer {layer} has {n_out} unit(s) "
                                    f"fed by {n_in} from {src}", hint)
            out[name] = a
    return out


def read_params(spec: dict[str, Any], path: Path_, v: _Validator, sizes: tuple[int, ...],
                explicit: set[str]) -> dict[str, np.ndarray]:
    """Parameters from `params: {file: ..., keys: ...}`; those in `explicit` are written in the scenario."""
    depth = len(sizes) - 1
    names = [f"{k}{l}" for l in range(1, depth + 1) for k in "Wb"]
    rel = v.string(spec["file"], path + ("file",), "the weights file")
    file = _base_dir(v) / rel
    mapping = _name_map(spec, path, v, names)
    transpose = spec.get("transpose", False)
    if not isinstance(transpose, bool):
        raise v.err(path + ("transpose",), "transpose must be true or false",
                    "true when the kernels are stored in × out, as Keras saves them")
    fpath = path + ("file",)
    try:
        torch_file = file.suffix.lower() in TORCH_SUFFIXES
        stored = read_torch_state_dict(file) if torch_file else read_npz(file)
        if mapping is None:
            mapping = sequential_names(stored, rel) if torch_file else {n: n for n in names if n in stored}
            if torch_file:
                layers = sum(1 for n in mapping if n[0] == "W")
                if layers != depth:
                    raise ExternalError(f"{rel} holds {layers} Linear layer(s) but the network has {depth}",
                                        "list one entry under network.layers per Linear layer, with its activation")
            else:
                extra = sorted(k for k in stored if re.fullmatch(r"[Wb][1-9][0-9]*", k) and k not in names)
                if extra:
                    raise ExternalError(f"{rel} holds {', '.join(extra)}, but the network has {depth} layer(s)",
                                        "add the layers to network.layers, or map arrays with keys:")
        missing_arrays = [theirs for theirs in mapping.values() if theirs not in stored]
        if missing_arrays:
            raise ExternalError(f"{rel} has no array `{missing_arrays[0]}` (it holds: {', '.join(stored) or 'nothing'})",
                                "map our names to its arrays with keys: {W1: ..., b1: ...}")
        arrays = {ours: stored[theirs] for ours, theirs in mapping.items() if ours not in explicit}
        lacking = [n for n in names if n not in arrays and n not in explicit]
        if lacking:
            raise ExternalError(f"{rel} gives no {', '.join(lacking)} (it holds: {', '.join(stored) or 'nothing'})",
                                "name its arrays W1, b1, ... or map them with keys:, or write the missing ones "
                                "under params: (e.g. b1: [0, 0] for a layer without bias)")
        return _shape_params(arrays, sizes, rel, transpose)
    except ExternalError as exc:
        raise _located(v, fpath, exc, file) from None


def _as_rows(a: np.ndarray, name: str, file: str, transpose: bool) -> np.ndarray:
    a = np.asarray(a)
    if not np.issubdtype(a.dtype, np.number) or np.iscomplexobj(a):
        raise ExternalError(f"{name} in {file} holds {a.dtype} values, not real numbers", "save float arrays")
    if a.ndim == 1:
        a = a.reshape(1, -1)
    elif a.ndim != 2:
        raise ExternalError(f"{name} in {file} has {a.ndim} dimensions {a.shape}; it needs 2",
                            "flatten each sample (e.g. images to rows of pixels) before saving")
    elif transpose:
        a = a.T
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise ExternalError(f"{name} in {file} holds inf or NaN", "fill in or drop those samples")
    return np.ascontiguousarray(a)


def read_data(spec: dict[str, Any], path: Path_, v: _Validator, inputs: int, outputs: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """x and y from `data: {file: ...}` or `data: {csv: ...}`."""
    if "file" not in spec and "csv" not in spec:
        key = next(k for k in EXTERNAL_DATA_KEYS if k in spec)
        raise v.err(path + (key,), f"`{key}` describes a data file, but data names none",
                    "add file: data.npz, or csv: data.csv")
    for key in ("x", "y", "generator"):
        if key in spec:
            raise v.err(path + (key,), f"data has both a file and `{key}`", "keep one of them")
    if "file" in spec and "csv" in spec:
        raise v.err(path + ("csv",), "data has both file and csv", "keep one of them")
    if "csv" in spec:
        for key in ("keys", "transpose"):
            if key in spec:
                raise v.err(path + (key,), f"`{key}` is for a .npz file, not a CSV", "delete it")
        rel = v.string(spec["csv"], path + ("csv",), "the CSV file")
        file, where = _base_dir(v) / rel, path + ("csv",)
        cols: dict[str, list[str | int] | None] = {}
        for key in ("x_columns", "y_columns"):
            value = spec.get(key)
            if value is None:
                if key == "y_columns":
                    raise v.err(path, "a CSV needs y_columns: the columns that hold the targets",
                                "e.g. y_columns: [label]; x_columns defaults to every other column")
                cols[key] = None
                continue
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                value = [value]
            if not isinstance(value, list) or not value or not all(
                    isinstance(c, str) or (isinstance(c, int) and not isinstance(c, bool)) for c in value):
                raise v.err(path + (key,), f"{key} must list column names or numbers", "e.g. [x1, x2] or [0, 1]")
            cols[key] = value
        try:
            x, y = read_csv(file, cols["x_columns"], cols["y_columns"])   # type: ignore[arg-type]
        except ExternalError as exc:
            raise _located(v, path + (exc.key,) if exc.key else where, exc, file) from None
        return x, y

    for key in ("x_columns", "y_columns"):
        if key in spec:
            raise v.err(path + (key,), f"`{key}` is for a CSV file", "use keys: {x: ..., y: ...} for a .npz")
    rel = v.string(spec["file"], path + ("file",), "the data file")
    file, where = _base_dir(v) / rel, path + ("file",)
    mapping = _name_map(spec, path, v, ["x", "y"]) or {}
    transpose = spec.get("transpose", False)
    if not isinstance(transpose, bool):
        raise v.err(path + ("transpose",), "transpose must be true or false", "true when each row is one sample")
    try:
        stored = read_npz(file)
        out = []
        for ours in ("x", "y"):
            theirs = mapping.get(ours, ours)
            if theirs not in stored:
                raise ExternalError(f"{rel} has no array `{theirs}` (it holds: {', '.join(stored) or 'nothing'})",
                                    "save arrays named x and y, or map them with keys: {x: ..., y: ...}")
            out.append(_as_rows(stored[theirs], theirs, rel, transpose))
        x, y = out
        if not transpose and x.shape[0] != inputs and x.shape[1] == inputs:
            raise ExternalError(f"x in {rel} is {x.shape[0]}×{x.shape[1]}: {x.shape[0]} rows, but network.inputs "
                                f"is {inputs}", "it looks like one sample per row: add transpose: true")
        if y.shape[0] != outputs and y.shape[1] == outputs and x.shape[1] != y.shape[1]:
            raise ExternalError(f"y in {rel} is {y.shape[0]}×{y.shape[1]}, but the last layer has {outputs} "
                                "unit(s)", "x and y must be laid out alike: both features × samples, "
                                "or both one sample per row with transpose: true")
        return x, y
    except ExternalError as exc:
        raise _located(v, where, exc, file) from None
