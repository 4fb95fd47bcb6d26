"""Reading a .npz safely, and the checks every external file gets (no scenario involved).

The sizes a .npz states (its zip directory, each array's header) are checked before a byte is
inflated or an array allocated, so a zip bomb or a lying header costs nothing but the check.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

MAX_EXTERNAL_BYTES = 256_000_000   # a file past this is not a network one steps through by hand


class ExternalError(Exception):
    """A problem inside an external file; line/col locate it in that file when known (CSV)."""

    def __init__(self, message: str, hint: str | None = None, line: int | None = None, col: int | None = None,
                 key: str | None = None):
        super().__init__(message)
        self.message, self.hint, self.line, self.col = message, hint, line, col
        self.key = key   # the scenario key that is wrong (a CSV column name that is not in the file)



def _check_file(path: Path) -> None:
    try:
        _check_existing(path)
    except (OSError, ValueError) as exc:   # a name the OS cannot look up (NUL byte, too long), no permission
        raise ExternalError(f"cannot open {path.name[:80]!r}: {getattr(exc, 'strerror', None) or exc}",
                            "check the file name and its permissions") from None


def _check_existing(path: Path) -> None:
    if not path.exists():
        raise ExternalError(f"there is no file {path.name} (looked for {path.resolve()})",
                            "paths are relative to the folder of the scenario file; check the name")
    if path.is_dir():
        raise ExternalError(f"{path} is a folder, not a file", "name the file inside it")
    if not path.is_file():
        raise ExternalError(f"{path} is not a regular file", "save the arrays to a file and name it here")
    size = path.stat().st_size
    if size > MAX_EXTERNAL_BYTES:
        raise ExternalError(f"{path.name} is {size:,} bytes: too large to step through",
                            f"keep it under {MAX_EXTERNAL_BYTES:,} bytes: fewer samples or a smaller network")


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of a .npz, never unpickling objects, with sizes checked before anything is read.

    The zip directory's uncompressed sizes and each array's header bound the work: a zip bomb or a
    header claiming a huge shape is refused before a byte of it is inflated or allocated.
    """
    _check_file(path)
    try:
        if not zipfile.is_zipfile(path):
            with path.open("rb") as f:
                npy = f.read(6) == b"\x93NUMPY"
            if npy:   # a .npy holds one unnamed array
                raise ExternalError(f"{path.name} holds a single unnamed array",
                                    "save named arrays together with numpy.savez(path, x=..., y=...) or (W1=..., b1=...)")
            raise ExternalError(f"{path.name} is not a NumPy .npz file (it is not a zip archive)",
                                "write it with numpy.savez")
        with zipfile.ZipFile(path) as zf:
            entries = [i for i in zf.infolist() if not i.is_dir()]
            total = sum(i.file_size for i in entries)
            if total > MAX_EXTERNAL_BYTES:
                raise ExternalError(f"{path.name} expands to {total:,} bytes: too large to step through",
                                    f"keep its arrays under {MAX_EXTERNAL_BYTES:,} bytes in all")
            return {info.filename.removesuffix(".npy"): _read_member(zf, info, path.name) for info in entries}
    except ValueError as exc:   # object arrays need pickle, which a scenario never runs
        raise ExternalError(f"{path.name} holds Python objects, not plain number arrays ({exc})",
                            "save plain float arrays with numpy.savez") from None
    except (OSError, zipfile.BadZipFile, EOFError, RuntimeError, NotImplementedError) as exc:
        raise ExternalError(f"{path.name} is not a NumPy .npz file ({exc})", "write it with numpy.savez") from None


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, file: str) -> np.ndarray:
    """One array of a .npz: its header's shape must fit the bytes the zip directory says it holds."""
    fmt = np.lib.format
    with zf.open(info) as f:
        version = fmt.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = fmt.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, _, dtype = fmt.read_array_header_2_0(f)
        else:
            raise ExternalError(f"{file}: array `{info.filename}` is in .npy format {version}, which is not read here",
                                "write it with numpy.savez")
        if dtype.hasobject:
            raise ValueError("Object arrays cannot be loaded when allow_pickle=False")
        claimed = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if claimed > info.file_size:
            raise ExternalError(f"{file}: array `{info.filename}` claims a shape of {claimed:,} bytes but holds "
                                f"{info.file_size:,}", "the file is damaged: write it again with numpy.savez")
        f.seek(0)   # read_array reads the header again
        return fmt.read_array(f, allow_pickle=False)
