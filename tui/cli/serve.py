"""`chainstep serve`: the debugger in web browsers, one app process per tab (see `tui/serve/room.py`)."""
from __future__ import annotations

import argparse
import json
import secrets
import sys

from ...scenarios import DEFAULT_SCENARIO
from ..serve.launch import DEFAULT_HOST, DEFAULT_MAX_SESSIONS, DEFAULT_MAX_SIZE, DEFAULT_PORT
from .course import add_quiz_option


def _serve_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", nargs="*",
                   help=f"bundled scenario names or YAML paths the browsers may open; the first opens first "
                        f"(default: {DEFAULT_SCENARIO}). Every bundled scenario can be opened too; nothing else")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT}; 0: any free port)")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}, this machine only; 0.0.0.0 for every "
                        "network this machine is on, which adds an access token to the URL)")
    p.add_argument("--public-url", metavar="URL",
                   help="the address browsers use to reach the server, when it differs from http://HOST:PORT "
                        "(behind a proxy, or with --host 0.0.0.0)")
    add_quiz_option(p)
    p.add_argument("--max-sessions", type=int, default=DEFAULT_MAX_SESSIONS, metavar="N",
                   help=f"at most N browser tabs at once, each its own app process (default {DEFAULT_MAX_SESSIONS})")
    p.add_argument("--max-size", default="{}x{}".format(*DEFAULT_MAX_SIZE), metavar="COLSxROWS",
                   help="the largest terminal a browser may ask for (default {}x{})".format(*DEFAULT_MAX_SIZE))


def _fail(message: str) -> int:
    print(f"chainstep serve: {message}", file=sys.stderr)
    return 2


def cmd_serve(args: argparse.Namespace) -> int:
    from ...core.errors import printable
    from ...core.scenario import load_scenario, resolve
    from ..app.loading import SERVED_ENV
    from ..serve.launch import WILDCARDS, app_command, is_loopback, loopback_urls, parse_size, public_url
    names = args.scenario or [DEFAULT_SCENARIO]
    for name in names:
        load_scenario(name)   # a broken file fails here, with its location, not in every browser tab
    paths = [str(resolve(n).resolve()) for n in names]
    if not 0 <= args.port < 65536:
        return _fail(f"--port {args.port} is not a TCP port (use 1 to 65535, or 0 for any free one)")
    if args.max_sessions < 1:
        return _fail(f"--max-sessions {args.max_sessions}: allow at least 1")
    try:
        max_size = parse_size(args.max_size)
    except ValueError as exc:
        return _fail(f"--max-size {exc}")
    try:
        from ..serve.room import RoomServer
    except ImportError:
        return _fail("textual-serve is not installed (pip install textual-serve)")
    local = is_loopback(args.host)
    token = None if local else secrets.token_urlsafe(18)
    if not local:
        print(f"chainstep serve: warning: listening on {args.host}, not only on this machine. Anyone on that "
              "network who has the link below (it carries an access token) can open the app. Stop the server "
              "(Ctrl+C) when the class is over.", file=sys.stderr)

    def listening(server: RoomServer, port: int) -> None:
        url = args.public_url.rstrip("/") if args.public_url else public_url(args.host, port)
        server.public_url = url
        server.allow_address(url)
        if local:
            for u in loopback_urls(port):
                server.allow_address(u)
        elif args.host not in WILDCARDS:
            server.allow_address(public_url(args.host, port))
        link = f"{url}/?token={token}" if token else f"{url}/"
        shown = ", ".join(printable(n) for n in names)
        print(f"chainstep serve: serving {shown} at {link}", flush=True)
        print(f"chainstep serve: at most {server.max_sessions} sessions of up to {server.max_width}x"
              f"{server.max_height}; Ctrl+C stops", flush=True)

    # The app processes learn which files they may open from their environment (theirs only).
    server = RoomServer(app_command(paths[0], args.quiz, {SERVED_ENV: json.dumps(paths)}), host=args.host,
                        port=args.port, title=f"chainstep: {names[0]}",
                        public_url="", token=token, max_sessions=args.max_sessions, max_size=max_size,
                        on_listening=listening)
    try:
        server.serve()
    except OSError as exc:   # the port is taken, or the address is not this machine's
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    except KeyboardInterrupt:
        pass
    return 0


COMMANDS = {
    "serve": ("serve the debugger to web browsers (loopback only unless --host is given)", _serve_args, cmd_serve),
}
