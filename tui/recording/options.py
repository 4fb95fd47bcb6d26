"""`--record` and `--idle-cap` applied to a running app: start the recording, say where it went."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .cast import DEFAULT_IDLE_CAP, RecordingPathError, keylog_path_for


def apply_recording_options(app: Any, args: argparse.Namespace) -> None:
    """Called before the app starts: set up in-app recording, start `--record`.

    An unwritable path is reported here, before the terminal switches to the app (exit 2).
    """
    if hasattr(app, "idle_cap"):
        app.idle_cap = getattr(args, "idle_cap", DEFAULT_IDLE_CAP) or None
    if hasattr(app, "input_events"):
        app.input_events = bool(getattr(args, "input_events", False))
    record = getattr(args, "record", None)
    if record is None:
        return
    app.recording_dir = str(Path(record).parent)
    app.screenshot_dir = str(Path(record).parent)
    try:
        app.start_recording(record)
    except RecordingPathError as exc:
        print(f"chainstep: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def report_recording(app: Any, args: argparse.Namespace) -> None:
    """After the app quits: say where `--record` went, on the normal terminal."""
    record = getattr(args, "record", None)
    if record is not None and Path(record).exists():
        print(f"chainstep: recorded {record} and {keylog_path_for(record)}; play it with: asciinema play {record}",
              file=sys.stderr)


def run_recorded(app: Any, args: argparse.Namespace | None) -> Any:
    """`app.run()` with the recording options applied first and reported after."""
    if args is not None:
        apply_recording_options(app, args)
    result = app.run()
    if args is not None:
        report_recording(app, args)
    return result
