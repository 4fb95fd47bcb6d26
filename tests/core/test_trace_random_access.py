"""Random access on a Trace gives exactly (bit for bit) the numbers of a straight run.

A straight run here is `run_iteration` called in a plain loop, every record kept. The Trace under
test only keeps checkpoints every few iterations and a small cache, and recomputes the rest on
demand, in whatever order it is asked; every tensor of every Step it builds must be byte-identical
to the one built from the straight run's record. Also checked: cost history, parameters at an
iteration, threads, and a diverging run whose tensors go to inf and NaN.
"""
from __future__ import annotations

import random
import threading
from dataclasses import replace
from typing import Callable

import numpy as np
import pytest

from chainstep.core.activations import ACTIVATIONS
from chainstep.core.data import generate, init_params
from chainstep.core.losses import LOSSES
from chainstep.core.network import IterationRecord, Model, run_iteration
from chainstep.core.optimizers import Optimizer
from chainstep.core.scenario import load_scenario
from chainstep.core.trace import Step, Trace

ITERATIONS = 40


def small_case() -> tuple[Model, dict, np.ndarray, np.ndarray]:
    """XOR through a 2-2-1 sigmoid network with MSE."""
    model = Model((2, 2, 1), (ACTIVATIONS["sigmoid"], ACTIVATIONS["sigmoid"]), LOSSES["mse"], lr=2.0)
    x, y = generate("xor")
    return model, init_params(model.sizes, "normal", seed=3), x, y


def medium_case() -> tuple[Model, dict, np.ndarray, np.ndarray]:
    """6-12-8-4 with tanh, relu and softmax + cross-entropy, an L2 term and a frozen bias."""
    sizes = (6, 12, 8, 4)
    model = Model(sizes, (ACTIVATIONS["tanh"], ACTIVATIONS["relu"], ACTIVATIONS["softmax"]),
                  LOSSES["cross_entropy"], l2=0.01, lr=0.3, frozen=frozenset({"b2"}))
    x, y = generate("blobs", samples=10, features=6, classes=4, seed=5)
    return model, init_params(sizes, "xavier", seed=5), x, y


def straight_run(model: Model, params: dict, x: np.ndarray, y: np.ndarray, n: int) -> list[IterationRecord]:
    records = []
    state = None
    for j in range(n):
        rec = run_iteration(model, params, x, y, j, state)
        records.append(rec)
        params, state = rec.new_params, rec.new_opt_state
    return records


def arrays_of(step: Step) -> list[tuple[str, np.ndarray]]:
    """Every number a Step carries: its result, its inputs and its chain-rule factors."""
    out = [("result", step.result.value)]
    out += [(f"input {t.name}", t.value) for t in step.inputs]
    out += [(f"factor {f.label}", np.asarray(f.value)) for f in step.factors]
    return out


def assert_identical(got: np.ndarray, want: np.ndarray, what: str) -> None:
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, what
    # Bytes, not values: also tells -0.0 from 0.0 and compares NaNs exactly.
    assert np.ascontiguousarray(got).tobytes() == np.ascontiguousarray(want).tobytes(), what


def assert_step_matches(trace: Trace, reference: list[IterationRecord], i: int, k: int) -> None:
    step = trace.step(i, k)
    spec = trace.specs[k]
    with np.errstate(all="ignore"):
        result, inputs, factors, substituted = spec.build(reference[i])
    want = Step(spec.id, i, k, spec.phase, spec.layer, spec.title, spec.formula, substituted, result,
                inputs, factors, step.note, spec.param, spec.direction, spec.focus)
    assert step.substituted == want.substituted, (i, spec.id)
    got_arrays, want_arrays = arrays_of(step), arrays_of(want)
    assert [n for n, _ in got_arrays] == [n for n, _ in want_arrays]
    for (name, g), (_, w) in zip(got_arrays, want_arrays):
        assert_identical(g, w, f"iteration {i}, {spec.id}, {name}")


def visit_order(n_iterations: int, n_steps: int, seed: int, count: int = 120) -> list[tuple[int, int]]:
    """Random jumps both ways, a few stretches of consecutive steps and both ends of the run."""
    rng = random.Random(seed)
    order = [(n_iterations - 1, n_steps - 1), (0, 0)]
    while len(order) < count:
        i, k = rng.randrange(n_iterations), rng.randrange(n_steps)
        if rng.random() < 0.3:   # walk a few steps backwards across an iteration boundary
            for _ in range(rng.randint(2, n_steps + 2)):
                order.append((i, k))
                i, k = (i, k - 1) if k else (i - 1, n_steps - 1)
                if i < 0:
                    break
        else:
            order.append((i, k))
    return order


def with_optimizer(kind: str, **hyper: float) -> Callable[[], tuple[Model, dict, np.ndarray, np.ndarray]]:
    """The medium case trained by another optimiser: its state must come back from checkpoints exactly."""
    def case() -> tuple[Model, dict, np.ndarray, np.ndarray]:
        model, params, x, y = medium_case()
        lr = 0.01 if kind.startswith("adam") else 0.3
        return replace(model, optimizer=Optimizer(kind, **hyper), lr=lr, input_grad=True), params, x, y
    return case


CASES = {"small": small_case, "medium": medium_case, "momentum": with_optimizer("momentum", momentum=0.9, dampening=0.1),
         "nesterov": with_optimizer("nesterov", momentum=0.8), "adam": with_optimizer("adam"),
         "adamw": with_optimizer("adamw", weight_decay=0.05)}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("checkpoint_every, cache_size", [(1, 1), (3, 1), (7, 2), (16, 4), (ITERATIONS + 5, 3)])
def test_random_access_matches_a_straight_run(case: str, checkpoint_every: int, cache_size: int) -> None:
    model, params, x, y = CASES[case]()
    reference = straight_run(model, params, x, y, ITERATIONS)
    trace = Trace(model, params, x, y, ITERATIONS, checkpoint_every=checkpoint_every, cache_size=cache_size)
    for i, k in visit_order(ITERATIONS, trace.n_steps, seed=checkpoint_every * 31 + cache_size):
        assert_step_matches(trace, reference, i, k)
    # Costs and parameters agree too, wherever the trace has been.
    known = trace.costs_known()
    costs = trace.cost_history()
    for j in np.flatnonzero(known):
        assert_identical(costs[j], np.float64(reference[j].cost), f"cost {j}")
    for i in (0, 1, ITERATIONS // 2, ITERATIONS - 1):
        want = params if i == 0 else reference[i - 1].new_params
        for name, value in trace.params_at(i).items():
            assert_identical(value, want[name], f"{name} at iteration {i}")


def test_memory_budget_checkpoints_stay_exact() -> None:
    """The automatic checkpoint interval (from a memory budget) changes nothing in the numbers."""
    model, params, x, y = medium_case()
    size = sum(p.nbytes for p in params.values())
    trace = Trace(model, params, x, y, ITERATIONS, memory_budget=5 * size, cache_size=2)
    assert trace.checkpoint_every > 1   # the budget forces recomputation
    reference = straight_run(model, params, x, y, ITERATIONS)
    for i, k in visit_order(ITERATIONS, trace.n_steps, seed=11, count=60):
        assert_step_matches(trace, reference, i, k)


def test_diverging_run_is_reproduced_exactly() -> None:
    """A linear network with too large a step goes to inf, then NaN; random access still matches."""
    model = Model((1, 3, 1), (ACTIVATIONS["linear"], ACTIVATIONS["linear"]), LOSSES["mse"], lr=3.0)
    x, y = generate("line", samples=8)
    params = init_params(model.sizes, "normal", seed=1)
    reference = straight_run(model, params, x, y, ITERATIONS)
    costs = np.array([r.cost for r in reference])
    assert np.isinf(costs).any() and np.isnan(costs).any()   # the run really diverges
    trace = Trace(model, params, x, y, ITERATIONS, checkpoint_every=6, cache_size=1)
    for i, k in visit_order(ITERATIONS, trace.n_steps, seed=3, count=80):
        assert_step_matches(trace, reference, i, k)


def test_threads_reading_at_random_see_the_straight_run() -> None:
    """Two threads jumping around one trace (as the app's key path and a worker do) agree with it."""
    model, params, x, y = medium_case()
    reference = straight_run(model, params, x, y, ITERATIONS)
    trace = Trace(model, params, x, y, ITERATIONS, checkpoint_every=5, cache_size=2)
    errors: list[BaseException] = []

    def reader(seed: int) -> None:
        try:
            for i, k in visit_order(ITERATIONS, trace.n_steps, seed=seed, count=60):
                assert_step_matches(trace, reference, i, k)
        except BaseException as exc:   # re-raised in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=reader, args=(seed,)) for seed in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def test_mnist_sized_scenario_random_access() -> None:
    """The bundled 784-128-64-10 network, a short run: jumps match the straight run exactly."""
    part = load_scenario("mnist-sized-mlp").parts[0]
    n = 12
    reference = straight_run(part.model, part.params, part.x, part.y, n)
    trace = Trace(part.model, part.params, part.x, part.y, n, part.notes, checkpoint_every=4, cache_size=2)
    for i, k in visit_order(n, trace.n_steps, seed=8, count=40):
        assert_step_matches(trace, reference, i, k)
