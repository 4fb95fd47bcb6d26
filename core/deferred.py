"""Frozen dataclasses whose costly fields are computed on first read."""
from __future__ import annotations

from typing import Any, Callable


class DeferredFields:
    """Mixed into a frozen dataclass: `deferred(build, **rest)` makes an instance whose fields named in
    `DEFERRED` come from `build()` (one tuple, in that order) the first time any of them is read.

    From outside the instance is as immutable as any other; `dataclasses.replace`, equality and
    repr read the fields and so build them first.
    """

    DEFERRED: tuple[str, ...] = ()

    @classmethod
    def deferred(cls, build: Callable[[], tuple], **fields: Any) -> Any:
        obj = object.__new__(cls)
        obj.__dict__.update(fields, _build=build)
        return obj

    def __getattr__(self, name: str) -> Any:
        # Reached only for an attribute not set yet: a deferred field before its first read.
        build = self.__dict__.get("_build") if name in self.DEFERRED else None
        if build is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        values = dict(zip(self.DEFERRED, build()))
        # Two threads may build at once; both compute equal values, so either write will do.
        self.__dict__.update(values)
        self.__dict__.pop("_build", None)   # and with it whatever the build held (an iteration's record)
        return values[name]
