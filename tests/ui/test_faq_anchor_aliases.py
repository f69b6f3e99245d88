"""Article pages' anchors keep accented words readable (``#envian-a-espana``, ``#envios-a-espana``), and a link given
out when the accented letters were dropped (``#env-an-a-espa-a``, kept in stored turns and exports) still opens its
entry or section: the page holds the old id as an empty marker in the same heading."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import write_files
from ui.articles import render_document, render_markdown
from ui.chat import article_link

SPANISH_FAQ = "question,answer\n¿Envían a España?,\"Sí, en 3 días.\"\n¿Cuánto cuesta el envío?,5 euros.\nDo you ship to Greenland?,No.\n"


def heading_holding(page: str, anchor: str) -> str:
    """The heading that holds the element with id ``anchor`` ("" when there is none)."""
    found = re.search(rf'<h[1-6][^>]*>(?:(?!</h[1-6]>).)*id="{re.escape(anchor)}".*?</h[1-6]>|<h[1-6] id="{re.escape(anchor)}">.*?</h[1-6]>', page)
    return found.group(0) if found else ""


def spanish_faq(tmp_path: Path) -> Path:
    return write_files(tmp_path / "kb", {"es/faq.csv": SPANISH_FAQ}) / "es" / "faq.csv"


def test_an_faq_entry_has_a_readable_anchor_and_keeps_its_old_one(tmp_path: Path) -> None:
    page = render_document(spanish_faq(tmp_path), "es/faq")

    assert '<h2 id="envian-a-espana">' in page
    assert "¿Envían a España?" in heading_holding(page, "env-an-a-espa-a")
    assert "¿Cuánto cuesta el envío?" in heading_holding(page, "cu-nto-cuesta-el-env-o")
    assert len(re.findall(r'id="do-you-ship-to-greenland"', page)) == 1  # an unchanged id is not repeated
    assert len(re.findall(r'id="([^"]+)"', page)) == len(set(re.findall(r'id="([^"]+)"', page)))


def test_a_stored_citation_of_an_old_id_links_to_an_anchor_on_the_page(tmp_path: Path) -> None:
    page = render_document(spanish_faq(tmp_path), "es/faq")
    stored = {"doc_id": "es/faq#env-an-a-espa-a", "heading": "¿Envían a España?", "url": None}

    link = article_link(stored)

    assert link == "/kb/es/faq#env-an-a-espa-a" and "¿Envían a España?" in heading_holding(page, link.partition("#")[2])


def test_a_server_whose_index_holds_old_ids_still_shows_those_entries(tmp_path: Path) -> None:
    """An index built before holds ``es/faq#env-an-a-espa-a``: with search filters the page shows the entries it
    holds, and that one is the same entry as today's ``envian-a-espana``."""
    page = render_document(spanish_faq(tmp_path), "es/faq", only=frozenset({"es/faq#env-an-a-espa-a"}))

    assert "¿Envían a España?" in page and "¿Cuánto cuesta" not in page and "Greenland" not in page


def test_a_section_heading_with_accents_has_a_readable_anchor_and_keeps_its_old_one() -> None:
    page = render_markdown("# Envíos\n\n## Envíos a España\n\nTres días.\n\n## Größe und Gewicht\n\nBis 30 kg.\n")

    assert '<h2 id="envios-a-espana">' in page and "Envíos a España" in heading_holding(page, "env-os-a-espa-a")
    assert '<h2 id="grosse-und-gewicht">' in page and "Größe und Gewicht" in heading_holding(page, "gr-e-und-gewicht")
    citation = {"doc_id": "es/envios", "title": "Envíos", "heading": "Envíos > Envíos a España", "url": None}
    assert article_link(citation) == "/kb/es/envios#envios-a-espana"
