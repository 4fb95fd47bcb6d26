"""Screenshots of key states of the xor scenario, compared with the accepted ones in __snapshots__.

Update them after a deliberate change of the look with `pytest tests/tui/test_snapshots.py
--snapshot-update`, and look at the SVGs before committing.
"""
from __future__ import annotations

from chainstep.core.scenario import load_scenario
from chainstep.tui.app import ChainstepApp


def xor_app() -> ChainstepApp:
    return ChainstepApp(load_scenario("xor"))


def test_first_step_120x40(snap_compare) -> None:
    assert snap_compare(xor_app(), terminal_size=(120, 40))


def test_loss_step_120x40(snap_compare) -> None:
    assert snap_compare(xor_app(), press=["down"], terminal_size=(120, 40))


def test_chain_rule_of_first_layer_weights_120x40(snap_compare) -> None:
    assert snap_compare(xor_app(), press=["g", *"backward.1.dW", "enter"], terminal_size=(120, 40))


def test_second_iteration_update_120x40(snap_compare) -> None:
    assert snap_compare(xor_app(), press=["e", "e"], terminal_size=(120, 40))


def test_help_120x40(snap_compare) -> None:
    assert snap_compare(xor_app(), press=["question_mark"], terminal_size=(120, 40))


def test_first_step_80x24(snap_compare) -> None:
    assert snap_compare(xor_app(), terminal_size=(80, 24))


def test_gradient_of_the_prediction_80x24(snap_compare) -> None:
    assert snap_compare(xor_app(), press=["down", "down"], terminal_size=(80, 24))


def test_chain_rule_200x60(snap_compare) -> None:
    assert snap_compare(xor_app(), press=["g", *"backward.1.dW", "enter"], terminal_size=(200, 60))


def test_too_small_40x12(snap_compare) -> None:
    assert snap_compare(xor_app(), terminal_size=(40, 12))
