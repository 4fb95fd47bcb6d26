"""The classroom server: textual-serve's Server, with what a room full of browsers needs.

textual-serve runs one app process per browser tab and relays its screen over a websocket. This
subclass keeps its page, its static files, its download endpoint and its AppService, and adds:

- every request's Host must be one the server was started for (no DNS rebinding), and the
  websocket's Origin one of the served addresses (no other site can drive a session);
- beyond loopback, a random token in the URL, kept in a cookie for the websocket and downloads;
- a cap on sessions and on the terminal size a browser may ask for, at start and on resize;
- a session whose browser is gone ends: the process's output is drained after the socket
  closes, so the app reads the quit message instead of blocking on a full pipe, and heartbeats
  notice a tab that vanished without closing;
- CSP and frame-ancestors headers, no directory listing under /static, and a page title;
- the address is printed only once the port is bound; a failed bind raises OSError.
"""
from __future__ import annotations

import asyncio
import hmac
import html
import json
import logging
import signal
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

log = logging.getLogger("chainstep-serve")

TOKEN_COOKIE = "chainstep_token"
MAX_MESSAGE_BYTES = 64 * 1024   # a key press or a resize is a few bytes
STOP_WAIT_S = 10.0              # how long a closing session may take to quit
WRITE_WAIT_S = 20.0             # a browser that takes no output for this long is gone
HEARTBEAT_S = 15.0              # a browser that stops answering pings is gone


class RoomAppService(AppService):
    """One app process; after its browser leaves, its output is drained so it can read "quit"."""

    gone = False

    async def on_data(self, payload: bytes) -> None:
        if self.gone:
            return   # keep reading (and dropping) so the process never blocks on a full pipe
        try:
            await asyncio.wait_for(self.remote_write_bytes(payload), WRITE_WAIT_S)
        except (asyncio.TimeoutError, ConnectionError, RuntimeError):
            # The socket closed, or the browser stopped reading (a lid shut, a network gone).
            self.gone = True
            asyncio.get_running_loop().create_task(self.remote_close())

    async def on_meta(self, data: bytes) -> None:
        try:
            await super().on_meta(data)
        except (ConnectionError, RuntimeError):
            pass


class RoomServer(Server):
    """textual-serve's Server with the guards above; `serve()` blocks until SIGINT/SIGTERM."""

    def __init__(self, command: str, *, host: str, port: int, title: str, public_url: str,
                 token: str | None, max_sessions: int, max_size: tuple[int, int],
                 on_listening: Callable[["RoomServer", int], None] | None = None) -> None:
        super().__init__(command, host=host, port=port, title=title, public_url=public_url)
        self.token = token
        self.max_sessions = max_sessions
        self.max_width, self.max_height = max_size
        self.sessions = 0
        self.on_listening = on_listening
        self._origins: set[str] = set()
        self._hosts: set[str] = set()

    # -- who may connect ------------------------------------------------------------------------
    def allow_address(self, url: str) -> None:
        """Accept requests addressed to `url` (scheme://host:port) and websockets from that origin."""
        parts = urlsplit(url)
        self._origins.add(f"{parts.scheme}://{parts.netloc}".lower())
        self._hosts.add(parts.netloc.lower())

    def _has_token(self, request: web.Request) -> bool:
        if self.token is None:
            return True
        given = request.query.get("token") or request.cookies.get(TOKEN_COOKIE) or ""
        return hmac.compare_digest(given.encode(), self.token.encode())

    @web.middleware
    async def guard(self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                    ) -> web.StreamResponse:
        if request.host.lower() not in self._hosts:
            raise web.HTTPForbidden(text="This server answers only at the address it printed.")
        if not self._has_token(request):
            raise web.HTTPForbidden(text="Open the link with its token, as the teacher's terminal printed it.")
        if request.path == "/ws" and (request.headers.get("Origin") or "").lower() not in self._origins:
            raise web.HTTPForbidden(text="A session can be opened only from this server's own page.")
        response = await handler(request)
        self._secure(response)
        if self.token is not None and request.query.get("token"):
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="Strict", path="/")
        return response

    def _secure(self, response: web.StreamResponse) -> None:
        if response.prepared:   # a websocket or a streamed download: its headers are already sent
            return
        sockets = " ".join(o.replace("http", "ws", 1) for o in sorted(self._origins))
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data:; font-src 'self' data:; connect-src 'self' {sockets}; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"   # the token never leaves in a Referer

    # -- the aiohttp application ----------------------------------------------------------------
    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self.guard], client_max_size=MAX_MESSAGE_BYTES)
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes([
            web.get("/", self.handle_page, name="index"),
            web.get("/ws", self.handle_websocket, name="websocket"),
            web.get("/download/{key}", self.handle_download, name="download"),
            web.static("/static", self.statics_path, show_index=False, name="static"),
        ])
        return app

    async def handle_page(self, request: web.Request) -> web.StreamResponse:
        response = await self.handle_index(request)
        if isinstance(response, web.Response) and response.text:
            title = html.escape(self.title)
            response.text = response.text.replace("<head>", f"<head>\n    <title>{title}</title>", 1)
        return response

    def _size(self, width: Any, height: Any) -> tuple[int, int]:
        w = to_int(str(width), 80)
        h = to_int(str(height), 24)
        return max(10, min(w, self.max_width)), max(5, min(h, self.max_height))

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if self.sessions >= self.max_sessions:
            raise web.HTTPServiceUnavailable(text=f"This server is full ({self.max_sessions} sessions).")
        width, height = self._size(request.query.get("width", "80"), request.query.get("height", "24"))
        websocket = web.WebSocketResponse(heartbeat=HEARTBEAT_S, max_msg_size=MAX_MESSAGE_BYTES)
        self.sessions += 1
        service: RoomAppService | None = None
        try:
            await websocket.prepare(request)
            service = RoomAppService(self.command, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                                     close=websocket.close, download_manager=self.download_manager)
            await service.start(width, height)
            await self._relay(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:   # one broken session must not take the server down
            log.warning("session ended: %s", error)
        finally:
            if service is not None:
                await self._end(service)
            self.sessions -= 1
        return websocket

    async def _relay(self, websocket: web.WebSocketResponse, service: AppService) -> None:
        """The browser's keys and resizes to the app, sizes capped, anything malformed dropped."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
            except ValueError:
                continue
            if not (isinstance(envelope, list) and envelope and isinstance(envelope[0], str)):
                continue
            kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            if kind == "stdin" and isinstance(data, str):
                await service.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                await service.set_terminal_size(*self._size(data.get("width"), data.get("height")))
            elif kind == "ping" and isinstance(data, str):
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await service.blur()
            elif kind == "focus":
                await service.focus()

    async def _end(self, service: AppService) -> None:
        """Ask the app to quit and wait for it; if it does not, close its input, which ends it."""
        try:
            await asyncio.wait_for(service.stop(), STOP_WAIT_S)
        except (asyncio.TimeoutError, ConnectionError, RuntimeError):
            pass
        try:
            service.stdin.close()
        except (AssertionError, RuntimeError, OSError):
            pass

    # -- running --------------------------------------------------------------------------------
    async def run(self) -> None:
        """Bind (OSError if the port is taken), report the addresses, serve until told to stop."""
        runner = web.AppRunner(self.make_app(), handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):
                pass
        if self.on_listening is not None:   # only now: the port is bound (and known, when it was 0)
            self.on_listening(self, runner.addresses[0][1] if runner.addresses else self.port)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    def serve(self, debug: bool = False) -> None:
        asyncio.run(self.run())
