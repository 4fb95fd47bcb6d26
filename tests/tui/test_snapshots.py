"""Screenshots of key states, compared with the accepted ones in __snapshots__.

A forward, a loss, a gradient and an update step of xor at five terminal sizes (the compact layout
below 100 columns), plus help and the too-small notice. Update them after a deliberate change of
the look with `pytest tests/tui/test_snapshots.py --snapshot-update`, then look at the SVGs (see
README, "Looking at the screen") before committing.
"""
from __future__ import annotations

import pytest

from chainstep.core.scenario import load_scenario
from chainstep.tui.app import ChainstepApp

SIZES = [(60, 20), (80, 24), (100, 30), (120, 40), (200, 60)]
STEPS = {"forward": "forward.1.u", "loss": "loss.L", "gradient": "backward.1.dW", "update": "update.W1"}


def xor_app() -> ChainstepApp:
    return ChainstepApp(load_scenario("xor"))


def at(step_id: str):
    async def go(pilot) -> None:
        pilot.app.action_jump(step_id)
        await pilot.pause()
    return go


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("kind", list(STEPS))
def test_step(snap_compare, kind: str, size: tuple[int, int]) -> None:
    assert snap_compare(xor_app(), run_before=at(STEPS[kind]), terminal_size=size)


def test_help_120x40(snap_compare) -> None:
    assert snap_compare(xor_app(), press=["question_mark"], terminal_size=(120, 40))


def test_too_small_40x12(snap_compare) -> None:
    assert snap_compare(xor_app(), terminal_size=(40, 12))


def test_the_readme_picture_is_the_current_gradient_snapshot() -> None:
    """README's hero picture is the 120×40 gradient step, regenerated with the snapshots."""
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    snap = Path(__file__).parent / "__snapshots__" / "test_snapshots" / "test_step[gradient-120x40].svg"
    assert (root / "docs" / "chainstep.svg").read_text() == snap.read_text()
