"""The installed package holds every subpackage: pyproject lists them one by one (package-dir maps
core/ to chainstep.core and so on), so a new folder that is not listed would work in an editable
install and vanish from a wheel."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP = {"core": "chainstep.core", "tui": "chainstep.tui", "scenarios": "chainstep.scenarios"}


def _listed() -> set[str]:
    if sys.version_info < (3, 11):
        pytest.skip("tomllib needs Python 3.11")
    import tomllib
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(config["tool"]["setuptools"]["packages"])


def _on_disk() -> set[str]:
    found = set()
    for folder, name in TOP.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((name, *rel)))
    return found


def test_every_subpackage_is_listed_in_pyproject() -> None:
    missing = _on_disk() - _listed()
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"


def test_pyproject_lists_no_package_that_is_gone() -> None:
    gone = {p for p in _listed() if p.startswith(tuple(TOP.values())) and p not in _on_disk()}
    assert not gone, f"pyproject.toml lists packages with no folder: {sorted(gone)}"
