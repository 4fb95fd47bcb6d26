"""The go-to dialog: a step number, a step id, or ITERATION:STEP."""
from __future__ import annotations

from typing import Callable

from .prompt import PromptDialog


class GotoDialog(PromptDialog):
    def __init__(self, check: Callable[[str], str | None], steps: int, iterations: int) -> None:
        super().__init__(
            "goto", "Go to step",
            f"a step number (1–{steps}), a step id such as backward.1.dW, "
            f"ITERATION:STEP (iterations 1–{iterations}) or iITERATION",
            check, placeholder="e.g. 13, backward.1.dW, 500:13")
