"""HTML and PDF loaders, and the files that must be skipped with a reason while the rest loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write_files
from pdf_samples import CORRUPT_PDF, blank_pdf, encrypted_pdf, make_pdf
from retrieval.chunking import chunk_document
from retrieval.loaders import MAX_FILE_BYTES, load_paths

PAGE = """<!doctype html>
<html lang="de-DE">
<head>
  <title>Rückerstattungen</title>
  <link rel="canonical" href="https://help.example/de/refunds">
  <meta property="og:url" content="https://help.example/og-url">
  <style>body { color: red }</style>
  <script>var tracking = "do not index";</script>
</head>
<body>
  <header><nav><a href="/">Home</a> <a href="/help">Help menu</a></nav></header>
  <main>
    <article>
      <h1>Refunds</h1>
      <p>Refunds go back to the <strong>original</strong> payment method.</p>
      <h2>How long it takes</h2>
      <ul><li>Cards: 5 to 10 days</li><li>Bank transfers: up to 14 days</li></ul>
      <h3>Exceptions</h3>
      <p>Gift cards are<br>refunded as store credit.</p>
    </article>
    <aside>Related articles sidebar</aside>
  </main>
  <form><label>Was this helpful?</label><button>Yes</button></form>
  <footer>Copyright Shop Ltd</footer>
  <noscript>Enable JavaScript</noscript>
</body>
</html>
"""


def skipped_by_name(report) -> dict[str, str]:
    return {Path(path).name: reason for path, reason in report.skipped}


def test_html_page_becomes_markdown_without_page_chrome(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"billing/refunds.html": PAGE})

    [document] = load_paths([root]).documents

    assert (document.doc_id, document.title) == ("billing/refunds", "Rückerstattungen")
    assert document.url == "https://help.example/de/refunds"  # canonical wins over og:url
    assert document.language == "de"
    assert document.source == str((root / "billing/refunds.html").resolve())
    assert "## How long it takes" in document.text and "### Exceptions" in document.text
    assert "- Cards: 5 to 10 days\n- Bank transfers: up to 14 days" in document.text
    assert "Refunds go back to the original payment method." in document.text
    for chrome in ("Help menu", "sidebar", "Copyright", "helpful", "tracking", "color", "JavaScript"):
        assert chrome not in document.text


def test_html_headings_drive_the_chunker(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"refunds.htm": PAGE})
    [document] = load_paths([root]).documents

    chunks = chunk_document(document)

    assert [c.heading for c in chunks] == [
        "Rückerstattungen > Refunds",
        "Rückerstattungen > Refunds > How long it takes",
        "Rückerstattungen > Refunds > How long it takes > Exceptions",
    ]
    assert chunks[2].text == "Gift cards are\nrefunded as store credit."
    assert all(c.url == "https://help.example/de/refunds" and c.metadata["language"] == "de" for c in chunks)


HELP_CENTRE_PAGE = """<!DOCTYPE html><html lang="en-US"><head><title>Cancel your subscription – Acme Help Center</title></head>
<body><a class="skip-link" href="#main">Skip to main content</a>
<div class="cookie-banner">We use cookies to improve your experience. <button>Accept all cookies</button></div>
<div role="navigation"><a href="/">Acme</a> / <a href="/billing">Billing</a></div>
<main id="main">
  <article><header><h1>Cancel your subscription</h1></header>
    <p>Click Cancel subscription on the Plan page.</p><p hidden>Draft: mention the exit survey</p>
    <h2>After cancelling</h2><p>You keep access until the end of the billing period.</p>
    <footer>Was this article helpful? <button>Yes</button><button>No</button> 2 out of 5 found this helpful</footer>
  </article>
  <section class="related"><h3>Related articles</h3><ul><li><a href="/refunds">How do I get a refund?</a></li></ul></section>
</main></body></html>"""


def test_help_centre_export_keeps_only_the_article_under_its_own_title(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"cancel.html": HELP_CENTRE_PAGE})

    [document] = load_paths([root]).documents

    assert document.title == "Cancel your subscription"
    assert document.text == (
        "# Cancel your subscription\n\nClick Cancel subscription on the Plan page.\n\n"
        "## After cancelling\n\nYou keep access until the end of the billing period.\n"
    )
    assert [c.heading for c in chunk_document(document)] == ["Cancel your subscription", "Cancel your subscription > After cancelling"]


def test_the_by_line_in_an_article_header_stays_out_and_its_summary_stays_in(tmp_path: Path) -> None:
    page = """<html><body><main><article>
      <header>
        <ol class="breadcrumbs"><li>Help</li><li>Billing</li></ol>
        <h1>Refunds</h1>
        <p class="lead">How money comes back to you.</p>
        <div class="article-meta"><span class="author-name">Anna Berg</span> · 2 min read</div>
        <p>Updated <time datetime="2026-11-30">3 days ago</time></p>
      </header>
      <p>Refunds reach the card within 7 days.</p>
    </article></main></body></html>"""
    root = write_files(tmp_path / "kb", {"refunds.html": page})

    [document] = load_paths([root]).documents

    assert document.text == "# Refunds\n\nHow money comes back to you.\n\nRefunds reach the card within 7 days.\n"


@pytest.mark.parametrize(
    ("title", "h1", "expected"),
    [
        ("Acme Help Center | Refunds", "Refunds", "Refunds"),
        ("Refunds: Acme", "Refunds", "Refunds"),
        ("Refunds and returns", "Refunds", "Refunds and returns"),  # not a site name: a longer title
        ("Rückerstattungen", "Refunds", "Rückerstattungen"),
        ("Reset your password | Acme Help Center", "Acme Support", "Reset your password | Acme Help Center"),  # a logo?
    ],
)
def test_a_site_name_around_the_h1_is_left_out_of_the_title(tmp_path: Path, title: str, h1: str, expected: str) -> None:
    page = f"<html><head><title>{title}</title></head><body><h1>{h1}</h1><p>Refunds take 5 days.</p></body></html>"
    root = write_files(tmp_path / "kb", {"refunds.html": page})

    assert load_paths([root]).documents[0].title == expected


@pytest.mark.parametrize(
    ("title", "h1", "expected"),
    [
        # a CMS's own page title beside the site's name, the <h1> of the content worded otherwise: the list of articles
        # and the sources showed "VPN (remote access) | Northbridge IT Services"
        ("VPN (remote access) | Northbridge IT Services", "VPN: remote access to university systems", "VPN: remote access to university systems"),
        ("Northbridge IT – Email mailbox quota", "Email mailbox size", "Email mailbox size"),
        ("VPN: remote access", "Remote access", "VPN: remote access"),  # a colon within a title parts no site name
    ],
)
def test_the_h1_of_the_marked_content_is_the_title_beside_a_site_name(tmp_path: Path, title: str, h1: str, expected: str) -> None:
    logo = '<header><div class="site-title"><h1><a href="/">Northbridge IT</a></h1></div><nav>Home</nav></header>'
    page = f"<html><head><title>{title}</title></head><body>{logo}<main><h1>{h1}</h1><p>Connect first.</p></main></body></html>"
    root = write_files(tmp_path / "kb", {"vpn.html": page})

    assert load_paths([root]).documents[0].title == expected


def test_html_without_title_tag_uses_first_h1_and_og_url_and_default_language(tmp_path: Path) -> None:
    page = '<html><head><meta property="og:url" content="https://x.example/a"></head><body><h1>Opening hours</h1><p>9 to 5.</p></body></html>'
    root = write_files(tmp_path / "kb", {"hours.html": page})

    [document] = load_paths([root]).documents

    assert (document.title, document.url, document.language) == ("Opening hours", "https://x.example/a", "en")


def test_html_with_only_chrome_is_skipped(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"menu.html": "<html><body><nav>Home | Help</nav><script>x()</script></body></html>"})

    report = load_paths([root])

    assert report.documents == []
    assert skipped_by_name(report)["menu.html"] == "HTML page without text content"


def test_pdf_text_of_every_page_with_title_from_metadata(tmp_path: Path) -> None:
    pdf = make_pdf(["Warranty terms\nEvery product has a 2 year warranty.", "Claims go to warranty@shop.example."], title="Warranty")
    root = write_files(tmp_path / "kb", {"legal/warranty.pdf": pdf})

    [document] = load_paths([root]).documents

    assert (document.doc_id, document.title, document.language, document.url) == ("legal/warranty", "Warranty", "en", None)
    assert "2 year warranty." in document.text and "warranty@shop.example" in document.text
    assert document.text.index("2 year") < document.text.index("Claims go")  # pages in order
    assert len(document.content_hash) == 64


def test_pdf_running_headers_and_footers_stay_out_of_the_text(tmp_path: Path) -> None:
    bodies = ["Getting started\nInstall the app.", "Syncing\nFiles sync every 5 minutes.", "Offline mode\nUse the tray icon."]
    pages = [f"Acme Desktop Guide\n{body}\nConfidential - Page {n} of 3\n{n}" for n, body in enumerate(bodies, 1)]
    short = [f"Acme Desktop Guide\n{body}" for body in bodies[:2]]  # two pages: a header cannot be told from content
    root = write_files(tmp_path / "kb", {"guide.pdf": make_pdf(pages), "short.pdf": make_pdf(short)})

    guide, short_guide = load_paths([root]).documents

    assert guide.title == "Acme Desktop Guide"
    assert guide.text == "\n\n".join(bodies) + "\n"
    assert short_guide.text.count("Acme Desktop Guide") == 2


def test_pdf_without_metadata_title_uses_its_first_line(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"manual.pdf": make_pdf(["\nUser manual\nPress the red button."])})

    [document] = load_paths([root]).documents

    assert document.title == "User manual"


def test_pdf_encrypted_with_empty_user_password_opens(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"open.pdf": encrypted_pdf(["Readable by anyone."], user_password="")})

    [document] = load_paths([root]).documents

    assert "Readable by anyone." in document.text


def test_unreadable_pdfs_are_skipped_with_clear_reasons_and_others_load(tmp_path: Path) -> None:
    root = write_files(
        tmp_path / "kb",
        {
            "locked.pdf": encrypted_pdf(["Top secret."]),
            "broken.pdf": CORRUPT_PDF,
            "truncated.pdf": make_pdf(["Cut off halfway."])[:150],
            "scan.pdf": blank_pdf(),
            "good.pdf": make_pdf(["Fine text."]),
            "good.md": "# Good\n\ntext\n",
        },
    )

    report = load_paths([root])

    assert sorted(d.doc_id for d in report.documents) == ["good", "good"]  # the .pdf and the .md
    reasons = skipped_by_name(report)
    assert set(reasons) == {"locked.pdf", "broken.pdf", "truncated.pdf", "scan.pdf"}
    assert reasons["locked.pdf"].startswith("encrypted PDF that needs a password")
    assert reasons["broken.pdf"].startswith("corrupt PDF")
    assert reasons["truncated.pdf"].startswith("corrupt PDF")
    assert reasons["scan.pdf"].startswith("PDF without extractable text")


def test_too_large_file_is_skipped_naming_size_and_limit(tmp_path: Path) -> None:
    root = write_files(tmp_path / "kb", {"ok.md": "# Ok\n\nfine\n"})
    with (root / "huge.txt").open("wb") as handle:  # sparse: 50 MB on paper, nothing on disk
        handle.truncate(50 * 1024 * 1024)

    report = load_paths([root])

    assert [d.doc_id for d in report.documents] == ["ok"]
    assert skipped_by_name(report)["huge.txt"] == f"file too large: 50.0 MB, the limit is {MAX_FILE_BYTES // 2**20} MB"


def test_binary_markdown_and_non_utf8_text_are_skipped(tmp_path: Path) -> None:
    root = write_files(
        tmp_path / "kb",
        {"logo.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "old.txt": "Gr\xfc\xdfe\n".encode("latin-1"), "ok.md": "# Ok\n\nfine\n"},
    )

    report = load_paths([root])

    assert [d.doc_id for d in report.documents] == ["ok"]
    reasons = skipped_by_name(report)
    assert reasons["logo.md"] == "binary file (contains NUL bytes)"
    assert reasons["old.txt"].startswith("not UTF-8 text")


@pytest.mark.parametrize("files", [{}, {"notes.docx": b"PK\x03\x04", ".hidden.md": "# no\n"}])
def test_folder_without_supported_files_is_reported(tmp_path: Path, files: dict) -> None:
    root = tmp_path / "kb"
    root.mkdir()
    write_files(root, files)

    report = load_paths([root])

    assert report.documents == [] and report.files_read == 0
    assert report.empty_folders == [str(root)]


def test_progress_bar_over_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_files(tmp_path / "kb", {"a.md": "# A\n\nx\n", "b.md": "# B\n\ny\n"})

    report = load_paths([root], show_progress=True)

    assert len(report.documents) == 2
    assert "Reading files" in capsys.readouterr().err


def test_html_nested_deeper_than_the_stack_is_read_as_plain_lines(tmp_path: Path) -> None:
    import sys

    depth = sys.getrecursionlimit() + 100  # unclosed tags, each inside the one before
    page = "<html><head><title>Old page</title></head><body>" + "<font>" * depth + "<p>Returns take 30 days.</p><p>Keep the receipt.</p></body></html>"
    root = write_files(tmp_path / "kb", {"old.html": page, "ok.md": "# OK\n\nStill indexed.\n"})

    report = load_paths([root])

    assert report.skipped == []
    old = next(d for d in report.documents if d.doc_id == "old")
    assert (old.title, old.text) == ("Old page", "Returns take 30 days.\nKeep the receipt.\n")


def test_blocks_and_line_breaks_inside_inline_elements_stay_apart(tmp_path: Path) -> None:
    page = (
        "<html><body><h1>Help</h1><a href='/refunds' class='card'><h2>Refunds</h2><p>How refunds work.</p></a>"
        "<font face='Arial'><p>Returns take 30 days.</p><p>Keep the receipt.</p></font>"
        "<p><span>Call us<br>Monday to Friday</span><!-- staff note --></p></body></html>"
    )
    root = write_files(tmp_path / "kb", {"help.html": page})

    [document] = load_paths([root]).documents

    assert document.text == (
        "# Help\n\n## Refunds\n\nHow refunds work.\n\nReturns take 30 days.\n\nKeep the receipt.\n\nCall us\nMonday to Friday\n"
    )
