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


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_command(scenario_path: str, quiz: str | None = None) -> str:
    """The shell command textual-serve runs for each browser session (`quiz`: its --quiz mode)."""
    extra = ("--quiz", quiz) if quiz else ()
    return " ".join(shlex.quote(a) for a in (sys.executable, "-m", "chainstep.tui", scenario_path, *extra))


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
