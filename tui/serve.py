"""`chainstep serve`: the debugger in a web browser, through textual-serve.

Each browser tab that opens the page gets its own `python -m chainstep.tui SCENARIO` process,
drawn in the page. The server listens on loopback unless told otherwise: anyone who can reach the
port gets a running app, so listening on another address prints a warning first.
"""
from __future__ import annotations

import argparse
import ipaddress
import shlex
import socket
import sys

from ..core.scenario import DEFAULT_SCENARIO, load_scenario, resolve
from .cli import SUBCOMMANDS

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _serve_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", nargs="?", help=f"bundled scenario name or YAML path (default: {DEFAULT_SCENARIO})")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT})")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}, this machine only; 0.0.0.0 for every "
                        "network this machine is on)")
    p.add_argument("--public-url", metavar="URL",
                   help="the address browsers use to reach the server, when it differs from http://HOST:PORT "
                        "(behind a proxy, or with --host 0.0.0.0)")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_command(scenario_path: str) -> str:
    """The shell command textual-serve runs for each browser session."""
    return " ".join(shlex.quote(a) for a in (sys.executable, "-m", "chainstep.tui", scenario_path))


def lan_address() -> str:
    """This machine's address on its main network, as other machines reach it (hostname if unknown)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))   # UDP connect sends nothing; it only picks the outgoing interface
            return s.getsockname()[0]
    except OSError:
        return socket.gethostname()


def public_url(host: str, port: int) -> str:
    """What the page's websocket connects back to: a wildcard address is no use to a browser."""
    if host in ("0.0.0.0", "::", ""):
        host = lan_address()
    if ":" in host:   # a bare IPv6 address needs brackets in a URL
        host = f"[{host}]"
    return f"http://{host}:{port}"


def cmd_serve(args: argparse.Namespace) -> int:
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
    server = Server(app_command(path), host=args.host, port=args.port, title=f"chainstep: {name}", public_url=url)
    try:
        server.serve()
    except OSError as exc:   # the port is taken, or the address is not this machine's
        print(f"chainstep serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


SUBCOMMANDS["serve"] = ("serve the debugger to web browsers (loopback only unless --host is given)",
                        _serve_args, cmd_serve)
