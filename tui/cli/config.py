"""`chainstep config`: where the settings and remembered state live, what they hold, and a reset."""
from __future__ import annotations

import argparse
import json
import sys


def _config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reset", nargs="?", const="all", choices=("all", "settings", "state"), metavar="WHAT",
                   help="forget everything (default), only the settings file, or only the remembered state "
                        "(last scenario, breakpoints, watches)")
    p.add_argument("--init", action="store_true",
                   help="write settings.json with every key at its default, to edit (an existing file is kept)")


def cmd_config(args: argparse.Namespace) -> int:
    from ..userdata import settings as store   # here: building the parser stays fast
    if args.reset:
        removed = store.reset(args.reset)
        print("removed " + ", ".join(map(str, removed)) if removed else "nothing to remove")
        return 0
    path = store.settings_path()
    if args.init:
        if path.exists():
            print(f"chainstep config: {path} exists; edit it, or --reset settings first", file=sys.stderr)
            return 2
        store.write_json(path, dict(store.DEFAULTS))
        print(f"wrote {path}")
        return 0
    settings = store.load_settings(set_aside=False)
    state = store.load_state(set_aside=False)
    for notice in (settings.notice, state.notice):
        if notice:
            print(f"chainstep: {notice}", file=sys.stderr)
    print(f"settings: {path}{'' if path.exists() else ' (not written yet: defaults)'}")
    print(json.dumps(settings.data, indent=2))
    for key, meaning in store.SETTINGS_KEYS.items():
        print(f"  {key}: {meaning}")
    remembered = state.data.get("scenarios", {})
    print(f"state: {store.state_path()} (last scenario: {state.data.get('last_scenario') or '-'}; "
          f"breakpoints or watches kept for {len(remembered)} scenario(s))")
    return 0


COMMANDS = {
    "config": ("show where settings and remembered state live; --reset forgets them", _config_args, cmd_config),
}
