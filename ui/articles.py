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
from collections.abc import Callable, Collection
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from retrieval.chunking import first_heading
from retrieval.documents import Document
from retrieval.loaders import (
    FAQ_COLUMNS, HTML_SUFFIXES, MARKDOWN_SUFFIXES, faq_entry_aliases, faq_file_title, load_file, slugify,
    slugify_dropping_accents,
)

_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")  # raw HTML in articles is shown as text


ANCHOR_LIMIT = 80  # characters of an anchor; a longer slug is cut and ends in 8 hex digits of its text's hash


def heading_anchor(heading: str, slug_of: Callable[..., str] = slugify) -> str:
    """The slug of a heading or heading path (``Returns > Fees``: ``returns-fees``), at most ``ANCHOR_LIMIT``
    characters: a longer one is cut and ends in a hash of ``heading``, so two long paths that share their
    beginning still get ids of their own. ``slug_of``: ``slugify_dropping_accents`` for the ids of before."""
    slug = slug_of(heading, limit=10 * ANCHOR_LIMIT)
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
    equal to the title has no id.

    Older links land where they did, by an empty marker element with their id in the heading: a link made from the
    last part of a path alone (``ui.chat``'s, and those in stored answers), then one copied when ids were a heading's
    own text (a repeated heading's ``#fees-2``, a long one's cut at 80 characters). An id is one element's, so where
    two headings claim one the first kind in this order wins: a heading path's own id (what ``section_anchor`` links
    to), the last part of a path, the first scheme's id, then each of these as it was when accented letters were
    dropped from ids (``slugify_dropping_accents``: "Envíos a España" was ``env-os-a-espa-a``). A heading whose path
    an earlier heading has already gets ``-2``, ``-3``: the first number none of those claims (no link is made to
    such a number, so an old link that holds it opens its own heading, not the repeat)."""
    title = first_heading(text) if title is None else title
    tokens = _markdown.parse(text)
    headings: list[_Heading] = []
    first_used: set[str] = set()  # the first scheme's ids, numbered as it numbered them
    first_used_before: set[str] = set()  # the same, with accented letters dropped
    path: list[tuple[int, str]] = []  # (level, text) of the # headings above, as retrieval.chunking.split_sections keeps it
    for token, following in zip(tokens, tokens[1:]):
        if token.type != "heading_open" or following.type != "inline":
            continue
        found = _Heading(token, following)
        if token.tag != "h1":
            found.first_id = _numbered(slugify(following.content, limit=ANCHOR_LIMIT), first_used)
            found.ids_before.append(_numbered(slugify_dropping_accents(following.content, limit=ANCHOR_LIMIT), first_used_before))
        heading, level = following.content, int(token.tag[1])
        if token.markup.startswith("#"):
            path = [(above, name) for above, name in path if above < level] + [(level, heading)]
            below = [name for _, name in path if name != title]
        else:
            below = [heading]
        if heading != title and below:
            found.path_id = heading_anchor(" > ".join(below))
            found.last_part_id = heading_anchor(" > ".join(below).split(" > ")[-1])
            found.ids_before[:0] = [
                heading_anchor(" > ".join(below), slugify_dropping_accents),
                heading_anchor(" > ".join(below).split(" > ")[-1], slugify_dropping_accents),
            ]
        headings.append(found)
    owners: dict[str, _Heading] = {}  # each id given out, and whose it is
    for found in headings:  # a path's own id: the first heading with that path
        if found.path_id and found.path_id not in owners:
            owners[found.path_id] = found
            found.id = found.path_id
    for found in headings:  # then the older kinds of link, each id to the first heading that had it
        if found.last_part_id:
            owners.setdefault(found.last_part_id, found)
    for found in headings:
        if found.first_id:
            owners.setdefault(found.first_id, found)
    for found in headings:  # links made when ids dropped accented letters
        for old_id in found.ids_before:
            owners.setdefault(old_id, found)
    for found in headings:  # a repeated path: the first number free, or held by an old link to this very heading
        if found.path_id and found.id is None:
            number = 2
            while owners.get(f"{found.path_id}-{number}", found) is not found:
                number += 1
            found.id = f"{found.path_id}-{number}"
            owners[found.id] = found
    for found in headings:
        if found.id is not None:
            found.open.attrSet("id", found.id)
    markers: dict[int, list[Token]] = {}
    for old_id, found in owners.items():
        if old_id != found.id:
            marker = Token("html_inline", "", 0)
            marker.content = f'<span id="{html.escape(old_id)}"></span>'
            markers.setdefault(id(found), []).append(marker)
    for found in headings:
        found.inline.children = [*markers.get(id(found), []), *(found.inline.children or [])]
    return _markdown.renderer.render(tokens, _markdown.options, {})


class _Heading:
    """A heading of ``render_markdown``'s: its tokens and the ids it has or claims."""

    def __init__(self, open_token: Token, inline: Token) -> None:
        self.open, self.inline = open_token, inline
        self.path_id: str | None = None  # the slug of its path below the title (None: the title, no id)
        self.last_part_id: str | None = None  # the slug of its path's last part (ui.chat's links)
        self.first_id: str | None = None  # its id when ids were its own text's slug, numbered (h2 to h6)
        self.ids_before: list[str] = []  # the ids above with accented letters dropped (path, last part, first)
        self.id: str | None = None  # the id it is given


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
    entries whose ids it holds. An entry whose id was another when accented letters were dropped from ids
    (``retrieval.loaders.faq_entry_aliases``) holds that id too, as an empty marker in its heading, so links given
    out then open it; ``only`` may name it by either id (an index built then holds the old one)."""
    before = {new: old for old, new in faq_entry_aliases([entry.title for entry in entries]).items()}
    parts = [f"<h1>{html.escape(title or 'Frequently asked questions')}</h1>"]
    for entry in entries:
        file_part, _, anchor = entry.doc_id.rpartition("#")
        old = before.get(anchor)
        if only is not None and entry.doc_id not in only and (old is None or f"{file_part}#{old}" not in only):
            continue
        marker = f'<span id="{html.escape(old)}"></span>' if old else ""
        parts.append(f'<h2 id="{html.escape(anchor)}">{marker}{html.escape(entry.title)}</h2>{paragraphs(entry.text)}')
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
