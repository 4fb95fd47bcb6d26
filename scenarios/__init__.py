"""Bundled teaching scenarios (YAML files shipped as package data)."""

# The scenario `chainstep` opens when none is named. Kept here, beside the files, so the command
# line can name it in its help without importing the engine.
DEFAULT_SCENARIO = "xor"
