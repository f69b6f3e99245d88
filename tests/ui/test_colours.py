"""Contrast of the colours the project sets itself (the theme's settings, the pages' CSS), computed as WCAG computes
it: text at least 4.5:1 on its background, in the light mode and, on Gradio's pages (which follow the computer's
setting), in the dark mode too. The faults axe-core found in a browser (docs/accessibility.md), checked without one."""

from __future__ import annotations

import re

import pytest

from ui.chat import CSS, THEME
from ui.review_style import REVIEW_CSS
from ui.server import PAGE

AA = 4.5
WHITE, BLACK = "#ffffff", "#000000"


def luminance(colour: str) -> float:
    """WCAG's relative luminance of a ``#rrggbb`` colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def theme_colour(name: str, dark: bool = False) -> str:
    """A theme setting as ``#rrggbb``, following its ``*other_setting`` references as Gradio does (in the dark
    mode each reference's ``_dark`` setting first)."""
    value = getattr(THEME, f"{name}_dark", None) if dark else None
    value = value or getattr(THEME, name)
    while value.startswith("*"):
        ref = value[1:]
        value = (getattr(THEME, f"{ref}_dark", None) if dark else None) or getattr(THEME, ref)
    return {"white": WHITE, "black": BLACK}.get(value, value)


def css_colour(value: str, dark: bool) -> str:
    """A CSS colour (``#rgb``, ``#rrggbb`` or ``var(--theme-setting)``) as ``#rrggbb``."""
    value = value.strip().removesuffix("!important").strip()
    if value.startswith("var("):
        return theme_colour(value[value.index("--") + 2 : value.index(")")].replace("-", "_"), dark)
    if len(value) == 4:
        value = "#" + "".join(c * 2 for c in value[1:])
    return value.lower()


def text_rules(css: str) -> list[tuple[str, dict[str, str]]]:
    """Each CSS rule that sets a text or background colour: its selector and those declarations."""
    found = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = dict(
            (key.strip(), value.strip()) for key, _, value in (d.partition(":") for d in body.split(";")) if value
        )
        colours = {key: value for key, value in declarations.items() if key in ("color", "background", "background-color")}
        if colours and not selector.strip().startswith(":root"):
            found.append((selector.strip(), colours))
    return found


def pairs(css: str, dark: bool, text: str, page: str) -> list[tuple[str, str, str]]:
    """(selector, text colour, background) of every rule with colours: what a rule leaves unset is the page's."""
    result = []
    for selector, colours in text_rules(css):
        background = colours.get("background-color") or colours.get("background")
        result.append((selector, css_colour(colours["color"], dark) if "color" in colours else text,
                       css_colour(background, dark) if background else page))
    return result


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("css", [CSS, REVIEW_CSS], ids=["chat page", "staff pages"])
def test_our_css_on_gradio_pages_reads_in_the_light_and_the_dark_mode(css: str, dark: bool) -> None:
    # the transcript's decision record was a fixed grey (2.56:1 on the dark page), its flags and staff lines a light
    # background under the dark mode's light text (1.06:1)
    text, page = theme_colour("body_text_color", dark), theme_colour("body_background_fill", dark)
    found = pairs(css, dark, text, page)
    assert found  # the transcript's and the handoff banner's colours at least
    low = [(selector, round(contrast(fg, bg), 2)) for selector, fg, bg in found if contrast(fg, bg) < AA]
    assert not low


def test_the_help_centre_pages_colours_read_on_their_white_page() -> None:
    style = PAGE[PAGE.index("<style>") + 7 : PAGE.index("</style>")].replace("{{", "{").replace("}}", "}")
    found = pairs(style, False, BLACK, WHITE)
    assert found
    assert not [(selector, round(contrast(fg, bg), 2)) for selector, fg, bg in found if contrast(fg, bg) < AA]


def dark_accent() -> str:
    """The accent colour of the dark mode: the pages' CSS may set it (``--color-accent`` in a ``.dark`` rule)."""
    match = re.search(r"\.dark[^{]*\{[^}]*--color-accent:\s*var\(--([a-z0-9-]+)\)", CSS)
    return theme_colour(match.group(1).replace("-", "_"), True) if match else theme_colour("color_accent", True)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_themes_text_colours_reach_aa_contrast(dark: bool) -> None:
    # axe-core: the open tab's name (the accent) 4.46:1 and 4.28:1 in the dark, a chosen radio button 4.46:1, the
    # upload's "- or -" (subdued text) 2.53:1, a hovered button in the dark 4.46:1
    colour = lambda name: theme_colour(name, dark)  # noqa: E731
    accent = dark_accent() if dark else colour("color_accent")
    checks = {
        "open tab": (accent, colour("body_background_fill")),
        "open tab on a block": (accent, colour("block_background_fill")),
        "chosen radio button": (colour("checkbox_label_text_color_selected"), colour("checkbox_label_background_fill_selected")),
        "subdued text": (colour("body_text_color_subdued"), colour("block_background_fill")),
        "primary button": (colour("button_primary_text_color"), colour("button_primary_background_fill")),
        "hovered primary button": (colour("button_primary_text_color"), colour("button_primary_background_fill_hover")),
        "hovered secondary button": (colour("button_secondary_text_color"), colour("button_secondary_background_fill_hover")),
    }
    low = {name: round(contrast(*pair), 2) for name, pair in checks.items() if contrast(*pair) < AA}
    assert not low
