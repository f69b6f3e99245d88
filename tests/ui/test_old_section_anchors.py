"""A link to an article's section made before the ids were heading paths (a repeated heading's ``#fees-2``, a
long heading's id cut at 80 characters) still opens that section, not the page's top."""

from __future__ import annotations

import re

from retrieval.loaders import slugify
from ui.articles import render_markdown

POLICY = """# Return policy

## Returns

### Fees

Returns are free.

## Exchanges

### Fees

Exchanges cost $5.

### Fees

Gift exchanges are free.
"""
LONG = "What happens to the delivery charge when only some of the items of an order are sent back to us"


def section_of(page: str, anchor: str) -> str:
    """The text of the heading that holds the element with id ``anchor`` ("" when there is none)."""
    found = re.search(rf'<h[1-6][^>]*>(?:<span id="[^"]+"></span>)*<span id="{re.escape(anchor)}"></span>.*?</h[1-6]>|<h[1-6] id="{re.escape(anchor)}">.*?</h[1-6]>', page)
    return found.group(0) if found else ""


def test_a_numbered_id_of_a_repeated_heading_opens_that_heading() -> None:
    page = render_markdown(POLICY)

    assert 'id="exchanges-fees"' in section_of(page, "fees-2")  # the second Fees in page order
    assert 'id="exchanges-fees-2"' in section_of(page, "fees-3")
    assert 'id="returns-fees"' in section_of(page, "fees")


def test_an_id_cut_at_80_characters_opens_its_heading() -> None:
    page = render_markdown(f"# Shipping\n\n## {LONG}\n\nYou keep the charge.\n")
    old = slugify(LONG, limit=80)

    assert len(slugify(LONG, limit=800)) > 80 and LONG in section_of(page, old)


def test_old_ids_are_added_once_and_never_over_an_id_of_today() -> None:
    page = render_markdown("# Help\n\n## Fees\n\nA.\n\n## Fees 2\n\nB.\n\n## Fees\n\nC.\n")

    assert len(re.findall(r'id="fees-2"', page)) == 1  # the heading "Fees 2" keeps its own id
    assert len(re.findall(r'id="(?:[^"]+)"', page)) == len(set(re.findall(r'id="([^"]+)"', page)))
