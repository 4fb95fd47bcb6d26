"""Editor support, checked with a real editor back end: yaml-language-server (the one VS Code, Neovim,
Helix, ... use for YAML) reads the bundled scenarios' schema line, underlines mistakes and completes
keys. Skips unless `yaml-language-server` is on PATH (npm install -g yaml-language-server).
"""
from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from chainstep.core.scenario import bundled
from chainstep.core.schema import MODELINE, SCHEMA_FILE, schema_text

SERVER = shutil.which("yaml-language-server")
pytestmark = pytest.mark.skipif(SERVER is None, reason="needs yaml-language-server (npm install -g yaml-language-server)")
WAIT_S = 30.0

BAD = f"""\
{MODELINE}
title: bad on purpose
network:
  inputs: 2
  layers:
    - {{units: 2, activation: sigmoidd}}
    - {{unit: 1, activation: sigmoid}}
data: {{generator: xor}}
loss: mse
optimiser: {{lr: 0.5}}
iterations: ten
"""


class Client:
    """Just enough of the Language Server Protocol over stdio to open files and read what comes back."""

    def __init__(self, root: Path):
        self.proc = subprocess.Popen([str(SERVER), "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.buf = b""
        self.next_id = 0
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self.settings = {"validate": True, "completion": True, "hover": True, "schemaStore": {"enable": False}}
        self.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(),
                                    "capabilities": {"workspace": {"configuration": True}}})
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": {"yaml": self.settings}})

    def _send(self, msg: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **msg}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self._send({"method": method, "params": params})

    def _receive(self, deadline: float) -> dict[str, Any] | None:
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            head, sep, rest = self.buf.partition(b"\r\n\r\n")
            if sep:
                length = int(next(l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")).split(b":")[1])
                if len(rest) >= length:
                    self.buf = rest[length:]
                    return json.loads(rest[:length])
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    raise AssertionError("yaml-language-server exited")
                self.buf += chunk
        return None

    def _dispatch(self, msg: dict[str, Any]) -> None:
        method = msg.get("method")
        if method == "textDocument/publishDiagnostics":
            self.diagnostics[msg["params"]["uri"]] = msg["params"]["diagnostics"]
        elif method is not None and "id" in msg:   # a request from the server: answer it
            result = [self.settings] * len(msg["params"]["items"]) if method == "workspace/configuration" else None
            self._send({"id": msg["id"], "result": result})

    def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        rid = self.next_id
        self._send({"id": rid, "method": method, "params": params})
        deadline = time.monotonic() + WAIT_S
        while (msg := self._receive(deadline)) is not None:
            if msg.get("id") == rid and "method" not in msg:
                return msg.get("result")
            self._dispatch(msg)
        raise AssertionError(f"no answer to {method} within {WAIT_S} s")

    def open(self, path: Path) -> list[dict[str, Any]]:
        """Open a file and wait for its diagnostics."""
        uri = path.as_uri()
        self.diagnostics.pop(uri, None)
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                              "text": path.read_text(encoding="utf-8")}})
        deadline = time.monotonic() + WAIT_S
        while uri not in self.diagnostics:
            msg = self._receive(deadline)
            if msg is None:
                raise AssertionError(f"no diagnostics for {path.name} within {WAIT_S} s")
            self._dispatch(msg)
        return self.diagnostics[uri]

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture
def client(tmp_path: Path):  # noqa: ANN201
    c = Client(tmp_path)
    try:
        yield c
    finally:
        c.close()


def test_bundled_scenarios_have_no_squiggles(client: Client) -> None:
    for path in bundled():
        assert client.open(path) == [], path.name


def test_mistakes_are_underlined_where_they_are(client: Client, tmp_path: Path) -> None:
    (tmp_path / SCHEMA_FILE).write_text(schema_text(), encoding="utf-8")   # as `chainstep schema -o` writes it
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    lines = sorted({d["range"]["start"]["line"] + 1 for d in client.open(path)})
    assert lines == [6, 7, 10, 11]   # activation, unit(s), optimiser, iterations


def test_keys_are_completed(client: Client, tmp_path: Path) -> None:
    (tmp_path / SCHEMA_FILE).write_text(schema_text(), encoding="utf-8")
    path = tmp_path / "new.yaml"
    path.write_text(f"{MODELINE}\ntitle: new\nnetwork:\n  inputs: 1\n  \n", encoding="utf-8")
    client.open(path)
    top = client.request("textDocument/completion", {"textDocument": {"uri": path.as_uri()},
                                                     "position": {"line": 5, "character": 0}})
    nested = client.request("textDocument/completion", {"textDocument": {"uri": path.as_uri()},
                                                        "position": {"line": 4, "character": 2}})
    labels = lambda r: {i["label"] for i in (r["items"] if isinstance(r, dict) else r)}  # noqa: E731
    assert {"data", "loss", "optimizer", "parts"} <= labels(top)
    assert "layers" in labels(nested)
