"""Panes of the debugger, one widget per module."""
