"""`chainstep explain`: one gradient element as scalars and path products, for notes, slides and homework."""
from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from .exits import EXIT_OK, EXIT_USAGE


def _explain_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="bundled scenario name or YAML path")
    p.add_argument("element", help="a gradient element in the watch syntax: W1[0,1] (its gradient), b2[0], "
                                   "delta1[0,3], dL_da1[1,0], dL_dyhat[0,0]; or [0,1] with --step")
    p.add_argument("--step", help="the step whose result to zoom on, e.g. backward.1.dW")
    p.add_argument("--iteration", type=int, default=1, help="which iteration, counted from 1 (default 1)")
    p.add_argument("--part", type=int, default=1, help="which part of the scenario, counted from 1 (default 1)")
    p.add_argument("--sample", type=int, action="append",
                   help="write out the paths of this sample (a column of x, from 0); repeatable")
    p.add_argument("--paths", type=int, default=12, help="paths listed one by one per sample (default 12)")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                   help="plain text (default), Markdown for notes, or JSON")


def _fail(message: str) -> int:
    print(f"chainstep explain: {message}", file=sys.stderr)
    return EXIT_USAGE


def cmd_explain(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from ...core.explain import ExplainError, explain
    from ...core.scenario import load_scenario
    from ..tools.explain_text import as_json, markdown, text
    out = out or sys.stdout
    sc = load_scenario(args.scenario)
    if not 1 <= args.part <= len(sc.parts):
        return _fail(f"--part must be between 1 and {len(sc.parts)}")
    trace = sc.parts[args.part - 1].trace
    if not 1 <= args.iteration <= trace.iterations:
        return _fail(f"--iteration must be between 1 and {trace.iterations} (iterations count from 1)")
    if args.paths < 1:
        return _fail("--paths must be at least 1")
    try:
        e = explain(trace, args.iteration - 1, args.element, step_id=args.step,
                    samples=tuple(args.sample) if args.sample else None, limit=args.paths)
    except ExplainError as exc:
        return _fail(str(exc))
    if args.format == "json":
        json.dump(as_json(e, sc.name), out, indent=1, ensure_ascii=False)
        out.write("\n")
    else:
        out.write((markdown if args.format == "markdown" else text)(e, sc.name))
    return EXIT_OK


COMMANDS = {
    "explain": ("one gradient element as scalars: per-sample lines, the reduction and every chain-rule path",
                _explain_args, cmd_explain),
}
