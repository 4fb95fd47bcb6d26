"""Polish people notice: the loss label (no spoilers, shortened to fit), the landscape, watches, help, themes."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.color import Color
from textual.screen import Screen
from textual.widgets import Static

from chainstep.core.landscape import landscape, tangent_within, y_range
from chainstep.core.scenario import load_scenario
from chainstep.tui.app import ChainstepApp
from chainstep.tui.app.themes import MIN_CONTRAST, contrast, ratios
from chainstep.tui.panes.loss_chart import LossChart
from chainstep.tui.panes.watch_pane import Sparkline, WatchPane, WatchRow
from chainstep.tui.screens.help import HelpScreen
from chainstep.tui.tools.landscape_screen import LandscapeChart, LandscapeScreen
from chainstep.tui.tools.minibatch_screen import MinibatchScreen

DATA = Path(__file__).resolve().parent.parent / "data"
SIZE = (120, 40)


def screen_text(app: App) -> str:
    """What the terminal shows, from the compositor."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def rendered(widget) -> Text:
    out = widget.render()
    return out if isinstance(out, Text) else Text(str(out))


async def goto(app: ChainstepApp, pilot, target: str) -> None:
    await pilot.press("g", *target, "enter")
    await app.workers.wait_for_complete()
    await pilot.pause()


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


# ---- the loss label: no spoiler, shortened to fit, a fixed non-finite count -----------------------

async def test_this_iteration_s_cost_waits_for_its_loss_step() -> None:
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=SIZE) as pilot:
        trace = app.trace()
        cost = trace.record(0).cost
        k = trace.index_of("loss.L") + 1
        await pilot.pause()
        assert app.loss.summary == f"cost · iteration 1: pending until step {k}"
        assert f"{cost:.6g}" not in screen_text(app) and f"{cost:.4g}" not in screen_text(app)
        await goto(app, pilot, "loss.L")
        assert app.loss.summary == f"cost · iteration 1: {cost:.6g}"
        assert app.loss.summary in screen_text(app)
        await pilot.press("left")                          # one step back: not reached any more
        await pilot.pause()
        assert "pending" in app.loss.summary and f"{cost:.6g}" not in screen_text(app)
        await pilot.press("space", "n", "home")             # iteration 2, first step: its cost waits
        await settle(app, pilot)
        assert app.loss.summary == f"cost · iteration 2: pending until step {k}"
        assert f"{trace.record(1).cost:.6g}" not in screen_text(app)
        await goto(app, pilot, "backward.dyhat")
        assert app.loss.summary == f"cost · iteration 2: {trace.record(1).cost:.6g}"


async def test_the_chart_shows_no_iteration_beyond_the_cursor() -> None:
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=SIZE) as pilot:
        trace = app.trace()
        trace.record(30)                                   # as if a background job had run ahead
        app.loss.show(trace.cost_history(), 4, trace.costs_known(), reached=True)
        shown = app.loss._key
        trace.record(60)
        app.loss.show(trace.cost_history(), 4, trace.costs_known(), reached=True)
        assert app.loss._key == shown                      # what ran ahead changes nothing shown
        assert app.loss.summary.startswith("cost · iteration 5: ")


class ChartApp(App):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.width = width

    def compose(self) -> ComposeResult:
        chart = LossChart()
        chart.styles.width = self.width
        chart.styles.height = 10
        yield chart


@pytest.mark.parametrize("width", [18, 24, 30, 40, 72])
async def test_the_loss_label_is_shortened_never_dropped(width: int) -> None:
    app = ChartApp(width)
    async with app.run_test(size=(80, 14)) as pilot:
        chart = app.query_one(LossChart)
        chart.show(np.array([0.259127, 0.251594, 0.25, math.inf]), 2, np.ones(4, bool))
        await pilot.pause()
        await pilot.pause()
        text = screen_text(app)
        assert chart.label and chart.label in text
        assert "0.25" in chart.label                       # the value itself is never what goes
        chart.show(np.array([0.259127, math.inf, 0.25, math.inf]), 2, np.ones(4, bool))
        await pilot.pause()
        await pilot.pause()
        assert chart.label in screen_text(app)
        if width >= 72:
            assert chart.label == "cost · iteration 3: 0.25 · non-finite in 1 of iterations 1–3"


async def test_the_loss_label_is_on_screen_at_80x24() -> None:
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(app, pilot, "loss.L")
        await pilot.press("s")                         # the compact layout: the loss is behind s
        await pilot.pause()
        await pilot.pause()
        assert app.loss.label in screen_text(app)
        assert f"{app.trace().record(0).cost:.4g}" in app.loss.label


async def test_the_non_finite_count_is_over_the_iterations_up_to_the_cursor() -> None:
    scenario = load_scenario(DATA / "tui-two-parts.yaml")
    app = ChainstepApp(scenario, part=1)
    async with app.run_test(size=SIZE) as pilot:
        trace = app.trace()
        last = trace.iterations
        await goto(app, pilot, f"{last}:loss.L")
        costs = trace.cost_history()
        bad = int((~np.isfinite(costs)).sum())
        assert bad and f"non-finite in {bad} of iterations 1–{last}" in app.loss.summary
        await goto(app, pilot, f"{last - 3}:loss.L")      # everything is computed; the count is of 1 to here
        bad_here = int((~np.isfinite(costs[: last - 3])).sum())
        assert bad_here < bad
        assert f"non-finite in {bad_here} of iterations 1–{last - 3}" in app.loss.summary
        await goto(app, pilot, "1:loss.L")
        assert "non-finite" not in app.loss.summary


# ---- the landscape: curve, tangent and point all visible ----------------------------------------

def test_the_landscape_s_y_range_follows_the_curve_and_the_tangent_is_cut_to_it() -> None:
    scenario = load_scenario("descent-and-the-chain-rule")
    ls = landscape(scenario.parts[0].trace, 0, "W1", (0, 0))
    lo, hi = y_range(ls)
    cmin, cmax = float(ls.costs.min()), float(ls.costs.max())
    assert lo <= cmin and hi >= cmax and (hi - lo) <= 1.31 * (cmax - cmin)      # the tangent does not widen it
    assert float(ls.tangent.min()) < lo                                           # this tangent leaves the range
    xs, ys = tangent_within(ls, lo, hi)
    assert len(xs) and np.all(ys >= lo - 1e-9) and np.all(ys <= hi + 1e-9)
    assert xs[0] > ls.xs[0]                                                       # cut, not clipped along the edge
    assert xs[0] <= ls.p0 <= xs[-1]                                               # through the point


def chart_text(screen: LandscapeScreen) -> str:
    chart = screen.query_one(LandscapeChart)
    return "\n".join(strip.text for strip in chart.render_lines(chart.content_region.reset_offset))


async def open_landscape(app: ChainstepApp, pilot, element: str) -> LandscapeScreen:
    await pilot.press("l")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, LandscapeScreen)
    if screen.element != element:
        await pilot.press("e")
        inp = screen.query_one("#ls-element")
        inp.value = element
        await pilot.press("enter")
        await settle(app, pilot)
    assert screen.data is not None
    return screen


# (scenario, part, element, whether the update's ▲ is a cell away from the point: a tiny step is under it)
@pytest.mark.parametrize("where", [("descent-and-the-chain-rule", 0, "W1[0,0]", True), ("xor", 0, "W1[0,0]", False),
                                   ("xor", 0, "b1[0,0]", True)])
async def test_the_landscape_keeps_the_point_and_its_legend_off_the_curve(where) -> None:
    name, part, element, apart = where
    app = ChainstepApp(load_scenario(name), part=part)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_landscape(app, pilot, element)
        text = chart_text(screen)
        assert "●" in text and ("▲" in text) == apart      # the point, drawn last, and the update's point
        assert "tangent" not in text and "cost" not in text.split("\n", 1)[1]   # no legend over the plot
        legend = str(screen.query_one("#ls-legend", Static).render())
        assert "cost" in legend and "tangent" in legend and "now" in legend


async def test_a_frozen_parameter_s_point_is_drawn_over_the_update_line() -> None:
    app = ChainstepApp(load_scenario(DATA / "tui-two-parts.yaml"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_landscape(app, pilot, "b1[0,0]")
        assert screen.data.frozen and screen.data.p_next == screen.data.p0
        assert "●" in chart_text(screen)                   # the green vertical line of the update passes through it


# ---- watches: each sparkline its own colour, named by the swatch before its label ----------------

def colour_numbers(text: Text, chars: str | None = None) -> set[int]:
    """The colour numbers of the characters of `text` (only those in `chars` if given)."""
    out = set()
    for span in text.spans:
        style = span.style if isinstance(span.style, Style) else Style.parse(span.style)
        piece = text.plain[span.start:span.end]
        if style.color is not None and piece.strip() and (chars is None or any(c in chars for c in piece)):
            out.add(style.color.number if style.color.number is not None else hash(style.color.triplet))
    return out


async def test_several_watches_are_told_apart_by_colour_and_a_swatch() -> None:
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=SIZE) as pilot:
        for text in ("W1[0,1]", "W2[0,0]", "b1[0,0]"):
            await pilot.press("w")
            await pilot.pause()
            app.screen.query_one("#watch-input").value = text
            await pilot.press("enter")
            await settle(app, pilot)
        for _ in range(4):
            await pilot.press("n")
        await settle(app, pilot)
        rows = list(app.query_one(WatchPane).query(WatchRow))
        assert len(rows) == 3
        line_colours, swatch_colours = [], []
        for row in rows:
            label = row.query_one(".watch-text", Static).content
            assert isinstance(label, Text) and label.plain.startswith("━━ ")
            swatch_colours.append(colour_numbers(label[:3]))
            line_colours.append(colour_numbers(rendered(row.query_one(Sparkline)), "⠀⠁⠂⠃⠄⠅⠆⠇⠈⠉⠊⠋⠌⠍⠎⠏"
                                                                                   "⠐⠑⠒⠓⠔⠕⠖⠗⠘⠙⠚⠛⠜⠝⠞⠟⠠⠡⠢⠣⠤⠥⠦⠧⠨⠩⠪⠫⠬⠭⠮⠯"
                                                                                   "⠰⠱⠲⠳⠴⠵⠶⠷⠸⠹⠺⠻⠼⠽⠾⠿⡀⡠⢀⢄⣀⠉●"))
        assert all(len(c) == 1 for c in line_colours), line_colours      # one colour per sparkline
        assert len({min(c) for c in line_colours}) == 3                    # three different ones
        assert swatch_colours == line_colours                              # each label's swatch is its line's


# ---- help: every key a user can press ------------------------------------------------------------

def help_rows(screen: HelpScreen) -> list[tuple[str, str]]:
    return [(keys, desc) for _, rows in screen.sections for keys, desc, _ in rows]


def listed(app: App, rows: list[tuple[str, str]], key: str, description: str | None = None) -> bool:
    shown = app.get_key_display(Binding(key, "x"))
    return any(shown in keys.split(" / ") and (description is None or desc == description) for keys, desc in rows)


async def test_help_lists_every_binding_of_the_app_and_textual_s_own() -> None:
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=SIZE) as pilot:
        active = dict(app.screen.active_bindings)
        await pilot.press("question_mark")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        rows = help_rows(screen)
        console = Console(width=200, record=True, file=open("/dev/null", "w"))
        console.print(screen.table)
        table = console.export_text()
        missing = []
        for cls in type(app).__mro__:                       # every mixin's BINDINGS, and App's own
            for b in cls.__dict__.get("BINDINGS", []):
                b = b if isinstance(b, Binding) else Binding(*b)
                if b.system or not b.description:
                    continue
                for key in b.key.split(","):
                    if not listed(app, rows, key.strip(), b.description):
                        missing.append((cls.__name__, key, b.description))
        for key, ab in active.items():                      # what the main screen answers to, ctrl+p included
            if ab.binding.system or not (ab.binding.description or ab.binding.action.endswith("command_palette")):
                continue
            if not listed(app, rows, key):
                missing.append(("active", key, ab.binding.description))
        assert not missing, missing
        for key in (app.COMMAND_PALETTE_BINDING, "tab", "shift+tab"):
            assert listed(app, rows, key), key
            assert app.get_key_display(Binding(key, "x")) in table
        assert "^p" in screen_text(app)                      # on the help screen itself
        for key, _ in [(b.key, b) for b in Screen.BINDINGS if isinstance(b, Binding) and b.description]:
            assert all(listed(app, rows, k.strip()) for k in key.split(","))


async def test_help_lists_the_keys_of_the_views_in_their_context() -> None:
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        sections = dict(app.screen.sections)
        landscape_rows = [(k, d) for k, d, _ in sections["In the loss landscape (l)"]]
        assert listed(app, landscape_rows, "plus", "Zoom in") and listed(app, landscape_rows, "minus", "Zoom out")
        minibatch_rows = [(k, d) for k, d, _ in sections["In the minibatch view (m)"]]
        assert listed(app, minibatch_rows, "t")
        for title, classes in (("In the loss landscape (l)", LandscapeScreen), ("In the minibatch view (m)",
                                                                                  MinibatchScreen)):
            rows = [(k, d) for k, d, _ in sections[title]]
            for b in classes.BINDINGS:
                assert all(listed(app, rows, k.strip(), b.description) for k in b.key.split(","))
        table = screen_text(app)
        assert "In the loss landscape (l)" in table or "In the loss landscape" in "\n".join(sections)


# ---- themes: value colours and the status line readable in every theme offered -------------------

LIGHT = {"textual-light", "solarized-light", "catppuccin-latte", "rose-pine-dawn", "atom-one-light"}


def style_contrast(style: Style) -> float:
    return contrast(Color.from_rich_color(style.color), Color.from_rich_color(style.bgcolor))


async def test_every_offered_theme_keeps_values_and_status_at_4_5_to_1() -> None:
    app = ChainstepApp(load_scenario("xor"))
    async with app.run_test(size=SIZE) as pilot:
        offered = set(app.available_themes)
        assert LIGHT <= offered                             # the light themes stay, made readable
        assert not any(t.ansi for t in app.available_themes.values())
        low = []
        for name in sorted(offered):
            app.theme = name
            await pilot.pause()
            for pair, ratio in ratios(app.get_css_variables()).items():
                if ratio < MIN_CONTRAST:
                    low.append((name, pair, round(ratio, 2)))
            # ... and as the panes really draw them.
            styles = {"status": app.status.rich_style}
            for part in ("pos", "neg"):
                styles[part] = app.tensors.get_component_rich_style(f"tensor-view--{part}")
            for part in ("key", "extra", "forward", "loss", "backward", "update"):
                styles[part] = app.status.get_component_rich_style(f"status-bar--{part}")
            for part, style in styles.items():
                if style_contrast(style) < MIN_CONTRAST:
                    low.append((name, part, round(style_contrast(style), 2)))
        assert not low, low


def test_the_contrast_ratio_is_wcag_s() -> None:
    assert contrast(Color(0, 0, 0), Color(255, 255, 255)) == pytest.approx(21)
    assert contrast(Color(119, 119, 119), Color(255, 255, 255)) == pytest.approx(4.48, abs=0.01)
    assert contrast(Color(10, 20, 30), Color(10, 20, 30)) == pytest.approx(1)
