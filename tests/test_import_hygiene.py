"""core/ must stay usable without a terminal, and only chainstep.* may be installed."""
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import chainstep.core

CORE_MODULES = sorted(m.name for m in pkgutil.iter_modules(chainstep.core.__path__))


def test_core_has_modules() -> None:
    assert {"trace", "losses", "scenario", "network"} <= set(CORE_MODULES)


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_does_not_import_textual(module: str, tmp_path: Path) -> None:
    code = (f"import sys, chainstep.core.{module}\n"
            "bad = [m for m in ('textual', 'plotext', 'textual_plotext', 'rich') if m in sys.modules]\n"
            "print(','.join(bad))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert out.stdout.strip() == "", f"chainstep.core.{module} pulled in {out.stdout.strip()}"


def test_cli_subcommands_do_not_import_textual(tmp_path: Path) -> None:
    code = ("import sys, io, contextlib\nfrom chainstep.tui.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    main(['list'])\n"
            "print('textual' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_bare_core_and_tui_are_not_importable_outside_the_repo(tmp_path: Path) -> None:
    code = ("import importlib.util\n"
            "print([n for n in ('core', 'tui', 'scenarios') if importlib.util.find_spec(n)])\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env, check=True)
    assert out.stdout.strip() == "[]"


def test_bundled_yaml_ships_as_package_data() -> None:
    import chainstep.scenarios
    files = list(Path(chainstep.scenarios.__path__[0]).glob("*.yaml"))
    assert files, "no scenario YAML next to chainstep.scenarios"
