"""The cursor: every move the debugger's keys make, clamped at the ends."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from chainstep.core.cursor import Cursor, GotoError, Position, Shape, parse_target
from chainstep.core.scenario import load_scenario

IDS = ("forward.1.u", "forward.1.a", "loss.L", "backward.dyhat", "backward.1.dW", "backward.1.db",
       "update.W1", "update.b1")
PHASES = ("forward", "forward", "loss", "backward", "backward", "backward", "update", "update")
SHAPE = Shape(3, IDS, PHASES)


def cur(it: int = 0, step: int = 0, shapes: tuple[Shape, ...] = (SHAPE,), part: int = 0) -> Cursor:
    return Cursor.over(shapes, part, it, step)


def pos(c: Cursor) -> tuple[int, int, int]:
    return (c.part, c.iteration, c.step)


def test_next_and_prev_step_cross_iteration_boundaries() -> None:
    assert pos(cur(0, 0).next_step()) == (0, 0, 1)
    assert pos(cur(0, 7).next_step()) == (0, 1, 0)
    assert pos(cur(1, 0).prev_step()) == (0, 0, 7)


def test_steps_clamp_at_both_ends() -> None:
    assert pos(cur(0, 0).prev_step()) == (0, 0, 0)
    assert pos(cur(2, 7).next_step()) == (0, 2, 7)
    assert cur(0, 0).at_start and cur(2, 7).at_end and not cur(1, 3).at_end


def test_walking_forward_then_back_visits_the_same_positions() -> None:
    c, seen = cur(), []
    while True:
        seen.append(c.position)
        n = c.next_step()
        if n == c:
            break
        c = n
    assert len(seen) == 3 * len(IDS)
    back = [c.position]
    while not c.at_start:
        c = c.prev_step()
        back.append(c.position)
    assert back[::-1] == seen


def test_next_phase_goes_to_the_start_of_the_next_phase() -> None:
    assert cur(0, 0).next_phase().step == 2          # forward -> loss
    assert cur(0, 2).next_phase().step == 3          # loss -> backward
    assert cur(0, 4).next_phase().step == 6          # mid-backward -> update
    assert pos(cur(0, 6).next_phase()) == (0, 1, 0)  # update -> next iteration's forward
    assert pos(cur(2, 7).next_phase()) == (0, 2, 7)  # nothing after the last update


def test_prev_phase_goes_to_this_phase_start_then_the_one_before() -> None:
    assert cur(0, 5).prev_phase().step == 3          # mid-backward -> its start
    assert cur(0, 3).prev_phase().step == 2          # at the start -> the loss step
    assert pos(cur(1, 0).prev_phase()) == (0, 0, 6)  # crosses back into the last update phase
    assert pos(cur(0, 1).prev_phase()) == (0, 0, 0)
    assert pos(cur(0, 0).prev_phase()) == (0, 0, 0)


def test_iterations_keep_the_step_and_clamp() -> None:
    assert pos(cur(0, 4).next_iteration()) == (0, 1, 4)
    assert pos(cur(2, 4).next_iteration()) == (0, 2, 4)
    assert pos(cur(1, 4).prev_iteration()) == (0, 0, 4)
    assert pos(cur(0, 4).prev_iteration()) == (0, 0, 4)


def test_first_last_run_to_end_and_restart() -> None:
    assert cur(1, 4).first_step().position == Position(0, 1, 0)
    assert cur(1, 4).last_step().position == Position(0, 1, 7)
    assert cur(1, 4).run_to_end().position == Position(0, 1, 7)
    assert cur(1, 7).run_to_end().position == Position(0, 2, 7)   # already there: the next one
    assert cur(2, 7).run_to_end().position == Position(0, 2, 7)
    assert cur(2, 5).restart().position == Position(0, 0, 0)


def test_parts_start_at_their_beginning_and_clamp() -> None:
    other = Shape(5, IDS[:3], PHASES[:3])
    c = cur(2, 5, shapes=(SHAPE, other))
    assert pos(c.next_part()) == (1, 0, 0)
    assert c.next_part().shape is other
    assert pos(c.next_part().next_part()) == (1, 0, 0)
    assert pos(c.next_part().prev_part()) == (0, 0, 0)
    assert c.prev_part() == c


def test_positions_out_of_range_are_clamped() -> None:
    c = Cursor.over((SHAPE,), part=4, iteration=99, step=-3)
    assert pos(c) == (0, 2, 0)


@pytest.mark.parametrize("text,expected", [
    ("5", (1, 4)), ("backward.1.dW", (1, 4)), ("BACKWARD.1.DW", (1, 4)), ("dyhat", (1, 3)),
    ("3:2", (2, 1)), ("1:update.b1", (0, 7)), ("2:", (1, 0)), ("i3", (2, -1)),
])
def test_parse_target(text: str, expected: tuple[int, int]) -> None:
    assert parse_target(text, SHAPE, iteration=1) == expected


@pytest.mark.parametrize("text,words", [
    ("", "type a step"), ("0", "outside 1 to 8"), ("9", "outside"), ("nothing", "no step id"),
    ("backward.1", "matches 2 steps"), ("4:1", "iteration 4 is outside"), ("x:1", "not an iteration"),
])
def test_parse_target_errors_say_what_works(text: str, words: str) -> None:
    with pytest.raises(GotoError, match=words):
        parse_target(text, SHAPE)


def test_goto_keeps_the_step_for_an_iteration_only_target() -> None:
    assert pos(cur(0, 5).goto("i3")) == (0, 2, 5)
    assert pos(cur(0, 5).goto("update.W1")) == (0, 0, 6)


def test_shape_of_a_real_trace() -> None:
    trace = load_scenario("xor").parts[0].trace
    shape = Shape.of(trace)
    assert shape.iterations == trace.iterations and shape.n_steps == trace.n_steps
    assert shape.phases[0] == "forward" and shape.phases[-1] == "update"


def test_shape_rejects_empty_parts() -> None:
    with pytest.raises(ValueError):
        Shape(0, IDS, PHASES)
    with pytest.raises(ValueError):
        Shape(1, IDS, PHASES[:2])


@given(st.integers(0, 2), st.integers(0, 7),
       st.lists(st.sampled_from(["next_step", "prev_step", "next_phase", "prev_phase", "next_iteration",
                                 "prev_iteration", "first_step", "last_step", "run_to_end", "restart"]),
                max_size=30))
def test_every_move_stays_inside_the_run(it: int, step: int, moves: list[str]) -> None:
    c = cur(it, step)
    for m in moves:
        c = getattr(c, m)()
        assert 0 <= c.iteration < 3 and 0 <= c.step < 8


@given(st.integers(0, 2), st.integers(0, 7))
def test_prev_step_undoes_next_step_except_at_the_end(it: int, step: int) -> None:
    c = cur(it, step)
    if not c.at_end:
        assert c.next_step().prev_step() == c
