"""One notation in the text core writes: ⊙ element-wise, · matrix product, a true minus, negatives bracketed."""
import re

import numpy as np

from chainstep.core.activations import ACTIVATIONS
from chainstep.core.formatting import MINUS, num, operand, tensor
from chainstep.core.losses import LOSSES
from chainstep.core.network import Model
from chainstep.core.scenario import load_scenario
from chainstep.core.trace import Trace


def test_numbers_use_a_true_minus() -> None:
    assert num(-0.2) == "−0.2" and num(-1e-7) == "−1e−07" and num(-np.inf) == "−inf"
    assert tensor(np.array([[-1.0, 1.0]])) == "[−1, 1]"
    assert "-" not in tensor(np.array([[-3.5, -2e-9], [4.0, -np.inf]]))


def test_a_negative_operand_is_bracketed_a_matrix_is_not() -> None:
    assert operand(-0.2) == "(−0.2)" and operand(0.2) == "0.2"
    assert operand(np.array([[-1.0, 2.0]])) == "[−1, 2]"


def test_the_update_writes_0_5_times_bracketed_minus_0_2() -> None:
    step = load_scenario("gradient-of-the-loss").parts[0].trace.step(0, "update.W1")
    assert step.substituted == "W₁' = 0.8 − 0.5·(−0.2) = 0.9"


def test_sign_of_the_error_shows_the_errors_where_they_are_computed() -> None:
    trace = load_scenario("sign-of-the-error").parts[0].trace
    assert trace.step(0, "loss.L").substituted == "L = Σ [−1, 1]² = Σ [1, 1] = 2"
    assert trace.step(0, "backward.dyhat").substituted == "∂L/∂ŷ = 2(ŷ − y) = 2·[−1, 1] = [−2, 2]"
    mae = load_scenario("sign-of-the-error").parts[1].trace
    assert mae.step(0, "backward.dyhat").substituted == "∂L/∂ŷ = sign(ŷ − y) = sign([−1, 1]) = [−1, 1]"


def _every_step_text(trace: Trace) -> list[str]:
    steps = [trace.step(0, k) for k in range(trace.n_steps)]
    return [t for s in steps for t in (s.formula, s.substituted, *(f.label for f in s.factors))]


def test_no_hyphen_minus_and_no_bare_negative_after_an_operator_in_any_bundled_step() -> None:
    from chainstep.core.scenario import bundled
    for path in bundled():
        for part in load_scenario(path).parts:
            for text in _every_step_text(part.trace):
                assert not re.search(r"(?<![A-Za-z])-", text), text   # a hyphen after a letter is a word's
                assert not re.search(f"[·⊙+{MINUS}] *{MINUS}", text), text


def test_element_wise_and_matrix_products_are_told_apart_in_the_chain_rule() -> None:
    model = Model((2, 3, 1), (ACTIVATIONS["sigmoid"], ACTIVATIONS["sigmoid"]), LOSSES["mse"])
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(3, 2)), "b1": np.zeros((3, 1)), "W2": rng.normal(size=(1, 3)),
              "b2": np.zeros((1, 1))}
    trace = Trace(model, params, rng.normal(size=(2, 4)), rng.normal(size=(1, 4)), 1)
    dW = trace.step(0, "backward.1.dW")
    assert dW.formula == "∂L/∂W₁ = (∂L/∂a₁ ⊙ ∂a₁/∂u₁)·∂u₁/∂W₁ = δ₁·xᵀ"
    assert [f.op for f in dW.factors] == ["", "⊙", "·"]
    assert " ⊙ " in trace.step(0, "backward.1.delta").substituted
    assert "σ'(u) = a ⊙ (1 − a)" in trace.step(0, "backward.1.da_du").formula


def test_chainstep_trace_prints_the_errors_of_sign_of_the_error(capsys) -> None:
    from chainstep.tui.cli import main
    assert main(["trace", "sign-of-the-error"]) == 0
    out = capsys.readouterr().out
    assert "L = Σ [−1, 1]² = Σ [1, 1] = 2" in out and "2·[−1, 1] = [−2, 2]" in out
