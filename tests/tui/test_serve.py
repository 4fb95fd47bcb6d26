"""`chainstep serve`: the app in a real browser, end to end, on loopback only.

The end-to-end test starts `chainstep serve` on a free loopback port, opens the page in headless
Chromium (Debian's `chromium` package, driven by Playwright's Python package; no downloaded
browser), waits for the app to draw, presses Space and checks the app moved to the next step. The
page draws on a canvas, so the text is read from what the app sent down the page's websocket.
Every request to anything but the local server is refused. It skips where Chromium is absent.
"""
from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from chainstep.tui.serve import launch as serve
from chainstep.tui.cli import main

CHROMIUM = Path(os.environ.get("CHAINSTEP_CHROMIUM", "/usr/bin/chromium"))   # Debian's package by default
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Terminal escape sequences (CSI, OSC, charset and keypad modes), removed to read the drawn text.
ANSI = re.compile(rb"\x1b(\[[0-9;?$<>=]*[ -/]*[@-~]|\][^\x07]*\x07|[()][0-9A-B]|[=>])")
WAIT_S = 30.0   # a bound on each wait, so a broken server fails the test instead of hanging CI


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"chainstep serve exited with {proc.returncode}: {proc.stderr.read().decode()!r}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"chainstep serve did not listen on 127.0.0.1:{port} within {WAIT_S} s")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install -y chromium)")
def test_browser_loads_the_app_and_a_key_steps_it(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    pytest.importorskip("textual_serve")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # Its own session, so the app processes the server starts for the page end with it.
    proc = subprocess.Popen([sys.executable, "-m", "chainstep.tui", "serve", "xor", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        _wait_listening(port, proc)
        frames: list[bytes] = []

        def text(start: int = 0) -> str:
            return ANSI.sub(b"", b"".join(frames[start:])).decode("utf-8", "replace")

        def wait_for(needle: str, start: int = 0) -> None:
            deadline = time.monotonic() + WAIT_S
            while needle not in text(start) and time.monotonic() < deadline:
                page.wait_for_timeout(100)
            assert needle in text(start), f"the app never drew {needle!r}; it drew {text(start)[-500:]!r}"

        def on_socket(ws: Any) -> None:
            ws.on("framereceived", lambda f: frames.append(f if isinstance(f, bytes) else f.encode()))

        def local_only(route: Any) -> None:
            # The page asks a font host for Roboto Mono; nothing may leave the machine.
            if route.request.url.startswith(base + "/"):
                route.continue_()
            else:
                route.abort()

        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True,
                                         timeout=WAIT_S * 1000)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.set_default_timeout(WAIT_S * 1000)
                page.on("websocket", on_socket)
                page.route("**/*", local_only)
                page.goto(base + "/", wait_until="domcontentloaded")
                page.wait_for_selector("body.-first-byte")   # the app's first output reached the page
                wait_for("step 1/")
                assert "forward.1.u" in text()
                before = page.screenshot()

                page.click("#terminal")   # keys go to the focused terminal
                start = len(frames)
                page.keyboard.press("Space")
                wait_for("step 2/", start)
                assert "forward.1.a" in text(start)
                page.wait_for_timeout(300)   # let the canvas paint what arrived
                after = page.screenshot(path=str(tmp_path / "serve.png"))
                assert "-closed" not in (page.get_attribute("body", "class") or "")
            finally:
                browser.close()
        assert _png_size(after) == (1400, 900)
        assert after != before, "the screenshot did not change after the key"
        assert (tmp_path / "serve.png").stat().st_size > 10_000   # a drawn screen, not a blank page
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


class FakeServer:
    """Stands in for RoomServer: records how it was made, and reports a bound port instead of listening."""

    made: list[dict[str, Any]] = []

    def __init__(self, command: str, **kwargs: Any) -> None:
        self.record = {"command": command, **kwargs}
        self.max_sessions, (self.max_width, self.max_height) = kwargs["max_sessions"], kwargs["max_size"]
        self.allowed: list[str] = []
        FakeServer.made.append(self.record)

    def allow_address(self, url: str) -> None:
        self.allowed.append(url)

    def serve(self) -> None:
        self.record["on_listening"](self, self.record["port"])
        self.record["public_url"], self.record["allowed"] = self.public_url, self.allowed


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    room = pytest.importorskip("chainstep.tui.serve.room")
    FakeServer.made = []
    monkeypatch.setattr(room, "RoomServer", FakeServer)
    return FakeServer.made


def test_serve_listens_on_loopback_by_default(fake_server: list[dict[str, Any]],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "xor", "--port", "8123"]) == 0
    (made,) = fake_server
    assert made["host"] == "127.0.0.1" and made["port"] == 8123
    assert made["public_url"] == "http://127.0.0.1:8123" and made["token"] is None
    assert "http://localhost:8123" in made["allowed"]
    assert "-m chainstep.tui" in made["command"] and made["command"].endswith("06-xor.yaml")
    # Which files the sessions may open goes to the app processes only, not to this process.
    env, *_ = shlex.split(made["command"])
    assert env.startswith("CHAINSTEP_SERVED_SCENARIOS=[") and env.endswith('06-xor.yaml"]')
    assert "CHAINSTEP_SERVED_SCENARIOS" not in os.environ
    out = capsys.readouterr()
    assert "warning" not in out.err and "at http://127.0.0.1:8123/" in out.out


def test_serve_elsewhere_warns_and_puts_a_token_in_the_printed_link(
        fake_server: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]) -> None:
    for host in ("0.0.0.0", "0"):
        assert main(["serve", "--host", host, "--port", "8124"]) == 0
    out = capsys.readouterr()
    assert "warning" in out.err and "0.0.0.0" in out.err
    for made in fake_server:
        assert made["public_url"] not in ("http://0.0.0.0:8124", "http://0:8124")   # a browser cannot reach a wildcard
        token = made["token"]
        assert token and len(token) >= 20 and f"{made['public_url']}/?token={token}" in out.out
    assert fake_server[0]["token"] != fake_server[1]["token"]   # random each time


def test_serve_caps_have_flags_and_sane_defaults(fake_server: list[dict[str, Any]],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "xor", "--port", "8125"]) == 0
    assert fake_server[0]["max_sessions"] == serve.DEFAULT_MAX_SESSIONS
    assert fake_server[0]["max_size"] == serve.DEFAULT_MAX_SIZE
    assert main(["serve", "xor", "--port", "8125", "--max-sessions", "3", "--max-size", "100x30"]) == 0
    assert fake_server[1]["max_sessions"] == 3 and fake_server[1]["max_size"] == (100, 30)
    assert main(["serve", "xor", "--max-size", "3000x1500"]) == 2
    assert main(["serve", "xor", "--max-sessions", "0"]) == 2
    assert "--max-size" in capsys.readouterr().err


def test_serve_quotes_paths_with_spaces(fake_server: list[dict[str, Any]], tmp_path: Path) -> None:
    src = Path(serve.__file__).resolve().parents[2] / "scenarios" / "06-xor.yaml"
    target = tmp_path / "my lesson's file.yaml"
    target.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["serve", str(target)]) == 0
    assert shlex.split(fake_server[0]["command"])[-1] == str(target.resolve())


def test_serve_refuses_a_broken_scenario_before_listening(fake_server: list[dict[str, Any]], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: t\nnetwork: {inputs: 1, layers: [{units: 1, activation: sigmoidd}]}\n"
                   "data: {x: [[1]], y: [[1]]}\n", encoding="utf-8")
    assert main(["serve", str(bad)]) == 2
    assert f"{bad}:2:" in capsys.readouterr().err
    assert main(["serve", "xor", "--port", "70000"]) == 2
    assert fake_server == []


def test_loopback_and_public_url() -> None:
    assert serve.is_loopback("127.0.0.1") and serve.is_loopback("::1") and serve.is_loopback("localhost")
    assert not serve.is_loopback("0.0.0.0") and not serve.is_loopback("192.168.1.5") and not serve.is_loopback("0")
    assert serve.public_url("::1", 80) == "http://[::1]:80"
    assert not serve.public_url("0", 80).startswith("http://0:")
