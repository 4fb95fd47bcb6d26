"""Quiz mode and courses in the app: ask at a step, hide its result until answered, keep the score.

A mixin of ChainstepApp, like the debugger tools. The app calls `quiz_setup` from __init__,
`compose_quiz` in compose, `quiz_pending` / `quiz_show` from show_position and `quiz_attach`
when it loads a scenario.
"""
from __future__ import annotations

import argparse
from typing import Any, Iterator

import numpy as np
from textual.binding import Binding
from textual.widget import Widget

from ...core.quiz import Question, is_move
from ...core.scenario import ScenarioError, load_scenario
from ...core.trace import Step
from ..course.progress import ProgressStore
from .panel import QuizPanel
from .session import QuizSession, masked


class QuizControls:
    """Predict, then reveal: `z` switches quiz mode, Enter moves on once a question is answered."""

    QUIZ_BINDINGS = [
        Binding("z", "toggle_quiz", "Quiz", tooltip="Quiz mode on/off: predict each result before it is shown"),
        Binding("a", "answer", "Answer", show=False, tooltip="Go back to the question of this step"),
        Binding("enter", "quiz_continue", "Continue", show=False,
                tooltip="After an answer: the next question, the next part or lesson once finished, else the next step"),
    ]

    # ---- set-up -------------------------------------------------------------------------
    def quiz_setup(self, args: argparse.Namespace | None) -> None:
        self.course = getattr(args, "course", None)           # a core.course.Course, from `chainstep course`
        self.course_index = int(getattr(args, "course_index", 0) or 0)
        store = ProgressStore(persist=getattr(args, "progress", True))
        self.quiz = QuizSession(getattr(args, "quiz", None), store)
        self._quiz_shown: tuple = ()
        self._quiz_revealed: str | None = None   # the question whose answer is on show
        self.quiz.attach(self.scenario)          # type: ignore[attr-defined]

    def compose_quiz(self) -> Iterator[Widget]:
        panel = QuizPanel(id="quiz")
        panel.display = False
        yield panel

    def quiz_mount(self) -> None:
        if self.quiz.store.notice:
            self.notify(self.quiz.store.notice, title="Progress", severity="warning", timeout=10)  # type: ignore[attr-defined]
            self.quiz.store.notice = None

    def quiz_attach(self) -> None:
        self.quiz.attach(self.scenario)  # type: ignore[attr-defined]
        self._quiz_shown, self._quiz_revealed = (), None

    @property
    def quiz_panel(self) -> QuizPanel:
        return self.query_one(QuizPanel)  # type: ignore[attr-defined]

    # ---- what the current position asks ----------------------------------------------
    def _questions_here(self) -> list[Question]:
        c = self.cursor  # type: ignore[attr-defined]
        return self.quiz.questions_at(c.part, self.trace(), c.iteration, c.step)  # type: ignore[attr-defined]

    def quiz_pending(self) -> Question | None:
        """The question whose answer the panes must not show yet."""
        if self.quiz.mode is None:
            return None
        return self.quiz.pending(self.cursor.part, self._questions_here())  # type: ignore[attr-defined]

    def quiz_view(self, step: Step) -> tuple[Step, tuple]:
        """The step as the panes may show it, and the extra cache key that says so."""
        q = self.quiz_pending()
        return (step, ()) if q is None else (masked(step, q.tensor), ("quiz-hidden",))

    def quiz_hides_cost(self) -> bool:
        """An author's question waits: this iteration's cost could give its answer away (it is (ŷ − y)² for one
        sample). The sign drill leaves the chart alone, since a cost says nothing about a gradient's signs."""
        return self.quiz.mode == "questions" and self.quiz_pending() is not None

    def quiz_blocks(self, tool: str) -> bool:
        """True (with a notice) while a question waits: `tool` would show the answer it asks for."""
        if self.quiz_pending() is None:
            return False
        self.notify(f"Answer the question first: {tool} would show its answer (a answers, Esc leaves it)",  # type: ignore
                    title="Quiz", timeout=4)
        return True

    def quiz_hidden_params(self) -> tuple[str, ...]:
        """Parameters whose gradient signs stay hidden: the one a pending question asks about."""
        q = self.quiz_pending()
        step = self.current_step if q is not None else None  # type: ignore[attr-defined]
        return (step.param,) if step is not None and step.param and step.phase == "backward" else ()

    def quiz_show(self) -> None:
        """Bring the panel, the score and the finished-part notice up to date with the cursor."""
        c = self.cursor  # type: ignore[attr-defined]
        if self.quiz.mode is None:
            self.status.set_extra("quiz", None)  # type: ignore[attr-defined]
            self._quiz_set(("closed",), self.quiz_panel.close)
            return
        right, asked = self.quiz.score()
        self.status.set_extra("quiz", f"quiz {right}/{asked}")  # type: ignore[attr-defined]
        self.quiz.progress.position = (c.part + 1, c.iteration + 1, c.step + 1)
        qs = self._questions_here()
        where = (c.part, c.iteration, c.step)
        shown = [q for q in qs if self.quiz.qid(c.part, q) == self._quiz_revealed]
        pending = self.quiz.pending(c.part, qs)
        if shown:
            self._reveal(shown[0], qs)
        elif pending is not None:
            self._ask(pending, qs, where)
        elif qs:
            self._reveal(qs[-1], qs)
        else:
            self._quiz_set(("closed",), self.quiz_panel.close)
        self._check_finished()

    def _quiz_set(self, key: tuple, show: Any) -> None:
        if key != self._quiz_shown:
            self._quiz_shown = key
            show()

    def _head(self, q: Question, qs: list[Question]) -> str:
        n = f" · question {qs.index(q) + 1} of {len(qs)} here" if len(qs) > 1 else ""
        return f"Predict before you look{n}  ({q.kind}{', iteration ' + str(q.iteration + 1) if q.iteration else ''})"

    def _ask(self, q: Question, qs: list[Question], where: tuple) -> None:
        step = self.current_step  # type: ignore[attr-defined]
        value = step.result.value if q.tensor is None else step.tensor(q.tensor).value
        label = step.result.label if q.tensor is None else step.tensor(q.tensor).label
        key = ("ask", where, self.quiz.qid(self.cursor.part, q))  # type: ignore[attr-defined]
        self._quiz_set(key, lambda: self.quiz_panel.ask(q, self._head(q, qs), is_move(step, q), np.shape(value), label))

    def _reveal(self, q: Question, qs: list[Question]) -> None:
        c = self.cursor  # type: ignore[attr-defined]
        verdict = self.quiz.verdict(c.part, q)
        if verdict is None:
            return
        more_qs = self.quiz.pending(c.part, qs) is not None
        more = "Enter: next question" if more_qs else "Enter or space: on to the next step"
        if not more_qs and self.course is not None and self._finished(c.part):
            more = "Enter: " + self._next_label()
        key = ("reveal", (c.part, c.iteration, c.step), self.quiz.qid(c.part, q), more)
        note = self.current_step.note  # type: ignore[attr-defined]
        self._quiz_set(key, lambda: self.quiz_panel.reveal(q, self._head(q, qs), verdict, note, more))

    # ---- answers ------------------------------------------------------------------------
    def on_quiz_panel_answered(self, event: QuizPanel.Answered) -> None:
        q = self.quiz_panel.question
        if q is None or self.quiz_panel.state != "asking":
            return
        c = self.cursor  # type: ignore[attr-defined]
        step = self.current_step  # type: ignore[attr-defined]
        frozen = bool(step.param) and self.trace().is_frozen(step.param)  # type: ignore[attr-defined]
        self.quiz.answer(c.part, q, step, frozen, event.given)
        self._quiz_revealed = self.quiz.qid(c.part, q)
        self.signs._key = None  # type: ignore[attr-defined]  # the hidden signs may show now
        self.show_position()  # type: ignore[attr-defined]

    def action_answer(self) -> None:
        if self.quiz.mode is None:
            self.notify("Quiz mode is off: z turns it on", timeout=2)  # type: ignore[attr-defined]
        elif self.quiz_panel.state != "asking" or not self.quiz_panel.focus_input():
            self.notify("No question waits at this step", timeout=2)  # type: ignore[attr-defined]

    def action_toggle_quiz(self) -> None:
        if self.quiz.mode is None:
            self.quiz.mode = "questions" if self.quiz.has_questions() else "signs"
            what = ("the scenario's questions" if self.quiz.mode == "questions"
                    else "a sign drill at every gradient step")
            self.notify(f"Quiz on: {what}. Results stay hidden until you answer.", timeout=4)  # type: ignore[attr-defined]
        else:
            self.quiz.mode = None
            self.notify("Quiz off: every result is shown", timeout=3)  # type: ignore[attr-defined]
        self._quiz_shown, self._quiz_revealed = (), None
        self.signs._key = None  # type: ignore[attr-defined]
        self.show_position()  # type: ignore[attr-defined]

    def action_quiz_continue(self) -> None:
        c = self.cursor  # type: ignore[attr-defined]
        if self.quiz.mode is not None and self.quiz.pending(c.part, self._questions_here()) is not None:
            self._quiz_revealed = None
            self._quiz_shown = ()
            self.show_position()  # type: ignore[attr-defined]
            self.quiz_panel.focus_input()
            return
        if self.quiz.mode is not None and self._finished(c.part):
            self._quiz_revealed = None
            self._go_on()
            return
        self.action_next_step()  # type: ignore[attr-defined]

    # ---- parts, lessons, the course ---------------------------------------------------------
    def _finished(self, part: int) -> bool:
        """A part with questions is finished when all are answered; one without, at its first iteration's end."""
        p = self.scenario.parts[part]  # type: ignore[attr-defined]
        if self.quiz.mode == "questions" and p.questions:
            return self.quiz.part_answered(part)
        c = self.cursor  # type: ignore[attr-defined]
        return (part + 1) in self.quiz.progress.parts_done or (c.iteration, c.step) == (0, p.trace.n_steps - 1)

    def _check_finished(self) -> None:
        c = self.cursor  # type: ignore[attr-defined]
        if self.quiz.mode != "questions" or not self._finished(c.part):
            return
        prog = self.quiz.progress
        new = (c.part + 1) not in prog.parts_done
        prog.parts_done.add(c.part + 1)
        if new:
            self.quiz.store.save()
            parts = len(self.scenario.parts)  # type: ignore[attr-defined]
            title = f"Part {c.part + 1} of {parts} finished" if parts > 1 else "Lesson finished"
            self.notify(f"Enter: {self._next_label()}", title=title, timeout=6)  # type: ignore[attr-defined]

    def _next_label(self) -> str:
        c = self.cursor  # type: ignore[attr-defined]
        parts = self.scenario.parts  # type: ignore[attr-defined]
        if c.part + 1 < len(parts):
            return f"part {c.part + 2}, {parts[c.part + 1].title}"
        if self.course is not None and self.course_index + 1 < len(self.course.scenarios):
            return f"the next lesson ({self.course.scenarios[self.course_index + 1]})"
        return "the end of the course" if self.course is not None else "the end of this scenario"

    def _go_on(self) -> None:
        c = self.cursor  # type: ignore[attr-defined]
        if c.part + 1 < len(self.scenario.parts):  # type: ignore[attr-defined]
            self._to_part(c.next_part(), "")  # type: ignore[attr-defined]
            return
        if self.course is None or self.course_index + 1 >= len(self.course.scenarios):
            self.notify("That was the last part." + (" The course is done: well played!" if self.course else ""),
                        timeout=5)  # type: ignore[attr-defined]
            return
        name = self.course.scenarios[self.course_index + 1]
        try:
            scenario = load_scenario(name)
        except ScenarioError as exc:
            self.notify(str(exc), title="Cannot open the next lesson", severity="error", timeout=8)  # type: ignore[attr-defined]
            return
        self.course_index += 1
        self.quiz.store.courses[self.course.name] = self.course_index
        self.quiz.store.save()
        self.load(scenario)  # type: ignore[attr-defined]

    def quiz_save(self) -> None:
        """Keep where the student stands (called when the app ends)."""
        if self.quiz.mode is not None:
            self.quiz.store.save()
