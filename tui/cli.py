"""The `chainstep` command: open the debugger, or list / check / trace scenarios.

Only the subcommands that need a terminal UI import Textual, so `chainstep check` and
`chainstep trace` start fast and work where no terminal is attached.
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from ..core.errors import LocatedError
from ..core.scenario import DEFAULT_SCENARIO

EXIT_OK, EXIT_MISMATCH, EXIT_USAGE = 0, 1, 2


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("chainstep")
    except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "unknown"


class _VersionAction(argparse.Action):
    """`--version`, looked up only when asked: importing importlib.metadata costs ~0.1 s of start-up."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0,
                         help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(f"chainstep {_version()}")
        parser.exit()


def cmd_open(args: argparse.Namespace) -> int:
    from .app import run_app   # imported here: Textual is needed only for the app itself
    return run_app(args.scenario or DEFAULT_SCENARIO, args)


def cmd_list(args: argparse.Namespace) -> int:
    from .commands import list_scenarios
    return list_scenarios(args)


def cmd_check(args: argparse.Namespace) -> int:
    from .commands import check_scenarios
    return check_scenarios(args)


def cmd_trace(args: argparse.Namespace) -> int:
    from .commands import trace_scenario
    return trace_scenario(args)


def add_open_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the app itself (`chainstep [SCENARIO] ...`)."""
    p.add_argument("scenario", nargs="?", help=f"bundled scenario name or YAML path (default: {DEFAULT_SCENARIO})")


# Options of the app come from several modules (recording adds --record, ...).
OPEN_OPTIONS: list[Callable[[argparse.ArgumentParser], None]] = [add_open_arguments]

# Each subcommand: name -> (help, function that adds its arguments, handler). Other modules add
# theirs through `SUBCOMMANDS` so this file stays a dispatcher.
SUBCOMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {}


def _list_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "json"), default="text")


def _check_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenarios", nargs="*", help="bundled names or YAML paths")
    p.add_argument("--all", action="store_true", help="check every bundled scenario")
    p.add_argument("--no-gradcheck", action="store_true", help="skip the finite-difference check")
    p.add_argument("--iterations", type=int, default=2, help="iterations to gradient-check (default 2)")


def _trace_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario")
    p.add_argument("--iterations", type=int, default=1, help="how many iterations to print (default 1)")
    p.add_argument("--start", type=int, default=0, help="first iteration to print")
    p.add_argument("--part", type=int, default=1, help="which part of the scenario (1-based)")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")


SUBCOMMANDS.update({
    "list": ("list the bundled scenarios", _list_args, cmd_list),
    "check": ("validate scenarios, verify their expect: blocks and check every gradient numerically",
              _check_args, cmd_check),
    "trace": ("print every step of a scenario with its formula and numbers", _trace_args, cmd_trace),
})


def _register_plugins() -> None:
    """Subcommands that live in other modules register themselves on import.

    They are part of chainstep, so a failing import is a bug to see, not a command to hide.
    """
    from . import recording_cli, schema_cli, serve  # noqa: F401  (record/export/replay, schema, serve)


def build_parser() -> argparse.ArgumentParser:
    _register_plugins()
    parser = argparse.ArgumentParser(
        prog="chainstep",
        description="A terminal stepping debugger for backpropagation. With no command, opens the debugger.",
        epilog="Commands: " + ", ".join(SUBCOMMANDS) + ". Run `chainstep COMMAND --help` for details.",
    )
    parser.add_argument("--version", action=_VersionAction)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        if argv and argv[0] in SUBCOMMANDS:
            help_, add_args, handler = SUBCOMMANDS[argv[0]]
            sub = argparse.ArgumentParser(prog=f"chainstep {argv[0]}", description=help_)
            add_args(sub)
            return handler(sub.parse_args(argv[1:]))
        for add in OPEN_OPTIONS:
            add(parser)
        return cmd_open(parser.parse_args(argv))
    except LocatedError as exc:   # a scenario, a tape or a key log: all say file:line:col
        print(f"chainstep: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:   # `chainstep trace ... | head` closed the pipe: not an error
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
