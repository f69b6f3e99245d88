"""HTML pages into Documents: page chrome dropped, content turned into Markdown-like text.

Headings become ``#`` lines, so the heading-aware chunker splits a page the way it splits Markdown;
paragraphs, list items and preformatted blocks become lines, and a table of two or more columns a Markdown
table (``| a | b |`` rows under a header and its ``| --- |`` line), so each row stays a row. Navigation, headers,
footers, side bars, scripts, styles, forms and buttons are dropped, and so are elements with the ARIA
role of one of them or hidden ones (a ``<header>`` inside an ``<article>`` or ``<main>`` holds the
article's heading and is kept, less its by-line: dates, authors, reading times). Small blocks of page chrome
inside the content are dropped too: by-lines, breadcrumbs, cookie notices, "Was this article helpful?"
boxes and share bars, told by their class or id, or by that question. When the page marks its content (``<main>`` or ``role="main"``),
only that is read, so skip links and cookie banners around it stay out; within it, the one
``<article>`` that holds the page's ``<h1>`` is read without the related-article lists beside it.
"""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, Tag

from retrieval.documents import Document, detect_language
from retrieval.errors import UnreadableFile
from retrieval.metadata import language_code, web_link

DROPPED_TAGS = ("nav", "aside", "script", "style", "noscript", "form", "template", "svg", "iframe", "button", "select", "footer")
PAGE_CHROME = ("header",)  # dropped unless inside the article itself
CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog"}
# In an article's own <header>: the by-line around the heading ("Updated 3 days ago · Anna · 2 min read").
BYLINE_MARKS = re.compile(r"byline|author|meta|date|updated|published|reading|breadcrumb", re.IGNORECASE)
# Page chrome inside the content, by a word of its class or id ("byline", "was-this-helpful", "cookie-banner"):
CHROME_WORDS = {"byline", "breadcrumb", "breadcrumbs", "cookie", "cookies", "consent", "helpful", "feedback", "vote", "votes", "voting", "share", "sharing"}
# The other words such a name is made of ("cookie-banner", "social-share-buttons", "was-this-helpful"): a name with a
# word besides these is content ("helpful-tip", "share-info", "cookie-policy-note")
CHROME_NAME_PARTS = {
    "banner", "bar", "box", "button", "buttons", "link", "links", "notice", "widget", "wrapper", "container", "block",
    "panel", "form", "prompt", "popup", "modal", "icons", "tools", "toolbar", "social", "was", "this", "article", "page",
    "post", "nav", "area",
}
CHROME_NAMES = re.compile(r"(?:reading|read)[-_ ]?time|(?:article|post|entry)[-_ ]?meta", re.IGNORECASE)
ASKS_IF_HELPFUL = re.compile(r"^\s*(?:was this|did this|did you find this|is this) (?:article|page|answer|information|post)? ?(?:helpful|useful|help)", re.IGNORECASE)
MOST_CHROME_WORDS = 30  # a block with more words, or with a heading, is content whatever its class says
TITLE_SEPARATORS = "-–—|·:•»"  # between an article's name and the site's in a <title>
_SITE_NAME_SEPARATOR = re.compile(r"\s[-–—|·•»]\s")  # one of them with spaces around, a colon aside ("VPN: remote access")
HEADINGS = {f"h{level}": level for level in range(1, 7)}
BLOCK_TAGS = {
    "address", "article", "blockquote", "body", "dd", "details", "div", "dl", "dt", "figcaption",
    "figure", "hr", "html", "main", "p", "section", "summary", "table", "tbody", "thead", "tfoot",
}
LISTS = {"ul", "ol"}
_BLOCK_NAMES = sorted(BLOCK_TAGS | set(HEADINGS) | LISTS | {"li", "pre", "table"})


def _clean(text: str) -> str:
    return " ".join(text.split())


def _inline_text(tag: Tag) -> str:
    """Text of an inline element; a ``<br>`` inside it becomes a line break."""
    if tag.name == "br":
        return "\n"
    return "".join(
        "\n" if isinstance(node, Tag) else str(node)
        for node in tag.descendants
        if (isinstance(node, Tag) and node.name == "br") or (isinstance(node, NavigableString) and not isinstance(node, (Comment, Doctype)))
    )


def _list_block(tag: Tag, depth: int = 0) -> list[str]:
    """Lines of a ``<ul>``/``<ol>``: ``- item`` or ``1. item``, nested lists indented."""
    lines: list[str] = []
    number = 0
    for item in tag.find_all("li", recursive=False):
        number += 1
        marker = f"{number}." if tag.name == "ol" else "-"
        nested = [child for child in item.find_all(list(LISTS)) if child.find_parent("li") is item]
        for child in nested:
            child.extract()
        text = _clean(item.get_text(" "))
        if text:
            lines.append(f"{'  ' * depth}{marker} {text}")
        for child in nested:
            lines.extend(_list_block(child, depth + 1))
    return lines


def _table_block(tag: Tag) -> list[str]:
    """Lines of a ``<table>``: a Markdown table (its first row the header) when it has two columns or more, so
    that each row stays a line of its own and the article page shows a table; one line per row otherwise."""
    rows = []
    for row in tag.find_all("tr"):
        cells = [_clean(cell.get_text(" ")).replace("|", "\\|") for cell in row.find_all(["th", "td"])]
        if any(cells):
            rows.append(cells)
    columns = max((len(cells) for cells in rows), default=0)
    if columns < 2:  # a table used for layout: its cells are lines
        return [cells[0] for cells in rows]
    lines = [_table_row(cells + [""] * (columns - len(cells))) for cells in rows]
    return [lines[0], _table_row(["---"] * columns), *lines[1:]]


def _table_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _blocks(element: Tag, out: list[str]) -> None:
    """Append the Markdown blocks of ``element``'s children to ``out``, in document order."""
    inline: list[str] = []

    def flush() -> None:
        lines = [_clean(line) for line in "".join(inline).split("\n")]
        text = "\n".join(line for line in lines if line)
        if text:
            out.append(text)
        inline.clear()

    for child in element.children:
        if isinstance(child, (Comment, Doctype)):
            continue
        if isinstance(child, NavigableString):
            inline.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name in HEADINGS:
            flush()
            text = _clean(child.get_text(" "))
            if text:
                out.append(f"{'#' * HEADINGS[name]} {text}")
        elif name in LISTS:
            flush()
            if lines := _list_block(child):
                out.append("\n".join(lines))
        elif name == "table":
            flush()
            if rows := _table_block(child):
                out.append("\n".join(rows))
        elif name == "pre":
            flush()
            if code := child.get_text().strip("\n"):
                out.append(f"```\n{code}\n```")
        elif name in BLOCK_TAGS or name in PAGE_CHROME or name == "li" or child.find(_BLOCK_NAMES):
            flush()  # an inline element around blocks (<a> around a card, <font> around paragraphs) is read as a block
            _blocks(child, out)
        else:
            inline.append(_inline_text(child))
    flush()


def html_to_markdown(soup: BeautifulSoup) -> str:
    """The page's content as Markdown-like text; ``soup`` has its chrome removed already."""
    out: list[str] = []
    _blocks(_content_root(soup), out)
    return "\n\n".join(out) + "\n" if out else ""


def _is_chrome(tag: Tag) -> bool:
    """Whether ``tag`` is hidden, or has the ARIA role of navigation, a banner, a footer or a side bar."""
    role = str(tag.get("role") or "").strip().lower()
    return role in CHROME_ROLES or tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true"


def _drop_chrome(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(DROPPED_TAGS):
        tag.decompose()
    for tag in soup.find_all(_is_chrome):
        if not tag.decomposed:
            tag.decompose()
    for tag in soup.find_all(PAGE_CHROME):
        if tag.decomposed:
            continue
        if tag.find_parent(["article", "main"]):
            _drop_byline(tag)
        else:
            tag.decompose()
    for tag in soup.find_all(_is_chrome_block):
        if not tag.decomposed:
            tag.decompose()


def _is_chrome_block(tag: Tag) -> bool:
    """A small block of page chrome inside the content: a by-line, breadcrumbs, a cookie notice, a "Was this
    article helpful?" box or a share bar, by a word of its class or id, or a block that asks whether the page
    helped. A block with a heading, or of more than ``MOST_CHROME_WORDS`` words, is kept."""
    if tag.name in ("html", "body", "main", "article") or tag.name in HEADINGS or tag.find(list(HEADINGS)):
        return False
    names = [*tag.get_attribute_list("class"), str(tag.get("id") or "")]
    marked = any(_is_chrome_name(name) for name in names) or any(CHROME_NAMES.search(name) for name in names)
    text = tag.get_text(" ")
    if not marked and not (ASKS_IF_HELPFUL.match(text) and tag.name in BLOCK_TAGS):
        return False
    return len(text.split()) <= MOST_CHROME_WORDS


def _is_chrome_name(name: str) -> bool:
    """Whether a class or id names page chrome: a word of ``CHROME_WORDS``, the rest ``CHROME_NAME_PARTS``."""
    words = set(re.split(r"[-_\s]+", name.lower())) - {""}
    return bool(words & CHROME_WORDS) and words <= CHROME_WORDS | CHROME_NAME_PARTS


def _is_byline(tag: Tag) -> bool:
    """A date, author or reading-time element: ``<time>``/``<address>``, one holding a ``<time>``, or one
    whose class, id, itemprop or rel says so (``byline``, ``author``, ``article-meta``, ...)."""
    marks = " ".join([*tag.get_attribute_list("class"), str(tag.get("id") or ""), str(tag.get("itemprop") or ""), *tag.get_attribute_list("rel")])
    return tag.name in ("time", "address") or tag.find("time") is not None or bool(BYLINE_MARKS.search(marks))


def _drop_byline(header: Tag) -> None:
    """Drop the by-line from an article's own ``<header>``, keeping its headings and any summary line."""
    for tag in header.find_all(True):
        if not tag.decomposed and tag.name not in HEADINGS and not tag.find(list(HEADINGS)) and _is_byline(tag):
            tag.decompose()


def _content_root(soup: BeautifulSoup) -> Tag | BeautifulSoup:
    """What the page marks as its content: the one ``<article>`` holding the ``<h1>`` inside ``<main>``
    (or ``role="main"``), else ``<main>``; the whole body when the page marks none."""
    main = soup.find("main") or soup.find(attrs={"role": "main"})
    scope = main if isinstance(main, Tag) else soup
    holding_h1 = [article for article in scope.find_all("article") if article.find("h1")]
    if len(holding_h1) == 1:
        return holding_h1[0]
    return main if isinstance(main, Tag) else (soup.body or soup)


def _page_title(soup: BeautifulSoup) -> str:
    """The ``<title>``, less the site's name around the article's ``<h1>`` ("Cancel – Acme Help Center"
    -> "Cancel"); the ``<h1>`` when there is no title, or when the title is parted by a spaced separator and does not
    hold the ``<h1>`` of the content the page marks (``<main>``, ``role="main"``, ``<article>``): "VPN (remote access) |
    Northbridge IT Services" over "VPN: remote access to university systems", a CMS's own page title beside the site's
    name, which of its parts is the site's unknown. An ``<h1>`` outside such content may be the site's logo."""
    title_tag, h1 = soup.find("title"), soup.find("h1")
    title = _clean(title_tag.get_text()) if title_tag else ""
    heading = _clean(h1.get_text(" ")) if h1 else ""
    if title and heading and heading != title and heading in title:
        before, after = (part.strip() for part in title.split(heading, 1))
        if (not before or before[-1] in TITLE_SEPARATORS) and (not after or after[0] in TITLE_SEPARATORS):
            return heading
    marked = soup.find("main") or soup.find(attrs={"role": "main"}) or soup.find("article")
    content_h1 = marked.find("h1") if isinstance(marked, Tag) else None
    content_heading = _clean(content_h1.get_text(" ")) if content_h1 else ""
    if title and content_heading and content_heading not in title and _SITE_NAME_SEPARATOR.search(title):
        return content_heading
    return title or heading


def _meta_url(soup: BeautifulSoup) -> str | None:
    link = soup.find("link", rel="canonical", href=True)
    if link:
        return web_link(link["href"])
    meta = soup.find("meta", attrs={"property": "og:url"}, content=True)
    if meta:
        return web_link(meta["content"])
    return None


def _language(soup: BeautifulSoup) -> str:
    """Primary language subtag of ``<html lang>`` (``en-GB`` -> ``en``, ``metadata.language_code``); ``en`` when absent."""
    html = soup.find("html")
    lang = str(html.get("lang", "")).strip() if isinstance(html, Tag) else ""
    return language_code(lang) or "en"


def load_html(path: Path, doc_id: str, raw: bytes) -> Document:
    """A Document from an HTML page's bytes; UnreadableFile when it has no text content."""
    soup = BeautifulSoup(raw, "html.parser")
    url, language = _meta_url(soup), _language(soup)
    _drop_chrome(soup)
    title = _page_title(soup)
    try:
        text = html_to_markdown(soup)
    except RecursionError:  # elements nested past Python's stack (unclosed tags, one inside the next): plain lines
        lines = (_clean(line) for line in _content_root(soup).get_text("\n").splitlines())
        text = "\n".join(line for line in lines if line) + "\n"
    if not text.strip():
        raise UnreadableFile("HTML page without text content")
    title = title or path.stem.replace("-", " ").replace("_", " ").capitalize()
    from retrieval.loaders import folder_tags

    if soup.html is None or not soup.html.get("lang"):
        language = detect_language(text, language)
    return Document(
        doc_id=doc_id, title=title, text=text, source=str(path.resolve()), url=url, language=language, tags=folder_tags(doc_id)
    )
