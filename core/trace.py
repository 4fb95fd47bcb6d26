"""The step trace: one training iteration as an ordered list of whiteboard steps, computed lazily.

A `Trace` is random-access over (iteration, step). It keeps parameter checkpoints every few
iterations and recomputes from the nearest one, so jumping anywhere in a long run stays cheap and
memory stays bounded; a small cache keeps the iterations the user is looking at.
"""
from __future__ import annotations

import fnmatch
import math
import threading
from collections import OrderedDict

import numpy as np

from .network import IterationRecord, Model, Params, run_iteration
from .optimizers import OptState
from .step import PHASES, Array, Built, Factor, Step, Tensor
from .step_specs import build_specs
from .step_text import a_label, a_name

# A Trace hands out Steps: the step's types and names are importable from here too.
__all__ = ["MEMORY_BUDGET", "PHASES", "Factor", "Step", "Tensor", "Trace", "a_label", "a_name", "build_specs"]
# Bytes of parameter checkpoints a Trace may keep. 256 MiB holds 10,000 iterations of the
# 784-128-64-10 scenario at one checkpoint per 33, so a jump recomputes at most 32 iterations
# (~55 ms on a busy 2-core machine; 43 of them missed 100 ms), and the app, with its caches and
# Textual, stays under 400 MB (tests/bench.py, P4).
MEMORY_BUDGET = 256 * 2**20


class Trace:
    """Random access to every step of every iteration of one scenario part."""

    def __init__(self, model: Model, params: Params, x: Array, y: Array, iterations: int,
                 notes: dict[str, str] | None = None, checkpoint_every: int | None = None,
                 cache_size: int = 4, memory_budget: int = MEMORY_BUDGET):
        self.model = model
        self.x = np.asarray(x, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.float64)
        self.iterations = int(iterations)
        self.notes = dict(notes or {})
        self._note_cache: dict[str, str] = {}   # step id -> note, so wildcards are matched once
        self.specs = build_specs(model)
        self.step_ids = tuple(s.id for s in self.specs)
        self._index = {sid: k for k, sid in enumerate(self.step_ids)}
        if checkpoint_every is None:
            # As many checkpoints as the memory budget allows, so a jump recomputes few iterations.
            # Optimiser state (a velocity, or Adam's two moments) is checkpointed too: count it.
            size = max(1, sum(p.nbytes for p in params.values()) * (1 + len(model.optimizer.slots)))
            checkpoint_every = max(1, math.ceil(self.iterations / max(1, memory_budget // size)))
        self.checkpoint_every = int(checkpoint_every)
        # Each checkpoint holds the parameters and the optimiser state at the start of an iteration.
        self._checkpoints: dict[int, tuple[Params, OptState]] = {
            0: ({k: np.array(v, dtype=np.float64) for k, v in params.items()}, OptState())}
        self._cache: OrderedDict[int, IterationRecord] = OrderedDict()
        self._cache_size = cache_size
        self._costs = np.full(self.iterations, np.nan)
        self._known = np.zeros(self.iterations, dtype=bool)  # NaN alone can't tell "diverged" from "not yet"
        self._lock = threading.RLock()

    # ---- shape of the trace -------------------------------------------------------------
    @property
    def n_steps(self) -> int:
        return len(self.specs)

    def index_of(self, step_id: str) -> int:
        return self._index[step_id]

    def phase_of(self, k: int) -> str:
        return self.specs[k].phase

    # ---- the numbers -------------------------------------------------------------------
    def params_at(self, i: int) -> Params:
        """Parameters at the start of iteration i (i == iterations gives the trained result)."""
        if i == 0:
            return self._checkpoints[0][0]
        return self.record(i - 1).new_params

    def record(self, i: int) -> IterationRecord:
        if not 0 <= i < self.iterations:
            raise IndexError(f"iteration {i} is outside 0..{self.iterations - 1}")
        with self._lock:
            rec = self._cache.get(i)
            if rec is not None:
                self._cache.move_to_end(i)
                return rec
            start, params, state = self._start(i)
        # Computed outside the lock, so reading a cached iteration (the app's key path) never waits
        # for a long fast-forward in another thread. Two threads may compute the same iteration;
        # that is harmless, as run_iteration is deterministic.
        for j in range(start, i + 1):
            rec = run_iteration(self.model, params, self.x, self.y, j, state)
            params, state = rec.new_params, rec.new_opt_state
            with self._lock:
                self._costs[j] = rec.cost
                self._known[j] = True
                if (j + 1) % self.checkpoint_every == 0 and j + 1 < self.iterations:
                    self._checkpoints.setdefault(j + 1, (params, state))
        with self._lock:
            self._cache[i] = rec
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return rec

    def distance(self, i: int) -> int:
        """How many iterations `record(i)` would have to compute (0 when it is cached)."""
        with self._lock:
            if i in self._cache:
                return 0
            return i - self._start(i)[0] + 1

    def _start(self, i: int) -> tuple[int, Params, OptState]:
        """Where computing iteration i begins: the nearest checkpoint, or a nearer cached iteration.

        Call with the lock held.
        """
        start = max(c for c in self._checkpoints if c <= i)
        params, state = self._checkpoints[start]
        for j, cached in self._cache.items():
            if start <= j < i:
                start, params, state = j + 1, cached.new_params, cached.new_opt_state
        return start, params, state

    def step(self, i: int, k: int | str) -> Step:
        if isinstance(k, str):
            k = self.index_of(k)
        spec = self.specs[k]
        record = self.record(i)

        def build() -> Built:
            with np.errstate(all="ignore"):   # a diverged run squares and subtracts inf here: show it, stay quiet
                return spec.build(record)

        return Step.deferred(build, id=spec.id, iteration=i, index=k, phase=spec.phase, layer=spec.layer,
                             title=spec.title, formula=spec.formula, note=self.note_for(spec.id),
                             param=spec.param, direction=spec.direction, focus=spec.focus)

    def note_for(self, step_id: str) -> str:
        note = self._note_cache.get(step_id)
        if note is None:
            note = self._note_cache[step_id] = self._find_note(step_id)
        return note

    def _find_note(self, step_id: str) -> str:
        if step_id in self.notes:
            return self.notes[step_id]
        for pattern, text in self.notes.items():   # wildcards such as backward.*.dW
            if fnmatch.fnmatchcase(step_id, pattern):
                return text
        return ""

    def cost_history(self) -> Array:
        """Cost per iteration computed so far (NaN where not yet computed)."""
        return self._costs.copy()

    def costs_known(self) -> Array:
        """Which entries of cost_history() have been computed (a computed cost may itself be NaN)."""
        return self._known.copy()

    def known_gradients(self, i: int, k: int) -> dict[str, Array]:
        """Parameter gradients of iteration i that the trace has reached by step k."""
        rec = self.record(i)
        return {s.param: rec.param_grad(s.param) for s in self.specs[: k + 1]
                if s.param and s.id.startswith("backward.")}

    def is_frozen(self, name: str) -> bool:
        return name in self.model.frozen
