"""HTML pages into Documents: page chrome dropped, content turned into Markdown-like text.

Headings become ``#`` lines, so the heading-aware chunker splits a page the way it splits Markdown;
paragraphs, list items, table rows and preformatted blocks become lines. Navigation, headers,
footers, side bars, scripts, styles and forms are dropped (a ``<header>``/``<footer>`` inside an
``<article>`` or ``<main>`` is part of the content and kept).
"""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, Tag

from retrieval.documents import Document, detect_language
from retrieval.errors import UnreadableFile
from retrieval.metadata import web_link

DROPPED_TAGS = ("nav", "aside", "script", "style", "noscript", "form", "template", "svg", "iframe")
PAGE_CHROME = ("header", "footer")  # dropped unless inside the article itself
HEADINGS = {f"h{level}": level for level in range(1, 7)}
BLOCK_TAGS = {
    "address", "article", "blockquote", "body", "dd", "details", "div", "dl", "dt", "figcaption",
    "figure", "hr", "html", "main", "p", "section", "summary", "table", "tbody", "thead", "tfoot",
}
LISTS = {"ul", "ol"}


def _clean(text: str) -> str:
    return " ".join(text.split())


def _inline_text(tag: Tag) -> str:
    """Text of an inline element; a ``<br>`` inside it becomes a line break."""
    if tag.name == "br":
        return "\n"
    return tag.get_text()


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
    rows = []
    for row in tag.find_all("tr"):
        cells = [_clean(cell.get_text(" ")) for cell in row.find_all(["th", "td"])]
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


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
        elif name in BLOCK_TAGS or name in PAGE_CHROME or name == "li":
            flush()
            _blocks(child, out)
        else:
            inline.append(_inline_text(child))
    flush()


def html_to_markdown(soup: BeautifulSoup) -> str:
    """The page's content as Markdown-like text; ``soup`` has its chrome removed already."""
    root = soup.body or soup
    out: list[str] = []
    _blocks(root, out)
    return "\n\n".join(out) + "\n" if out else ""


def _drop_chrome(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(DROPPED_TAGS):
        tag.decompose()
    for tag in soup.find_all(PAGE_CHROME):
        if not tag.decomposed and not tag.find_parent(["article", "main"]):
            tag.decompose()


def _meta_url(soup: BeautifulSoup) -> str | None:
    link = soup.find("link", rel="canonical", href=True)
    if link:
        return web_link(link["href"])
    meta = soup.find("meta", attrs={"property": "og:url"}, content=True)
    if meta:
        return web_link(meta["content"])
    return None


def _language(soup: BeautifulSoup) -> str:
    """Primary language subtag of ``<html lang>`` (``en-GB`` -> ``en``); ``en`` when absent."""
    html = soup.find("html")
    lang = str(html.get("lang", "")).strip() if isinstance(html, Tag) else ""
    primary = re.split(r"[-_]", lang)[0].lower()
    return primary or "en"


def load_html(path: Path, doc_id: str, raw: bytes) -> Document:
    """A Document from an HTML page's bytes; UnreadableFile when it has no text content."""
    soup = BeautifulSoup(raw, "html.parser")
    title_tag = soup.find("title")
    h1 = soup.find("h1")
    title = _clean(title_tag.get_text()) if title_tag else ""
    title = title or (_clean(h1.get_text(" ")) if h1 else "")
    url, language = _meta_url(soup), _language(soup)
    _drop_chrome(soup)
    text = html_to_markdown(soup)
    if not text.strip():
        raise UnreadableFile("HTML page without text content")
    title = title or path.stem.replace("-", " ").replace("_", " ").capitalize()
    from retrieval.loaders import folder_tags

    if soup.html is None or not soup.html.get("lang"):
        language = detect_language(text, language)
    return Document(
        doc_id=doc_id, title=title, text=text, source=str(path.resolve()), url=url, language=language, tags=folder_tags(doc_id)
    )
