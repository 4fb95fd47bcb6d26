"""Shared helpers of the line-API panes (tensors, step, signs)."""
from __future__ import annotations

from textual.geometry import Size
from textual.widget import Widget


def set_virtual_size(widget: Widget, size: Size) -> None:
    """Change a pane's scrollable size, only when it differs.

    Through the public reactive: Textual lays the screen out again and shows or hides the
    scrollbars. The size is the content's own, never the viewport's, so the scrollbars depend on
    the step alone, not on the pane sizes the previous step left.
    """
    if size != widget.virtual_size:
        widget.virtual_size = size
