"""`chainstep record`, `chainstep export`, `chainstep replay`, and the `--record` options of the app.

Textual is imported only inside the handlers, so building the parser stays fast.
"""
from __future__ import annotations

import argparse
import asyncio
import re
import sys
from pathlib import Path
from typing import Any

from ..recording.cast import DEFAULT_IDLE_CAP, KeyLogError, RecordingPathError, check_writable, keylog_path_for
from .course import add_quiz_option
from .exits import EXIT_OK, EXIT_USAGE
from ..recording.tape import MAX_PACE, TapeError

DEFAULT_SIZE = (100, 32)
DEFAULT_PACE = 0.8
MIN_SIZE, MAX_SIZE = (40, 10), (1000, 500)


def _fail(message: str) -> int:
    print(f"chainstep: {message}", file=sys.stderr)
    return EXIT_USAGE


# -- argument types (argparse turns ArgumentTypeError into a usage error, exit 2) -------------
def cast_path(text: str) -> Path:
    """An output path that can be written; checked at parse time, before any session starts."""
    try:
        path = check_writable(text)
        check_writable(keylog_path_for(path))
    except RecordingPathError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return path


def terminal_size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"size {text!r} is not COLUMNSxROWS (e.g. 100x32)")
    w, h = int(m.group(1)), int(m.group(2))
    if not (MIN_SIZE[0] <= w <= MAX_SIZE[0] and MIN_SIZE[1] <= h <= MAX_SIZE[1]):
        raise argparse.ArgumentTypeError(
            f"size {w}x{h} is out of range (use {MIN_SIZE[0]}..{MAX_SIZE[0]} columns, {MIN_SIZE[1]}..{MAX_SIZE[1]} rows)")
    return w, h


def seconds(low: float, high: float) -> Any:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is out of range (use {low:g} to {high:g})")
        return value
    return parse


# -- `chainstep [SCENARIO] --record PATH --idle-cap S` ---------------------------------------
def add_recording_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("recording")
    g.add_argument("--record", metavar="PATH", type=cast_path,
                   help="record the session as an asciinema cast (keys go to PATH's .keys.jsonl); "
                        "ctrl+r in the app starts/stops a new recording, ctrl+s saves an SVG screenshot")
    g.add_argument("--idle-cap", metavar="SECONDS", type=seconds(0, 3600), default=DEFAULT_IDLE_CAP,
                   help="the cast header's idle_time_limit: players shorten pauses longer than this "
                        f"(default {DEFAULT_IDLE_CAP:g}; 0 plays them in full); the file keeps real time")
    g.add_argument("--input-events", action="store_true",
                   help='also write the keys into the cast as asciinema "i" (input) events')


# -- `chainstep record` -----------------------------------------------------------------------
def _record_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="bundled scenario name or YAML path")
    p.add_argument("--keys", default="", help='keys to press, e.g. "space space ] pause:1.5 space*4"')
    p.add_argument("--tape", metavar="FILE", help="a tape file of keys, pauses and captions (played before --keys)")
    p.add_argument("--size", type=terminal_size, default=DEFAULT_SIZE, metavar="COLSxROWS",
                   help="terminal size of the recording (default 100x32)")
    p.add_argument("--pace", type=seconds(0.01, MAX_PACE), default=DEFAULT_PACE, metavar="SECONDS",
                   help=f"seconds between key presses in the cast (default {DEFAULT_PACE:g})")
    p.add_argument("-o", "--output", type=cast_path, metavar="PATH",
                   help="the cast to write (default SCENARIO.cast); keys go to PATH's .keys.jsonl")
    p.add_argument("--title", help="title in the cast header")
    add_quiz_option(p)
    p.add_argument("--input-events", action="store_true",
                   help='also write the keys into the cast as asciinema "i" (input) events')


def cmd_record(args: argparse.Namespace) -> int:
    from ...core.scenario import load_scenario
    from ..recording.tape import load_tape, parse_keys
    try:
        actions = (load_tape(args.tape) if args.tape else []) + parse_keys(args.keys)
    except TapeError as exc:
        return _fail(str(exc))
    if not any(type(a).__name__ == "Press" for a in actions):
        return _fail("nothing to record: give keys with --keys \"space space ]\" or a --tape file")
    scenario = load_scenario(args.scenario)   # ScenarioError -> exit 2 in cli.main
    try:
        output = args.output or cast_path(f"{scenario.name}.cast")
    except argparse.ArgumentTypeError as exc:
        return _fail(str(exc))
    from ..app import ChainstepApp
    from ..recording.scripted import record_script
    try:
        # A scripted demo can answer questions too; it neither reads nor changes anyone's progress.
        quiz = argparse.Namespace(quiz=args.quiz, progress=False)
        result = asyncio.run(record_script(lambda: ChainstepApp(scenario, args=quiz), actions, output, size=args.size,
                                           pace=args.pace, scenario=args.scenario, title=args.title,
                                           input_events=args.input_events))
    except RecordingPathError as exc:
        return _fail(str(exc))
    print(f"wrote {result.path} ({result.frames} frames, {result.keys} keys, {result.duration:g} s, "
          f"{result.bytes} bytes) and {result.keylog}")
    print(f"play it with: asciinema play {result.path}")
    return EXIT_OK


# -- `chainstep export` -----------------------------------------------------------------------
def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="bundled scenario name or YAML path")
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("--svg", metavar="DIR", type=Path, help="directory for one SVG file per step (created)")
    out.add_argument("--gif", metavar="FILE", type=gif_path,
                     help="an animated GIF of the same screens: each step of the first iteration, or what "
                          "--keys / --tape play (needs the gif extra)")
    p.add_argument("--size", type=terminal_size, default=DEFAULT_SIZE, metavar="COLSxROWS",
                   help="terminal size of the screenshots (default 100x32)")
    p.add_argument("--iterations", type=int, default=1, metavar="N",
                   help="with --svg: export the steps of the first N iterations of each part (default 1)")
    g = p.add_argument_group("GIF script (as `chainstep record` takes it)")
    g.add_argument("--keys", default="", help='with --gif: keys to press, e.g. "space space ] pause:1.5 space*4"')
    g.add_argument("--tape", metavar="FILE", help="with --gif: a tape file of keys, pauses and captions")
    g.add_argument("--pace", type=seconds(0.01, MAX_PACE), default=DEFAULT_PACE, metavar="SECONDS",
                   help=f"with --gif: seconds each screen is shown (default {DEFAULT_PACE:g})")


def gif_path(text: str) -> Path:
    try:
        return check_writable(text)
    except RecordingPathError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_export(args: argparse.Namespace) -> int:
    from ...core.scenario import load_scenario
    if args.gif is not None:
        return _export_gif(args)
    if args.keys or args.tape:
        return _fail("--keys and --tape go with --gif; --svg exports every step")
    if args.iterations < 1:
        return _fail(f"--iterations {args.iterations}: give 1 or more")
    directory: Path = args.svg
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".chainstep-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        return _fail(f"cannot write SVG files to {str(directory)!r}: {exc.strerror or exc} "
                     "(choose a directory you can write)")
    scenario = load_scenario(args.scenario)
    from ..app import ChainstepApp
    from ..recording.scripted import export_steps
    written = asyncio.run(export_steps(lambda: ChainstepApp(scenario), scenario, directory,
                                       size=args.size, iterations=args.iterations))
    print(f"wrote {len(written)} SVG files to {directory}")
    return EXIT_OK


def _export_gif(args: argparse.Namespace) -> int:
    from ...core.scenario import load_scenario
    from ..recording.tape import Press, load_tape, parse_keys
    try:
        actions = (load_tape(args.tape) if args.tape else []) + parse_keys(args.keys)
    except TapeError as exc:
        return _fail(str(exc))
    from ..recording.gif import GifUnavailable, check_available, script_frames, write_gif
    try:
        check_available()
    except GifUnavailable as exc:
        return _fail(str(exc))
    scenario = load_scenario(args.scenario)
    if not any(isinstance(a, Press) for a in actions):   # no script: every step of the first iteration
        actions += [Press("space")] * (scenario.parts[0].trace.n_steps - 1)
    from ..app import ChainstepApp
    frames = asyncio.run(script_frames(lambda: ChainstepApp(scenario), actions, size=args.size, pace=args.pace,
                                       title=f"chainstep {scenario.name}"))
    try:
        count = write_gif(frames, args.gif)
    except OSError as exc:
        return _fail(f"cannot write {str(args.gif)!r}: {exc.strerror or exc} (choose another path)")
    print(f"wrote {args.gif} ({count} frames, {sum(f.seconds for f in frames):g} s)")
    return EXIT_OK


# -- `chainstep replay` -----------------------------------------------------------------------
def _replay_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("log", help="a keystroke log (the .keys.jsonl saved beside every recording)")
    p.add_argument("--presenter", action="store_true",
                   help="one recorded key per key you press (ctrl+q still quits)")
    p.add_argument("--speed", type=seconds(0.05, 100), default=1.0, metavar="X",
                   help="replay X times faster than recorded (default 1)")
    p.add_argument("--scenario", help="open this scenario instead of the one named in the log")
    add_quiz_option(p)
    add_recording_options(p)


def cmd_replay(args: argparse.Namespace) -> int:
    from ...core.scenario import load_scenario
    from ..recording.cast import read_keylog
    try:
        log = read_keylog(args.log)
    except KeyLogError as exc:
        return _fail(str(exc))
    name = args.scenario or log.scenario
    if not name:
        return _fail(f"{args.log}:1:1: the log names no scenario (give one with --scenario NAME)")
    scenario = load_scenario(name)
    from ..app import ChainstepApp
    from ..recording.options import apply_recording_options, report_recording
    from ..recording.scripted import PresenterReplay, replay_keys
    app = ChainstepApp(scenario, args=argparse.Namespace(quiz=args.quiz))
    apply_recording_options(app, args)
    if args.presenter:
        PresenterReplay(app, log).install()
        app.run()
    else:
        async def autopilot(pilot: Any) -> None:
            await replay_keys(app, pilot, log, speed=args.speed, show_progress=True)
        app.run(auto_pilot=autopilot)
    report_recording(app, args)
    return EXIT_OK


COMMANDS = {
    "record": ("record a scripted demo as an asciinema cast, headless and deterministic", _record_args, cmd_record),
    "export": ("save each step as an SVG screenshot (--svg), or an animated GIF of the steps or of keys (--gif), for slides", _export_args, cmd_export),
    "replay": ("replay a keystroke log in the app, at its own pace or one key per keypress", _replay_args,
               cmd_replay),
}
