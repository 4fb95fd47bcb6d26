"""Every test runs with its own empty config and state directories, never the user's real ones,
so remembered settings (a theme, progress) cannot change what a test sees."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    root: Path = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("CHAINSTEP_CONFIG_DIR", str(root / "config"))
    monkeypatch.setenv("CHAINSTEP_STATE_DIR", str(root / "state"))
