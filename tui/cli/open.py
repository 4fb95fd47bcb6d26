"""`chainstep [SCENARIO]` (also `chainstep open`): the debugger itself, optionally recording."""
from __future__ import annotations

import argparse
import gc

from ...scenarios import DEFAULT_SCENARIO
from .course import add_quiz_option
from .recording import add_recording_options


def _open_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", nargs="?",
                   help=f"bundled scenario name or YAML path (default: the last one opened, else {DEFAULT_SCENARIO})")
    add_quiz_option(p)
    add_recording_options(p)


def cmd_open(args: argparse.Namespace) -> int:
    # The cyclic collector waits while the app's modules load and its first frame is built: those
    # imports leave ~90k long-lived objects, and the full collections they set off cost ~0.1 s of
    # start-up. The app turns it back on (and freezes that heap) right after its first frame.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _open(args)
    finally:
        if collecting:
            gc.enable()


def _open(args: argparse.Namespace) -> int:
    from ..app import run_app   # Textual is imported only when the app itself runs
    if args.scenario:
        return run_app(args.scenario, args)
    from ...core.scenario import ScenarioError, load_scenario
    from ..userdata.settings import last_scenario
    name = last_scenario()
    if name:
        try:
            load_scenario(name)   # a remembered file that no longer loads is skipped, not an error
        except ScenarioError:
            name = None
    return run_app(name or DEFAULT_SCENARIO, args)


COMMANDS = {
    "open": ("open the debugger on a scenario (the default command: `chainstep xor` is `chainstep open xor`)",
             _open_args, cmd_open),
}
