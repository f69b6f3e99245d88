"""A PDF's title: its metadata's, unless that is a file name or another placeholder the tool that made the PDF left
there ("tc.html", "Microsoft Word - terms.docx", "Untitled"), which showed in answer sources and on /kb/; then
its first line."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write_files
from pdf_samples import make_pdf
from retrieval.loaders import load_paths

PAGES = ["Terms and conditions\nTickets can be changed until departure."]


@pytest.mark.parametrize("junk", ["tc.html", "C:\\Users\\anna\\terms.docx", "Microsoft Word - terms.docx", "Untitled", "untitled document", "/tmp/export/tc.pdf", "Return Policy.docx", "Shipping rates 2026.pdf", "Untitled-1"])
def test_a_file_name_in_the_metadata_is_not_the_title(tmp_path: Path, junk: str) -> None:
    root = write_files(tmp_path / "kb", {"legal/terms.pdf": make_pdf(PAGES, title=junk)})

    [document] = load_paths([root]).documents

    assert document.title == "Terms and conditions"


@pytest.mark.parametrize("title", ["Terms and conditions 2027", "Guide to Ferry.com bookings", "Version 2.1 release notes"])
def test_a_real_metadata_title_is_kept(tmp_path: Path, title: str) -> None:
    root = write_files(tmp_path / "kb", {"legal/terms.pdf": make_pdf(PAGES, title=title)})

    [document] = load_paths([root]).documents

    assert document.title == title
