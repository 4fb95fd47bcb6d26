"""A burst of move keys moves once per key, even while far iterations are still being computed."""
from __future__ import annotations

import asyncio
import time

import pytest
from textual import events

from chainstep.core import trace as trace_module
from chainstep.core.scenario import load_scenario
from chainstep.tui.app import ChainstepApp

SIZE = (120, 40)
LARGE = "mnist-sized-mlp"   # one iteration costs more than the key budget: moves go through the worker


@pytest.fixture(scope="module")
def large_steps() -> int:
    return load_scenario(LARGE).parts[0].trace.n_steps


async def settle(app: ChainstepApp, pilot) -> None:
    """Wait until no jump is pending (bounded, so a hang fails instead of blocking the suite)."""
    deadline = time.monotonic() + 60
    while app._target is not None and time.monotonic() < deadline:
        await pilot.pause(0.05)
    await app.workers.wait_for_complete()
    await pilot.pause()


def where(app: ChainstepApp) -> tuple[int, int]:
    """(iteration, step), 1-based as the status line writes them."""
    return app.cursor.iteration + 1, app.cursor.step + 1


@pytest.fixture
def slow_iterations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every iteration takes 150 ms more, as a much bigger network's would, and nothing is computed
    ahead: each move that needs an iteration goes through the jump worker, and the next presses
    land while it computes."""
    real = trace_module.run_iteration

    def run_iteration(*args, **kwargs):
        time.sleep(0.15)
        return real(*args, **kwargs)

    monkeypatch.setattr(trace_module, "run_iteration", run_iteration)
    monkeypatch.setattr(ChainstepApp, "_prefetch_neighbours", lambda self: None)


async def press_burst(iteration: int, step: int, key: str, slow: bool, count: int = 10
                      ) -> ChainstepApp:
    """Open the large scenario at a 1-based position and press `key` `count` times without waiting.

    With `slow`, each iteration costs more than the key budget, so moves that need one go through
    the jump worker and later presses arrive while it computes.
    """
    app = ChainstepApp(load_scenario(LARGE), iteration=iteration - 1, step=step - 1)
    pending: list[bool] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(count):
            await pilot.press(key)
            pending.append(app._target is not None)
        await settle(app, pilot)
        status = app.status.plain
    assert "computing" not in status
    if slow:
        assert any(pending), "the presses should have landed while a jump was being computed"
    return app


@pytest.fixture(params=[False, True], ids=["as-is", "slowed"])
def slow(request: pytest.FixtureRequest) -> bool:
    if request.param:
        request.getfixturevalue("slow_iterations")
    return request.param


async def test_ten_quick_n_move_ten_iterations(slow: bool) -> None:
    app = await press_burst(1, 5, "n", slow)
    assert where(app) == (11, 5)


async def test_ten_quick_p_move_ten_iterations_back(slow: bool) -> None:
    app = await press_burst(12, 5, "p", slow)
    assert where(app) == (2, 5)


async def test_ten_quick_spaces_cross_into_the_next_iteration(slow: bool, large_steps: int) -> None:
    assert large_steps == 27
    app = await press_burst(1, 22, "space", slow)
    assert where(app) == (2, 22 + 10 - 27)


async def test_ten_quick_lefts_cross_into_the_previous_iteration(slow: bool, large_steps: int) -> None:
    app = await press_burst(3, 4, "left", slow)
    assert where(app) == (2, 27 - (10 - 4))


async def test_escape_still_cancels_a_burst(slow_iterations: None) -> None:
    app = ChainstepApp(load_scenario(LARGE))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.go(app.cursor.goto("500:1"))
        await pilot.press("n", "n", "escape")
        await settle(app, pilot)
        assert where(app) == (1, 1) and "computing" not in app.status.plain
        await pilot.press("n")           # after Esc, the next key starts from the cursor again
        await settle(app, pilot)
        assert where(app) == (2, 1)


async def test_keys_posted_all_at_once_all_count(slow_iterations: None) -> None:
    """Like a key repeat faster than a frame: every key is queued before the first is handled."""
    app = ChainstepApp(load_scenario(LARGE))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(10):
            app.post_message(events.Key("n", None))
        await asyncio.sleep(0)
        await pilot.pause()
        await settle(app, pilot)
        assert where(app) == (11, 1)
