"""`chainstep schema`: print or write the JSON Schema of the scenario format (no Textual needed)."""
from __future__ import annotations

import argparse
import sys

from ...core.schema import SCHEMA_FILE, schema_text


def _schema_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", metavar="FILE",
                   help=f"write the schema to FILE (e.g. {SCHEMA_FILE} beside your scenarios) instead of printing it")


def cmd_schema(args: argparse.Namespace) -> int:
    text = schema_text()
    if not args.output:
        sys.stdout.write(text)
        return 0
    try:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        print(f"chainstep schema: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.output}; point a scenario at it with a first line\n"
          f"# yaml-language-server: $schema={args.output}", file=sys.stderr)
    return 0


COMMANDS = {
    "schema": ("print the JSON Schema of the scenario format, for editors (yaml-language-server)",
               _schema_args, cmd_schema),
}
