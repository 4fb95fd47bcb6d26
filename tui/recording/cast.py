"""asciinema cast v2 files and keystroke logs, written one event at a time.

Both writers open their file when they are created (so an unwritable path fails before any
session starts) and hand every event to the kernel with one `os.write` of one complete line.
A recording cut short by a crash or SIGKILL is therefore a valid file up to its last event:
there is no user-space buffer to lose and no half-written line to trip a reader.
"""
from __future__ import annotations

import errno
import json
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from ...core.errors import LocatedError

CAST_VERSION = 2
KEYLOG_FORMAT = "chainstep-keylog"
KEYLOG_VERSION = 1
DEFAULT_IDLE_CAP = 2.0
KEYLOG_SUFFIX = ".keys.jsonl"


class RecordingPathError(Exception):
    """A recording (or its keystroke log) cannot be written where the user asked."""

    def __init__(self, path: str | os.PathLike[str], reason: str, hint: str):
        super().__init__(f"cannot record to {str(path)!r}: {reason} ({hint})")
        self.path, self.reason, self.hint = str(path), reason, hint


def _open_for_writing(path: str | os.PathLike[str]) -> int:
    """Create or truncate `path` and return a raw descriptor, or raise RecordingPathError."""
    p = Path(path)
    if p.is_dir():
        raise RecordingPathError(path, "it is a directory", "give a file name such as demo.cast")
    try:
        # O_NONBLOCK: a FIFO with no reader fails at once (ENXIO) instead of hanging the start.
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK, 0o644)
    except FileNotFoundError:
        raise RecordingPathError(path, f"the directory {str(p.parent)!r} does not exist",
                                 "create it first or choose another path") from None
    except PermissionError:
        raise RecordingPathError(path, "permission denied", "choose a path in a directory you can write") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise RecordingPathError(path, "it is not a regular file (a pipe with no reader)",
                                     "give a file name such as demo.cast") from None
        raise RecordingPathError(path, exc.strerror or str(exc), "choose another path") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):   # a pipe, a device: a cast must be a file a player can read
        os.close(fd)
        raise RecordingPathError(path, "it is not a regular file (a pipe or a device)", "give a file name such as demo.cast")
    os.set_blocking(fd, True)
    os.ftruncate(fd, 0)
    return fd


def check_writable(path: str | os.PathLike[str]) -> Path:
    """Validate an output path without creating it (for argument parsing); raises RecordingPathError."""
    p = Path(path).expanduser()
    if p.is_dir():
        raise RecordingPathError(path, "it is a directory", "give a file name such as demo.cast")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise RecordingPathError(path, f"the directory {str(parent)!r} does not exist",
                                 "create it first or choose another path")
    if p.exists() and not p.is_file():
        raise RecordingPathError(path, "it is not a regular file (a pipe or a device)", "give a file name such as demo.cast")
    if p.exists() and not os.access(p, os.W_OK):
        raise RecordingPathError(path, "the file exists and is read-only", "choose another path")
    if not p.exists() and not os.access(parent, os.W_OK | os.X_OK):
        raise RecordingPathError(path, f"the directory {str(parent)!r} is not writable",
                                 "choose a path in a directory you can write")
    return p


def keylog_path_for(cast_path: str | os.PathLike[str]) -> Path:
    """`demo.cast` -> `demo.keys.jsonl` (the keystroke log saved beside every recording)."""
    p = Path(cast_path)
    stem = p.name[: -len(".cast")] if p.name.endswith(".cast") else p.name
    return p.with_name(stem + KEYLOG_SUFFIX)


def _line(obj: Any) -> bytes:
    # ensure_ascii=False keeps box-drawing characters at 3 bytes instead of 6; "replace" because a
    # lone surrogate must never make the line (and the whole file) unreadable as UTF-8.
    return (json.dumps(obj, ensure_ascii=False, separators=(", ", ": ")) + "\n").encode("utf-8", "replace")


def _t(seconds: float) -> float:
    # Six decimals like asciinema itself; rounding also makes synthetic times (0.8 * 3) print cleanly.
    return round(max(seconds, 0.0), 6)


class LiveClock:
    """Seconds since start; with `idle_cap`, every pause between two events is capped at it.

    Live recordings use it uncapped and put `idle_time_limit` in the header instead, so players
    shorten the pauses and the real timing stays in the file.
    """

    def __init__(self, idle_cap: float | None = DEFAULT_IDLE_CAP, now: Callable[[], float] = time.monotonic):
        self.idle_cap = idle_cap if idle_cap and idle_cap > 0 else None
        self._now = now
        self._start = now()
        self._last_real = 0.0
        self._skipped = 0.0

    def __call__(self) -> float:
        real = self._now() - self._start
        gap = real - self._last_real
        if self.idle_cap is not None and gap > self.idle_cap:
            self._skipped += gap - self.idle_cap
        self._last_real = real
        return real - self._skipped


class _LineFile:
    """An append-only file of JSON lines; each line goes to the kernel in one write."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self._fd: int | None = _open_for_writing(path)
        self.bytes_written = 0
        self.error: OSError | None = None   # the write error that closed the file (a full disk)

    def _write(self, obj: Any) -> None:
        if self._fd is None:
            return
        data = _line(obj)
        view = memoryview(data)
        try:
            while view:  # a regular file takes it all at once; the loop covers short writes anyway
                n = os.write(self._fd, view)
                view = view[n:]
        except OSError as exc:
            # Cut back to the last whole line, so the file stays valid up to its last event, and
            # stop writing; the owner sees `error` and tells the user.
            self.error = exc
            try:
                os.ftruncate(self._fd, self.bytes_written)
            except OSError:
                pass
            self.close()
            return
        self.bytes_written += len(data)

    @property
    def closed(self) -> bool:
        return self._fd is None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "_LineFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _raise_if_failed(f: _LineFile) -> None:
    """A header that cannot be written (a full disk, /dev/full) is a bad path, before any session starts."""
    if f.error is not None:
        raise RecordingPathError(f.path, f.error.strerror or str(f.error), "free some space or choose another path")


class CastWriter(_LineFile):
    """An asciinema v2 cast: a header line, then `[time, code, data]` event lines."""

    def __init__(self, path: str | os.PathLike[str], width: int, height: int, *,
                 timestamp: int | None = None, title: str | None = None,
                 env: dict[str, str] | None = None, idle_time_limit: float | None = None):
        super().__init__(path)
        header: dict[str, Any] = {"version": CAST_VERSION, "width": int(width), "height": int(height),
                                  "timestamp": int(time.time() if timestamp is None else timestamp)}
        if idle_time_limit:
            header["idle_time_limit"] = idle_time_limit
        if title:
            header["title"] = title
        header["env"] = env if env is not None else {"TERM": os.environ.get("TERM", "xterm-256color")}
        self.width, self.height = int(width), int(height)
        self.events = 0
        self.last_time = 0.0
        self._write(header)
        _raise_if_failed(self)

    def _event(self, at: float, code: str, data: str) -> None:
        # Times never go backwards: players assume a sorted stream.
        at = max(_t(at), self.last_time)
        self._write([at, code, data])
        self.last_time = at
        self.events += 1

    def output(self, at: float, data: str) -> None:
        """What the terminal was sent at `at` seconds."""
        if data:
            self._event(at, "o", data)

    def input(self, at: float, data: str) -> None:
        """What was typed at `at` seconds (asciinema's "i" event: the characters a terminal sends)."""
        if data:
            self._event(at, "i", data)

    def marker(self, at: float, label: str) -> None:
        """A named point (a caption, a chapter) that players can jump to."""
        self._event(at, "m", label)

    def resize(self, at: float, width: int, height: int) -> None:
        self._event(at, "r", f"{int(width)}x{int(height)}")
        self.width, self.height = int(width), int(height)


@dataclass(frozen=True)
class KeyEvent:
    time: float
    key: str


class KeyLogWriter(_LineFile):
    """JSON lines: a header naming the scenario and size, then one `{"time", "key"}` per key."""

    def __init__(self, path: str | os.PathLike[str], scenario: str, width: int, height: int, **extra: Any):
        super().__init__(path)
        self.keys = 0
        self._write({"format": KEYLOG_FORMAT, "version": KEYLOG_VERSION, "scenario": scenario,
                     "width": int(width), "height": int(height), **extra})
        _raise_if_failed(self)


    def key(self, at: float, key: str) -> None:
        self._write({"time": _t(at), "key": key})
        self.keys += 1


class KeyLogError(LocatedError):
    """A keystroke log that cannot be replayed; str() is `file:line:col: what (how to fix)`."""


@dataclass(frozen=True)
class KeyLog:
    header: dict[str, Any]
    events: tuple[KeyEvent, ...]

    @property
    def scenario(self) -> str:
        return str(self.header.get("scenario", ""))

    def __iter__(self) -> Iterator[KeyEvent]:
        return iter(self.events)


def read_keylog(path: str | os.PathLike[str]) -> KeyLog:
    """Parse a keystroke log. A final line cut off mid-write (a killed session) is ignored."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyLogError("no such file", file, hint="give the .keys.jsonl saved beside a recording") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyLogError(f"cannot read the file: {exc}", file, hint="check the path") from None
    lines = text.split("\n")
    truncated_tail = not text.endswith("\n")
    header: dict[str, Any] | None = None
    events: list[KeyEvent] = []
    last = 0.0
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            if truncated_tail and n == len(lines):
                break  # the session was killed while this line was being written
            raise KeyLogError(f"not JSON: {exc.msg}", file, n, exc.colno,
                              "each line must be one JSON object") from None
        if header is None:
            if not isinstance(obj, dict) or obj.get("format") != KEYLOG_FORMAT:
                raise KeyLogError("this is not a chainstep keystroke log", file, n, 1,
                                  "give the .keys.jsonl file saved beside a recording, not the .cast")
            if obj.get("version") != KEYLOG_VERSION:
                raise KeyLogError(f"unsupported keystroke log version {obj.get('version')!r}", file, n, 1,
                                  f"this chainstep reads version {KEYLOG_VERSION}")
            header = obj
            continue
        if not (isinstance(obj, dict) and isinstance(obj.get("key"), str) and obj["key"]
                and isinstance(obj.get("time"), (int, float)) and not isinstance(obj.get("time"), bool)):
            raise KeyLogError("expected an object with a number `time` and a string `key`", file, n, 1,
                              'e.g. {"time": 1.25, "key": "space"}')
        t = float(obj["time"])
        if not (t >= last) or t != t:
            raise KeyLogError(f"time {t} goes backwards (previous key at {last})", file, n, 1,
                              "keys must be in the order they were pressed")
        last = t
        events.append(KeyEvent(t, obj["key"]))
    if header is None:
        raise KeyLogError("the file is empty", file, hint="give the .keys.jsonl saved beside a recording")
    return KeyLog(header, tuple(events))
