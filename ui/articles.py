"""Article pages: what the loader extracted from an indexed file (the text that was indexed), as HTML.

Every format goes through its loader again, so a page never shows what search never sees: Markdown
front matter, an HTML page's scripts and navigation, a PDF's bytes. Markdown and HTML (which the
loader turns into Markdown-like text) are rendered as Markdown with raw HTML escaped; PDF and plain
text as escaped paragraphs; an FAQ file as one anchored section per entry, the anchor being the
entry's id (``faq#<entry>`` links to ``/kb/faq#<entry>``). An article's section headings have ids too, the
slug of their heading path below the title (``section_anchor``: "Returns > Fees" is ``returns-fees``), the path
a chunk's heading names, so that a citation of a section links to it even where a heading holds " > " or a
subsection's heading is repeated under two parents.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from retrieval.chunking import first_heading
from retrieval.documents import Document
from retrieval.loaders import FAQ_COLUMNS, HTML_SUFFIXES, MARKDOWN_SUFFIXES, faq_file_title, load_file, slugify

_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")  # raw HTML in articles is shown as text


ANCHOR_LIMIT = 80  # characters of an anchor; a longer slug is cut and ends in 8 hex digits of its text's hash


def heading_anchor(heading: str) -> str:
    """The slug of a heading or heading path (``Returns > Fees``: ``returns-fees``), at most ``ANCHOR_LIMIT``
    characters: a longer one is cut and ends in a hash of ``heading``, so two long paths that share their
    beginning still get ids of their own."""
    slug = slugify(heading, limit=10 * ANCHOR_LIMIT)
    if len(slug) <= ANCHOR_LIMIT:
        return slug
    return f"{slug[: ANCHOR_LIMIT - 9].rstrip('-')}-{hashlib.sha256(heading.encode('utf-8')).hexdigest()[:8]}"


def section_anchor(heading: str, title: str) -> str:
    """The id of the section a chunk's ``heading`` path names on its article page (``title``: the document's):
    "Return policy > Returns > Fees" is ``returns-fees``; "" for the title alone (the top of the page).
    ``render_markdown`` gives each heading this id; a citation's link should be made with it (``ui.chat.article_link``
    still uses the last heading alone, which points at the first of two repeated subsections)."""
    prefix = f"{title} > "
    below = heading[len(prefix):] if title and heading.startswith(prefix) else "" if heading == title else heading
    return heading_anchor(below) if below.strip() else ""


def render_markdown(text: str, title: str | None = None) -> str:
    """Markdown as HTML, each section heading with the id ``section_anchor`` gives the chunks under it: the slug of
    its heading path without the document's ``title`` (by default the first h1), the path ``retrieval.chunking``
    gives (``#`` headings; an underlined one is no part of it, and its id is the slug of its own text). A heading
    equal to the title has no id; one whose id an earlier heading has (the same path twice) gets ``-2``, ``-3``."""
    title = first_heading(text) if title is None else title
    tokens = _markdown.parse(text)
    used: set[str] = set()
    last_part_ids: dict[str, Token] = {}  # the slug of a path's last part -> the inline token of its first heading
    first_ids: dict[str, Token] = {}  # the id each heading had when ids were the slug of its own text (-2 for a repeat)
    first_used: set[str] = set()
    path: list[tuple[int, str]] = []  # (level, text) of the # headings above, as retrieval.chunking.split_sections keeps it
    for token, following in zip(tokens, tokens[1:]):
        if token.type != "heading_open" or following.type != "inline":
            continue
        if token.tag != "h1":
            first_ids[_numbered(slugify(following.content, limit=ANCHOR_LIMIT), first_used)] = following
        heading, level = following.content, int(token.tag[1])
        if token.markup.startswith("#"):
            path = [(above, name) for above, name in path if above < level] + [(level, heading)]
            below = [name for _, name in path if name != title]
        else:
            below = [heading]
        if heading == title or not below:
            continue
        token.attrSet("id", _numbered(heading_anchor(" > ".join(below)), used))
        last_part_ids.setdefault(heading_anchor(" > ".join(below).split(" > ")[-1]), following)
    # a link made from the last part of a path alone (ui.chat's, links in old answers), or one copied when ids were a
    # heading's own text (a repeated heading's "#fees-2", a long one's cut at 80 characters), lands where it did
    for old_id, inline in [*last_part_ids.items(), *first_ids.items()]:
        if old_id not in used:
            used.add(old_id)
            marker = Token("html_inline", "", 0)
            marker.content = f'<span id="{html.escape(old_id)}"></span>'
            inline.children = [marker, *(inline.children or [])]
    return _markdown.renderer.render(tokens, _markdown.options, {})


def _numbered(anchor: str, used: set[str]) -> str:
    """``anchor``, or with ``-2``, ``-3`` when an earlier heading has it; added to ``used``."""
    unique, number = anchor, 2
    while unique in used:
        unique, number = f"{anchor}-{number}", number + 1
    used.add(unique)
    return unique


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
        body = render_markdown(text, document.title)
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
