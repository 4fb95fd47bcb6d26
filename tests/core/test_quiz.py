"""Questions' answers come from the engine; grading, tolerances, typed numbers and the sign drill."""
from __future__ import annotations

import numpy as np
import pytest

from chainstep.core.quiz import MAX_GRID, Question, accepts, drill, grade, parse_number, truth, unanswerable
from chainstep.core.scenario import load_scenario, load_text

BASE = """
network: {inputs: 1, layers: [{units: 1, activation: linear}]}
params: {W1: [[0.8]], b1: [0]}
data: {x: [[1]], y: [[1.0]]}
loss: half_mse
optimizer: {lr: 0.5}
iterations: 3
"""


def test_answers_come_from_the_trace_not_the_file() -> None:
    part = load_text(BASE + "questions:\n  backward.dyhat:\n    - {kind: number, ask: q, abs: 0.001}\n"
                     "  update.W1:\n    - {kind: sign, ask: q}\n  backward.1.dW:\n    - {kind: signs, ask: q}\n").parts[0]
    by_step = {q.step: q for q in part.questions}
    number, move, grid = by_step["backward.dyhat"], by_step["update.W1"], by_step["backward.1.dW"]
    t = truth(number, part.trace.step(0, "backward.dyhat"))
    assert t.value == pytest.approx(-0.2) and t.text == "−0.2"
    up = truth(move, part.trace.step(0, "update.W1"))
    assert up.moves and up.value == 1 and up.text == "▲ raises"      # 0.8 − 0.5·(−0.2) = 0.9
    g = truth(grid, part.trace.step(0, "backward.1.dW"))
    assert np.array_equal(g.value, [[-1]])


def test_a_frozen_parameter_stays() -> None:
    part = load_text(BASE + "freeze: [W1]\nquestions:\n  backward.1.dW:\n    - {kind: sign, ask: q}\n").parts[0]
    (q,) = part.questions
    assert truth(q, part.trace.step(0, q.step), frozen=True).text == "· stays"


def test_grading_counts_grid_elements_and_tolerances() -> None:
    grid = Question("signs", "s", 0, "q")
    t = truth(grid, _step_with(np.array([[1.0, -2.0], [0.0, 3.0]])))
    v = grade(grid, t, [[1, 1], [0, 1]])
    assert (v.right, v.asked, v.ok) == (3, 4, False) and v.given == "+ +; 0 +"
    rel = Question("number", "s", 0, "q", tolerance=0.01, relative=True)
    assert accepts(rel, 200.0, 201.9) and not accepts(rel, 200.0, 202.1)
    ab = Question("number", "s", 0, "q", tolerance=0.01, relative=False)
    assert accepts(ab, 0.0, 0.009) and not accepts(ab, 0.0, 0.011)
    assert not accepts(rel, 0.0, 1e-300)   # relative to an exact 0: only 0 itself is right
    choice = Question("choice", "s", 0, "q", options=("a", "b"), answer=1)
    tc = truth(choice, _step_with(np.zeros((1, 1))))
    assert grade(choice, tc, 1).ok and not grade(choice, tc, 0).ok


def _step_with(value: np.ndarray):
    from chainstep.core.trace import Step, Tensor
    return Step("s", 0, 0, "backward", 1, "t", "f", "s", Tensor("r", "r", value), (), (), "", None, "backward", ())


@pytest.mark.parametrize("text,value", [("-0.2", -0.2), ("−0.2", -0.2), (" 1e-3 ", 1e-3), ("1/4", 0.25),
                                        ("0,5", 0.5), ("abc", None), ("1/0", None), ("", None)])
def test_typed_numbers(text: str, value: float | None) -> None:
    assert parse_number(text) == value


def test_the_sign_drill_asks_at_small_gradient_steps_only() -> None:
    small = load_scenario("xor").parts[0].trace
    asked = [small.step_ids[k] for k in range(small.n_steps) if drill(small, 0, k) is not None]
    assert asked == ["backward.2.dW", "backward.2.db", "backward.1.dW", "backward.1.db"]
    big = load_scenario("mnist-sized-mlp").parts[0].trace
    sizes = [drill(big, 0, k) for k in range(big.n_steps)]
    assert all(q is None for q, s in zip(sizes, big.specs) if s.param == "W1")   # 784 inputs: far over MAX_GRID
    assert MAX_GRID == 16


def test_a_diverged_value_cannot_be_asked_fairly() -> None:
    part = load_scenario("learning-rate-too-large").parts[0]
    q = Question("number", "backward.dyhat", 1029, "q", tolerance=0.1)
    assert "no answer can be right" in unanswerable(q, part.trace.step(q.iteration, q.step))
    assert unanswerable(Question("number", "backward.dyhat", 0, "q", tolerance=0.1), part.trace.step(0, "backward.dyhat")) is None
