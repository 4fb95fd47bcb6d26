"""A Textual driver that hands a copy of everything the app draws to listeners (a recorder).

Textual picks its driver through the public `App.get_driver_class()` / `App(driver_class=...)`;
wrapping whatever driver it would pick (Linux, Windows, the web driver textual-serve starts) in
`tee_driver` keeps the terminal output exactly as it was and lets a recorder see the same bytes.
This is the same seam textual-serve uses: it swaps the driver and reads what it writes.

Only what draws the screen is passed on. Terminal mode switches (alternate screen, mouse reporting,
bracketed paste, keyboard protocols), clipboard and pointer-shape requests and the bell stay out,
so a cast played back never leaves the viewer's terminal in a strange mode.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from textual.driver import Driver
from textual.drivers.headless_driver import HeadlessDriver

Listener = Callable[[str], None]

# A write made only of mode settings (CSI ? … h/l, DECRQM queries, kitty keyboard pushes/pops)
# or of synchronized-update brackets: nothing a player should replay.
_MODES_ONLY = re.compile(r"(?:\x1b\[\?[0-9;]*(?:[hl]|\$p)|\x1b\[[<>=][0-9;]*u)+")


def draws(data: str) -> bool:
    """Whether `data` is screen drawing (as opposed to a mode switch, an OSC request or a bell)."""
    if not data or data == "\x07" or data.startswith("\x1b]"):
        return False
    return _MODES_ONLY.fullmatch(data) is None


class OutputTee:
    """The listeners a tee driver passes its drawing to; one per app."""

    def __init__(self) -> None:
        self.listeners: list[Listener] = []
        self.connected = False   # a tee driver is in place for this app (set by the driver)

    def add(self, listener: Listener) -> None:
        if listener not in self.listeners:
            self.listeners.append(listener)

    def discard(self, listener: Listener) -> None:
        if listener in self.listeners:
            self.listeners.remove(listener)

    def send(self, data: str) -> None:
        for listener in list(self.listeners):
            listener(data)


def app_tee(app: Any) -> OutputTee | None:
    tee = getattr(app, "terminal_tee", None)
    return tee if isinstance(tee, OutputTee) else None


class TeeDriverMixin:
    """Put before a Driver class: `write` also goes to the app's `terminal_tee` listeners."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)  # type: ignore[call-arg]
        self._tee = app_tee(app)
        self._mode_switching = 0
        if self._tee is not None:
            self._tee.connected = True

    def write(self, data: str) -> None:
        super().write(data)  # type: ignore[misc]
        if self._tee is not None and not self._mode_switching and self._tee.listeners and draws(data):
            self._tee.send(data)

    def _quietly(self, method: Callable[[], None]) -> None:
        self._mode_switching += 1
        try:
            method()
        finally:
            self._mode_switching -= 1

    def start_application_mode(self) -> None:
        self._quietly(super().start_application_mode)  # type: ignore[misc]

    def stop_application_mode(self) -> None:
        self._quietly(super().stop_application_mode)  # type: ignore[misc]

    def suspend_application_mode(self) -> None:
        self._quietly(super().suspend_application_mode)  # type: ignore[misc]

    def resume_application_mode(self) -> None:
        self._quietly(super().resume_application_mode)  # type: ignore[misc]


_TEED: dict[type, type] = {}


def tee_driver(base: type[Driver]) -> type[Driver]:
    """`base` with its writes teed (the same class for the same base)."""
    if issubclass(base, TeeDriverMixin):
        return base
    if base not in _TEED:
        _TEED[base] = type(f"Tee{base.__name__}", (TeeDriverMixin, base), {"__module__": __name__})
    return _TEED[base]


class CaptureDriver(TeeDriverMixin, HeadlessDriver):
    """No terminal at all, yet Textual renders as for one: for headless recordings and tests.

    A headless driver makes Textual skip rendering; saying it is not headless makes the app render
    every update and write it here, where only the tee listeners see it.
    """

    @property
    def is_headless(self) -> bool:
        return False
