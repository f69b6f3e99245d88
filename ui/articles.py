"""Article pages: what the loader extracted from an indexed file (the text that was indexed), as HTML.

Every format goes through its loader again, so a page never shows what search never sees: Markdown
front matter, an HTML page's scripts and navigation, a PDF's bytes. Markdown and HTML (which the
loader turns into Markdown-like text) are rendered as Markdown with raw HTML escaped; PDF and plain
text as escaped paragraphs; an FAQ file as one anchored section per entry, the anchor being the
entry's id (``faq#<entry>`` links to ``/kb/faq#<entry>``). An article's section headings (h2 and below) have
ids too, the slug of their text (``heading_anchor``), so that a citation of a section links to it.
"""

from __future__ import annotations

import html
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt

from retrieval.chunking import first_heading
from retrieval.documents import Document
from retrieval.loaders import FAQ_COLUMNS, HTML_SUFFIXES, MARKDOWN_SUFFIXES, faq_file_title, load_file, slugify

_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")  # raw HTML in articles is shown as text


def heading_anchor(heading: str) -> str:
    """The id of an article's section heading (its Markdown text, as a chunk's heading path names it)."""
    return slugify(heading, limit=80)


def render_markdown(text: str) -> str:
    """Markdown as HTML, each section heading below the title (h2 to h6) with the id ``heading_anchor`` gives
    its text; a heading whose id an earlier one has gets ``-2``, ``-3`` in page order."""
    tokens = _markdown.parse(text)
    used: set[str] = set()
    for token, following in zip(tokens, tokens[1:]):
        if token.type != "heading_open" or token.tag == "h1" or following.type != "inline":
            continue
        anchor = unique = heading_anchor(following.content)
        number = 2
        while unique in used:
            unique, number = f"{anchor}-{number}", number + 1
        used.add(unique)
        token.attrSet("id", unique)
    return _markdown.renderer.render(tokens, _markdown.options, {})


def paragraphs(text: str) -> str:
    """Plain text as escaped ``<p>`` paragraphs (blank lines between them), line breaks kept."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return "".join(f"<p>{'<br>'.join(html.escape(line) for line in block.splitlines())}</p>" for block in blocks if block)


def faq_body(entries: list[Document], only: Collection[str] | None = None, title: str | None = None) -> str:
    """One ``<h2 id=entry>`` question and its answer per FAQ entry, in file order, under the file's ``title``
    (``retrieval.loaders.faq_file_title``; without one, "Frequently asked questions"); with ``only``, just the
    entries whose ids it holds."""
    parts = [f"<h1>{html.escape(title or 'Frequently asked questions')}</h1>"]
    for entry in entries:
        if only is not None and entry.doc_id not in only:
            continue
        anchor = entry.doc_id.partition("#")[2]
        parts.append(f'<h2 id="{html.escape(anchor)}">{html.escape(entry.title)}</h2>{paragraphs(entry.text)}')
    return "".join(parts)


def article_body(document: Document, suffix: str) -> str:
    """An article's extracted text as HTML, headed by its title when the text does not start with it."""
    text = document.text
    if suffix in MARKDOWN_SUFFIXES | HTML_SUFFIXES:
        body = render_markdown(text)
        titled = first_heading(text) == document.title
    else:
        body = paragraphs(text)
        titled = text.lstrip().startswith(document.title)
    return body if titled else f"<h1>{html.escape(document.title)}</h1>{body}"


def render_document(
    source: Path, doc_id: str, faq_columns: tuple[str, str] = FAQ_COLUMNS, only: frozenset[str] | None = None
) -> str:
    """The HTML body for the file ``source`` indexed as ``doc_id`` (an FAQ file: its entries' prefix; with
    ``only``, just the entries whose ids it holds).

    Raises ``retrieval.errors.UnreadableFile`` (or OSError) when the file can no longer be read.
    """
    stat = source.stat()
    entries = None if only is None else frozenset(key for key in only if key.startswith(f"{doc_id}#"))
    return _cached_render(str(source), doc_id, tuple(faq_columns), (stat.st_mtime_ns, stat.st_size), entries)


@lru_cache(maxsize=64)
def _cached_render(
    source: str, doc_id: str, faq_columns: tuple[str, str], stamp: tuple[int, int], only: frozenset[str] | None = None
) -> str:
    """``render_document``, remembered while the file is unchanged (``stamp``): a PDF is parsed once."""
    documents = load_file(Path(source), doc_id, faq_columns)
    if documents[0].kind == "faq":
        return faq_body(documents, only, faq_file_title(Path(source), faq_columns))
    return article_body(documents[0], Path(source).suffix.lower())
