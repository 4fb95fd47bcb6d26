"""A student's progress, per scenario, in the user's state directory (never in the scenario file).

One JSON file, `progress.json`: for each scenario the parts finished, the questions answered (with
the answer given and the best score), and where the student stood; for each course, the lesson
they were in. A file that cannot be read or parsed is moved aside (`progress.json.bad-<time>`) and
the app starts afresh with a notice: progress is a convenience and must never stop a lesson.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..userdata.dirs import state_dir

FILE = "progress.json"
VERSION = 1
MAX_BYTES = 8 * 2**20   # far more than any student writes; a bigger file is not ours


@dataclass
class Answer:
    right: int
    asked: int
    best: int
    given: str
    correct: str


@dataclass
class ScenarioProgress:
    parts_done: set[int] = field(default_factory=set)           # 1-based part numbers
    answers: dict[str, Answer] = field(default_factory=dict)    # "part/step@iteration#n" -> answer
    position: tuple[int, int, int] = (1, 1, 1)                  # part, iteration, step: from 1

    def score(self) -> tuple[int, int]:
        """Right and asked over the latest answers."""
        return sum(a.right for a in self.answers.values()), sum(a.asked for a in self.answers.values())

    def best(self) -> tuple[int, int]:
        return sum(a.best for a in self.answers.values()), sum(a.asked for a in self.answers.values())

    def to_json(self) -> dict[str, Any]:
        return {"parts_done": sorted(self.parts_done), "position": list(self.position),
                "answers": {k: vars(a) for k, a in self.answers.items()}}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "ScenarioProgress":
        pos = d.get("position", [1, 1, 1])
        if not (isinstance(pos, list) and len(pos) == 3 and all(isinstance(p, int) and p >= 1 for p in pos)):
            raise ValueError("position")
        answers = {}
        for k, a in dict(d.get("answers", {})).items():
            ans = Answer(int(a["right"]), int(a["asked"]), int(a["best"]), str(a["given"]), str(a["correct"]))
            if not 0 <= ans.right <= ans.asked or not 0 <= ans.best <= ans.asked:
                raise ValueError(k)
            answers[str(k)] = ans
        return cls({int(p) for p in d.get("parts_done", [])}, answers, (pos[0], pos[1], pos[2]))


class ProgressStore:
    """Load once, change in memory, `save()` after each change (atomically: write, then rename)."""

    def __init__(self, directory: Path | None = None, persist: bool = True) -> None:
        """`persist=False`: in memory only, starting empty (scripted recordings must not depend on it)."""
        self.directory = directory or state_dir()
        self.path: Path | None = self.directory / FILE if persist else None
        self.scenarios: dict[str, ScenarioProgress] = {}
        self.courses: dict[str, int] = {}     # course name -> index of the lesson last open
        self.notice: str | None = None        # what went wrong reading or writing, for the app to show
        if self.path is not None:
            self._load()

    def _load(self) -> None:
        assert self.path is not None
        try:
            if not self.path.exists():
                return
            if self.path.stat().st_size > MAX_BYTES:
                raise ValueError("too large")
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("version") != VERSION:
                raise ValueError("not a chainstep progress file")
            self.scenarios = {str(k): ScenarioProgress.from_json(v) for k, v in data.get("scenarios", {}).items()}
            self.courses = {str(k): int(v) for k, v in data.get("courses", {}).items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            self.scenarios, self.courses = {}, {}
            self._set_aside(exc)

    def _set_aside(self, exc: Exception) -> None:
        assert self.path is not None
        aside = self.path.with_name(f"{FILE}.bad-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(self.path, aside)
            self.notice = f"Your progress file could not be read ({_why(exc)}); it was moved to {aside} and progress starts afresh."
        except OSError as exc2:
            self.notice = (f"Your progress file {self.path} could not be read ({_why(exc)}) nor moved aside "
                           f"({exc2.strerror or exc2}); progress in this session will not be saved.")
            self.path = None   # never overwrite a file we could not read

    def of(self, key: str) -> ScenarioProgress:
        return self.scenarios.setdefault(key, ScenarioProgress())

    def peek(self, key: str) -> ScenarioProgress | None:
        return self.scenarios.get(key)

    def reset(self, key: str | None = None) -> list[str]:
        """Forget one scenario's progress (or everything); the keys forgotten."""
        if key is None:
            gone = list(self.scenarios)
            self.scenarios.clear()
            self.courses.clear()
        else:
            gone = [key] if self.scenarios.pop(key, None) is not None else []
        self.save()
        return gone

    def save(self) -> bool:
        if self.path is None:
            return False
        data = {"version": VERSION, "scenarios": {k: v.to_json() for k, v in self.scenarios.items()},
                "courses": self.courses}
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f"{FILE}.{os.getpid()}.tmp")   # served sessions may save at once
            tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.path)
            return True
        except OSError as exc:
            self.notice = f"Progress could not be saved to {self.path}: {exc.strerror or exc}"
            return False


def _why(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON at line {exc.lineno}"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc) or type(exc).__name__


def scenario_key(name: str, path: str) -> str:
    """Bundled lessons by name (the same on every install), a user's own file by its full path."""
    from ...core.scenario import BUNDLED_DIR
    p = Path(path).resolve()
    return name if p.parent == BUNDLED_DIR else str(p)


def summary(p: ScenarioProgress | None, parts: int) -> str:
    """One short line for the picker and `chainstep progress`."""
    if p is None or (not p.parts_done and not p.answers):
        return "not started"
    done = len([n for n in p.parts_done if 1 <= n <= parts])
    mark = "✓ finished" if done >= parts else f"{done}/{parts} parts"
    right, asked = p.score()
    best, _ = p.best()
    qs = f" · {right}/{asked} right" if asked else ""
    qs += f" (best {best})" if best > right else ""
    return mark + qs
