"""HTML tables stay tables (a row per line, a row's sentence naming its columns) and page chrome inside an
article (by-lines, "Was this article helpful?" boxes, cookie notices) stays out of the index."""

from __future__ import annotations

from pathlib import Path

from conftest import write_files
from retrieval.chunking import chunk_document
from retrieval.loaders import load_file, load_paths
from retrieval.sentences import sentence_texts, split_sentences
from ui.articles import render_markdown

RATES_PAGE = """<!DOCTYPE html><html lang="en"><head><title>Rental rates – Spoke &amp; Sprocket Help Center</title></head>
<body><header><nav><a href="/">Home</a> | <a href="/rentals">Rentals</a></nav></header>
<div class="cookie-banner">We use cookies to improve your experience. <button>Accept all cookies</button></div>
<main id="main"><article>
<h1>Rental rates</h1>
<p class="byline">Updated 3 March 2026 · 2 min read</p>
<p>You can rent city bikes, e-bikes, tandems and cargo bikes from our rental desk.</p>
<h2>Prices</h2>
<table>
<tr><th>Bike</th><th>Half day (4 hours)</th><th>Full day</th><th>Week</th></tr>
<tr><td>City bike</td><td>9 euros</td><td>14 euros</td><td>60 euros</td></tr>
<tr><td>E-bike</td><td>22 euros</td><td>35 euros</td><td>150 euros</td></tr>
<tr><td>Cargo bike</td><td>25 euros</td><td>40 euros</td><td>170 euros</td></tr>
</table>
<h2>Who can rent</h2>
<p>You must be at least 18 years old.</p>
<div class="was-this-helpful">Was this article helpful? <button>Yes</button> <button>No</button></div>
<section><p>Did you find this page useful?</p></section>
</article></main>
<footer>© 2026 Spoke &amp; Sprocket Cycles</footer></body></html>"""


def load_page(tmp_path: Path, html: str) -> str:
    root = write_files(tmp_path / "kb", {"rates.html": html})
    [document] = load_paths([root]).documents
    return document.text


def test_an_html_table_becomes_a_markdown_table_with_one_row_per_line(tmp_path: Path) -> None:
    text = load_page(tmp_path, RATES_PAGE)

    assert (
        "## Prices\n\n| Bike | Half day (4 hours) | Full day | Week |\n| --- | --- | --- | --- |\n"
        "| City bike | 9 euros | 14 euros | 60 euros |\n| E-bike | 22 euros | 35 euros | 150 euros |\n"
        "| Cargo bike | 25 euros | 40 euros | 170 euros |\n\n## Who can rent"
    ) in text
    html = render_markdown(text)  # the /kb article page shows a table, not one paragraph
    assert "<table>" in html and "<td>Cargo bike</td>" in html


def test_each_table_row_is_a_sentence_that_names_its_columns(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"rates.html": RATES_PAGE})
    [document] = load_paths([root]).documents
    [prices] = [chunk for chunk in chunk_document(document) if chunk.heading.endswith("Prices")]

    assert split_sentences(prices.text) == [
        "Bike: City bike, Half day (4 hours): 9 euros, Full day: 14 euros, Week: 60 euros",
        "Bike: E-bike, Half day (4 hours): 22 euros, Full day: 35 euros, Week: 150 euros",
        "Bike: Cargo bike, Half day (4 hours): 25 euros, Full day: 40 euros, Week: 170 euros",
    ]
    assert len(sentence_texts(prices.text)) == 3  # one vector per row


def test_markdown_table_rows_are_not_joined_and_cells_may_hold_pipes() -> None:
    text = "These are our fees:\n\n| Item | Fee |\n|:---|---:|\n| Late return \\| per day | 10 euros |\n| Lost key | |\n\nFees are due at once."

    assert split_sentences(text) == ["These are our fees:", "Item: Late return | per day, Fee: 10 euros", "Item: Lost key", "Fees are due at once."]


def test_a_table_without_header_cells_and_a_one_column_layout_table(tmp_path: Path) -> None:
    page = """<html><body><main><h1>Hours</h1>
      <table><tr><td>Monday</td><td>9-18</td></tr><tr><td>Sunday</td><td>closed</td></tr></table>
      <table><tr><td>Call us on weekdays.</td></tr><tr><td>Write to us at any time.</td></tr></table>
    </main></body></html>"""

    text = load_page(tmp_path, page)

    assert "| Monday | 9-18 |\n| --- | --- |\n| Sunday | closed |" in text  # the first row is the header
    assert "\n\nCall us on weekdays.\nWrite to us at any time.\n" in text


def test_page_chrome_inside_the_article_stays_out(tmp_path: Path) -> None:
    text = load_page(tmp_path, RATES_PAGE)

    for chrome in ("Updated 3 March", "min read", "helpful", "useful", "cookies", "Home", "©"):
        assert chrome not in text
    assert "You must be at least 18 years old." in text


def test_content_under_a_chrome_looking_class_is_kept_when_it_is_more_than_a_small_block(tmp_path: Path) -> None:
    long_answer = " ".join(["Tell us what went wrong and we reply within two working days."] * 4)
    page = f"""<html><body><main><h1>Feedback</h1>
      <div class="feedback"><p>{long_answer}</p></div>
      <section class="share-files"><h2>Sharing files</h2><p>Share a file from its menu.</p></section>
      <p>Was this article helpful to you? Most readers say it was, so we keep it short.</p>
    </main></body></html>"""

    text = load_page(tmp_path, page)

    assert long_answer in text  # over 30 words: content, whatever its class says
    assert "## Sharing files\n\nShare a file from its menu." in text  # holds a heading


def test_content_whose_class_merely_holds_a_chrome_word_is_kept(tmp_path) -> None:
    # a tip, a privacy line and a cookie policy were dropped as a "helpful" box, a share bar and a cookie banner

    page = tmp_path / "tips.html"
    page.write_text(
        "<html><body><article><h1>Tips</h1>"
        '<div class="helpful-tip">Keep your receipt for returns.</div>'
        '<p class="share-info">We never share your card details.</p>'
        '<div id="cookie-policy-note">Our cookies expire after 90 days.</div>'
        '<div class="cookie-banner">We use cookies. Accept?</div>'
        '<div class="social-share-buttons">Share on X</div>'
        '<div class="was-this-helpful">Yes No</div>'
        "</article></body></html>"
    )
    text = " ".join(document.text for document in load_file(page, "tips"))

    assert "Keep your receipt" in text and "never share your card" in text and "expire after 90 days" in text
    assert "Accept?" not in text and "Share on X" not in text and "Yes No" not in text
