"""Readable colours in every theme the app offers: value colours and the status line reach 4.5:1.

The Tensors pane writes positive values in $text-primary and negative ones in $text-error on
$surface; the status line writes $text and $text-accent on $panel, and its badges write $panel
on $text-primary, $text-warning, $text-secondary, $text-success and $text-error. Several of the
themes Textual ships fall short of WCAG AA's 4.5:1 for some of these (the light ones most), so
the mixin nudges each such colour towards black or white, as little as it takes, when the theme's
CSS variables are built. The ANSI themes take their colours from the terminal's palette, which
no ratio can be promised for, so they are not offered.
"""
from __future__ import annotations

from textual.color import BLACK, WHITE, Color
from textual.theme import Theme

MIN_CONTRAST = 4.5   # WCAG 2 level AA for normal text
NUDGE_STEPS = 50

# (foreground variable, the background variables it is drawn on, where)
PAIRS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("text-primary", ("surface", "panel"), "positive values; the forward badge"),
    ("text-error", ("surface", "panel"), "negative values; the status line's notices"),
    ("text", ("panel", "surface"), "the status line"),
    ("text-accent", ("panel",), "the status line's numbers"),
    ("text-warning", ("panel",), "the loss badge"),
    ("text-secondary", ("panel",), "the backward badge"),
    ("text-success", ("panel",), "the update badge"),
)


def luminance(c: Color) -> float:
    """WCAG 2 relative luminance of an opaque colour."""
    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)


def contrast(a: Color, b: Color) -> float:
    """WCAG 2 contrast ratio of two opaque colours, 1 to 21."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def resolve(value: str, under: Color) -> Color:
    """The opaque colour a CSS variable's value shows on `under`: "auto 87%" and alpha included."""
    text = value.strip()
    if text.startswith("auto"):
        rest = text[4:].strip().rstrip("%")
        alpha = float(rest) / 100 if rest else 1.0
        return under + under.get_contrast_text(alpha)
    colour = Color.parse(text)
    return under + colour if colour.a < 1 else colour


def ratios(variables: dict[str, str]) -> dict[tuple[str, str], float]:
    """Contrast of every (foreground, background) pair of PAIRS under these CSS variables."""
    out = {}
    for fg, bgs, _ in PAIRS:
        for bg in bgs:
            under = Color.parse(variables[bg])
            out[(fg, bg)] = contrast(resolve(variables[fg], under), under)
    return out


def nudge(fg: Color, backgrounds: list[Color], target: float = MIN_CONTRAST + 0.05) -> Color:
    """`fg` moved towards black or white, as little as it takes, until it reaches `target` on every background.

    The target is a little above 4.5, so rounding in a terminal or an SVG cannot take it below.
    """
    def ok(c: Color) -> bool:
        c = Color.parse(c.hex)   # judge the colour as it will be written
        return all(contrast(c, bg) >= target for bg in backgrounds)
    worst = min(backgrounds, key=lambda bg: contrast(fg, bg))
    towards = WHITE if contrast(WHITE, worst) >= contrast(BLACK, worst) else BLACK
    for k in range(NUDGE_STEPS + 1):
        c = fg.blend(towards, k / NUDGE_STEPS)
        if ok(c):
            return Color.parse(c.hex)
    return towards


def readable_variables(variables: dict[str, str]) -> dict[str, str]:
    """The variables with each colour of PAIRS that falls short nudged until it reaches MIN_CONTRAST."""
    out = dict(variables)
    for fg, bgs, _ in PAIRS:
        unders = [Color.parse(out[bg]) for bg in bgs]
        shown = [resolve(out[fg], under) for under in unders]
        if all(contrast(c, u) >= MIN_CONTRAST for c, u in zip(shown, unders)):
            continue
        worst = min(zip(shown, unders), key=lambda cu: contrast(*cu))[0]
        out[fg] = nudge(worst, unders).hex
    return out


def offered(theme: Theme) -> bool:
    """Whether a theme is offered: not one of the ANSI themes, whose colours the terminal chooses."""
    # Theme.ansi is newer than Textual 8.0, the lowest release pyproject allows; there the ANSI
    # themes are known by name.
    return not getattr(theme, "ansi", theme.name.startswith("ansi-"))


class ReadableThemes:
    """Mixed into the app: offers only themes it can make readable, and makes them so."""

    @property
    def available_themes(self) -> dict[str, Theme]:
        """The registered themes minus the ANSI ones (the palette, settings.json and App.theme see this)."""
        themes = super().available_themes  # type: ignore[misc]
        return {name: theme for name, theme in themes.items() if offered(theme)}

    def get_css_variables(self) -> dict[str, str]:
        """The theme's CSS variables, with any value or status colour below 4.5:1 nudged until it reaches it."""
        variables = readable_variables(super().get_css_variables())  # type: ignore[misc]
        self.theme_variables = variables   # as App.get_css_variables does: plotext charts read it
        return variables
