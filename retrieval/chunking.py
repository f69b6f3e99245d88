"""Pure functions that split documents into chunks along their structure.

Markdown is split at headings, so each chunk is one section with its heading path; a section longer
than ``max_words`` is split further at paragraph boundaries. An FAQ entry always stays whole.
"""

from __future__ import annotations

import re

from retrieval.documents import Chunk, Document

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def split_sections(text: str) -> list[tuple[list[str], str]]:
    """(heading path, body) pairs in document order; text before any heading has an empty path."""
    sections: list[tuple[list[str], str]] = []
    path: list[tuple[int, str]] = []
    body: list[str] = []

    def flush() -> None:
        content = "\n".join(body).strip()
        if content:
            sections.append(([title for _, title in path], content))
        body.clear()

    in_code = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        match = None if in_code else HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            path = [(lvl, title) for lvl, title in path if lvl < level] + [(level, match.group(2))]
        else:
            body.append(line)
    flush()
    return sections


def split_paragraphs(text: str, max_words: int) -> list[str]:
    """Greedily pack paragraphs into pieces of at most ``max_words`` words (a longer paragraph is cut)."""
    pieces: list[str] = []
    current: list[str] = []
    count = 0
    for paragraph in (p.strip() for p in re.split(r"\n\s*\n", text)):
        if not paragraph:
            continue
        words = paragraph.split()
        while len(words) > max_words:  # a single overlong paragraph
            if current:
                pieces.append("\n\n".join(current))
                current, count = [], 0
            pieces.append(" ".join(words[:max_words]))
            words = words[max_words:]
        if count + len(words) > max_words and current:
            pieces.append("\n\n".join(current))
            current, count = [], 0
        current.append(" ".join(words) if len(words) != len(paragraph.split()) else paragraph)
        count += len(words)
    if current:
        pieces.append("\n\n".join(current))
    return pieces


def chunk_document(document: Document, max_words: int = 200) -> list[Chunk]:
    """Chunks of one document; ids are stable as long as the document id and text are unchanged."""
    if document.kind == "faq":
        parts = [([document.title], document.text)]
    else:
        parts = []
        for path, body in split_sections(document.text):
            # the document title is the first heading; keep it out of section paths below it
            heading_path = path[1:] if path and path[0] == document.title else path
            for piece in split_paragraphs(body, max_words):
                parts.append((heading_path, piece))
    chunks = []
    for heading_path, text in parts:
        heading = " > ".join([document.title, *[h for h in heading_path if h != document.title]])
        chunks.append(
            Chunk(
                chunk_id=Chunk.make_id(document.doc_id, heading, text),
                doc_id=document.doc_id,
                title=document.title,
                heading=heading,
                text=text,
                source=document.source,
                url=document.url,
                metadata={"kind": document.kind, "language": document.language},
            )
        )
    return chunks
