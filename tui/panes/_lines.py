"""Shared helpers of the line-API panes (tensors, step, signs)."""
from __future__ import annotations

from textual.geometry import Size
from textual.widget import Widget


def set_virtual_size(widget: Widget, size: Size) -> None:
    """Change a pane's scrollable size (its scrollbars); nothing happens when it is unchanged.

    Assigning the reactive lays the screen out again, so callers round sizes with `steady` and
    the assignment happens only when the content outgrows (or shrinks well under) the pane.
    """
    if size == widget.virtual_size:
        return
    widget.virtual_size = size
    widget.refresh()


def steady(n: int, viewport: int, step: int = 8) -> int:
    """A virtual length that changes rarely: the viewport when content fits, else rounded up.

    Every change of a pane's virtual size redraws its scrollbar; stepping between steps of similar
    length then costs nothing extra. The few lines past the content are blank.
    """
    if n <= viewport:
        return max(viewport, 1)
    return -(-n // step) * step
