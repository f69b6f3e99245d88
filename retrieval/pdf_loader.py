"""PDF files into Documents with pypdf: the text of each page, pages separated by a blank line.

An encrypted PDF that does not open with an empty password, a corrupt PDF and a PDF without
extractable text (a scan) raise UnreadableFile with the reason, so the file is skipped, not fatal.
"""

from __future__ import annotations

import logging
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


def _metadata_title(reader) -> str:
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception:  # a broken info dictionary only costs the title
        return ""
    return " ".join(str(title).split()) if title else ""


def load_pdf(path: Path, doc_id: str) -> Document:
    """A Document from a PDF; title from its metadata, else its first non-empty line."""
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # warnings about sloppy files are noise here
    reader = _open(path)
    text = "\n\n".join(page for page in _page_texts(reader) if page)
    if not text.strip():
        raise UnreadableFile("PDF without extractable text (a scanned document? it needs OCR first)")
    title = _metadata_title(reader) or next(line.strip() for line in text.splitlines() if line.strip())[:120]
    from retrieval.loaders import folder_tags

    return Document(
        doc_id=doc_id, title=title, text=text + "\n", source=str(path.resolve()), language=detect_language(text), tags=folder_tags(doc_id)
    )
