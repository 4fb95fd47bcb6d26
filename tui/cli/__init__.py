"""The `chainstep` command line: one argparse parser, one subparser per command.

Each command group lives in its own module (`open`, `scenarios`, `explain`, `recording`, `schema`,
`serve`)
and imports what it needs only when it runs, so `chainstep check` and `chainstep --help` start fast
and never import Textual. With no command, `chainstep [SCENARIO] [options]` opens the debugger.
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from . import completion, config, course, explain, open as open_, recording, scenarios, schema, serve
from .exits import EXIT_MISMATCH, EXIT_OK, EXIT_USAGE

__all__ = ["EXIT_MISMATCH", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

Command = tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]

# In the order `chainstep --help` lists them.
COMMANDS: dict[str, Command] = {
    **open_.COMMANDS, **scenarios.COMMANDS, **explain.COMMANDS, **recording.COMMANDS, **schema.COMMANDS,
    **serve.COMMANDS, **course.COMMANDS, **config.COMMANDS, **completion.COMMANDS,
}
DEFAULT_COMMAND = "open"


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chainstep",
        usage="chainstep [SCENARIO] [options]\n       chainstep COMMAND [options]",
        description="A terminal stepping debugger for backpropagation. With no command, opens the debugger "
                    "on SCENARIO (a bundled name or a YAML path).",
        epilog="Run `chainstep COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action=_VersionAction)
    parser.set_defaults(root_parser=parser)   # `completion` describes the whole command line
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command")
    for name, (help_, add_args, handler) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        add_args(p)
        p.set_defaults(handler=handler)
    return parser


def _with_command(argv: list[str]) -> list[str]:
    """`chainstep xor --record x.cast` means `chainstep open xor --record x.cast`."""
    if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help", "--version")):
        return argv
    return [DEFAULT_COMMAND, *argv]


def main(argv: Sequence[str] | None = None) -> int:
    from ...core.errors import LocatedError
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(_with_command(argv))
        return args.handler(args)
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
