"""Recording when the disk fills up, or the path is not a file: no crash, and a cast that plays.

The full disk is simulated (no tmpfs): the writer's `os.write` is replaced by one that writes
part of a line and then raises ENOSPC, as a real full disk does.
"""
from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chainstep.core.scenario import load_scenario
from chainstep.tui.app import ChainstepApp
from chainstep.tui.recording import cast as cast_module
from chainstep.tui.recording.cast import CastWriter, RecordingPathError, keylog_path_for, read_keylog
from chainstep.tui.recording.recorder import REC_BADGE

ASCIINEMA = Path(sys.executable).parent / "asciinema"
SIZE = (100, 32)


class FillingDisk:
    """`os.write` that accepts `room` more bytes, then writes what fits and raises ENOSPC."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.real = os.write

    def __call__(self, fd: int, data: Any) -> int:
        data = bytes(data)
        if len(data) <= self.room:
            self.room -= len(data)
            return self.real(fd, data)
        if self.room > 0:   # a short write: part of a line reaches the file first
            n, self.room = self.real(fd, data[: self.room]), 0
            return n
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _whole_lines(path: Path) -> list[Any]:
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n"), "the file ends in a half line"
    return [json.loads(line) for line in text.splitlines()]


def _asciinema_accepts(path: Path) -> None:
    if not ASCIINEMA.exists():
        pytest.skip("asciinema (a test dependency) is not installed")
    out = subprocess.run([str(ASCIINEMA), "cat", str(path)], capture_output=True, stdin=subprocess.DEVNULL,
                         start_new_session=True, timeout=60)
    assert out.returncode == 0, out.stderr


def test_a_full_disk_keeps_the_cast_valid_to_its_last_whole_event(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "full.cast"
    writer = CastWriter(path, 80, 24, timestamp=0)
    writer.output(0.1, "hello ")
    monkeypatch.setattr(cast_module.os, "write", FillingDisk(room=30))
    for i in range(20):   # bounded: the disk fills within the first few
        writer.output(0.2 + i / 10, "x" * 25)
    assert isinstance(writer.error, OSError) and writer.error.errno == errno.ENOSPC
    assert writer.closed
    monkeypatch.undo()
    header, *events = _whole_lines(path)
    assert header["version"] == 2 and events[0] == [0.1, "o", "hello "]
    assert all(e[1] == "o" for e in events)
    _asciinema_accepts(path)


async def test_a_full_disk_while_recording_stops_it_with_a_notice_and_the_app_runs_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = ChainstepApp(load_scenario("xor"))
    app.recording_dir = str(tmp_path)
    notes: list[str] = []
    notify = app.notify
    app.notify = lambda message, **kw: (notes.append(message), notify(message, **kw))[1]   # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+r")
        assert app.recorder is not None and app.recorder.running
        await pilot.press("space")
        monkeypatch.setattr(cast_module.os, "write", FillingDisk(room=0))
        await pilot.press("space", "space")
        await pilot.pause()
        monkeypatch.undo()
        assert app.recorder is None or not app.recorder.running
        assert REC_BADGE not in app.status.plain
        assert any("Recording stopped: cannot write" in m for m in notes), notes
        await pilot.press("space")   # the app still steps
        assert "step 5/" in app.status.plain
    (cast,) = tmp_path.glob("*.cast")
    _whole_lines(cast)
    _asciinema_accepts(cast)
    assert [e.key for e in read_keylog(keylog_path_for(cast))][:1] == ["space"]


def test_record_to_dev_full_is_a_located_refusal(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    done = subprocess.run([sys.executable, "-m", "chainstep.tui", "xor", "--record", "/dev/full"],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "cannot record to '/dev/full'" in done.stderr


def test_record_to_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.cast"
    os.mkfifo(fifo)
    with pytest.raises(RecordingPathError, match="not a regular file"):
        CastWriter(fifo, 80, 24)
    done = subprocess.run([sys.executable, "-m", "chainstep.tui", "xor", "--record", str(fifo)],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
