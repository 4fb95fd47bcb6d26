"""Shared helpers of the line-API panes (tensors, step, signs)."""
from __future__ import annotations

from textual.geometry import Size
from textual.widget import Widget


def set_virtual_size(widget: Widget, size: Size) -> None:
    """Change a pane's scrollable size without a screen layout.

    The pane's own size comes from the stylesheet, so a new virtual size changes only its
    scrollbars; assigning `virtual_size` would re-lay out the whole screen on every step. A layout
    still happens when a scrollbar appears or goes (Textual does that in `_scroll_update`).
    """
    if size == widget.virtual_size:
        return
    widget.set_reactive(Widget.virtual_size, size)
    widget._scroll_update(size)
    widget.refresh()


def steady(n: int, viewport: int, step: int = 8) -> int:
    """A virtual length that changes rarely: the viewport when content fits, else rounded up.

    Every change of a pane's virtual size redraws its scrollbar; stepping between steps of similar
    length then costs nothing extra. The few lines past the content are blank.
    """
    if n <= viewport:
        return max(viewport, 1)
    return -(-n // step) * step
