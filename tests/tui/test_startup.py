"""P2 start-up: what `chainstep` does before its first frame (the collector paused, nothing extra imported)."""
from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from chainstep.core.scenario import load_scenario
from chainstep.tui.app import ChainstepApp
from chainstep.tui.cli import main

DATA = Path(__file__).resolve().parent.parent / "data"


def test_a_broken_file_leaves_the_collector_as_it_found_it(capsys) -> None:
    assert gc.isenabled()
    assert main([str(DATA / "tui-broken.yaml")]) == 2
    assert "tui-broken.yaml:5:30:" in capsys.readouterr().err
    assert gc.isenabled()


async def test_the_app_turns_the_collector_back_on_after_its_first_frame() -> None:
    app = ChainstepApp(load_scenario("xor"))
    gc.disable()   # as `chainstep` leaves it while the app starts
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert gc.isenabled()
            assert "Network" in str(app.network.border_title)
    finally:
        gc.enable()


def test_the_command_line_imports_no_numpy_and_no_screens_before_it_runs(tmp_path: Path) -> None:
    code = ("import sys\nfrom chainstep.tui.cli import build_parser\nbuild_parser()\n"
            "import chainstep.tui.app\n"
            "late = ('chainstep.tui.tools.landscape_screen', 'chainstep.tui.tools.gradcheck_screen',\n"
            "        'chainstep.tui.tools.minibatch_screen', 'chainstep.tui.tools.zoom_screen', 'chainstep.core.explain')\n"
            "print([m for m in late if m in sys.modules])\n")
    parser_only = ("import sys\nfrom chainstep.tui.cli import build_parser\nbuild_parser()\n"
                   "print('numpy' in sys.modules)\n")
    run = lambda src: subprocess.run([sys.executable, "-c", src], capture_output=True, text=True, cwd=tmp_path,
                                     check=True).stdout.strip()
    assert run(parser_only) == "False"
    assert run(code) == "[]"
