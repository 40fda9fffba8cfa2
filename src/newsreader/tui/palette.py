"""The reader's colours: taken from the theme, then made readable (WCAG AA) in it.

Textual's themes choose their colours for looks, not for every pairing a reader
draws: dark blue source names on a blue cursor row, pale text on an orange ticker
headline, a white title on gruvbox's pale green. So the stylesheet never pairs two
theme colours directly. It uses the ``$reader-*`` variables made here from the
current theme (:meth:`~newsreader.tui.app.NewsReaderApp.get_css_variables` adds them,
so they follow every change of theme): each text colour is the theme's own, moved
toward white or black only as far as it takes to reach 4.5:1 against every
background it is drawn on (`WCAG 2 contrast ratio
<https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio>`_).

Pure colour arithmetic: no widget, no app; the tests check the result on screen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.color import Color

__all__ = ["AA", "AA_LARGE", "contrast", "readable", "reader_variables"]

AA = 4.5
"""WCAG AA for text."""
AA_LARGE = 3.0
"""WCAG AA for large text and for the parts of controls that are not text (a border)."""

WHITE = Color(255, 255, 255)
BLACK = Color(0, 0, 0)


def _channel(value: int) -> float:
    scaled = value / 255
    return scaled / 12.92 if scaled <= 0.04045 else ((scaled + 0.055) / 1.055) ** 2.4


def luminance(color: Color) -> float:
    """Relative luminance of an opaque colour (0 black, 1 white)."""
    return 0.2126 * _channel(color.r) + 0.7152 * _channel(color.g) + 0.0722 * _channel(color.b)


def contrast(first: Color, second: Color) -> float:
    """The WCAG contrast ratio of two opaque colours, from 1 to 21."""
    one, two = luminance(first), luminance(second)
    return (max(one, two) + 0.05) / (min(one, two) + 0.05)


def _worst(color: Color, backgrounds: Sequence[Color]) -> float:
    return min(contrast(color, background) for background in backgrounds)


def readable(color: Color, backgrounds: Sequence[Color], minimum: float = AA) -> Color:
    """``color``, or the nearest colour on its way to white or to black that reaches
    ``minimum`` against every one of ``backgrounds`` (the extreme that comes closest
    when neither reaches: backgrounds both very light and very dark)."""
    if _worst(color, backgrounds) >= minimum:
        return color
    found: list[tuple[float, Color]] = []
    for extreme in (WHITE, BLACK):
        if _worst(extreme, backgrounds) < minimum:
            continue
        low, high = 0.0, 1.0  # blend factors: low fails, high reaches
        for _ in range(16):
            middle = (low + high) / 2
            if _worst(color.blend(extreme, middle), backgrounds) >= minimum:
                high = middle
            else:
                low = middle
        found.append((high, color.blend(extreme, high)))
    if found:
        return min(found, key=lambda item: item[0])[1]
    return max((WHITE, BLACK), key=lambda extreme: _worst(extreme, backgrounds))


def _hex(color: Color) -> str:
    return color.hex6


def reader_variables(theme: Mapping[str, str]) -> dict[str, str]:
    """The ``reader-*`` variables (and Textual's own footer and cursor variables,
    fixed the same way) for a theme's variables, as Textual's ``get_css_variables``
    returns them. Alpha colours are composed on the background they are drawn on."""

    def get(name: str, on: Color | None = None) -> Color:
        color = Color.parse(theme[name])
        if color.a < 1:
            return (on or surface) + color
        return color

    background = get("background", Color(0, 0, 0))
    surface = get("surface", background)
    panel = get("panel", background)
    planes = (background, surface, panel)
    foreground = get("foreground", background)
    primary, accent = get("primary"), get("accent")

    def text(name: str, minimum: float = AA) -> str:
        return _hex(readable(get(name), planes, minimum))

    cursor = primary
    blurred = surface + primary.with_alpha(0.25)
    ticker = accent
    highlight = surface + accent.with_alpha(0.35)
    code = background + get("warning").with_alpha(0.15)
    footer = get("footer-background", background) if "footer-background" in theme else panel
    footers = [footer] + [
        get(name, footer)
        for name in (
            "footer-key-background",
            "footer-description-background",
            "footer-item-background",
        )
        if name in theme
    ]
    variables = {
        "reader-text": _hex(readable(foreground, planes)),
        "reader-muted": _hex(readable(surface + get("foreground-muted"), planes)),
        "reader-accent": text("accent"),
        "reader-primary": text("text-primary"),
        "reader-secondary": text("text-secondary"),
        "reader-warning": text("warning"),
        "reader-error": text("error"),
        "reader-success": text("success"),
        "reader-border": _hex(surface.blend(foreground, 0.25)),
        "reader-border-focus": _hex(readable(accent, planes, AA_LARGE)),
        "reader-cursor-background": _hex(cursor),
        "reader-cursor-foreground": _hex(readable(foreground, [cursor])),
        "reader-cursor-blurred-background": _hex(blurred),
        "reader-cursor-blurred-foreground": _hex(readable(foreground, [blurred])),
        "reader-ticker-current-background": _hex(ticker),
        "reader-ticker-current-foreground": _hex(readable(background, [ticker])),
        "reader-highlight-background": _hex(highlight),
        "reader-highlight-foreground": _hex(readable(foreground, [highlight])),
        "reader-code-background": _hex(code),
        "reader-code-foreground": _hex(readable(get("text-warning", code), [code])),
        # Textual's own widgets on the reader's screens: the footer and the cursors.
        "footer-key-foreground": _hex(readable(accent, footers)),
        "footer-description-foreground": _hex(readable(foreground, footers)),
        "footer-foreground": _hex(readable(foreground, footers)),
        "block-cursor-foreground": _hex(readable(foreground, [cursor])),
        "block-cursor-background": _hex(cursor),
        "block-cursor-blurred-foreground": _hex(readable(foreground, [blurred])),
        "block-cursor-blurred-background": _hex(blurred),
    }
    return variables
