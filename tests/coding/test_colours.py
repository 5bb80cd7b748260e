"""Template and demo colours read well as highlights: text over a tint at 4.5:1 or more
(WCAG AA), each band at 3:1 or more against the page. The tint is the code's colour at the
alpha the coding page uses (static/js/workspace/colours.js)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coding.codebook_templates import TEMPLATES
from demo.management.commands.load_demo import UNTIDY_CODES

COLOURS_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "workspace" / "colours.js"
PAGE, TEXT = "#ffffff", "#212529"


def _js_constant(name: str) -> str:
    return re.search(rf'export const {name} = "?([^";]+)"?;', COLOURS_JS.read_text()).group(1)


TINT_ALPHA = float(_js_constant("TINT_ALPHA"))


def luminance(hex_colour: str) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def tint(hex_colour: str, alpha: float = TINT_ALPHA) -> str:
    page = [int(PAGE[i : i + 2], 16) for i in (1, 3, 5)]
    own = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(
        f"{round(c * alpha + p * (1 - alpha)):02x}" for c, p in zip(own, page, strict=True)
    )


def _all_codes(nodes):
    for node in nodes:
        yield node
        yield from _all_codes(node.get("children", []))


TEMPLATE_CODES = [
    (template, code["name"], code["colour"])
    for template, (_label, nodes) in TEMPLATES.items()
    for code in _all_codes(nodes)
] + [("demo study", name, colour) for name, colour, _definition in UNTIDY_CODES]


def test_the_page_and_the_script_agree_on_colours():
    assert _js_constant("PAGE") == PAGE and _js_constant("TEXT") == TEXT
    assert TINT_ALPHA == 0.18
    assert len(TEMPLATE_CODES) > 30


@pytest.mark.parametrize(("template", "name", "colour"), TEMPLATE_CODES)
def test_a_template_colour_gives_readable_text_and_a_visible_band(template, name, colour):
    assert contrast(TEXT, tint(colour)) >= 4.5, (template, name)
    assert contrast(colour, PAGE) >= 3.0, (template, name)


def test_the_contrast_formula_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast("#c8e6c9", "#ffffff") < 3  # one of the old template colours
