"""P2 launcher: run an app in a terminal and mark the end of its first painted frame.

    python first_paint.py hello              # the hello-world baseline
    python first_paint.py chainstep xor      # `chainstep xor`, through the real CLI

After the first screen update is handed to the terminal driver, an OSC title sequence carrying
MARKER is written through the same driver, so it reaches the terminal right after the frame's
bytes; tests/bench.py, reading the other end of the pty, stops its clock when it sees it. The
patch is on Textual's App._display for this process only; the apps themselves are unchanged.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

MARKER = "chainstep-bench-first-paint"
PROFILE_ENV = "CHAINSTEP_BENCH_PROFILE"   # a path: write a pyinstrument profile of the start-up there


def _install_hook(profiler: Any = None) -> None:
    from textual.app import App

    original = App._display
    done = False

    def _display(self: Any, screen: Any, renderable: Any) -> None:
        nonlocal done
        original(self, screen, renderable)
        if done or renderable is None or self._batch_count or self._driver is None:
            return
        done = True
        self._driver.write(f"\x1b]2;{MARKER}\x07")
        if profiler is not None:
            profiler.stop()
            Path(os.environ[PROFILE_ENV]).write_text(profiler.output_text(unicode=True, color=False))
        self.exit()

    App._display = _display  # type: ignore[method-assign]


def main(argv: list[str]) -> int:
    profiler = None
    if os.environ.get(PROFILE_ENV):
        from pyinstrument import Profiler
        profiler = Profiler(interval=0.0005)
        profiler.start()
    _install_hook(profiler)
    if argv[:1] == ["hello"]:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from hello_app import HelloApp
        HelloApp().run()
        return 0
    if argv[:1] == ["chainstep"]:
        from chainstep.tui.cli import main as chainstep_main
        return chainstep_main(argv[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    os.environ.setdefault("TERM", "xterm-256color")
    sys.exit(main(sys.argv[1:]))
