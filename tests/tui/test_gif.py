"""`chainstep export --gif`: an animated GIF of the app's own screenshots, at the script's pace."""
from __future__ import annotations

from pathlib import Path

import pytest

from chainstep.core.scenario import load_scenario
from chainstep.tui.app import ChainstepApp
from chainstep.tui.cli import main
from chainstep.tui.recording.gif import GifUnavailable, check_available, script_frames
from chainstep.tui.recording.tape import Press, parse_tape

try:
    check_available()
    HAVE_GIF = True
except GifUnavailable:
    HAVE_GIF = False
needs_gif = pytest.mark.skipif(not HAVE_GIF, reason="CairoSVG/Pillow (the gif extra) or libcairo missing")


@needs_gif
def test_export_gif_is_an_animated_gif_with_one_frame_per_screen(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import Image
    tape = tmp_path / "demo.tape"
    tape.write_text("pace 0.4\ncaption Forward pass\nkeys space\npause 1\nkeys space\n")
    out = tmp_path / "demo.gif"
    assert main(["export", "xor", "--gif", str(out), "--tape", str(tape), "--keys", "down", "--size", "80x24"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert out.read_bytes()[:6] == b"GIF89a"
    with Image.open(out) as gif:
        assert gif.is_animated and gif.n_frames == 4   # start (with the caption), space, space, down
        assert gif.info["loop"] == 0
        durations = []
        for n in range(gif.n_frames):
            gif.seek(n)
            durations.append(gif.info["duration"])
        assert durations == [400, 1400, 400, 400]     # the pause holds the second screen 1 s longer
        assert gif.size[0] > 80 * 10                   # an 80-column screenshot, not a thumbnail


async def test_the_frames_are_the_export_svgs_with_the_caption_shown() -> None:
    sc = load_scenario("xor")
    frames = await script_frames(lambda: ChainstepApp(sc), parse_tape("caption Watch the loss\nkeys space"),
                                 size=(100, 32), pace=0.5, title="chainstep xor")
    assert len(frames) == 2 and all(f.svg.startswith("<svg") for f in frames)
    assert "Watch&#160;the&#160;loss" in frames[0].svg or "Watch the loss" in frames[0].svg
    steps = await script_frames(lambda: ChainstepApp(sc), [Press("space")] * 2, size=(100, 32), pace=0.5,
                                title="t")
    assert [f.seconds for f in steps] == [0.5, 0.5, 0.5]


def test_export_refuses_keys_without_gif_and_both_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "xor", "--svg", str(tmp_path), "--keys", "space"]) == 2
    assert "--keys and --tape go with --gif" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["export", "xor", "--svg", str(tmp_path), "--gif", str(tmp_path / "a.gif")])
    assert e.value.code == 2
