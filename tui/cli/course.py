"""`chainstep course`, `chainstep progress` and the `--quiz` option: a course a student works through."""
from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

QUIZ_MODES = ("questions", "signs")


def add_quiz_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiz", nargs="?", const="questions", choices=QUIZ_MODES, metavar="signs",
                   help="quiz mode: each step that asks a question hides its result until you answer "
                        "(`--quiz signs`: predict the gradient's signs at every gradient step of any scenario)")


def _course_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("course", nargs="?", help="a bundled course name or a course YAML path (default: backprop)")
    p.add_argument("--restart", action="store_true", help="start the course from its first lesson")


def cmd_course(args: argparse.Namespace) -> int:
    from ...core.course import load_course
    from ...core.scenario import ScenarioError, load_scenario
    from ..course.progress import ProgressStore, scenario_key
    course = load_course(args.course)   # a located error -> exit 2 in cli.main
    store = ProgressStore()
    index = 0 if args.restart else min(max(0, store.courses.get(course.name, 0)), len(course.scenarios) - 1)
    try:
        scenario = load_scenario(course.scenarios[index])
    except ScenarioError as exc:
        print(f"chainstep: {exc}", file=sys.stderr)
        return 2
    prog = store.peek(scenario_key(scenario.name, scenario.path))
    part, it, step = prog.position if prog is not None and not args.restart else (1, 1, 1)
    part = min(part, len(scenario.parts))
    trace = scenario.parts[part - 1].trace
    it, step = min(it, trace.iterations), min(step, trace.n_steps)
    store.courses[course.name] = index
    store.save()
    args.quiz, args.course, args.course_index = "questions", course, index
    from ..app import ChainstepApp
    from ..recording.options import run_recorded
    app = ChainstepApp(scenario, part=part - 1, iteration=it - 1, step=step - 1, args=args)
    if store.notice:
        app.quiz.store.notice = store.notice
    return int(run_recorded(app, args) or 0)


def _progress_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "json"), default="text", help="plain text (default) or JSON")
    p.add_argument("--reset", nargs="?", const="*", metavar="SCENARIO",
                   help="forget the progress of one scenario (or, with no name, of everything)")


def cmd_progress(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from ...core.course import load_course
    from ...core.scenario import bundled, bundled_name
    from ..course.progress import ProgressStore, summary
    out = out or sys.stdout
    store = ProgressStore()
    if store.notice:
        print(f"chainstep: {store.notice}", file=sys.stderr)
    if args.reset is not None:
        key = None if args.reset == "*" else args.reset
        gone = store.reset(key)
        out.write(f"forgot the progress of {', '.join(gone) if gone else 'nothing'}\n"
                  if key else "forgot all progress\n")
        return 0
    from ...core.scenario import load_scenario
    names = [bundled_name(p) for p in bundled()]
    keys = names + [k for k in store.scenarios if k not in names]
    course = load_course(None)
    rows = []
    for key in keys:
        p = store.peek(key)
        try:
            parts = len(load_scenario(key).parts)
        except Exception:   # a user's file that moved or broke since: still list what was saved
            parts = max(p.parts_done, default=1) if p else 1
        rows.append((key, parts, p))
    if args.format == "json":
        json.dump({"course": {"name": course.name, "title": course.title, "lesson": store.courses.get(course.name, 0) + 1,
                              "lessons": list(course.scenarios)},
                   "scenarios": [{"scenario": k, "parts": n, "parts_done": sorted(p.parts_done) if p else [],
                                  "answered": len(p.answers) if p else 0,
                                  "right": p.score()[0] if p else 0, "asked": p.score()[1] if p else 0,
                                  "best": p.best()[0] if p else 0,
                                  "position": dict(zip(("part", "iteration", "step"), p.position)) if p else None}
                                 for k, n, p in rows]}, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return 0
    lesson = store.courses.get(course.name)
    out.write(f"{course.title}: " + (f"lesson {lesson + 1} of {len(course.scenarios)}\n" if lesson is not None
                                     else "not started (run `chainstep course`)\n"))
    width = max(len(k) for k, _, _ in rows)
    for key, parts, p in rows:
        where = f"   at part {p.position[0]}, iteration {p.position[1]}, step {p.position[2]}" if p and p.answers else ""
        out.write(f"  {key:<{width}}  {summary(p, parts)}{where}\n")
    return 0


COMMANDS = {
    "course": ("work through a course with quiz questions, starting where you left off", _course_args, cmd_course),
    "progress": ("show (or --reset) what you have done in each scenario and course", _progress_args, cmd_progress),
}
