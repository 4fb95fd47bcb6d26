"""The step pane: phase, title, formula, the formula with numbers, the note and chain-rule factors.

Drawn with the line API from plain styled runs (no markup parsing on the key path): a step is a
handful of lines, wrapped here to the pane's width.
"""
from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core.formatting import join_sign, num
from ...core.trace import Step
from ._lines import set_virtual_size

Run = tuple[str, str, str | None]   # text, style key, step id it links to (or None)
Line = list[Run]


def preview(value: np.ndarray, limit: int = 64) -> str:
    """Values of a tensor as one short line: rows split by `;`, cut with … past `limit` chars."""
    arr = np.asarray(value, dtype=np.float64)
    if limit < 12:   # not even two numbers fit: the shape says what is there
        return f"⟨{shape_of(arr)}⟩"
    if arr.ndim < 2:
        arr = arr.reshape(1, -1)
    out = ""
    for r, row in enumerate(arr.reshape(arr.shape[0], -1)):
        for c, v in enumerate(row):
            piece = ("; " if r and not c else (", " if c else "")) + num(v)
            if len(out) + len(piece) > limit:
                return "[" + out + " …]" if out else f"⟨{shape_of(arr)}⟩"
            out += piece
    return "[" + out + "]"


def shape_of(value: np.ndarray) -> str:
    return "×".join(str(s) for s in np.shape(value)) or "1"


def step_lines(step: Step, width: int = 80) -> list[Line]:
    """The pane's content as lines of styled runs; factor labels link to the step that made them.

    A factor's values take one line fitted to `width` (or share the factor's line when both fit),
    so a big tensor never wraps into a cut-off second line.
    """
    ph = step.phase if step.phase in ("forward", "loss", "backward", "update") else "forward"
    lines: list[Line] = [
        [(f" {step.phase.upper()} ", f"badge-{ph}", None), (" ", "text", None), (step.title, "title", None)],
        [],
        [(step.formula, f"formula-{ph}", None)],
        [(step.substituted, "text", None)],
    ]
    if not step.finite:
        lines.append([("⚠ the result holds inf or NaN: training has diverged", "error", None)])
    if step.note:
        lines += [[], [(f"✎ {step.note}", "note", None)]]
    if step.factors:
        # An optimiser's state combines by its own formula (sums, a quotient), not as a product.
        product = step.phase != "update"
        lines += [[], [("Chain rule, factor by factor" if product else "Made from", "title", None),
                       ("  (click a factor to visit its step)" if product else "  (click one to visit its step)",
                        "dim", None)]]
        label_w = max(len(f.label) for f in step.factors)
        for f in step.factors:
            line: Line = [(join_sign(f.op), "text", None),
                          (f.label.ljust(label_w), "link" if f.step_id else "title", f.step_id),
                          (f" {shape_of(f.value)}", "dim", None)]
            if f.formula:
                line.append((f"  {f.formula}", "dim", None))
            used = sum(len(t) for t, _, _ in line)
            if width - used >= 24:   # room for the values on the factor's own line
                line.append((f"  = {preview(f.value, width - used - 8)}", "text", None))
                lines.append(line)
            else:
                lines.append(line)
                indent = f"   {' ' * label_w} = "
                lines.append([(indent + preview(f.value, width - len(indent) - 4), "text", None)])
        if product and step.result.value.size:
            head = f"= {step.result.label} {shape_of(step.result.value)} = "
            lines.append([("= ", "text", None), (step.result.label, "title", None),
                          (f" {shape_of(step.result.value)}", "dim", None),
                          (f" = {preview(step.result.value, width - len(head) - 4)}", "text", None)])
        elif product:   # a quiz question waits: the result is hidden (its label already ends in "= ?")
            lines.append([("= ", "text", None), (step.result.label, "title", None)])
    return lines


def wrap(line: Line, width: int) -> list[Line]:
    """Word-wrap one line of runs to `width` cells (a word longer than a line is cut).

    Continuation lines hang under the first line's text: indented as far as it is, or by two.
    """
    if width <= 0:
        return [line]
    text = "".join(t for t, _, _ in line)
    hang = min(len(text) - len(text.lstrip(" ")) or 2, width // 2)
    out: list[Line] = [[]]
    used = 0
    for chunk, key, link in line:
        for word in _words(chunk):
            n = len(word)
            if used + n > width and used > hang:
                if word.isspace():
                    continue
                out.append([(" " * hang, "text", None)])
                used = hang
            while used + n > width:        # a single word wider than the pane
                cut = width - used
                out[-1].append((word[:cut], key, link))
                out.append([(" " * hang, "text", None)])
                word, n, used = word[cut:], n - cut, hang
            last = out[-1]
            if last and last[-1][1] == key and last[-1][2] == link:   # one run per style
                last[-1] = (last[-1][0] + word, key, link)
            else:
                last.append((word, key, link))
            used += n
    return out


def _words(text: str) -> list[str]:
    """Words with the spaces after them, so wrapping keeps spacing inside a line."""
    words, cur = [], ""
    for ch in text:
        cur += ch
        if ch == " ":
            words.append(cur)
            cur = ""
    if cur:
        words.append(cur)
    return words


class StepView(ScrollView, can_focus=True, inherit_bindings=False):
    """What this step computes and why; sized to its content, scrolls when the terminal is too small.

    Focusable (Tab) so it can be maximised and scrolled, but without ScrollView's arrow-key
    bindings: the arrows step the debugger.
    """

    COMPONENT_CLASSES = {
        "step-view--text", "step-view--title", "step-view--dim", "step-view--note", "step-view--error",
        "step-view--link", "step-view--forward", "step-view--loss", "step-view--backward", "step-view--update",
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._key: object = None
        self._step: Step | None = None
        self._lines: list[Line] = []
        self._lines_width = -1   # the width `_lines` were fitted to
        self._strips: list[Strip] = []
        self._width = -1
        self._style_cache: dict[str, Style] | None = None
        self._prepared: dict[object, tuple[list[Line], int, list[Strip]]] = {}

    def prepare(self, step: Step, key: object) -> None:
        """Lay out a step that may be shown next, off the key path."""
        if key in self._prepared or key == self._key:
            return
        if len(self._prepared) > 8:
            self._prepared.clear()
        if self._width <= 0:
            return
        lines = step_lines(step, self._width)
        self._prepared[key] = (lines, self._width, self._draw(lines, self._width))

    def show(self, step: Step, key: object = None) -> None:
        key = key if key is not None else (step.id, step.iteration, id(step))
        if key == self._key:
            return
        self._key = key
        self._step = step
        old_strips, old_width, old_y = self._strips, self._width, self.scroll_offset.y
        prepared = self._prepared.pop(key, None)
        if prepared is not None and prepared[1] == self.scrollable_content_region.width and prepared[2]:
            self._lines, self._width, self._strips = prepared
            self._lines_width = self._width
            set_virtual_size(self, Size(self._width, max(1, len(self._strips))))
        else:
            width = self.scrollable_content_region.width
            fits = prepared is not None and prepared[1] == width
            self._lines = prepared[0] if fits else step_lines(step, width if width > 0 else 80)
            self._lines_width = width
            self._width = -1
            self._wrap()
        if old_y or old_width != self._width:
            self.scroll_to(0, 0, animate=False)
            self.refresh()
            return
        # Redraw only the lines that differ: a step's blank tail and shared lines stay as drawn.
        height = self.scrollable_content_region.height
        changed = [y for y in range(min(height, max(len(old_strips), len(self._strips))))
                   if (old_strips[y] if y < len(old_strips) else None)
                   != (self._strips[y] if y < len(self._strips) else None)]
        if changed:
            self.refresh_lines(changed[0], changed[-1] - changed[0] + 1)

    def notify_style_update(self) -> None:
        self._style_cache = None
        self._prepared.clear()
        self._width = self._lines_width = -1
        super().notify_style_update()

    def _styles(self) -> dict[str, Style]:
        if self._style_cache is None:
            get = self.get_component_rich_style
            st = {k: get(f"step-view--{k}") for k in ("text", "title", "dim", "note", "error", "link")}
            for ph in ("forward", "loss", "backward", "update"):
                colour = get(f"step-view--{ph}")
                st[f"formula-{ph}"] = colour + Style(bold=True)
                st[f"badge-{ph}"] = colour + Style(bold=True, reverse=True)
            st["base"] = self.rich_style
            self._style_cache = st
        return self._style_cache

    def _draw(self, lines: list[Line], width: int) -> list[Strip]:
        st = self._styles()
        strips = []
        for line in lines:
            for part in wrap(line, width):
                segs = [Segment(t, st[k] + Style.from_meta({"@click": f"app.jump('{link}')"})
                                if link else st[k]) for t, k, link in part]
                strips.append(Strip(segs).crop_extend(0, width, st["base"]))
        return strips

    def _wrap(self) -> list[Strip]:
        width = self.scrollable_content_region.width
        if width != self._width and width > 0:
            self._width = width
            if self._step is not None and self._lines_width != width:
                self._lines = step_lines(self._step, width)
                self._lines_width = width
            self._strips = self._draw(self._lines, width)
            set_virtual_size(self, Size(width, max(1, len(self._strips))))
        return self._strips

    def on_resize(self) -> None:
        self._wrap()
        # The layout gives the pane the height of its content; the virtual size is that content
        # exactly, so no scrollbar comes and goes while the pane is resized to it.
        set_virtual_size(self, Size(max(self._width, 1),
                                    max(1, len(self._strips))))

    def rows_needed(self, width: int) -> int:
        """How many rows the shown step takes at `width` cells (the layout sizes the pane by it)."""
        if width <= 0 or self._step is None:
            return len(self._strips)
        if width == self._width:
            return len(self._strips)
        return sum(len(wrap(line, width)) for line in step_lines(self._step, width))

    def page(self, dx: int, dy: int) -> None:
        """Scroll by a page (dy = ±1); the pane wraps its lines, so there is nothing sideways."""
        self.scroll_relative(0, dy * max(1, self.scrollable_content_region.height - 1), animate=False)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        strips = self._strips if self._width == width else self._wrap()
        line = y + self.scroll_offset.y
        if line >= len(strips):
            return Strip.blank(width, self._styles()["base"])
        return strips[line]

    @property
    def plain(self) -> str:
        return "\n".join("".join(t for t, _, _ in line) for line in self._lines)

    @property
    def markup(self) -> str:
        """The content with its style keys, for comparing two visits of a step in tests."""
        return "\n".join("".join(f"<{k}>{t}" for t, k, _ in line) for line in self._lines)
