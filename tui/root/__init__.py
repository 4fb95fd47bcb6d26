"""chainstep: a terminal stepping debugger for backpropagation.

`chainstep.core` holds the numerics, `chainstep.tui` the Textual app and the command line; the
Python API (`scenario`, `steps`, `table`, `debug`) is documented in api.py. Names here are looked
up on first use, so `import chainstep.core` stays as light as before.
"""
from __future__ import annotations

from typing import Any

__all__ = ["Layer", "__version__", "debug", "scenario", "steps", "table"]
_API = {"Layer", "debug", "scenario", "steps", "table"}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("chainstep")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    # Module-level __getattr__ (PEP 562): importlib.metadata costs ~0.1 s, paid only when asked.
    if name == "__version__":
        return _version()
    if name in _API:   # the Python API (api.py) pulls in numpy and the engine: only when used
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module 'chainstep' has no attribute {name!r}")
