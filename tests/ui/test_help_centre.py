"""The help centre's home page at /kb/: every article the article pages show, by folder, escaped, a page at a
time, and for a brand's server (search_filters) none of another brand's."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from fastapi.testclient import TestClient

from assistant.app import Assistant
from assistant.config import load_settings
from conftest import write_files
from retrieval.ingest import ingest
from ui import help_centre
from ui.chat import ChatPage
from ui.help_centre import PAGE_SIZE
from ui.server import create_app

HELP_CENTRE = {
    "billing/refunds.md": "# Refunds & <credits>\n\nRefunds take 5 days.\n",
    "billing/invoices.md": "# Invoices\n\nInvoices are e-mailed.\n",
    "shipping/abroad/rates.md": "# Rates abroad\n\nShipping abroad costs 9 EUR.\n",
    "shipping/faq.csv": "question,answer\nDo you ship to Mars?,Not yet.\nCan I track a parcel?,Yes.\n",
    "welcome.md": "# Welcome\n\nThis is the help centre.\n",
    "willkommen.md": "---\nlanguage: de\n---\n# Willkommen\n\nDas ist die Hilfe.\n",
    "brand-a/returns.md": "---\ntags: [brand-a]\n---\n# Alpine returns\n\nReturn within 60 days.\n",
    "brand-b/returns.md": "---\ntags: [brand-b]\n---\n# Beacon returns\n\nReturn within 14 days.\n",
    "brand-b/faq.csv": "question,answer,tags\nDo you ship to Iceland?,Beacon does not.,brand-b\nWhen are you open?,9 to 5.,\"brand-a, brand-b\"\n",
}


def web(tmp_path: Path, files: dict[str, str], **settings: object) -> tuple[TestClient, Assistant]:
    """A test client of a server over ``files`` (fakes for the models)."""
    assistant = Assistant(load_settings(embedder="hash", generator="scripted", answer_mode="generative", **settings))
    ingest([write_files(tmp_path / "kb-home", files)], assistant.embedder, assistant.settings.index_dir)
    return TestClient(create_app(ChatPage(assistant.manager).build(), assistant.retriever, assistant.manager)), assistant


def links(page: str) -> dict[str, str]:
    """The page's article links, href -> text."""
    return dict(re.findall(r'<a href="(/kb/[^"?]+)">([^<]*)</a>', page))


def test_the_home_page_lists_every_article_by_folder_with_a_faq_file_once(tmp_path: Path) -> None:
    client, _ = web(tmp_path, HELP_CENTRE)

    with client:
        response = client.get("/kb/")

    assert response.status_code == 200
    assert "<h1>Help centre</h1>" in response.text
    assert '<a href="/">&larr; Back to the assistant</a>' in response.text
    listed = links(response.text)
    assert listed["/kb/billing/refunds"] == "Refunds &amp; &lt;credits&gt;"  # titles are escaped
    assert listed["/kb/shipping/abroad/rates"] == "Rates abroad" and listed["/kb/welcome"] == "Welcome"
    assert listed["/kb/shipping/faq"] == "FAQ"  # one link (the file name "faq" written as people write it) to the FAQ page, which holds both entries
    assert "Questions and answers: 2" in response.text and "Mars" not in response.text
    assert '<a href="/kb/willkommen" lang="de">Willkommen</a>' in response.text  # read out in German
    assert response.headers["Content-Security-Policy"].startswith("script-src 'none'")
    for href in listed:  # every link opens an article page
        with client:
            assert client.get(href).status_code == 200, href


def test_folders_are_headed_in_order_and_sections_link_to_their_own_list(tmp_path: Path) -> None:
    client, _ = web(tmp_path, HELP_CENTRE)

    with client:
        home, shipping = client.get("/kb/"), client.get("/kb/?section=shipping")

    assert re.findall(r"<h2>([^<]*)</h2>", home.text) == ["Billing", "Brand a", "Brand b", "Shipping", "Shipping › Abroad"]
    assert home.text.index(">Welcome<") < home.text.index("<h2>")  # a document at the top comes first, unheaded
    assert '<a href="/kb/?section=shipping">Shipping (2)</a>' in home.text
    assert shipping.status_code == 200 and "<h1>Help centre · Shipping</h1>" in shipping.text
    assert set(links(shipping.text)) == {"/kb/shipping/faq", "/kb/shipping/abroad/rates"}
    assert '<a href="/kb/?section=shipping" aria-current="page">' in shipping.text


def test_a_brands_server_lists_none_of_the_other_brands_articles_or_faq_entries(tmp_path: Path) -> None:
    """As its article pages do: brand B's article is a 404 there, so it is not listed; the FAQ file is, with the
    one entry its page shows."""
    client, _ = web(tmp_path, HELP_CENTRE, search_filters={"tag": ["brand-a"]})

    with client:
        response = client.get("/kb/")
        faq_page = client.get("/kb/brand-b/faq")

    listed = links(response.text)
    assert set(listed) == {"/kb/brand-a/returns", "/kb/brand-b/faq"}
    assert "Beacon" not in response.text and "Questions and answers: 1" in response.text
    assert "9 to 5." in faq_page.text and "Iceland" not in faq_page.text


def test_a_large_help_centre_is_shown_a_page_at_a_time(tmp_path: Path) -> None:
    files = {f"topics/topic-{number:03d}.md": f"# Topic {number:03d}\n\nTopic {number} explained.\n" for number in range(PAGE_SIZE + 5)}
    files["topics/same.md"] = "# Same title\n\nOne of two articles with one title.\n"
    files["topics/other.md"] = "# Same title\n\nThe other of two articles with one title.\n"
    client, _ = web(tmp_path, files)

    with client:
        first, second, beyond = client.get("/kb/"), client.get("/kb/?page=2"), client.get("/kb/?page=3")
        unknown, not_a_number = client.get("/kb/?section=nowhere"), client.get("/kb/?page=two")

    assert len(links(first.text)) == PAGE_SIZE and "Page 1 of 2" in first.text
    assert '<a href="/kb/?page=2" rel="next">Next page</a>' in first.text and "Previous page" not in first.text
    assert set(links(first.text)).isdisjoint(links(second.text))
    assert len(links(first.text)) + len(links(second.text)) == PAGE_SIZE + 7
    assert '<a href="/kb/" rel="prev">Previous page</a>' in second.text
    same = {text for text in links(first.text).values() if text.startswith("Same title")}
    assert same == {"Same title (other)", "Same title (same)"}  # one title twice: told apart by their file names
    for missing in (beyond, unknown, not_a_number):
        assert missing.status_code == 404 and "There is no such page in the help centre." in missing.text


def test_a_document_whose_file_is_gone_is_not_listed(tmp_path: Path) -> None:
    client, _ = web(tmp_path, HELP_CENTRE)
    (tmp_path / "kb-home" / "billing" / "invoices.md").unlink()  # indexed, but its article page is a 404

    with client:
        response = client.get("/kb/")

    assert "/kb/billing/invoices" not in links(response.text) and "/kb/billing/refunds" in links(response.text)


def test_a_file_deleted_after_the_list_was_made_leaves_it_at_once_and_its_page_says_it_was_removed(tmp_path: Path) -> None:
    """Before, the list was made once per loaded index: a file deleted afterwards stayed listed until the next
    ingest, and its link was a 404 that said "No article 'billing/invoices' in the knowledge base."."""
    client, assistant = web(tmp_path, HELP_CENTRE)
    with client:
        assert "/kb/billing/invoices" in links(client.get("/kb/").text)
        (tmp_path / "kb-home" / "billing" / "invoices.md").unlink()

        listed, article = links(client.get("/kb/").text), client.get("/kb/billing/invoices")
        ingest([tmp_path / "kb-home"], assistant.embedder, assistant.settings.index_dir)  # the deletion ingested
        reloaded, after_ingest = links(client.get("/kb/").text), client.get("/kb/billing/invoices")

    assert "/kb/billing/invoices" not in listed and "/kb/billing/refunds" in listed
    assert article.status_code == 404 and "<h1>This article was removed from the help centre.</h1>" in article.text
    assert '<a href="/kb/">Help centre</a>' in article.text  # the way back to the list
    assert "/kb/billing/invoices" not in reloaded and set(reloaded) == set(listed)
    assert after_ingest.status_code == 404 and "No article &#x27;billing/invoices&#x27;" in after_ingest.text


def test_a_server_makes_the_new_list_before_it_swaps_in_a_new_index(tmp_path: Path, monkeypatch) -> None:
    """``assistant serve`` reloads in the background: the list of the new index is made in that thread, so the
    first visitor after an ingest does not wait for it, and it shows the new index's articles from the swap on."""
    made_in: list[str] = []

    class CountedListing(help_centre.Listing):
        def __init__(self, *args: object) -> None:
            made_in.append(threading.current_thread().name)
            super().__init__(*args)

    monkeypatch.setattr(help_centre, "Listing", CountedListing)
    client, assistant = web(tmp_path, HELP_CENTRE)
    assistant.retriever.background_reload = True
    with client:
        before = links(client.get("/kb/").text)
        write_files(tmp_path / "kb-home", {"billing/vouchers.md": "# Vouchers\n\nVouchers never expire.\n"})
        (tmp_path / "kb-home" / "welcome.md").unlink()
        ingest([tmp_path / "kb-home"], assistant.embedder, assistant.settings.index_dir)
        assistant.retriever.index  # noticed: the new index loads in the background
        assistant.retriever.wait_for_reload()
        made = list(made_in)
        after = links(client.get("/kb/").text)

    assert len(made) == 2 and made[1] == "index-reload"  # the first visit's list, then the new index's
    assert made_in == made  # the visit after the swap found the list made
    assert "/kb/billing/vouchers" in after and "/kb/welcome" not in after and "/kb/welcome" in before


def test_ids_and_folder_names_are_quoted_and_escaped(tmp_path: Path) -> None:
    client, _ = web(tmp_path, {'<b>&"odd"/what? #1.md': "# <script>alert(1)</script>\n\nText.\n", "plain/x.md": "# X\n\nY.\n"})

    with client:
        response = client.get("/kb/")
        href = next(h for h in links(response.text) if "plain" not in h)
        article = client.get(href.replace("&amp;", "&"))

    assert "<script>" not in response.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<h2>&lt;b&gt;&amp;&quot;odd&quot;</h2>" in response.text
    assert '?section=%3Cb%3E%26%22odd%22"' in response.text
    assert article.status_code == 200 and "alert(1)" in article.text


def test_article_pages_link_to_the_help_centre(assistant: Assistant) -> None:
    with TestClient(create_app(ChatPage(assistant.manager).build(), assistant.retriever)) as client:
        article, redirect = client.get("/kb/accounts/reset-password"), client.get("/kb", follow_redirects=False)

    assert '<a href="/kb/">Help centre</a>' in article.text
    assert redirect.status_code in (307, 308) and redirect.headers["location"] == "/kb/"


def test_the_help_centre_address_without_its_slash_keeps_the_section_and_page(assistant: Assistant) -> None:
    with TestClient(create_app(ChatPage(assistant.manager).build(), assistant.retriever)) as client:
        redirect = client.get("/kb?section=billing&page=2", follow_redirects=False)

    assert redirect.headers["location"] == "/kb/?section=billing&page=2"


def test_a_language_folder_is_headed_by_its_language_and_faq_files_of_one_name_by_theirs(tmp_path: Path) -> None:
    """/kb/ showed the folder "de" as the section "De", and faq.csv beside faq.json as two links "Faq.csv", "Faq.json"."""
    client, _ = web(tmp_path, {
        "de/rueckgabe.md": "---\nlanguage: de\n---\n# Rücksendung\n\nDie Erstattung erfolgt in 7 Tagen.\n",
        "de/versand/preise.md": "# Versandkosten\n\nDer Versand ist für Sie und Ihre Familie kostenlos.\n",
        "es/setup.md": "# Setup\n\nThe ES model is set up by us.\n",  # not Spanish: a folder name, not a language
        "faq.csv": "question,answer\nDo you ship to Mars?,Not yet.\n",
        "faq.json": '[{"question": "Gift wrap?", "answer": "Yes."}]',
        "shipping/faq.csv": "question,answer\nCan I track a parcel?,Yes.\n",
    })

    with client:
        home, german = client.get("/kb/"), client.get("/kb/?section=de")

    assert '<a href="/kb/?section=de" lang="de">Deutsch (2)</a>' in home.text
    assert '<a href="/kb/?section=es">Es (1)</a>' in home.text
    assert re.findall(r"<h2[^>]*>([^<]*)</h2>", home.text) == ["Deutsch", "Deutsch › Versand", "Es", "Shipping"]
    assert '<h2 lang="de">Deutsch</h2>' in home.text and "<h1>Help centre · Deutsch</h1>" in german.text
    listed = links(home.text)
    assert listed["/kb/faq.csv"] == "FAQ (faq.csv)" and listed["/kb/faq.json"] == "FAQ (faq.json)"
    assert listed["/kb/shipping/faq"] == "FAQ"


def test_the_pages_words_come_from_the_replies(tmp_path: Path) -> None:
    replies = write_files(tmp_path, {"replies.yaml": 'help_centre_title: "Hilfe-Center"\n'}) / "replies.yaml"
    client, _ = web(tmp_path, HELP_CENTRE, replies_file=replies)

    with client:
        response = client.get("/kb/")

    assert "<h1>Hilfe-Center</h1>" in response.text


def test_the_pages_are_marked_in_the_replies_language_and_other_titles_in_theirs(tmp_path: Path) -> None:
    # Before, every page said lang="en": a screen reader read a German help centre with an English voice.
    replies = write_files(tmp_path, {"replies.yaml": 'page_language: "de"\n'}) / "replies.yaml"
    client, _ = web(tmp_path, HELP_CENTRE, replies_file=replies)

    with client:
        home, article, missing = client.get("/kb/"), client.get("/kb/willkommen"), client.get("/kb/nowhere")

    assert all(page.text.startswith('<!doctype html><html lang="de">') for page in (home, article, missing))
    assert '<a href="/kb/willkommen">Willkommen</a>' in home.text  # German, as the page: no lang of its own
    assert '<a href="/kb/welcome" lang="en">Welcome</a>' in home.text  # English (guessed), on a German page


def test_a_page_number_too_long_to_read_is_a_missing_page(tmp_path: Path) -> None:
    client, _ = web(tmp_path, HELP_CENTRE)

    with TestClient(client.app, raise_server_exceptions=False) as quiet:
        response = quiet.get("/kb/?page=" + "9" * 5000)  # past the digits Python turns into an int

    assert response.status_code == 404 and "There is no such page in the help centre." in response.text
