"""`chainstep schema`: a JSON Schema (draft 2020-12) of the scenario format, built from format_spec.

The schema is made from the same key tables the loader checks unknown keys against, and the same
registries it takes activations, losses and generators from, so the two cannot drift apart. A
schema cannot know everything the loader checks (matrix shapes against the network, step ids,
which W/b exist): it catches what an editor can underline as you type.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# Shipped beside the bundled scenarios, which point at it with a yaml-language-server comment.
SCHEMA_FILE = "chainstep.schema.json"
MODELINE = f"# yaml-language-server: $schema={SCHEMA_FILE}"


def build_schema() -> dict[str, Any]:
    """The whole scenario format as one JSON Schema document."""
    # Imported here: format_spec pulls in numpy (the activation registry), which `chainstep --help`
    # and the start of the app should not wait for just to name SCHEMA_FILE.
    from .format_spec import PART_KEYS, TOP_KEYS, no_target_rule, required, schema_of
    # Each part key is defined once under $defs and referred to from the top level and from parts.
    defs = {k: schema_of(v) for k, v in PART_KEYS.items()}
    refs = {k: {"$ref": f"#/$defs/{k}"} for k in PART_KEYS}
    # A part may leave out network and data when the top level gives them (parts inherit them),
    # so only a file without `parts:` must have them itself.
    part = {"type": "object", "properties": refs, "additionalProperties": False, "allOf": [no_target_rule()]}
    parts = {**schema_of(TOP_KEYS["parts"]), "items": part}
    top = {k: schema_of(v) for k, v in TOP_KEYS.items()}
    top["parts"] = parts
    return {
        "$schema": DIALECT,
        "title": "chainstep scenario",
        "description": "A chainstep scenario: a small network, its data and loss, the iterations to step "
                       "through, teaching notes and expected values. Keys at the top level are defaults "
                       "that every part inherits.",
        "type": "object",
        "properties": {**top, **{k: r for k, r in refs.items() if k not in top}},
        "additionalProperties": False,
        "anyOf": [{"required": ["parts"]}, {"required": required(PART_KEYS)}],
        "allOf": [no_target_rule()],
        "$defs": defs,
    }


def schema_text() -> str:
    """The schema as it is shipped: stable key order, two-space indent, trailing newline."""
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: str | Path) -> Path:
    path = Path(path)
    path.write_text(schema_text(), encoding="utf-8")
    return path
