"""Where the debugger stands, (part, iteration, step), and every move its keys make.

A `Cursor` is an immutable value: each move returns a new cursor, clamped at the ends, so the app
can look at the target (and compute it in the background if it is far away) before committing.
Iterations and steps are 0-based here; the app shows them 1-based.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Sequence


@dataclass(frozen=True)
class Shape:
    """What the cursor needs to know about one part: how many iterations, which steps."""

    iterations: int
    step_ids: tuple[str, ...]
    phases: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.iterations < 1 or not self.step_ids or len(self.step_ids) != len(self.phases):
            raise ValueError("a part needs at least one iteration and one step, each with a phase")

    @property
    def n_steps(self) -> int:
        return len(self.step_ids)

    @classmethod
    def of(cls, trace: Any) -> "Shape":
        """The shape of a `chainstep.core.trace.Trace`."""
        return cls(trace.iterations, tuple(trace.step_ids), tuple(s.phase for s in trace.specs))


@dataclass(frozen=True, order=True)
class Position:
    part: int = 0
    iteration: int = 0
    step: int = 0


class GotoError(ValueError):
    """A go-to target that names no step; the message says what would work."""


@dataclass(frozen=True)
class Cursor:
    shapes: tuple[Shape, ...]
    position: Position = field(default_factory=Position)

    def __post_init__(self) -> None:
        if not self.shapes:
            raise ValueError("a cursor needs at least one part")
        object.__setattr__(self, "shapes", tuple(self.shapes))
        object.__setattr__(self, "position", self._clamp(self.position))

    @classmethod
    def over(cls, shapes: Sequence[Shape], part: int = 0, iteration: int = 0, step: int = 0) -> "Cursor":
        return cls(tuple(shapes), Position(part, iteration, step))

    # ---- where we are -------------------------------------------------------------------
    @property
    def part(self) -> int:
        return self.position.part

    @property
    def iteration(self) -> int:
        return self.position.iteration

    @property
    def step(self) -> int:
        return self.position.step

    @property
    def shape(self) -> Shape:
        return self.shapes[self.position.part]

    @property
    def phase(self) -> str:
        return self.shape.phases[self.step]

    @property
    def step_id(self) -> str:
        return self.shape.step_ids[self.step]

    @property
    def at_start(self) -> bool:
        return self.iteration == 0 and self.step == 0

    @property
    def at_end(self) -> bool:
        return self.iteration == self.shape.iterations - 1 and self.step == self.shape.n_steps - 1

    # ---- moving -------------------------------------------------------------------------
    def _clamp(self, pos: Position) -> Position:
        part = min(max(pos.part, 0), len(self.shapes) - 1)
        shape = self.shapes[part]
        it = min(max(pos.iteration, 0), shape.iterations - 1)
        step = min(max(pos.step, 0), shape.n_steps - 1)
        return Position(part, it, step)

    def at(self, part: int | None = None, iteration: int | None = None, step: int | None = None) -> "Cursor":
        """The cursor moved to the given coordinates (others unchanged), clamped."""
        p = self.position
        return replace(self, position=Position(p.part if part is None else part,
                                               p.iteration if iteration is None else iteration,
                                               p.step if step is None else step))

    def _flat(self) -> int:
        return self.iteration * self.shape.n_steps + self.step

    def _from_flat(self, flat: int) -> "Cursor":
        n, last = self.shape.n_steps, self.shape.iterations * self.shape.n_steps - 1
        flat = min(max(flat, 0), last)
        return self.at(iteration=flat // n, step=flat % n)

    def next_step(self) -> "Cursor":
        return self._from_flat(self._flat() + 1)

    def prev_step(self) -> "Cursor":
        return self._from_flat(self._flat() - 1)

    def _phase_starts(self) -> list[int]:
        phases = self.shape.phases
        return [k for k in range(len(phases)) if k == 0 or phases[k] != phases[k - 1]]

    def next_phase(self) -> "Cursor":
        """The first step of the next phase (the next iteration's forward pass after the update)."""
        later = [k for k in self._phase_starts() if k > self.step]
        if later:
            return self.at(step=later[0])
        if self.iteration + 1 < self.shape.iterations:
            return self.at(iteration=self.iteration + 1, step=0)
        return self.at(step=self.shape.n_steps - 1)

    def prev_phase(self) -> "Cursor":
        """The start of this phase, or of the one before when already at a start."""
        earlier = [k for k in self._phase_starts() if k < self.step]
        if earlier:
            return self.at(step=earlier[-1])
        if self.iteration > 0:
            return self.at(iteration=self.iteration - 1, step=self._phase_starts()[-1])
        return self.at(step=0)

    def next_iteration(self) -> "Cursor":
        """The same step one iteration later, so a number can be compared across iterations."""
        return self.at(iteration=self.iteration + 1)

    def prev_iteration(self) -> "Cursor":
        return self.at(iteration=self.iteration - 1)

    def first_step(self) -> "Cursor":
        """The first step of this iteration."""
        return self.at(step=0)

    def last_step(self) -> "Cursor":
        """The last step of this iteration."""
        return self.at(step=self.shape.n_steps - 1)

    def run_to_end(self) -> "Cursor":
        """Run to the end of this iteration; from there, through the whole of the next one."""
        last = self.shape.n_steps - 1
        if self.step < last:
            return self.at(step=last)
        return self.at(iteration=self.iteration + 1, step=last)

    def restart(self) -> "Cursor":
        """Back to the first step of the first iteration of this part."""
        return self.at(iteration=0, step=0)

    def next_part(self) -> "Cursor":
        if self.part + 1 >= len(self.shapes):
            return self
        return replace(self, position=Position(self.part + 1, 0, 0))

    def prev_part(self) -> "Cursor":
        if self.part == 0:
            return self
        return replace(self, position=Position(self.part - 1, 0, 0))

    def goto(self, text: str) -> "Cursor":
        """The cursor at a typed target; see `parse_target`."""
        it, step = parse_target(text, self.shape, self.iteration)
        return self.at(iteration=it, step=self.step if step < 0 else step)


def parse_target(text: str, shape: Shape, iteration: int = 0) -> tuple[int, int]:
    """(iteration, step) for a go-to target typed by a user; numbers are 1-based.

    `13` is step 13 of this iteration; `backward.1.dW` (or any unique part of a step id, any case)
    names a step; `500:13` or `500:backward.1.dW` also picks iteration 500; `i500` keeps the step
    index and changes only the iteration (returned step is -1 then).
    """
    s = text.strip()
    if not s:
        raise GotoError("type a step number, a step id such as backward.1.dW, or ITERATION:STEP")
    if s[0] in "iI" and s[1:].strip().isdigit():
        return _iteration(s[1:].strip(), shape), -1
    if ":" in s:
        head, _, tail = s.partition(":")
        it = _iteration(head.strip(), shape)
        return it, (_step(tail.strip(), shape) if tail.strip() else 0)
    return iteration, _step(s, shape)


def _iteration(text: str, shape: Shape) -> int:
    if not text.isdigit():
        raise GotoError(f"`{text}` is not an iteration number (1 to {shape.iterations})")
    n = int(text)
    if not 1 <= n <= shape.iterations:
        raise GotoError(f"iteration {n} is outside 1 to {shape.iterations}")
    return n - 1


def _step(text: str, shape: Shape) -> int:
    if text.isdigit():
        n = int(text)
        if not 1 <= n <= shape.n_steps:
            raise GotoError(f"step {n} is outside 1 to {shape.n_steps}")
        return n - 1
    if text in shape.step_ids:
        return shape.step_ids.index(text)
    low = text.lower()
    exact = [k for k, sid in enumerate(shape.step_ids) if sid.lower() == low]
    if exact:
        return exact[0]
    hits = [k for k, sid in enumerate(shape.step_ids) if low in sid.lower()]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise GotoError(f"no step id contains `{text}` (ids look like {shape.step_ids[0]})")
    names = ", ".join(shape.step_ids[k] for k in hits[:4]) + (" …" if len(hits) > 4 else "")
    raise GotoError(f"`{text}` matches {len(hits)} steps: {names}")
