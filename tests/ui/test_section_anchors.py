"""Each section of an article page has a unique, stable id, the one ``section_anchor`` gives the chunks under
it, also where a heading holds " > " or a subsection's heading is repeated under two parents."""

from __future__ import annotations

import html
import re
from pathlib import Path

from retrieval.chunking import chunk_document
from retrieval.loaders import load_file
from ui.articles import heading_anchor, render_document, section_anchor

POLICY = """# Return policy

Most items can be returned.

## Returns

Send it back within 30 days.

### Fees

Returns are free.

## Exchanges

Swap for another size.

### Fees

Exchanges cost $5.

## Settings > Privacy

Choose what we keep.
"""


def sections(page: str) -> dict[str, str]:
    """Each heading's id -> its text (a span for links made before section_anchor left out)."""
    found = re.findall(r'<h[1-6] id="([^"]+)">(?:<span id="[^"]+"></span>)?(.*?)</h[1-6]>', page)
    return {anchor: html.unescape(text) for anchor, text in found}


def bodies(page: str) -> dict[str, str]:
    """Each heading's id -> the text from it to the next heading."""
    parts = re.split(r'<h[1-6](?: id="([^"]+)")?>', page)
    return {anchor: html.unescape(re.sub(r"<[^>]+>", "", body)) for anchor, body in zip(parts[1::2], parts[2::2]) if anchor}


def test_every_chunk_links_to_the_heading_of_its_own_section(tmp_path: Path) -> None:
    article = tmp_path / "returns" / "policy.md"
    article.parent.mkdir()
    article.write_text(POLICY)
    document = load_file(article, "returns/policy")[0]

    rendered = render_document(article, "returns/policy")
    page, under = sections(rendered), bodies(rendered)
    chunks = chunk_document(document)

    assert len(page) == 5 and len(chunks) == 6  # the text above the first section is the page's top
    for chunk in chunks:
        anchor = section_anchor(chunk.heading, chunk.title)
        if chunk.heading == document.title:
            assert anchor == ""
            continue
        assert chunk.text in under[anchor], chunk.heading  # the section the chunk's text is in
    assert section_anchor("Return policy > Returns > Fees", "Return policy") == "returns-fees"
    assert section_anchor("Return policy > Exchanges > Fees", "Return policy") == "exchanges-fees"  # was "fees": the first one's
    assert section_anchor("Return policy > Settings > Privacy", "Return policy") == "settings-privacy"  # was "privacy": no heading's
    assert page["exchanges-fees"] == "Fees" and page["settings-privacy"] == "Settings > Privacy"


def test_ids_do_not_depend_on_the_sections_before(tmp_path: Path) -> None:
    article = tmp_path / "policy.md"
    article.write_text(POLICY)
    before = set(sections(render_document(article, "policy")))
    article.write_text(POLICY.replace("## Returns\n", "## Fees\n\nNone.\n\n## Returns\n"))

    after = set(sections(render_document(article, "policy")))

    assert after == before | {"fees"}


def test_a_long_path_gets_an_id_of_its_own() -> None:
    first, second = "A > " * 40 + "Fees", "A > " * 40 + "Charges"

    assert heading_anchor(first) != heading_anchor(second)
    assert len(heading_anchor(first)) == 80 and heading_anchor("Carriers") == "carriers"
