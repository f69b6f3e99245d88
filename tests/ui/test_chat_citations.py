"""A citation links to the section it cites: article headings have ids, and the link names the cited one."""

from __future__ import annotations

from pathlib import Path

from ui.articles import heading_anchor, render_document, render_markdown
from ui.chat import article_link, format_source_list

TRACKING = """# Tracking your order

Intro.

## Carriers

UPS and USPS.

## Finding your tracking number

It is in the shipping email.

### Still not found?

Wait a day.
"""


def test_article_section_headings_have_the_ids_their_citations_link_to(tmp_path: Path) -> None:
    article = tmp_path / "tracking.md"
    article.write_text(TRACKING)

    page = render_document(article, "shipping/tracking")

    assert "<h1>Tracking your order</h1>" in page  # the title: the page's top, no id needed
    assert '<h2 id="carriers">Carriers</h2>' in page
    assert '<h2 id="finding-your-tracking-number">Finding your tracking number</h2>' in page
    # its path below the title; a link made from the last heading alone (before section_anchor) finds it too
    assert '<h3 id="finding-your-tracking-number-still-not-found"><span id="still-not-found"></span>Still not found?</h3>' in page


def test_a_heading_repeated_in_an_article_gets_an_id_of_its_own() -> None:
    page = render_markdown("# A\n\n## Exceptions\n\nx\n\n## Exceptions\n\ny\n")

    assert '<h2 id="exceptions">' in page and '<h2 id="exceptions-2">' in page


def test_a_citation_links_to_the_cited_section_of_its_article() -> None:
    cited = {"n": 1, "doc_id": "shipping/tracking", "title": "Tracking your order",
             "heading": "Tracking your order > Finding your tracking number > Still not found?", "url": None}

    assert article_link(cited) == "/kb/shipping/tracking#finding-your-tracking-number-still-not-found"
    assert article_link({**cited, "heading": "Tracking your order > Finding your tracking number"}) == (
        "/kb/shipping/tracking#finding-your-tracking-number"
    )
    assert "(/kb/shipping/tracking#finding-your-tracking-number)" in format_source_list(
        [{**cited, "heading": "Tracking your order > Finding your tracking number"}]
    )


def test_a_citation_without_a_section_a_faq_entry_or_a_web_page_links_as_before() -> None:
    assert article_link({"doc_id": "shipping/tracking", "heading": "Tracking your order", "url": None}) == "/kb/shipping/tracking"
    assert article_link({"doc_id": "faq#do-you-ship-abroad", "heading": "Do you ship abroad?", "url": None}) == "/kb/faq#do-you-ship-abroad"
    assert article_link({"doc_id": "x", "heading": "X > Y", "url": "https://help.example/x"}) == "https://help.example/x"


def test_a_heading_in_another_script_keeps_its_letters_in_the_id_and_the_link() -> None:
    assert heading_anchor("Доставка за границу") == "доставка-за-границу"
    assert article_link({"doc_id": "ru/shipping", "heading": "Доставка > Доставка за границу", "url": None}) == (
        "/kb/ru/shipping#%D0%B4%D0%BE%D1%81%D1%82%D0%B0%D0%B2%D0%BA%D0%B0-%D0%B7%D0%B0-%D0%B3%D1%80%D0%B0%D0%BD%D0%B8%D1%86%D1%83"
    )


def test_a_citation_of_a_repeated_subsection_links_to_its_own_section() -> None:
    page = render_markdown("# Policy\n\n## Returns\n\n### Fees\n\nx\n\n## Exchanges\n\n### Fees\n\ny\n")
    exchanges = {"doc_id": "policy", "title": "Policy", "heading": "Policy > Exchanges > Fees", "url": None}

    assert article_link(exchanges) == "/kb/policy#exchanges-fees" and 'id="exchanges-fees"' in page
    # a source without its title: the heading path's first part is the document's title
    assert article_link({**exchanges, "title": None}) == "/kb/policy#exchanges-fees"
