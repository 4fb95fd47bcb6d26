"""The classroom figures of `tests/bench.py --classroom`: how many students one machine serves.

Starts `chainstep serve` on a free loopback port, opens SESSIONS browser sessions with aiohttp's
websocket client (no browser), waits until every one has drawn, then measures:

- memory: the resident (RSS) and proportional (PSS: shared pages split between the processes
  that share them) size of every app process, and of the server;
- an active session's key→frame latency (a key sent to the status line showing the step it
  leads to) while the other sessions stay open and idle, and the same with that session alone.

Everything is bounded: a fixed number of sessions and presses, a timeout on every wait, and the
server's process group is killed at the end whatever happened.

    python tests/bench_classroom.py [--sessions 30] [--presses 60]    # or: python tests/bench.py --classroom
"""
from __future__ import annotations

import argparse
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
from typing import Any, Iterator

GOALS = {"sessions": 30, "total_mb": 4096.0, "active_p95_ms": 50.0}
WAIT_S = 20.0
ANSI = re.compile(rb"\x1b(\[[0-9;?$<>=]*[ -/]*[@-~]|\][^\x07]*\x07|[()][0-9A-B]|[=>])")
STEP = re.compile(rb"step (\d+)/(\d+)")


@contextlib.contextmanager
def server(sessions: int, scenario: str = "xor") -> Iterator[tuple[str, int]]:
    proc = subprocess.Popen([sys.executable, "-m", "chainstep.tui", "serve", scenario, "--port", "0",
                             "--max-sessions", str(sessions)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        assert proc.stdout is not None
        deadline, line = time.monotonic() + 60, b""
        while b"serving" not in line and time.monotonic() < deadline and proc.poll() is None:
            if select.select([proc.stdout], [], [], 0.5)[0]:
                line = proc.stdout.readline()
        found = re.search(rb"at (http://\S+?)/?\s*$", line)
        if not found:
            raise RuntimeError(f"chainstep serve did not start: {line!r}")
        yield found.group(1).decode(), proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _kb(path: Path, field: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def app_pids(server_pid: int) -> list[int]:
    """Descendants of the server that run the app (not the shells textual-serve starts them with)."""
    parent: dict[int, int] = {}
    cmd: dict[int, bytes] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError):
                parent[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
                cmd[int(d.name)] = (d / "cmdline").read_bytes()
    out = []
    for pid, c in cmd.items():
        p, hops = pid, 0
        while p > 1 and p != server_pid and hops < 20:
            p, hops = parent.get(p, 0), hops + 1
        if p == server_pid and b"chainstep.tui" in c and b"serve" not in c and not c.startswith(b"/bin/sh"):
            out.append(pid)
    return out


def memory(server_pid: int) -> dict[str, Any]:
    pids = app_pids(server_pid)
    rss = [_kb(Path(f"/proc/{p}/status"), "VmRSS") / 1024 for p in pids]
    pss = [_kb(Path(f"/proc/{p}/smaps_rollup"), "Pss") / 1024 for p in pids]
    return {"processes": len(pids), "rss_mb_each": sorted(rss), "pss_mb_each": sorted(pss),
            "server_rss_mb": _kb(Path(f"/proc/{server_pid}/status"), "VmRSS") / 1024,
            "server_pss_mb": _kb(Path(f"/proc/{server_pid}/smaps_rollup"), "Pss") / 1024}


class Session:
    """One browser tab: a websocket, and everything the app drew into it, read in the background."""

    def __init__(self, client: Any, base: str, size: tuple[int, int]) -> None:
        self.client, self.base, self.size = client, base, size
        self.data = bytearray()
        self.changed = asyncio.Event()

    async def open(self) -> "Session":
        import aiohttp
        url = f"{self.base.replace('http', 'ws', 1)}/ws?width={self.size[0]}&height={self.size[1]}"
        self.ws = await self.client.ws_connect(url, origin=self.base, max_msg_size=0)
        self.reader = asyncio.create_task(self._read(aiohttp.WSMsgType.BINARY))
        return self

    async def _read(self, binary: Any) -> None:
        async for msg in self.ws:
            if msg.type == binary:
                self.data += msg.data
                self.changed.set()

    async def until(self, pattern: re.Pattern[bytes], start: int, timeout: float = WAIT_S) -> re.Match[bytes]:
        deadline = time.monotonic() + timeout
        while True:
            self.changed.clear()   # before the search: data arriving during it sets the event again
            found = pattern.search(ANSI.sub(b"", bytes(self.data[start:])))
            if found:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {pattern.pattern!r} within {timeout} s")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()


async def key_to_frame(s: Session, presses: int, pause: float) -> list[float]:
    """Space presses; each timed until the status line shows the step it leads to."""
    import json as _json
    await s.until(STEP, 0)
    await asyncio.sleep(1.5)   # the first frame drawn is not yet an app that takes keys
    *_, last = STEP.finditer(ANSI.sub(b"", bytes(s.data)))   # where the session is now
    step, steps = int(last.group(1)), int(last.group(2))
    times = []
    for _ in range(presses):
        await asyncio.sleep(pause)
        step = step % steps + 1
        start = len(s.data)
        t0 = time.perf_counter()
        await s.ws.send_str(_json.dumps(["stdin", " "]))
        await s.until(re.compile(rb"step %d/%d" % (step, steps)), start)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q / 100 * (len(v) - 1))))] if v else float("nan")


async def _measure(sessions: int, presses: int, pause: float, size: tuple[int, int]) -> dict[str, Any]:
    import aiohttp
    out: dict[str, Any] = {"sessions": sessions, "size": list(size), "presses": presses}
    with server(sessions) as (base, pid):
        async with aiohttp.ClientSession() as client:
            alone = await Session(client, base, size).open()
            out["alone_ms"] = await key_to_frame(alone, presses, pause)
            out["memory_one"] = memory(pid)
            others = []
            t0 = time.perf_counter()
            for _ in range(sessions - 1):   # one at a time, as a room arrives: bounded by WAIT_S each
                s = await Session(client, base, size).open()
                await s.until(STEP, 0)
                others.append(s)
            out["open_all_s"] = time.perf_counter() - t0
            await asyncio.sleep(2.0)   # let the new sessions settle into idle
            out["memory_all"] = memory(pid)
            out["busy_ms"] = await key_to_frame(alone, presses, pause)
            for s in [alone, *others]:
                await s.close()
    for key in ("alone_ms", "busy_ms"):
        v = out[key]
        out[key.replace("_ms", "")] = {"p50_ms": pct(v, 50), "p95_ms": pct(v, 95), "max_ms": max(v)}
    m = out["memory_all"]
    out["pss_mb_per_session"] = sum(m["pss_mb_each"]) / max(1, m["processes"])
    out["rss_mb_per_session"] = sum(m["rss_mb_each"]) / max(1, m["processes"])
    out["total_mb"] = sum(m["pss_mb_each"]) + m["server_pss_mb"]
    out["students_in_4gb"] = int((GOALS["total_mb"] - m["server_pss_mb"]) // out["pss_mb_per_session"])
    return out


def measure(sessions: int = 30, presses: int = 60, pause: float = 0.05, size: tuple[int, int] = (120, 40)
            ) -> dict[str, Any]:
    try:
        return asyncio.run(_measure(sessions, presses, pause, size))
    except Exception as exc:   # a figure that could not be taken is reported, not a crash of the bench
        return {"error": [f"{type(exc).__name__}: {exc}"]}


def rows(r: dict[str, Any]) -> list[list[str]]:
    """Rows for bench.py's table: figure, chainstep, baseline, ratio, goal, verdict."""
    if "error" in r:
        return [["Classroom", "error: " + r["error"][0], "", "", "", "MISSED"]]
    n, busy, alone = r["sessions"], r["busy"], r["alone"]
    ok_mem = r["total_mb"] <= GOALS["total_mb"] and n >= GOALS["sessions"]
    return [
        [f"Classroom memory, {n} sessions (PSS) MB", f"{r['total_mb']:.0f}",
         f"{r['pss_mb_per_session']:.0f} per session (RSS {r['rss_mb_per_session']:.0f})", "",
         f"{GOALS['sessions']} within {GOALS['total_mb']:.0f} MB", "met" if ok_mem else "MISSED"],
        [f"Classroom active key→frame p50/p95 ms, {n - 1} idle", f"{busy['p50_ms']:.1f} / {busy['p95_ms']:.1f}",
         f"{alone['p50_ms']:.1f} / {alone['p95_ms']:.1f} alone", f"{busy['p95_ms'] / alone['p95_ms']:.2f}×",
         f"≤{GOALS['active_p95_ms']:g} ms", "met" if busy["p95_ms"] <= GOALS["active_p95_ms"] else "MISSED"],
        ["Classroom students in 4 GB (by PSS)", str(r["students_in_4gb"]), f"{r['open_all_s']:.0f} s to open all",
         "", "(information)", ""],
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=GOALS["sessions"])
    ap.add_argument("--presses", type=int, default=60)
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args(argv)
    result = measure(args.sessions, args.presses)
    for row in rows(result):
        print("  ".join(row))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 0 if "error" not in result else 1


if __name__ == "__main__":
    sys.exit(main())
