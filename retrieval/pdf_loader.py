"""PDF files into Documents with pypdf: the text of each page, pages separated by a blank line.

Running headers and footers (a line among the first or last two of most pages, page numbers aside:
"Acme User Guide", "Confidential - Page 3 of 12") are left out of the text: repeated on every page,
they would fill every chunk and match queries about anything. Documents of fewer than three pages keep
every line (a header cannot be told from content there).

An encrypted PDF that does not open with an empty password, a corrupt PDF and a PDF without
extractable text (a scan) raise UnreadableFile with the reason, so the file is skipped, not fatal.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path

from retrieval.documents import Document, detect_language
from retrieval.errors import UnreadableFile


def _open(path: Path):  # -> pypdf.PdfReader
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PdfStreamError

    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError:
                raise UnreadableFile("encrypted PDF (opening it needs the 'cryptography' package)") from None
            if not opened:
                raise UnreadableFile("encrypted PDF that needs a password; save an unprotected copy")
        len(reader.pages)  # reads the page tree: a broken one fails here rather than later
    except UnreadableFile:
        raise
    except FileNotDecryptedError:
        raise UnreadableFile("encrypted PDF that needs a password; save an unprotected copy") from None
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
        raise UnreadableFile(f"corrupt PDF ({error})") from None
    return reader


def _page_texts(reader) -> list[str]:
    texts = []
    for page in reader.pages:
        try:
            text = page.extract_text() or ""
        except Exception as error:  # pypdf raises many kinds on broken content streams
            raise UnreadableFile(f"corrupt PDF (page {len(texts) + 1}: {error})") from None
        lines = [line.rstrip() for line in text.splitlines()]
        texts.append("\n".join(lines).strip())
    return texts


EDGE_LINES = 2  # lines at the top and at the bottom of a page where running headers and footers sit
MIN_PAGES_FOR_RUNNING_LINES = 3


def _line_key(line: str) -> str:
    """A line as compared across pages: numbers (page numbers) and spacing ignored."""
    return " ".join(re.sub(r"\d+", "#", line).split()).casefold()


def without_running_lines(pages: list[str]) -> list[str]:
    """``pages`` without their running headers and footers: lines among the first or last ``EDGE_LINES``
    of a page whose key (``_line_key``) is at an edge of more than half of the pages."""
    if len(pages) < MIN_PAGES_FOR_RUNNING_LINES:
        return pages
    lines = [[line for line in page.splitlines() if line.strip()] for page in pages]
    counts: Counter[str] = Counter()
    for page in lines:
        counts.update({_line_key(line) for line in page[:EDGE_LINES] + page[-EDGE_LINES:]})
    running = {key for key, count in counts.items() if count * 2 > len(pages)}
    kept = []
    for page in lines:
        edges = set(range(min(EDGE_LINES, len(page)))) | set(range(max(len(page) - EDGE_LINES, 0), len(page)))
        kept.append("\n".join(line for number, line in enumerate(page) if number not in edges or _line_key(line) not in running))
    return kept


_FILE_KINDS = r"\.(?:html?|xhtml|pdf|docx?|odt|rtf|txt|md|xlsx?|pptx?|pages|indd|tex|aspx?|php)"
# what a tool that made the PDF leaves as its title: a file name or a path ("tc.html", "Return Policy.docx",
# "C:\Users\…\terms.docx"), a word processor's "Microsoft Word - terms.docx", "Untitled", InDesign's "Untitled-1"
_PLACEHOLDER_TITLE = re.compile(
    rf"[^\\/]+{_FILE_KINDS}|.*[\\/][^\\/]+{_FILE_KINDS}|microsoft (?:word|excel|powerpoint) - .*|untitled(?: document)?(?:[ -]?\d+)?",
    re.IGNORECASE,
)


def _metadata_title(reader) -> str:
    """The title in the PDF's info dictionary; empty without one, or for a placeholder (``_PLACEHOLDER_TITLE``)."""
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception:  # a broken info dictionary only costs the title
        return ""
    title = " ".join(str(title).split()) if title else ""
    return "" if _PLACEHOLDER_TITLE.fullmatch(title) else title


def load_pdf(path: Path, doc_id: str) -> Document:
    """A Document from a PDF; title from its metadata (not a file name left there), else its first non-empty line."""
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # warnings about sloppy files are noise here
    reader = _open(path)
    pages = [page for page in _page_texts(reader) if page]
    if not pages:
        raise UnreadableFile("PDF without extractable text (a scanned document? it needs OCR first)")
    title = _metadata_title(reader) or next(line.strip() for line in pages[0].splitlines() if line.strip())[:120]
    text = "\n\n".join(page for page in without_running_lines(pages) if page) or "\n\n".join(pages)  # all repeated: keep it
    from retrieval.loaders import folder_tags

    return Document(
        doc_id=doc_id, title=title, text=text + "\n", source=str(path.resolve()), language=detect_language(text), tags=folder_tags(doc_id)
    )
