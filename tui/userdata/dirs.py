"""Where state that outlives a session lives: the platform's config and state directories.

Settings a user may edit go in the config directory; progress, recent scenarios and per-scenario
breakpoints in the state directory. Never in a scenario file. `CHAINSTEP_CONFIG_DIR` and
`CHAINSTEP_STATE_DIR` override them (the test suite points both at a temporary directory).
"""
from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "chainstep"


def config_dir() -> Path:
    """The directory of the user's settings file (not created here)."""
    override = os.environ.get("CHAINSTEP_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_path
    return user_config_path(APP_NAME)


def state_dir() -> Path:
    """The directory of progress and remembered state (not created here)."""
    override = os.environ.get("CHAINSTEP_STATE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_state_path
    return user_state_path(APP_NAME)
