"""`chainstep completion SHELL`: a tab-completion script for bash, zsh or tcsh, made by shtab.

shtab reads the same argparse parser `chainstep --help` prints, so every command and option
completes, and nothing runs at completion time but the shell's own script.
"""
from __future__ import annotations

import argparse
import sys

SHELLS = ("bash", "zsh", "tcsh")
INSTALL = {
    "bash": "chainstep completion bash > ~/.local/share/bash-completion/completions/chainstep",
    "zsh": "chainstep completion zsh > ~/.zfunc/_chainstep   (with fpath+=~/.zfunc before compinit)",
    "tcsh": "chainstep completion tcsh > ~/.chainstep.tcsh; echo 'source ~/.chainstep.tcsh' >> ~/.tcshrc",
}


def _completion_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("shell", choices=SHELLS, help="the shell to write the script for")
    p.epilog = "Install it with, e.g.: " + "; ".join(INSTALL.values())


def cmd_completion(args: argparse.Namespace) -> int:
    import shtab
    sys.stdout.write(shtab.complete(args.root_parser, shell=args.shell))
    print(f"# install: {INSTALL[args.shell]}", file=sys.stderr)
    return 0


COMMANDS = {
    "completion": ("print a shell completion script (bash, zsh or tcsh)", _completion_args, cmd_completion),
}
