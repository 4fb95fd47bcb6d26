"""Open the debugger on a scenario from the command line: load it, run the app, report recordings."""
from __future__ import annotations

import argparse
import sys

from ...core.scenario import ScenarioError, load_scenario
from ..recording.options import run_recorded
from .chainstep_app import ChainstepApp


def run_app(scenario: str, args: argparse.Namespace | None = None) -> int:
    """Load `scenario` (bundled name or path) and run the debugger; 2 if the file is wrong."""
    try:
        sc = load_scenario(scenario)
    except ScenarioError as exc:
        print(f"chainstep: {exc}", file=sys.stderr)
        return 2
    result = run_recorded(ChainstepApp(sc, args=args), args)
    return int(result or 0)
