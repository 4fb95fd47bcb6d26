"""The stepping debugger itself: the Textual app, its far jumps and its command palette."""
from .chainstep_app import MIN_HEIGHT, MIN_WIDTH, ChainstepApp
from .run import run_app

__all__ = ["ChainstepApp", "MIN_HEIGHT", "MIN_WIDTH", "run_app"]
