"""A link to an article's section made before the ids were heading paths (a repeated heading's ``#fees-2``, a
long heading's id cut at 80 characters) still opens that section, not the page's top."""

from __future__ import annotations

import re

from retrieval.loaders import slugify
from ui.articles import render_markdown, section_anchor

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


def test_an_old_numbered_id_is_not_given_to_a_repeat_of_another_path() -> None:
    """The first scheme numbered the second "Fees" of the page, Returns > Fees, ``fees-2``; the current scheme gave
    ``fees-2`` to the repeat of the top-level Fees (a number no link is made to), so the old link opened that one."""
    page = render_markdown("# Help\n\n## Fees\n\nA.\n\n## Returns\n\n### Fees\n\nB.\n\n## Fees\n\nC.\n")

    assert 'id="returns-fees"' in section_of(page, "fees-2")
    assert "C." in page.split(section_of(page, "fees-3"))[1].split("<h")[0]  # the repeat: fees-3, its first-scheme id
    assert len(re.findall(r'id="(?:[^"]+)"', page)) == len(set(re.findall(r'id="([^"]+)"', page)))


def test_a_heading_paths_own_id_wins_over_an_old_id_of_another_heading() -> None:
    """A current id stays correct: "Fees 2" is ``fees-2`` (what section_anchor links its citations to), though the
    first scheme had given ``fees-2`` to Shipping > Fees; that old link opens "Fees 2" (an id is one element's)."""
    page = render_markdown("# Help\n\n## Returns\n\n### Fees\n\nA.\n\n## Shipping\n\n### Fees\n\nB.\n\n## Fees 2\n\nC.\n")

    assert section_anchor("Help > Fees 2", "Help") == "fees-2"
    assert ">Fees 2</h2>" in section_of(page, "fees-2")


def test_a_repeated_path_never_takes_the_id_of_a_later_heading() -> None:
    """The repeat of Fees was numbered ``fees-2`` before "Fees 2" came, which then got ``fees-2-2``: a citation of
    "Fees 2" (``#fees-2``) opened the repeat."""
    page = render_markdown("# Help\n\n## Fees\n\nA.\n\n## Fees\n\nB.\n\n## Fees 2\n\nC.\n")

    assert ">Fees 2</h2>" in section_of(page, section_anchor("Help > Fees 2", "Help"))
    assert len(re.findall(r'id="(?:[^"]+)"', page)) == len(set(re.findall(r'id="([^"]+)"', page)))


def test_a_link_made_from_the_last_part_of_a_path_wins_over_a_repeats_number() -> None:
    """ui.chat links a citation of Other > Fees 2 with its last part, ``#fees-2``: the repeat of Fees had that id."""
    page = render_markdown("# Help\n\n## Fees\n\nA.\n\n## Fees\n\nB.\n\n## Other\n\n### Fees 2\n\nC.\n")

    assert 'id="other-fees-2"' in section_of(page, "fees-2")
    assert len(re.findall(r'id="(?:[^"]+)"', page)) == len(set(re.findall(r'id="([^"]+)"', page)))
