"""The step pane: phase, title, formula, the formula with numbers, the note and chain-rule factors."""
from __future__ import annotations

import numpy as np
from textual.containers import VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.widgets import Static

from ...core.formatting import num
from ...core.trace import Step

PHASE_COLOURS = {"forward": "$text-primary", "loss": "$text-warning", "backward": "$text-secondary",
                 "update": "$text-success"}


def preview(value: np.ndarray, limit: int = 64) -> str:
    """Values of a tensor as one short line: rows split by `;`, cut with … past `limit` chars."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim < 2:
        arr = arr.reshape(1, -1)
    out = ""
    for r, row in enumerate(arr.reshape(arr.shape[0], -1)):
        for c, v in enumerate(row):
            piece = ("; " if r and not c else (", " if c else "")) + num(v)
            if len(out) + len(piece) > limit:
                return "[" + out + " …]"
            out += piece
    return "[" + out + "]"


def shape_of(value: np.ndarray) -> str:
    return "×".join(str(s) for s in np.shape(value)) or "1"


def step_markup(step: Step) -> str:
    """The whole pane as Textual markup (factors link to the step that computed them)."""
    colour = PHASE_COLOURS.get(step.phase, "$accent")
    lines = [
        f"[reverse b {colour}] {step.phase.upper()} [/] [b]{escape(step.title)}[/]",
        "",
        f"[b {colour}]{escape(step.formula)}[/]",
        f"{escape(step.substituted)}",
    ]
    if not step.finite:
        lines.append("[b $error]⚠ the result holds inf or NaN: training has diverged[/]")
    if step.note:
        lines += ["", f"[italic $text-warning]✎ {escape(step.note)}[/]"]
    if step.factors:
        lines += ["", "[b]Chain rule, factor by factor[/] [dim](click a factor to visit its step)[/]"]
        width = max(len(f.label) for f in step.factors)
        for i, f in enumerate(step.factors):
            op = "  " if i == 0 else "· "
            label = escape(f.label.ljust(width))
            if f.step_id:
                label = f"[@click=app.jump('{f.step_id}')][u]{label}[/u][/]"
            how = f"  [dim]{escape(f.formula)}[/]" if f.formula else ""
            lines.append(f"{op}[b]{label}[/] [dim]{shape_of(f.value)}[/]{how}")
            lines.append(f"   {' ' * width} = {escape(preview(f.value))}")
        lines.append(f"= [b]{escape(step.result.label)}[/] [dim]{shape_of(step.result.value)}[/]"
                     f" = {escape(preview(step.result.value))}")
    return "\n".join(lines)


class StepView(VerticalScroll, can_focus=False):
    """What this step computes and why; scrolls when the chain rule is long."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._body = Static("", id="step-body")
        self._key: tuple[str, int, int] | None = None
        self.markup = ""

    def compose(self):
        yield self._body

    def show(self, step: Step, key: tuple[str, int, int] | None = None) -> None:
        key = key or (step.id, step.iteration, id(step))
        if key == self._key:
            return
        self._key = key
        self.markup = step_markup(step)
        self._body.update(Content.from_markup(self.markup))
        self.scroll_home(animate=False)

    @property
    def plain(self) -> str:
        return Content.from_markup(self.markup).plain if self.markup else ""
