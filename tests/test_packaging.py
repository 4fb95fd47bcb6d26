"""The installed package holds every subpackage: pyproject lists them one by one (package-dir maps
core/ to chainstep.core and so on), so a new folder that is not listed would work in an editable
install and vanish from a wheel."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _setuptools() -> dict:
    if sys.version_info < (3, 11):
        pytest.skip("tomllib needs Python 3.11")
    import tomllib
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def _listed() -> set[str]:
    return set(_setuptools()["packages"])


def _on_disk() -> set[str]:
    # A folder that package-dir maps to a name of its own (tui/root -> chainstep) is that package,
    # not a subpackage of the folder around it.
    mapped = {ROOT / folder: name for name, folder in _setuptools()["package-dir"].items()}
    found = set()
    for top, name in mapped.items():
        for init in top.rglob("__init__.py"):
            inner = [m for m in mapped if m != top and m.is_relative_to(top) and init.is_relative_to(m)]
            if inner:
                continue
            found.add(".".join((name, *init.parent.relative_to(top).parts)))
    return found


def test_every_subpackage_is_listed_in_pyproject() -> None:
    missing = _on_disk() - _listed()
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"


def test_pyproject_lists_no_package_that_is_gone() -> None:
    gone = {p for p in _listed() if p not in _on_disk()}
    assert not gone, f"pyproject.toml lists packages with no folder: {sorted(gone)}"
