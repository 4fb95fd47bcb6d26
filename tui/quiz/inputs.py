"""The keyboard inputs of a question: a sign picker and a sign grid (numbers and choices use Input/OptionList)."""
from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from ...core.quiz import GRID, MOVE, SIGN


class SignPicker(Widget, can_focus=True):
    """▲ / ▼ / · (which way a parameter moves) or + / − / 0 (the sign of a value); Enter answers."""

    BINDINGS = [
        Binding("up,u,plus,equals_sign", "pick(1)", "▲/+", tooltip="Raises / positive"),
        Binding("down,d,minus", "pick(-1)", "▼/−", tooltip="Lowers / negative"),
        Binding("0,s,full_stop", "pick(0)", "·/0", tooltip="Stays / zero"),
        Binding("enter", "submit", "Answer", tooltip="Give this answer"),
    ]

    class Picked(Message):
        def __init__(self, value: int) -> None:
            super().__init__()
            self.value = value

    def __init__(self, moves: bool, **kwargs) -> None:
        super().__init__(**kwargs)
        self.moves = moves
        self.value: int | None = None

    def render(self) -> Text:
        names = MOVE if self.moves else SIGN
        keys = {1: "↑", -1: "↓", 0: "0"} if self.moves else {1: "+", -1: "−", 0: "0"}
        out = Text()
        for v in (1, -1, 0):
            chosen = v == self.value
            out.append(f" {names[v]} ", "reverse bold" if chosen else "")
            out.append(f"({keys[v]})   ", "dim")
        out.append("Enter answers" if self.value is not None else "choose, then Enter", "dim")
        return out

    def action_pick(self, value: int) -> None:
        self.value = value
        self.refresh()

    def action_submit(self) -> None:
        if self.value is None:
            self.notify("Choose first: " + ("↑ raises, ↓ lowers, 0 stays" if self.moves else "+, − or 0"), timeout=2)
            return
        self.post_message(self.Picked(self.value))


class SignGridInput(Widget, can_focus=True):
    """One cell per element: arrows move, `+` `−` `0` fill a cell and step on; Enter answers."""

    BINDINGS = [
        Binding("up", "move(-1, 0)", "↑", show=False), Binding("down", "move(1, 0)", "↓", show=False),
        Binding("left", "move(0, -1)", "←", show=False), Binding("right", "move(0, 1)", "→", show=False),
        Binding("plus,equals_sign", "put(1)", "+", tooltip="This entry is positive"),
        Binding("minus", "put(-1)", "−", tooltip="This entry is negative"),
        Binding("0", "put(0)", "0", tooltip="This entry is zero"),
        Binding("enter", "submit", "Answer", tooltip="Give these signs"),
    ]

    class Filled(Message):
        def __init__(self, signs: list[list[int]]) -> None:
            super().__init__()
            self.signs = signs

    def __init__(self, rows: int, cols: int, label: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows, self.cols, self.label = rows, cols, label
        self.cells: list[list[int | None]] = [[None] * cols for _ in range(rows)]
        self.row = self.col = 0

    def get_content_height(self, container, viewport, width: int) -> int:
        return self.rows + 1

    def render(self) -> Text:
        out = Text()
        for r in range(self.rows):
            out.append(f"  {self.label if r == 0 else ' ' * len(self.label)}  ", "bold" if r == 0 else "")
            for c in range(self.cols):
                v = self.cells[r][c]
                style = "reverse bold" if (r, c) == (self.row, self.col) and self.has_focus else \
                    ("green" if v == -1 else "red" if v == 1 else "")
                out.append(f" {GRID[v] if v is not None else '?'} ", style)
            out.append("\n")
        missing = sum(v is None for row in self.cells for v in row)
        out.append("  arrows move · + − 0 fill a cell · " +
                   (f"{missing} left to fill" if missing else "Enter answers"), "dim")
        return out

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_move(self, dr: int, dc: int) -> None:
        self.row = (self.row + dr) % self.rows
        self.col = (self.col + dc) % self.cols
        self.refresh()

    def action_put(self, value: int) -> None:
        self.cells[self.row][self.col] = value
        # Step on to the next cell in reading order, so a whole grid is typed without arrows.
        k = self.row * self.cols + self.col + 1
        if k < self.rows * self.cols:
            self.row, self.col = divmod(k, self.cols)
        self.refresh()

    def action_submit(self) -> None:
        if any(v is None for row in self.cells for v in row):
            self.notify("Fill every cell first (+, − or 0)", timeout=2)
            return
        self.post_message(self.Filled([[int(v) for v in row] for row in self.cells]))   # type: ignore[arg-type]
