"""`chainstep list`, `check` and `trace`: plain-terminal commands that print text and never start Textual."""
from __future__ import annotations

import argparse
import io
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

# numpy and the engine are imported inside the handlers: building the parser (and `--help`) stays fast.
if TYPE_CHECKING:
    from ...core.scenario import Scenario
    from ...core.trace import Step


def catalogue() -> list[tuple[str, Scenario]]:
    """Every bundled scenario with its name, in catalogue order."""
    from ...core.scenario import bundled, bundled_name, load_scenario
    return [(bundled_name(p), load_scenario(p)) for p in bundled()]


def list_scenarios(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    rows = catalogue()
    if args.format == "json":
        json.dump([{"name": n, "title": s.title, "description": " ".join(s.description.split()),
                    "parts": [p.title for p in s.parts]} for n, s in rows], out, indent=2)
        out.write("\n")
        return 0
    width = max(len(n) for n, _ in rows)
    for name, sc in rows:
        parts = f"  [{len(sc.parts)} parts]" if len(sc.parts) > 1 else ""
        out.write(f"{name:<{width}}  {sc.title}{parts}\n")
    return 0


def _expectation_text(e: Any) -> str:
    return e.check or f"{e.step}" + (f" {e.tensor}" if e.tensor else "") + (f"{list(e.at)}" if e.at else "")


def _part_json(rep: Any) -> dict[str, Any]:
    """One checked part for `check --format json`, with the numbers the text report prints."""
    grads = rep.gradients
    return {
        "part": rep.index, "title": rep.title,
        "expectations": [{"what": _expectation_text(r.expectation), "iteration": r.expectation.iteration + 1,
                          "ok": bool(r.ok), "actual": str(r.actual), "message": r.message,
                          "where": str(r.expectation.where)} for r in rep.expectations],
        "finite_differences": None if not grads else {
            "ok": all(g.ok for g in grads), "steps": len(grads), "elements": sum(g.checked for g in grads),
            "skipped": sum(g.skipped for g in grads), "worst_relative_error": max(g.max_rel_error for g in grads),
            "failures": [{"step": g.step_id, "iteration": g.iteration + 1, "relative_error": g.max_rel_error}
                         for g in grads if not g.ok]},
    }


def check_scenarios(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from ...core.check import check_scenario
    from ...core.scenario import ScenarioError, bundled, load_scenario
    out = out or sys.stdout
    as_json = getattr(args, "format", "text") == "json"
    names = [str(p) for p in bundled()] if args.all else list(args.scenarios)
    if not names:
        print("chainstep check: name at least one scenario, or use --all", file=sys.stderr)
        return 2
    if args.iterations < 1:
        print(f"chainstep check: --iterations {args.iterations}: give 1 or more", file=sys.stderr)
        return 2
    failures = errors = uncompared = 0
    report: dict[str, Any] = {"scenarios": [], "unreadable": []}
    for name in names:
        try:
            sc = load_scenario(name)
        except ScenarioError as exc:
            print(f"chainstep: {exc}", file=sys.stderr)
            report["unreadable"].append({"file": name, "error": str(exc)})
            errors += 1
            continue
        parts = list(check_scenario(sc, gradcheck=not args.no_gradcheck, iterations=args.iterations))
        failures += sum(not r.ok for rep in parts for r in rep.expectations)
        failures += sum(not g.ok for rep in parts for g in rep.gradients)
        if as_json:
            failures += sum(_check_questions(sc.parts[rep.index - 1], io.StringIO()) for rep in parts)
            report["scenarios"].append({"name": sc.name, "title": sc.title, "source": name,
                                        "parts": [_part_json(rep) for rep in parts]})
            continue
        out.write(f"{sc.name}: {sc.title}\n")
        for rep in parts:
            out.write(f"  part {rep.index}: {rep.title}\n")
            for r in rep.expectations:
                e = r.expectation
                mark = "ok  " if r.ok else "FAIL"
                out.write(f"    {mark} expect {_expectation_text(e)} @ iteration {e.iteration + 1}: "
                          f"got {r.actual} {r.message}\n")
                if not r.ok:
                    out.write(f"         stated at {e.where}\n")
            failures += _check_questions(sc.parts[rep.index - 1], out)
            if rep.gradients:
                bad = [g for g in rep.gradients if not g.ok]
                worst = max(g.max_rel_error for g in rep.gradients)
                checked = sum(g.checked for g in rep.gradients)
                skipped = sum(g.skipped for g in rep.gradients)
                mark = "ok  " if not bad else "FAIL"
                kink = f", {skipped} skipped (at a kink, or lost in rounding)" if skipped else ""
                out.write(f"    {mark} finite differences over {_checked_span(rep, args.iterations)}: "
                          f"{len(rep.gradients)} gradient steps, {checked} elements{kink}, "
                          f"worst relative error {worst:.1e}\n".replace("e-", "e−"))
                for g in bad:
                    out.write(f"         {g.step_id} @ iteration {g.iteration + 1}: "
                              f"relative error {g.max_rel_error:.2e}\n".replace("e-", "e−"))
            if not args.no_gradcheck and not sum(g.checked for g in rep.gradients):
                out.write("    note: no gradient element could be compared with finite differences "
                          "(the run is not finite, or every element sits at a kink)\n")
                uncompared += 1
    if args.all:
        errors += _check_courses(out if not as_json else io.StringIO())
    if as_json:
        report.update(failures=failures, ok=not (failures or errors), uncompared_parts=uncompared)
        json.dump(report, out, indent=1, ensure_ascii=False)
        out.write("\n")
    else:
        total = ("all checks passed" if not (failures or errors)
                 else f"{failures} check(s) failed, {errors} file(s) unreadable")
        if uncompared and not (failures or errors):
            total += f", but {uncompared} part(s) had no gradient to compare"
        elif args.no_gradcheck and not (failures or errors):
            total += " (gradients not compared: --no-gradcheck)"
        out.write(f"{total}\n")
    if errors:
        return 2
    return 1 if failures else 0


def _check_courses(out: TextIO) -> int:
    """The bundled courses: every lesson they name must exist (each lesson is checked above)."""
    from ...core.course import bundled_courses, load_course
    from ...core.scenario import ScenarioError
    bad = 0
    for path in bundled_courses():
        try:
            course = load_course(str(path))
        except ScenarioError as exc:
            print(f"chainstep: {exc}", file=sys.stderr)
            bad += 1
            continue
        out.write(f"course {course.name}: {course.title} ({len(course.scenarios)} lessons)\n")
    return bad


def _check_questions(part: Any, out: TextIO) -> int:
    """Quiz questions: their references were checked on loading; here, that the engine can answer each."""
    from ...core.quiz import unanswerable
    if not part.questions:
        return 0
    bad = [(q, why) for q in part.questions
           if (why := unanswerable(q, part.trace.step(q.iteration, q.step))) is not None]
    out.write(f"    {'FAIL' if bad else 'ok  '} {len(part.questions)} quiz question(s), answered by the engine\n")
    for q, why in bad:
        out.write(f"         {q.step} @ iteration {q.iteration + 1}: {why}\n         stated at {q.where}\n")
    return len(bad)


def _checked_span(rep: Any, asked: int) -> str:
    """Which iterations the finite differences covered, and why fewer than asked when so."""
    last = max(g.iteration for g in rep.gradients) + 1
    span = "iteration 1" if last == 1 else f"iterations 1–{last}"
    if last < asked:
        why = f"the part runs only {rep.iterations}" if rep.iterations == last else "later ones are not finite"
        span += f" ({why})"
    return span


def _step_json(step: Step, values: bool = False) -> dict[str, Any]:
    import numpy as np
    def arr(a: np.ndarray) -> Any:   # JSON has no inf or NaN: those are written "inf", "-inf", "nan"
        return [[float(v) if np.isfinite(v) else str(float(v)) for v in row] for row in np.atleast_2d(a)]
    return {
        # Counted from 1, as the app and --start count them; tensor values keep numpy's 0-based layout.
        "id": step.id, "iteration": step.iteration + 1, "step": step.index + 1, "phase": step.phase,
        "title": step.title, "formula": step.formula, "substituted": step.substituted, "note": step.note,
        "result": {"name": step.result.name, "label": step.result.label, "value": arr(step.result.value)},
        "inputs": [{"name": t.name, "label": t.label, "shape": list(t.value.shape),
                    **({"value": arr(t.value)} if values else {})} for t in step.inputs],
        "factors": [{"label": f.label, "op": f.op, "from": f.step_id, "shape": list(np.shape(f.value)),
                     **({"value": arr(np.asarray(f.value))} if values else {})} for f in step.factors],
    }


def trace_span(start: int, count: int, iterations: int) -> tuple[int, int] | str:
    """0-based [start, stop) for `--start` (counted from 1) and `--iterations`, or what is wrong with them."""
    if not 1 <= start <= iterations:
        return f"--start {start}: iterations count from 1, and this part has {iterations} (use 1 to {iterations})"
    if count < 1:
        return f"--iterations {count}: give 1 or more"
    last = start + count - 1
    if last > iterations:
        fits = iterations - start + 1
        return (f"--start {start} --iterations {count} asks for iterations {start} to {last}, but this part runs "
                f"only {iterations} (use --iterations {fits} or less)")
    return start - 1, last


def trace_scenario(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from ...core.formatting import join_sign, tensor as fmt
    from ...core.scenario import load_scenario
    out = out or sys.stdout
    sc = load_scenario(args.scenario)
    if not 1 <= args.part <= len(sc.parts):
        print(f"chainstep trace: --part must be between 1 and {len(sc.parts)}", file=sys.stderr)
        return 2
    part = sc.parts[args.part - 1]
    trace = part.trace
    span = trace_span(args.start, args.iterations, trace.iterations)
    if isinstance(span, str):
        print(f"chainstep trace: {span}", file=sys.stderr)
        return 2
    start, stop = span
    steps = [trace.step(i, k) for i in range(start, stop) for k in range(trace.n_steps)]
    if args.format == "json":
        json.dump({"scenario": sc.name, "part": part.title, "steps": [_step_json(s, args.values) for s in steps]}, out,
                  indent=1, ensure_ascii=False)
        out.write("\n")
        return 0
    md = args.format == "markdown"
    out.write(f"# {sc.title}\n\n" if md else f"{sc.title}\n")
    if len(sc.parts) > 1:
        out.write(f"## Part {args.part}: {part.title}\n\n" if md else f"Part {args.part}: {part.title}\n")
    current = None
    for s in steps:
        if s.iteration != current:
            current = s.iteration
            out.write(f"\n### Iteration {s.iteration + 1}\n\n" if md else f"\n== iteration {s.iteration + 1} ==\n")
        if md:
            out.write(f"- **{s.id}** ({s.phase}) {s.title}: `{s.formula}`  \n  `{s.substituted}`\n")
            if s.note:
                out.write(f"  > {s.note}\n")
        else:
            out.write(f"[{s.index + 1:>2}] {s.id:<22} {s.formula}\n     {s.substituted}\n")
            for f in s.factors:   # each with how it joins the product before it (→: the Jacobian applied)
                out.write(f"     {join_sign(f.op)}factor {f.label} = {fmt(f.value)}\n")
            if s.note:
                out.write(f"     note: {s.note}\n")
    return 0


def _list_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "json"), default="text", help="plain text (default) or JSON")


def _check_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenarios", nargs="*", help="bundled names or YAML paths")
    p.add_argument("--all", action="store_true", help="check every bundled scenario")
    p.add_argument("--no-gradcheck", action="store_true", help="skip the finite-difference check")
    p.add_argument("--iterations", type=int, default=2,
                   help="gradient-check the first N iterations of each part (default 2; a part with fewer "
                        "checks all it has, and says so)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="plain text (default) or one JSON report, for CI (exit status as for text)")


def _trace_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="bundled scenario name or YAML path")
    p.add_argument("--iterations", type=int, default=1,
                   help="how many iterations to print from --start (default 1); more than the part runs is refused")
    p.add_argument("--start", type=int, default=1, help="first iteration to print, counted from 1 (default 1)")
    p.add_argument("--part", type=int, default=1, help="which part of the scenario (1-based)")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                   help="plain text (default), Markdown for notes, or JSON")
    p.add_argument("--values", action="store_true",
                   help="with --format json: also the values of every step's inputs and factors, not only their shapes")


COMMANDS = {
    "list": ("list the bundled scenarios", _list_args, list_scenarios),
    "check": ("validate scenarios, verify their expect: blocks and check every gradient numerically",
              _check_args, check_scenarios),
    "trace": ("print every step of a scenario with its formula and numbers", _trace_args, trace_scenario),
}
