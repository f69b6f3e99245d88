"""The help centre's home page at ``/kb/``: the articles a customer can open at ``/kb/ID``, grouped by folder,
a page at a time.

It lists what the article pages show and nothing else: with ``search_filters`` (one brand of several on one
index) only the documents those filters let searches find, and an FAQ file once, linking to its page, with
the number of its entries shown there. Documents whose files are gone (a 404 at ``/kb/ID``) are left out,
from the first request after the file went (its folder's modification time changed), not only once an ingest
took it out of the index. The list is worked out once per loaded index, for a new index before the server
swaps it in; a page is a slice of it (``PAGE_SIZE`` entries), so a help centre of thousands of documents
gives pages of a few tens of kilobytes. Every text is escaped: titles and
folder names come from the documents.
"""

from __future__ import annotations

import html
import os
import threading
from dataclasses import dataclass
from collections import Counter
from itertools import groupby
from pathlib import Path
from urllib.parse import quote

from dialog.replies import DEFAULT_REPLIES, Replies
from retrieval.index import VectorIndex
from retrieval.loaders import FAQ_SUFFIXES, faq_file_title
from retrieval.retriever import Retriever

PAGE_SIZE = 200  # entries a page: about 20 KB of HTML


@dataclass(frozen=True)
class Entry:
    """One line of the help centre: an article, or an FAQ file with ``questions`` entries shown."""

    folder: str  # the folder part of the id ("billing/cards"), "" at the top
    title: str
    doc_id: str  # what /kb/ID takes (an FAQ file's id for its entries)
    questions: int = 0  # an FAQ file: how many of its entries its page shows; 0 for an article
    language: str = ""  # the document's, so that a screen reader reads a title in another language as such

    @property
    def section(self) -> str:
        """The top folder ("billing"), "" for a document at the top."""
        return self.folder.partition("/")[0]


_ACRONYMS = {"faq": "FAQ", "faqs": "FAQs"}  # file names' words written as people write them
# a language's name in that language: the heading of a top folder named by its code that holds articles in it ("de")
OWN_NAMES = {
    "en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "it": "Italiano", "nl": "Nederlands",
    "pt": "Português", "pl": "Polski", "sv": "Svenska", "da": "Dansk", "no": "Norsk", "fi": "Suomi", "cs": "Čeština",
    "tr": "Türkçe", "ru": "Русский", "ja": "日本語", "ko": "한국어", "zh": "中文",
}


def humanise(name: str) -> str:
    """A folder or file name as words: ``gift-cards`` -> ``Gift cards``, ``faq`` -> ``FAQ``; an FAQ file's id that
    keeps its suffix (``faq.csv`` beside ``faq.json``, ``retrieval.loaders.file_id``) without it."""
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and f".{suffix.lower()}" in FAQ_SUFFIXES:
        name = stem
    words = " ".join(_ACRONYMS.get(word.casefold(), word) for word in name.replace("-", " ").replace("_", " ").split()) or name
    return words[:1].upper() + words[1:]


def language_sections(entries: list[Entry]) -> dict[str, str]:
    """Top folders named by a language's code whose articles are all in that language (``de`` of German articles),
    each with its language code: they are headed by the language's own name (``Deutsch``), not ``De``."""
    found: dict[str, set[str]] = {}
    for entry in entries:
        if entry.section.casefold() in OWN_NAMES:
            found.setdefault(entry.section, set()).add(entry.language)
    return {section: section.casefold() for section, languages in found.items() if languages - {""} == {section.casefold()}}


def folder_label(folder: str, languages: dict[str, str] | None = None) -> str:
    """A folder path as a heading: ``home/faq/hotel`` -> ``Home › FAQ › Hotel``; a top folder of ``languages``
    (``language_sections``) by its language's name: ``de/versand`` -> ``Deutsch › Versand``."""
    top, _, rest = folder.partition("/")
    code = (languages or {}).get(top)
    parts = [OWN_NAMES[code] if code else humanise(top)] + [humanise(part) for part in rest.split("/") if rest]
    return " › ".join(parts)


class Listing:
    """A loaded index's entries, each with its file: the files are looked at again whenever a folder that holds
    one changed (a few stat calls a request), so a file deleted after the list was made is left out at once."""

    def __init__(self, index: VectorIndex, shown: frozenset[str] | None) -> None:
        self._all = _entries_with_sources(index, shown)
        self._folders = sorted({str(Path(source).parent) for _, source in self._all})
        self._lock = threading.Lock()
        self._checked: tuple[tuple[int | None, ...], list[Entry]] | None = None

    def entries(self) -> list[Entry]:
        """The entries whose files are there now (deleted, moved away or unreadable ones are a 404 at ``/kb/ID``)."""
        stamp = tuple(_mtime(folder) for folder in self._folders)  # a file deleted or added changes its folder's
        with self._lock:
            if self._checked is None or self._checked[0] != stamp:
                readable: dict[str, bool] = {}
                for _, source in self._all:
                    if source not in readable:
                        readable[source] = Path(source).is_file()
                self._checked = (stamp, [entry for entry, source in self._all if readable[source]])
            return self._checked[1]


def _mtime(folder: str) -> int | None:
    try:
        return os.stat(folder).st_mtime_ns
    except OSError:
        return None


def _entries_with_sources(index: VectorIndex, shown: frozenset[str] | None) -> list[tuple[Entry, str]]:
    """Every entry of ``index`` the article pages may show, with the file it is read from, sorted for the page."""
    titles: dict[str, str] = {}
    languages: dict[str, str] = {}
    faq_entries: set[str] = set()
    for chunk in index.chunks.values():
        doc_id = chunk.doc_id
        if doc_id in titles or (shown is not None and doc_id not in shown) or doc_id not in index.documents:
            continue
        titles[doc_id] = chunk.title
        languages[doc_id] = str(chunk.metadata.get("language") or "")
        if chunk.metadata.get("kind") == "faq":  # "<file id>#<entry>"; an article's file name may hold a "#" too
            faq_entries.add(doc_id)
    faq_counts: dict[str, int] = {}
    faq_titles: dict[str, str] = {}
    entries: dict[str, tuple[Entry, str]] = {}
    for doc_id, title in titles.items():
        source = str(index.documents[doc_id].get("source", ""))
        file_id = doc_id.rpartition("#")[0] if doc_id in faq_entries else doc_id
        folder = file_id.rpartition("/")[0]
        if doc_id in faq_entries:
            faq_counts[file_id] = faq_counts.get(file_id, 0) + 1
            if file_id not in faq_titles:  # the file's own title (read once per loaded index), else its name as words
                faq_titles[file_id] = faq_file_title(Path(source)) or humanise(file_id.rpartition("/")[2])
            entry = Entry(folder, faq_titles[file_id], file_id, faq_counts[file_id])
            entries[file_id] = (entry, source)
        else:
            entry = Entry(folder, title.strip() or humanise(doc_id.rpartition("/")[2]), doc_id, 0, languages[doc_id])
            entries[doc_id] = (entry, source)
    return sorted(entries.values(), key=lambda pair: (pair[0].folder.casefold(), pair[0].title.casefold(), pair[0].doc_id))


class HelpCentre:
    """The ``/kb/`` pages of a server's retriever, with the words of its ``replies``."""

    def __init__(self, retriever: Retriever, replies: Replies = DEFAULT_REPLIES) -> None:
        self.retriever = retriever
        self.replies = replies

    def entries(self) -> list[Entry]:
        """The catalogue of the index the server answers from: made once per loaded index, and for a new index
        before it is swapped in (``Retriever.derived``), so the list changes with the answers' index."""
        return self.retriever.derived("help_centre", Listing).entries()

    def page(self, section: str = "", number: int = 1) -> tuple[str, str] | None:
        """The title and HTML body of page ``number`` of ``section`` (a top folder; "" for all); None when
        there is no such section or page."""
        every = self.entries()
        chosen = [e for e in every if e.section == section] if section else every
        pages = max(1, -(-len(chosen) // PAGE_SIZE))
        if (section and not chosen) or not 1 <= number <= pages:
            return None
        words = self.replies
        languages = language_sections(every)
        title = words.help_centre_title + (f" · {folder_label(section, languages)}" if section else "")
        parts = [f"<h1>{html.escape(title)}</h1>", self._sections(every, section, languages)]
        if pages > 1:
            parts.append(self._pager(section, number, pages))
        shown = chosen[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        for folder, group in groupby(shown, key=lambda e: e.folder):
            items = list(group)
            titles = Counter(entry.title for entry in items)
            if folder:
                lang = self._lang(languages.get(folder.partition("/")[0], ""))
                parts.append(f"<h2{lang}>{html.escape(folder_label(folder, languages))}</h2>")
            parts.append(f"<ul>{''.join(self._item(entry, titles[entry.title] > 1) for entry in items)}</ul>")
        if pages > 1:
            parts.append(self._pager(section, number, pages))
        return html.escape(title), "".join(parts)

    def _item(self, entry: Entry, repeated: bool) -> str:
        """One ``<li>``: the title linked to its article page; a title ``repeated`` in its folder gets its file name."""
        label = entry.title
        if repeated:
            label += f" ({entry.doc_id.rpartition('/')[2]})"
        link = f'<a href="{html.escape(article_href(entry.doc_id))}"{self._lang(entry.language)}>{html.escape(label)}</a>'
        if entry.questions:
            link += f' <span class="note">· {html.escape(self.replies.say("help_centre_questions", count=entry.questions))}</span>'
        return f"<li>{link}</li>"

    def _lang(self, language: str) -> str:
        """A ``lang`` attribute for a text in another language than the page's, so a screen reader reads it as such."""
        return f' lang="{html.escape(language)}"' if language not in ("", self.replies.page_language) else ""

    def _sections(self, every: list[Entry], current: str, languages: dict[str, str]) -> str:
        """Links to each top folder (with its count) and to all of them; nothing for a help centre of one folder."""
        counts: dict[str, int] = {}
        for entry in every:
            if entry.section:
                counts[entry.section] = counts.get(entry.section, 0) + 1
        if len(counts) < 2:
            return ""
        links = [self._link("", 1, self.replies.help_centre_all, current == "")]
        links += [
            self._link(name, 1, f"{folder_label(name, languages)} ({count})", current == name, lang=languages.get(name, ""))
            for name, count in sorted(counts.items())
        ]
        label = html.escape(self.replies.help_centre_sections)
        return f'<nav aria-label="{label}"><ul class="inline">{"".join(f"<li>{link}</li>" for link in links)}</ul></nav>'

    def _pager(self, section: str, number: int, pages: int) -> str:
        """Previous and next links around "Page N of M"."""
        words = self.replies
        where = html.escape(words.say("help_centre_page", page=number, pages=pages))
        items = []
        if number > 1:
            items.append(f'<li>{self._link(section, number - 1, words.previous_page, rel="prev")}</li>')
        items.append(f'<li aria-current="page">{where}</li>')
        if number < pages:
            items.append(f'<li>{self._link(section, number + 1, words.next_page, rel="next")}</li>')
        return f'<nav aria-label="{where}"><ul class="inline">{"".join(items)}</ul></nav>'

    def _link(self, section: str, number: int, text: str, current: bool = False, rel: str = "", lang: str = "") -> str:
        query = "&".join(
            part for part in (f"section={quote(section, safe='')}" if section else "", f"page={number}" if number > 1 else "") if part
        )
        href = "/kb/" + (f"?{query}" if query else "")
        extra = (' aria-current="page"' if current else "") + (f' rel="{rel}"' if rel else "") + self._lang(lang)
        return f'<a href="{html.escape(href)}"{extra}>{html.escape(text)}</a>'


def article_href(doc_id: str) -> str:
    """The article page of ``doc_id`` (its characters quoted as the chat's links quote them)."""
    return f"/kb/{quote(doc_id)}"
