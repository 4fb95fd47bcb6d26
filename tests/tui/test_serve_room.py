"""`chainstep serve` for a room, driven as a hostile browser would, on loopback only.

A real server (`chainstep serve --port 0`) in its own process group, and aiohttp's websocket
client in place of a browser. Every wait is bounded (WAIT_S) and every loop counts, so a broken
server fails the test instead of hanging CI; the server and its app processes are killed after.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import pytest

aiohttp = pytest.importorskip("aiohttp")
pytest.importorskip("textual_serve")

from chainstep.tui.serve.room import RoomServer   # noqa: E402

WAIT_S = 40.0
CSI_MOVE = re.compile(rb"\x1b\[(\d+);(\d+)H")
ANSI = re.compile(rb"\x1b(\[[0-9;?$<>=]*[ -/]*[@-~]|\][^\x07]*\x07|[()][0-9A-B]|[=>])")


@contextlib.contextmanager
def served(*args: str, cwd: Path | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A running `chainstep serve ARGS --port 0`; yields its printed base URL and the process."""
    proc = subprocess.Popen([sys.executable, "-m", "chainstep.tui", "serve", *args, "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, cwd=cwd,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        deadline, line = time.monotonic() + WAIT_S, b""
        while b"serving" not in line and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 0.5)
            if ready:
                line = proc.stdout.readline()
            if proc.poll() is not None:
                raise AssertionError(f"serve exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        found = re.search(rb"at (http://\S+?)/?\s*$", line)
        assert found, f"no address printed: {line!r}"
        yield found.group(1).decode(), proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def app_processes(server_pid: int) -> list[int]:
    """The app processes the server started (descendants running `chainstep.tui` but not `serve`)."""
    parents: dict[int, int] = {}
    commands: dict[int, bytes] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])

    def descends(pid: int) -> bool:
        for _ in range(20):   # a bounded walk up the tree
            pid = parents.get(pid, 0)
            if pid == server_pid:
                return True
            if pid <= 1:
                return False
        return False

    return [p for p, cmd in commands.items()
            if descends(p) and b"chainstep.tui" in cmd and b"serve" not in cmd and b"/bin/sh" not in cmd]


def wait_until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert condition(), f"timed out waiting for {what}"


@contextlib.asynccontextmanager
async def session(base: str, *, origin: str | None = None, size: tuple[int, int] = (100, 32)
                  ) -> AsyncIterator[Any]:
    async with aiohttp.ClientSession() as client:
        ws = await client.ws_connect(f"{base.replace('http', 'ws', 1)}/ws?width={size[0]}&height={size[1]}",
                                     origin=origin or base, timeout=aiohttp.ClientWSTimeout(ws_receive=WAIT_S))
        try:
            yield ws
        finally:
            await ws.close()


async def drawn(ws: Any, needle: bytes, limit: int = 20000) -> tuple[bytes, list[Any]]:
    """Binary frames until `needle` appears (bounded in count and time); also the text messages."""
    data, plain, texts = b"", b"", []   # plain: without escapes, where text typed a key at a time is whole
    deadline = time.monotonic() + WAIT_S
    for _ in range(limit):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            msg = await asyncio.wait_for(ws.receive(), left)
        except asyncio.TimeoutError:
            break
        if msg.type == aiohttp.WSMsgType.BINARY:
            data += msg.data
            plain += ANSI.sub(b"", msg.data)
        elif msg.type == aiohttp.WSMsgType.TEXT:
            texts.append(json.loads(msg.data))
        else:
            break
        if needle in data or needle in plain or any(needle.decode() in json.dumps(t) for t in texts):
            return data, texts
    raise AssertionError(f"never saw {needle!r}; got {data[-300:]!r} and {texts}")


async def test_foreign_origin_other_hosts_and_directory_listing_are_refused() -> None:
    with served("xor") as (base, _):
        for origin in ("http://evil.example", "null", base.replace("127.0.0.1", "127.0.0.1.evil.example")):
            with pytest.raises(aiohttp.WSServerHandshakeError) as info:
                async with session(base, origin=origin):
                    pass
            assert info.value.status == 403, origin
        async with aiohttp.ClientSession() as client:
            async with client.get(base + "/", headers={"Host": "attacker.example"}) as r:
                assert r.status == 403   # DNS rebinding: a page on another name cannot read this one
            async with client.get(base + "/static/") as r:
                assert r.status != 200 and "Index of" not in await r.text()
            async with client.get(base + "/") as r:
                assert r.status == 200
                assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
                assert r.headers["X-Frame-Options"] == "DENY"
                assert "<title>chainstep: xor</title>" in await r.text()


async def test_the_session_cap_holds_and_a_closed_tab_ends_its_process() -> None:
    with served("xor", "--max-sessions", "1") as (base, proc):
        async with session(base) as ws:
            await drawn(ws, b"forward.1.u")
            assert len(app_processes(proc.pid)) == 1
            with pytest.raises(aiohttp.WSServerHandshakeError) as info:
                async with session(base):
                    pass
            assert info.value.status == 503
        wait_until(lambda: not app_processes(proc.pid), "the closed tab's app process to end")
        async with aiohttp.ClientSession() as client:   # the place is free again
            ws = await client.ws_connect(f"{base.replace('http', 'ws', 1)}/ws?width=240&height=80", origin=base)
            await drawn(ws, b"forward.1.u")
            # A busy tab that vanishes: big frames still coming, nobody reading, no goodbye.
            for _ in range(30):
                await ws.send_str(json.dumps(["stdin", " "]))
            await client.close()   # drops the connection without a websocket close
        wait_until(lambda: not app_processes(proc.pid), "a busy closed tab's app process to end")


async def test_the_terminal_size_a_browser_asks_for_is_capped() -> None:
    with served("xor", "--max-size", "100x30") as (base, _):
        async with session(base, size=(3000, 1500)) as ws:
            data, _ = await drawn(ws, b"forward.1.u")
            await ws.send_str(json.dumps(["resize", {"width": 3000, "height": 1500}]))
            await ws.send_str(json.dumps(["stdin", " "]))
            more, _ = await drawn(ws, b"forward.1.a")
        rows = [int(r) for r, _ in CSI_MOVE.findall(data + more)]
        cols = [int(c) for _, c in CSI_MOVE.findall(data + more)]
        assert rows and max(rows) <= 30 and max(cols) <= 100


async def test_ctrl_s_offers_a_download_and_writes_nothing_on_the_server(tmp_path: Path) -> None:
    with served("xor", cwd=tmp_path) as (base, _):
        async with session(base) as ws:
            await drawn(ws, b"forward.1.u")
            await ws.send_str(json.dumps(["stdin", "\x13"]))   # ctrl+s
            _, texts = await drawn(ws, b"deliver_file_start")
            key = next(t[1] for t in texts if t[0] == "deliver_file_start")
            async with aiohttp.ClientSession() as client:
                async with client.get(f"{base}/download/{key}") as r:
                    assert r.status == 200
                    assert r.headers["Content-Disposition"].startswith("attachment; filename=chainstep-xor-")
                    assert (await r.text()).lstrip().startswith("<svg")
    assert not list(tmp_path.iterdir()), "the server wrote files"


async def test_beyond_loopback_the_token_is_required_and_kept_in_a_cookie() -> None:
    """The guard itself, in this process on a loopback port, as it runs for a LAN address."""
    from aiohttp.test_utils import TestClient, TestServer
    server = RoomServer("true", host="127.0.0.1", port=0, title="t", public_url="", token="s3cret-token",
                        max_sessions=2, max_size=(100, 30))
    async with TestClient(TestServer(server.make_app(), host="127.0.0.1")) as client:
        base = str(client.make_url("")).rstrip("/")
        server.public_url = base
        server.allow_address(base)
        r = await client.get("/")
        assert r.status == 403
        r = await client.get("/?token=wrong")
        assert r.status == 403
        r = await client.get("/?token=s3cret-token")
        assert r.status == 200 and "chainstep_token" in r.cookies
        r = await client.get("/static/js/textual.js")   # the cookie now stands in for the token
        assert r.status == 200


async def test_a_path_typed_in_the_browser_palette_is_not_offered(tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("title: the server's secret\n", encoding="utf-8")
    ansi = ANSI
    with served("xor") as (base, _):
        async with session(base, size=(120, 40)) as ws:
            data, _ = await drawn(ws, b"forward.1.u")
            await asyncio.sleep(1.5)   # the app takes keys once it has settled
            await ws.send_str(json.dumps(["stdin", "\x10"]))   # ctrl+p
            await ws.send_str(json.dumps(["stdin", "sign of"]))
            seen, _ = await drawn(ws, b"sign of the error")   # the palette answers: bundled scenarios
            for ch in "\x7f" * 7 + str(secret):   # erase, then type the path
                await ws.send_str(json.dumps(["stdin", ch]))

            async def collect(seconds: float) -> bytes:
                got, deadline = b"", time.monotonic() + seconds
                for _ in range(20000):   # bounded in count and in time
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    with contextlib.suppress(asyncio.TimeoutError):
                        msg = await asyncio.wait_for(ws.receive(), left)
                        got += msg.data if isinstance(msg.data, bytes) else b""
                return got

            # The palette's answers to what was typed. (Typed a key at a time, the input is drawn in
            # pieces between cursor moves, so the path itself need not show up whole in the stream.)
            later = b""
            rest = await collect(4.0)
            await ws.send_str(json.dumps(["stdin", "\r"]))
            rest += await collect(2.0)
        text = ansi.sub(b"", seen + later + rest)
        assert b"Open file" not in text and b"the server's secret" not in text
