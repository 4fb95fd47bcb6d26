"""`chainstep serve`: the debugger in a web browser, through textual-serve.

Each browser tab that opens the page gets its own `python -m chainstep.tui SCENARIO` process,
drawn in the page. The server listens on loopback unless told otherwise: anyone who can reach the
port gets a running app, so listening on another address prints a warning first.
"""
from __future__ import annotations

import ipaddress
import shlex
import socket
import sys


DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_SESSIONS = 30          # a class; each session is one app process (see README for the memory)
DEFAULT_MAX_SIZE = (240, 80)       # columns × rows: a projector's full screen, not 3000×1500
WILDCARDS = ("0.0.0.0", "0", "::", "")   # listen on every interface: not an address a browser can use


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def loopback_urls(port: int) -> list[str]:
    """The names a browser on this machine may use for a loopback server."""
    return [f"http://127.0.0.1:{port}", f"http://localhost:{port}", f"http://[::1]:{port}"]


def parse_size(text: str) -> tuple[int, int]:
    """`200x60` -> (200, 60); ValueError with a readable message otherwise."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"{text!r} is not a size: write COLUMNSxROWS, e.g. 200x60") from None
    if not (60 <= w <= 1000 and 20 <= h <= 500):
        raise ValueError(f"{text!r} is outside 60x20 to 1000x500 (the app needs 60x20)")
    return w, h


def app_command(scenario_path: str, quiz: str | None = None, env: dict[str, str] | None = None) -> str:
    """The shell command textual-serve runs for each browser session (`quiz`: its --quiz mode; `env` set
    for that process only)."""
    assign = [f"{k}={shlex.quote(v)}" for k, v in (env or {}).items()]
    extra = ("--quiz", quiz) if quiz else ()
    args = (sys.executable, "-m", "chainstep.tui", scenario_path, *extra)
    return " ".join([*assign, *(shlex.quote(a) for a in args)])


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
    if host in WILDCARDS:
        host = lan_address()
    if ":" in host:   # a bare IPv6 address needs brackets in a URL
        host = f"[{host}]"
    return f"http://{host}:{port}"
