"""Scenario files: load YAML safely, validate it, and point at the exact line of any mistake.

A scenario is a title and description plus one or more *parts*; each part is a network, data, a
loss and a number of iterations, with teaching notes and an `expect:` block. Keys written at the
top level are defaults every part inherits. Tensors are written as lists of rows and are
(units × samples): each column of `x` is one sample.

    read.py      YAML -> values with their line and column, within safety limits
    validate.py  typed access to those values, raising located errors
    sections.py  notes:, breakpoints: and expect:, checked against the part's step ids
    build.py     the model, parameters and data of each part; finding and loading files
    model.py     Scenario, Part, Expectation
"""
from __future__ import annotations

from ..errors import ScenarioError
# The key tables the loader checks against, as its modules hold them (test_schema checks they are
# format_spec's own tables, not copies).
from .build import (BUNDLED_DIR, DATA_KEYS, DEFAULT_SCENARIO, INIT_KEYS, LAYER_KEYS, MAX_ELEMENTS, MAX_PARAMS,
                    NETWORK_KEYS, OPTIMIZER_KEYS, PART_KEYS, TOP_KEYS, bundled, bundled_name, load_scenario,
                    load_text, resolve)
from .model import Expectation, Part, Scenario
from .read import KEY, MAX_FILE_BYTES, MAX_NODES, SAFE_TAGS, parse_yaml, read_file
from .sections import EXPECT_KEYS
from .validate import SYNONYMS

__all__ = [
    "BUNDLED_DIR", "DEFAULT_SCENARIO", "KEY", "MAX_ELEMENTS", "MAX_FILE_BYTES", "MAX_NODES", "MAX_PARAMS",
    "SAFE_TAGS", "SYNONYMS", "Expectation", "Part", "Scenario", "ScenarioError", "bundled", "bundled_name",
    "load_scenario", "load_text", "parse_yaml", "read_file", "resolve",
    "DATA_KEYS", "EXPECT_KEYS", "INIT_KEYS", "LAYER_KEYS", "NETWORK_KEYS", "OPTIMIZER_KEYS", "PART_KEYS", "TOP_KEYS",
]
