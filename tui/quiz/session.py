"""Which questions a position asks, which are answered, and the score; kept in the progress store.

No Textual here: the app asks this object and shows what it says.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...core.quiz import Question, Verdict, drill, grade, truth
from ...core.scenario import Scenario
from ...core.trace import Step, Tensor, Trace
from ..course.progress import Answer, ProgressStore, ScenarioProgress, scenario_key

WORKING = ("error", "terms")


class QuizSession:
    """Quiz state for one open scenario; `mode` None is quiz mode off."""

    def __init__(self, mode: str | None, store: ProgressStore) -> None:
        self.mode = mode
        self.store = store
        self.scenario: Scenario | None = None
        self.key = ""

    def attach(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.key = scenario_key(scenario.name, scenario.path)

    @property
    def progress(self) -> ScenarioProgress:
        return self.store.of(self.key)

    def has_questions(self) -> bool:
        return bool(self.scenario and any(p.questions for p in self.scenario.parts))

    def questions_at(self, part: int, trace: Trace, iteration: int, k: int) -> list[Question]:
        if self.mode is None or self.scenario is None:
            return []
        if self.mode == "signs":
            q = drill(trace, iteration, k)
            return [q] if q is not None else []
        sid = trace.step_ids[k]
        return [q for q in self.scenario.parts[part].questions if q.iteration == iteration and q.step == sid]

    def qid(self, part: int, q: Question) -> str:
        return ("signs:" if self.mode == "signs" else "") + f"{part + 1}/{q.key}"

    def verdict(self, part: int, q: Question) -> Verdict | None:
        a = self.store.peek(self.key)
        a = a.answers.get(self.qid(part, q)) if a else None
        return None if a is None else Verdict(a.right, a.asked, a.given, a.correct)

    def pending(self, part: int, qs: list[Question]) -> Question | None:
        return next((q for q in qs if self.verdict(part, q) is None), None)

    def answer(self, part: int, q: Question, step: Step, frozen: bool, given: object) -> Verdict:
        """Grade against the engine and keep it (the best score a question ever got stays too)."""
        v = grade(q, truth(q, step, frozen), given)
        qid = self.qid(part, q)
        old = self.progress.answers.get(qid)
        best = max(v.right, old.best if old else 0)
        self.progress.answers[qid] = Answer(v.right, v.asked, best, v.given, v.correct)
        self.store.save()
        return v

    def score(self) -> tuple[int, int]:
        """Right and asked in the current mode (drill answers and authored ones are counted apart)."""
        p = self.store.peek(self.key)
        if p is None:
            return 0, 0
        drill_ = self.mode == "signs"
        picked = [a for k, a in p.answers.items() if k.startswith("signs:") == drill_]
        return sum(a.right for a in picked), sum(a.asked for a in picked)

    def part_answered(self, part: int) -> bool:
        """Every authored question of the part is answered."""
        assert self.scenario is not None
        return all(self.verdict(part, q) is not None for q in self.scenario.parts[part].questions)

    def forget(self) -> None:
        """Start this scenario again: its answers and parts go, the rest of the file stays."""
        self.store.reset(self.key)


def masked(step: Step, tensor: str | None) -> Step:
    """The step with its result (and the asked tensor) hidden, and without its note, until answered."""
    def hide(t: Tensor) -> Tensor:
        return Tensor(t.name, t.label + " = ?", np.zeros((0, 0)))
    # ŷ − y and the per-sample terms are the working a student does: showing them gives it away.
    inputs = tuple(hide(t) if t.name == tensor or t.name in WORKING else t for t in step.inputs)
    head, sep, _ = step.substituted.rpartition(" = ")
    substituted = f"{head} = ?" if sep else "(the numbers are hidden until you answer)"
    if step.phase == "loss":   # its numbers are the per-sample terms, which add up to the answer
        substituted = f"{step.result.label} = ?"
    return replace(step, result=hide(step.result), inputs=inputs, substituted=substituted, note="")
