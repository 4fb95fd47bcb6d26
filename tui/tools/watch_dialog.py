"""The dialog that adds (or, typed again, removes) a watch expression."""
from __future__ import annotations

from typing import Callable

from ..screens.prompt import PromptDialog


class WatchDialog(PromptDialog):
    def __init__(self, check: Callable[[str], str | None], watching: list[str], suggestion: str = "") -> None:
        extra = [("current", "watching: " + ", ".join(watching))] if watching else []
        super().__init__(
            "watch", "Watch a tensor or one element",
            "Names as the steps call them: W1, dW2, dL_dyhat, yhat, L, delta1, a1 … "
            "(∂L/∂ŷ, δ₁ work too); one element with [row,col], e.g. W1[0,1]. "
            "Typing a watched expression again removes it.",
            check, placeholder="e.g. W1[0,1]", value=suggestion, extra=extra)
