"""Command-palette provider: open a bundled scenario, or run one of the main actions."""
from __future__ import annotations

from functools import partial
from typing import Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from ..screens.picker import catalogue

# (palette text, app action, help line)
ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("Next step", "next_step", "Show the next step (space, →)"),
    ("Previous step", "prev_step", "Show the step before (←)"),
    ("Next phase", "next_phase", "Jump to the start of the next phase (↓)"),
    ("Previous phase", "prev_phase", "Jump to the start of this or the previous phase (↑)"),
    ("Next iteration", "next_iteration", "Same step, one iteration later"),
    ("Previous iteration", "prev_iteration", "Same step, one iteration earlier"),
    ("Run to end of iteration", "run_to_end", "Jump to the last step of this iteration"),
    ("Go to step…", "goto", "Type a step number, a step id or ITERATION:STEP"),
    ("Restart", "restart", "Back to the first step of the first iteration"),
    ("Next part", "next_part", "The scenario's next part"),
    ("Previous part", "prev_part", "The scenario's previous part"),
    ("Open scenario…", "open_picker", "Choose a bundled scenario"),
    ("Help: keys", "help", "Every key and what it does"),
    ("Breakpoint on this step", "toggle_breakpoint", "Set or clear a breakpoint on the current step (b)"),
    ("Add a condition breakpoint…", "add_breakpoint", "Vanishing/exploding gradient, inf/NaN, loss rising, … (B)"),
    ("Continue to the next breakpoint", "continue", "Run forwards until a breakpoint hits (c; C goes backwards)"),
    ("Watch…", "add_watch", "Pin a tensor or one element, e.g. W1[0,1] (w)"),
    ("Gradient check", "gradcheck", "This gradient step beside central finite differences (f)"),
    ("Minibatch view", "minibatch", "Per-sample gradients, their mean and the batch gradient (m)"),
    ("Loss landscape", "landscape", "The cost along one parameter, with tangent and update (l)"),
)


class ChainstepCommands(Provider):
    """Bundled scenarios to open and the debugger's main actions."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = self.app
        out: list[tuple[str, Callable[[], object], str]] = []
        for e in catalogue(getattr(app, "served", None) or ()):
            out.append((f"Open scenario: {e.title} ({e.name})", partial(app.open_scenario, e.name),
                        e.description[:100]))
        for text, action, help_ in ACTIONS:
            method = getattr(app, f"action_{action}", None)
            if method is not None:
                out.append((text, method, help_))
        return out

    async def startup(self) -> None:
        self._cached = self._commands()

    async def discover(self) -> Hits:
        for text, command, help_ in self._cached:
            yield DiscoveryHit(Content(text), command, text=text, help=escape(help_))

    async def search(self, query: str) -> Hits:
        path = query.strip()
        # A file by path, except in a session served to a browser: there it would read the server's files.
        if path.endswith((".yaml", ".yml")) and getattr(self.app, "served", None) is None:
            yield Hit(1.0, Content(f"Open file {path}"), partial(self.app.open_scenario, path), text=f"Open file {path}",
                      help="Load this YAML scenario; a mistake in it is shown with its line")
        matcher = self.matcher(query)
        for text, command, help_ in self._cached:
            score = matcher.match(text)
            if score > 0:
                # highlight() reads its text as markup: a title with brackets is shown as it is.
                shown = matcher.highlight(text) if "[" not in text else Content(text)
                yield Hit(score, shown, command, text=text, help=escape(help_))
