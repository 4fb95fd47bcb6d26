"""`chainstep serve`: the debugger in web browsers, one app process per tab (see `tui/serve.py`)."""
from __future__ import annotations

import argparse
import sys

from ...scenarios import DEFAULT_SCENARIO
from ..serve import DEFAULT_HOST, DEFAULT_PORT
from .course import add_quiz_option


def _serve_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", nargs="?", help=f"bundled scenario name or YAML path (default: {DEFAULT_SCENARIO})")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT})")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}, this machine only; 0.0.0.0 for every "
                        "network this machine is on)")
    p.add_argument("--public-url", metavar="URL",
                   help="the address browsers use to reach the server, when it differs from http://HOST:PORT "
                        "(behind a proxy, or with --host 0.0.0.0)")
    add_quiz_option(p)


def cmd_serve(args: argparse.Namespace) -> int:
    from ...core.scenario import load_scenario, resolve
    from ..serve import app_command, is_loopback, public_url
    name = args.scenario or DEFAULT_SCENARIO
    load_scenario(name)   # a broken file fails here, with its location, not in every browser tab
    path = str(resolve(name).resolve())
    if not 0 < args.port < 65536:
        print(f"chainstep serve: --port {args.port} is not a TCP port (use 1 to 65535)", file=sys.stderr)
        return 2
    try:
        from textual_serve.server import Server
    except ImportError:
        print("chainstep serve: textual-serve is not installed (pip install textual-serve)", file=sys.stderr)
        return 2
    if not is_loopback(args.host):
        print(f"chainstep serve: warning: listening on {args.host}, not only on this machine. Anyone who can "
              f"reach port {args.port} there can open the app, with no password. Use this on a network you "
              "trust, and stop the server (Ctrl+C) when the class is over.", file=sys.stderr)
    url = args.public_url or public_url(args.host, args.port)
    if not is_loopback(args.host):
        print(f"chainstep serve: browsers elsewhere open {url} (if that address is wrong, give --public-url)",
              file=sys.stderr)
    server = Server(app_command(path, args.quiz), host=args.host, port=args.port, title=f"chainstep: {name}", public_url=url)
    try:
        server.serve()
    except OSError as exc:   # the port is taken, or the address is not this machine's
        print(f"chainstep serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


COMMANDS = {
    "serve": ("serve the debugger to web browsers (loopback only unless --host is given)", _serve_args, cmd_serve),
}
