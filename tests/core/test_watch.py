"""Watch expressions: names as the steps call them (or as the app writes them), values at a step, history."""
from __future__ import annotations

import numpy as np
import pytest

from chainstep.core.scenario import load_scenario
from chainstep.core.watch import Watch, WatchError, normalise, parse


@pytest.fixture(scope="module")
def trace():
    return load_scenario("xor").parts[0].new_trace()


@pytest.mark.parametrize("text,name,index", [
    ("W1[0,1]", "W1", (0, 1)), ("dW2", "dW2", None), ("dL_dyhat", "dL_dyhat", None),
    ("∂L/∂ŷ", "dL_dyhat", None), ("yhat[0, 3]", "yhat", (0, 3)), ("L", "L", None),
    ("δ₁", "delta1", None), ("W₁'", "W1_new", None), ("dL/dW1[1,0]", "dW1", (1, 0)), ("∂C/∂b2", "db2", None),
])
def test_parse_accepts_both_spellings(text, name, index) -> None:
    assert parse(text) == (name, index)


def test_element_value_is_the_number_in_the_step(trace) -> None:
    w = Watch.of(trace, "W1[0,1]")
    for i in (0, 3, 10):
        v = w.value(trace, i, 0)
        assert v.scalar == trace.record(i).params["W1"][0, 1]
        assert v.iteration == i and not v.previous
    y = Watch.of(trace, "yhat[0,3]")
    assert y.value(trace, 2, trace.index_of("forward.2.a")).scalar == trace.record(2).yhat[0, 3]


def test_a_gradient_is_known_from_its_step_on(trace) -> None:
    w = Watch.of(trace, "dW2")
    k = trace.index_of("backward.2.dW")
    assert w.value(trace, 0, k - 1).value is None          # nothing yet in the first iteration
    early = w.value(trace, 4, k - 1)
    assert early.previous and early.iteration == 3
    np.testing.assert_array_equal(early.value, trace.record(3).grads[1].dW)
    now = w.value(trace, 4, k)
    assert not now.previous and now.iteration == 4
    np.testing.assert_array_equal(now.value, trace.record(4).grads[1].dW)


def test_history_is_the_element_or_the_norm_per_iteration(trace) -> None:
    w = Watch.of(trace, "W1[1,0]")
    its, vals = w.history(trace, 20, 0, window=8)
    assert its == list(range(13, 21))
    assert vals == [trace.record(i).params["W1"][1, 0] for i in its]
    g = Watch.of(trace, "dL_dyhat")
    k = trace.index_of("backward.dyhat")
    its, vals = g.history(trace, 5, k - 1)
    assert its == list(range(0, 5))                       # iteration 5 not reached at step k − 1
    assert vals == pytest.approx([np.linalg.norm(trace.record(i).dyhat) for i in its])
    assert g.history_label.startswith("‖") and not w.history_label.startswith("‖")
    assert Watch.of(trace, "L").history(trace, 3, k)[1] == [trace.record(i).loss for i in range(4)]


def test_vector_index_and_negative_index(trace) -> None:
    assert Watch.of(trace, "b1[1]").index == (1, 0)
    assert Watch.of(trace, "yhat[-1]").index == (0, 3)


@pytest.mark.parametrize("text,words", [
    ("W9", "no tensor is called `W9`"), ("dW", "did you mean"), ("W1[3,3]", "no element [3,3]"),
    ("L[0]", "single number"), ("W1[a]", "whole numbers"), ("", "not a watch expression"),
    ("W1[0,0,0]", "one index"),
])
def test_mistakes_say_what_would_work(trace, text, words) -> None:
    with pytest.raises(WatchError) as exc:
        Watch.of(trace, text)
    assert words in str(exc.value)


def test_case_is_forgiven_when_unambiguous(trace) -> None:
    assert Watch.of(trace, "dl_dyhat").name == "dL_dyhat"
    assert normalise("W₂'") == "W2_new"
