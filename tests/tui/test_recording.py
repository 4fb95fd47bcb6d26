"""Recording demos: asciinema casts (live and scripted), keystroke logs, replay, SVG export."""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest
from rich.cells import cell_len

from chainstep.core.scenario import load_scenario
from chainstep.tui.app import ChainstepApp, run_app
from chainstep.tui.recording.cast import (CastWriter, KeyLogError, KeyLogWriter, LiveClock, RecordingPathError,
                                keylog_path_for, read_keylog)
from chainstep.tui.cli import main
from chainstep.tui.recording.recorder import REC_BADGE, recording_enabled
from chainstep.tui.recording.scripted import PresenterReplay, export_steps, record_script, replay_keys
from chainstep.tui.recording.tape import Caption, Pause, Press, TapeError, parse_keys, parse_tape, schedule
from chainstep.tui.panes.status_bar import StatusBar
from chainstep.tui.recording.tee import CaptureDriver

ASCIINEMA = Path(sys.executable).parent / "asciinema"
SIZE = (100, 32)


# -- helpers -----------------------------------------------------------------------------------
def asciinema_cat(path: Path) -> str:
    """What `asciinema cat` prints; fails the test if the PyPI client rejects the file."""
    # start_new_session: no controlling terminal, so asciinema does not put the tester's tty in raw mode.
    out = subprocess.run([str(ASCIINEMA), "cat", str(path)], capture_output=True,
                         stdin=subprocess.DEVNULL, start_new_session=True, timeout=120)
    assert out.returncode == 0, f"asciinema cat rejected {path}: {out.stderr[-2000:]!r}"
    return out.stdout.decode("utf-8")   # bytes: text mode would turn the cast's \r\n into \n


def cast_lines(path: Path) -> tuple[dict, list[list]]:
    header, *events = path.read_text(encoding="utf-8").splitlines()
    return json.loads(header), [json.loads(e) for e in events]


_SEQ = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\x1b\][^\x07]*\x07|\x1b[=>]|([\r\n])|([^\x1b\r\n]+)")


def emulate(data: str, width: int, height: int) -> list[str]:
    """A screen-only terminal: cursor moves, clears and text; enough to read back a cast."""
    screen = [[" "] * width for _ in range(height)]
    y = x = 0
    for m in _SEQ.finditer(data):
        params, final, ctrl, text = m.group(1), m.group(2), m.group(3), m.group(4)
        if final == "H":
            parts = [int(p) if p else 1 for p in (params or "").split(";")] + [1, 1]
            y, x = min(parts[0], height) - 1, min(parts[1], width) - 1
        elif final == "J" and params == "2":
            screen = [[" "] * width for _ in range(height)]
        elif ctrl == "\r":
            x = 0
        elif ctrl == "\n":
            y = min(y + 1, height - 1)
        elif text:
            for ch in text:
                w = cell_len(ch)
                if x < width:
                    screen[y][x] = ch
                    if w == 2 and x + 1 < width:
                        screen[y][x + 1] = ""
                x += w
    return ["".join(row) for row in screen]


def terminal_app(scenario: str = "xor") -> tuple[ChainstepApp, list[str]]:
    """An app that draws as for a terminal (CaptureDriver), and every write it draws, from the start."""
    app = ChainstepApp(load_scenario(scenario))
    app.driver_class = CaptureDriver
    drawn: list[str] = []
    app.terminal_tee.add(drawn.append)
    return app, drawn


def status(app: ChainstepApp) -> str:
    return app.query_one(StatusBar).plain


# -- the cast and keystroke-log files ----------------------------------------------------------
def test_cast_writer_lines_are_complete_json_and_times_never_go_back(tmp_path: Path) -> None:
    path = tmp_path / "a.cast"
    with CastWriter(path, 80, 24, timestamp=1700000000, env={"TERM": "xterm-256color"}) as cast:
        cast.output(0.5, "hello\r\n")
        cast.output(0.25, "earlier")   # clamped to 0.5: players expect sorted times
        cast.output(1.0, "")           # nothing to show, no event
        cast.marker(1.5, "Forward pass")
        cast.resize(2.0, 100, 30)
    header, events = cast_lines(path)
    assert header == {"version": 2, "width": 80, "height": 24, "timestamp": 1700000000,
                      "env": {"TERM": "xterm-256color"}}
    assert events == [[0.5, "o", "hello\r\n"], [0.5, "o", "earlier"], [1.5, "m", "Forward pass"],
                      [2.0, "r", "100x30"]]
    assert asciinema_cat(path) == "hello\r\nearlier"


def test_live_clock_caps_idle_pauses() -> None:
    now = iter([10.0, 10.5, 11.0, 30.0, 30.25]).__next__
    clock = LiveClock(idle_cap=2.0, now=now)   # started at 10.0
    assert [clock(), clock(), clock(), clock()] == [0.5, 1.0, 3.0, 3.25]
    uncapped = LiveClock(idle_cap=0, now=iter([0.0, 100.0]).__next__)
    assert uncapped() == 100.0


def test_keylog_round_trip_and_a_line_cut_by_a_kill_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "k.keys.jsonl"
    with KeyLogWriter(path, "xor", 100, 32) as log:
        log.key(0.5, "space")
        log.key(1.25, "right_square_bracket")
    with path.open("a") as f:
        f.write('{"time": 2.0, "ke')      # what a SIGKILL in mid-write would leave
    read = read_keylog(path)
    assert read.scenario == "xor"
    assert [(e.time, e.key) for e in read] == [(0.5, "space"), (1.25, "right_square_bracket")]


@pytest.mark.parametrize("text, where", [
    ('{"format": "chainstep-keylog", "version": 1, "scenario": "xor"}\n{"time": 1, "key": ""}\n', ":2:1:"),
    ('{"format": "chainstep-keylog", "version": 1, "scenario": "xor"}\n{"time": 2, "key": "a"}\n'
     '{"time": 1, "key": "b"}\n', ":3:1:"),
    ('{"version": 2, "width": 80, "height": 24}\n', ":1:1:"),
    ('{"format": "chainstep-keylog", "version": 1}\nnot json\n{"time": 1, "key": "a"}\n', ":2:1:"),
])
def test_bad_keylogs_are_located(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "bad.keys.jsonl"
    path.write_text(text)
    with pytest.raises(KeyLogError) as e:
        read_keylog(path)
    assert str(e.value).startswith(str(path) + where)


def test_keylog_sits_beside_the_cast() -> None:
    assert keylog_path_for("out/demo.cast") == Path("out/demo.keys.jsonl")
    assert keylog_path_for("demo") == Path("demo.keys.jsonl")


# -- tapes -------------------------------------------------------------------------------------
def test_keys_and_tapes_parse_and_schedule_on_synthetic_time() -> None:
    assert parse_keys("space ]*2 pause:1.5 ctrl+r") == [Press("space"), Press("]"), Press("]"), Pause(1.5),
                                                        Press("ctrl+r")]
    tape = parse_tape("# demo\npace 0.5\nkeys space\ncaption \"The loss\"\npause 1\nkeys down\ncaption\n")
    assert tape[2] == Caption("The loss") and tape[-1] == Caption("")
    timed, end = schedule(tape, pace=0.8)
    assert [(t.time, t.action) for t in timed] == [(0.5, Press("space")), (0.5, Caption("The loss")),
                                                  (2.0, Press("down")), (2.0, Caption(""))]
    assert end == 2.5


@pytest.mark.parametrize("text, message", [
    ("keys space spcae", "<tape>:1:12: unknown key 'spcae'"),
    ("pace 0.5\n  kyes space", "<tape>:2:3: unknown directive 'kyes' (did you mean `keys`?)"),
    ("pause soon", "<tape>:1:7: pause must be a number of seconds"),
    ("keys x*0", "<tape>:1:8: repeat count 0 is out of range"),
])
def test_tape_mistakes_are_located(text: str, message: str) -> None:
    with pytest.raises(TapeError) as e:
        parse_tape(text)
    assert str(e.value).startswith(message)


@pytest.mark.parametrize("wrong, meant", [("Space", "space"), ("Question_Mark", "question_mark"),
                                         ("Escape", "escape"), ("ctrl+R", "ctrl+r"), ("pgdown", "pagedown")])
def test_key_names_must_be_textuals_exactly_and_a_near_miss_gets_a_suggestion(wrong: str, meant: str) -> None:
    with pytest.raises(TapeError) as e:
        parse_keys(f"space {wrong}")
    assert f"unknown key {wrong!r}" in str(e.value) and f"did you mean {meant!r}?" in str(e.value)
    keys = "space enter escape question_mark right_square_bracket full_stop plus ? ] a Z 5 ctrl+r shift+tab f5 pagedown"
    assert [a.key for a in parse_keys(keys)] == keys.split()


def test_keys_reach_the_cast_as_input_events_when_asked(tmp_path: Path) -> None:
    out = tmp_path / "i.cast"
    assert main(["record", "xor", "--keys", "space right question_mark escape", "--input-events",
                 "-o", str(out)]) == 0
    _, events = cast_lines(out)
    assert [e[2] for e in events if e[1] == "i"] == [" ", "\x1b[C", "?", "\x1b"]
    asciinema_cat(out)   # the PyPI player accepts a cast with input events


def test_cli_reports_a_bad_key_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["record", "xor", "--keys", "space spcae", "-o", str(tmp_path / "x.cast")]) == 2
    assert "--keys:1:7: unknown key 'spcae'" in capsys.readouterr().err
    assert not (tmp_path / "x.cast").exists()


# -- live recording ----------------------------------------------------------------------------
async def test_live_recording_with_pilot_is_a_valid_cast_of_what_was_shown(tmp_path: Path) -> None:
    path = tmp_path / "live.cast"
    app, drawn = terminal_app()
    async with app.run_test(size=SIZE, headless=False) as pilot:
        await pilot.press("space")   # recording starts mid-session: the cast must still hold a whole screen
        await pilot.pause()
        with recording_enabled(app, path, idle_cap=2.0) as recorder:
            assert recorder.captures_output
            assert REC_BADGE in status(app)
            await pilot.press("space", "space", "down")
            await pilot.pause()
            shown = emulate("".join(drawn), *SIZE)
        assert REC_BADGE not in status(app)
        assert recorder.cast.closed
    header, events = cast_lines(path)
    assert (header["width"], header["height"], header["idle_time_limit"]) == (*SIZE, 2.0)
    assert all(e[1] == "o" for e in events) and len(events) >= 4
    times = [e[0] for e in events]
    assert times == sorted(times)
    screen = emulate(asciinema_cat(path), *SIZE)
    assert "step 5/19" in shown[0]   # space, space, space, down (the loss phase starts at 5)
    assert screen[:-1] == shown[:-1], "the cast's last frame is not the screen the app showed"
    log = read_keylog(keylog_path_for(path))
    assert [e.key for e in log] == ["space", "space", "down"]


async def test_ctrl_r_starts_and_stops_a_new_recording_and_ctrl_s_saves_svg(tmp_path: Path) -> None:
    app, _ = terminal_app()
    app.recording_dir = app.screenshot_dir = str(tmp_path)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        await pilot.press("question_mark")   # the keys work with a dialog open too
        await pilot.press("ctrl+r")
        assert app.recorder is not None and app.recorder.running
        assert REC_BADGE in status(app)
        await pilot.press("escape", "space")
        await pilot.press("ctrl+r")
        assert app.recorder is None and REC_BADGE not in status(app)
        await pilot.press("ctrl+s")
    casts = list(tmp_path.glob("*.cast"))
    assert len(casts) == 1 and casts[0].name.startswith("chainstep-xor-")
    assert "step 2/19" in emulate(asciinema_cat(casts[0]), *SIZE)[0]
    assert [e.key for e in read_keylog(keylog_path_for(casts[0]))] == ["escape", "space"]   # not ctrl+r
    svgs = list(tmp_path.glob("*.svg"))
    assert len(svgs) == 1 and "<svg" in svgs[0].read_text()[:200]


# -- scripted recording ------------------------------------------------------------------------
def test_scripted_recording_is_byte_identical_apart_from_the_timestamp(tmp_path: Path) -> None:
    tape = tmp_path / "demo.tape"
    tape.write_text("pace 0.5\ncaption Forward pass\nkeys space space\npause 1\ncaption\nkeys down n\n")
    outs = []
    for name in ("one.cast", "two.cast"):
        out = tmp_path / name
        assert main(["record", "xor", "--tape", str(tape), "--keys", "space*2 left", "--size", "100x32",
                     "--pace", "0.8", "-o", str(out)]) == 0
        outs.append(out)
    one, two = (p.read_bytes().split(b"\n", 1) for p in outs)
    assert one[1] == two[1]
    h1, h2 = json.loads(one[0]), json.loads(two[0])
    h1.pop("timestamp"), h2.pop("timestamp")
    assert h1 == h2 == {"version": 2, "width": 100, "height": 32, "title": "chainstep xor",
                        "env": {"TERM": "xterm-256color"}}
    _, events = cast_lines(outs[0])
    # first frame, the caption (at 0), then keys at the tape's pace of 0.5, then the 1 s pause
    assert [e[0] for e in events if e[1] == "o"][:5] == [0.0, 0.0, 0.5, 1.0, 2.0]
    assert [e[2] for e in events if e[1] == "m"] == ["Forward pass"]
    screen = emulate(asciinema_cat(outs[0]), 100, 32)
    assert "iteration 2/2000  step 6/19" in screen[0]   # space×2, down (to loss.L, 5), n, space×2, left
    assert [e.key for e in read_keylog(keylog_path_for(outs[0]))] == ["space", "space", "down", "n",
                                                                      "space", "space", "left"]


async def test_scripted_caption_shows_in_the_status_line(tmp_path: Path) -> None:
    path = tmp_path / "c.cast"
    sc = load_scenario("xor")
    await record_script(lambda: ChainstepApp(sc), parse_tape("caption Watch the loss\nkeys space"), path,
                        size=(100, 32), pace=1.0, scenario="xor")
    _, events = cast_lines(path)
    screen = emulate("".join(e[2] for e in events if e[1] == "o"), 100, 32)
    assert "Watch the loss" in screen[0]


# -- reliability -------------------------------------------------------------------------------
def _pty_size(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def test_a_recording_killed_with_sigkill_still_parses(tmp_path: Path) -> None:
    """A real terminal (a pty), the real driver, `chainstep xor --record`, then SIGKILL mid-session."""
    path = tmp_path / "killed.cast"
    master, slave = os.openpty()
    _pty_size(slave, 100, 32)
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "32"}
    proc = subprocess.Popen([sys.executable, "-m", "chainstep.tui", "xor", "--record", str(path)],
                            stdin=slave, stdout=slave, stderr=slave, env=env, cwd=tmp_path,
                            start_new_session=True)
    os.close(slave)
    stop = threading.Event()

    def drain() -> None:   # a full pty would block the app's writer
        while not stop.is_set():
            try:
                if not os.read(master, 65536):
                    return
            except OSError:
                return

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()

    def events() -> int:
        return max(0, len(path.read_text(encoding="utf-8").splitlines()) - 1) if path.exists() else 0

    try:
        deadline = time.monotonic() + 60
        while events() < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert events() >= 2, "the app never drew its first frame"
        first = events()
        for _ in range(6):
            os.write(master, b" ")
            time.sleep(0.1)
        deadline = time.monotonic() + 30
        while events() < first + 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert proc.returncode == -signal.SIGKILL
    header, events_ = cast_lines(path)           # every line is complete JSON
    assert header["version"] == 2 and len(events_) >= 3
    assert not path.read_text(encoding="utf-8").rstrip("\n").endswith("?25h\\r\\n\"]"), "no trailer after a kill"
    screen = emulate(asciinema_cat(path), header["width"], header["height"])
    assert "xor" in screen[0] and "step " in screen[0]
    keys = read_keylog(keylog_path_for(path))
    assert keys.scenario == "xor" and {e.key for e in keys} == {"space"}


def test_an_unwritable_record_path_is_exit_2_before_the_session(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-such-dir" / "demo.cast"
    with pytest.raises(SystemExit) as e:
        main(["xor", "--record", str(missing)])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "--record" in err and "does not exist" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as e:
        main(["record", "xor", "--keys", "space", "-o", str(tmp_path)])   # a directory
    assert e.value.code == 2 and "it is a directory" in capsys.readouterr().err
    # Past argument parsing (run_app called directly), the check still happens before the app starts.
    args = argparse.Namespace(record=tmp_path, idle_cap=2.0)
    with pytest.raises(SystemExit) as e:
        run_app("xor", args)
    assert e.value.code == 2 and "cannot record to" in capsys.readouterr().err
    with pytest.raises(RecordingPathError):
        CastWriter(missing, 80, 24)


# -- replay and export -------------------------------------------------------------------------
def _keylog(tmp_path: Path, keys: list[str]) -> Path:
    path = tmp_path / "session.keys.jsonl"
    with KeyLogWriter(path, "xor", 100, 32) as log:
        for n, key in enumerate(keys):
            log.key(0.01 * n, key)
    return path


async def test_replay_at_its_own_pace_reaches_the_same_step(tmp_path: Path) -> None:
    keys = ["space", "space", "down", "n", "left", "q"]   # the final quit is not replayed
    log = read_keylog(_keylog(tmp_path, keys))
    sc = load_scenario("xor")
    direct = ChainstepApp(sc)
    async with direct.run_test(size=SIZE) as pilot:
        await pilot.press(*keys[:-1])
        expected = direct.cursor.position
    app = ChainstepApp(sc)
    async with app.run_test(size=SIZE) as pilot:
        assert await replay_keys(app, pilot, log, speed=10) == 5
        assert app.cursor.position == expected and app.is_running


async def test_replay_shortens_pauses_to_the_logs_idle_time_limit() -> None:
    import asyncio
    from chainstep.tui.recording.cast import KeyEvent, KeyLog
    log = KeyLog({"scenario": "xor", "idle_time_limit": 0.05}, (KeyEvent(0.5, "space"), KeyEvent(60.0, "space")))
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=SIZE) as pilot:
        # real time kept in the log (a minute's pause), cut to 0.05 s per gap on replay
        assert await asyncio.wait_for(replay_keys(app, pilot, log), timeout=20) == 2
        assert app.cursor.position.step == 2   # 0-based: two presses from the first step


async def test_presenter_replay_plays_one_logged_key_per_keypress(tmp_path: Path) -> None:
    log = read_keylog(_keylog(tmp_path, ["space", "space", "down"]))
    app = ChainstepApp(load_scenario("xor"))
    app.recording_dir = str(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        PresenterReplay(app, log).install()
        await pilot.press("ctrl+r")   # recording still works during a presentation...
        await pilot.press("x")
        assert app.cursor.step == 1
        await pilot.press("x")
        await pilot.press("ctrl+r")
        await pilot.press("x")        # ...and stopping it leaves the presenter hooked in
        assert app.cursor.step == 4 and app.cursor.phase == "loss"
        await pilot.press("left")   # the log is used up: keys work as usual again
        assert app.cursor.step == 3
    (cast,) = tmp_path.glob("chainstep-xor-*.cast")
    # the log of the presentation holds what the app received, not the presenter's x presses
    assert [e.key for e in read_keylog(keylog_path_for(cast))] == ["space", "space"]


def test_replay_cli_reports_a_bad_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "x.keys.jsonl"
    bad.write_text('{"format": "chainstep-keylog", "version": 1, "scenario": "xor"}\n[1, "o", "x"]\n')
    assert main(["replay", str(bad)]) == 2
    assert f"{bad}:2:1: expected an object" in capsys.readouterr().err


async def test_export_writes_one_svg_per_step(tmp_path: Path) -> None:
    sc = load_scenario("xor")
    written = await export_steps(lambda: ChainstepApp(sc), sc, tmp_path, size=SIZE, iterations=1)
    trace = sc.parts[0].trace
    assert [p.name for p in written] == [f"i001-s{k + 1:02d}-{sid}.svg" for k, sid in enumerate(trace.step_ids)]
    for k in (0, 4, len(written) - 1):
        svg = written[k].read_text()
        assert svg.startswith("<svg") and f"step&#160;{k + 1}/{trace.n_steps}" in svg
