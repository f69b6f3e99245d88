"""Cross-references between help-centre articles: "see the article on lost parcels".

Help centres point from one article to another instead of repeating themselves. A sentence that only
points elsewhere is no answer, so the answering step follows the pointer: ``referenced_topics`` finds
what a text points to, and ``resolve`` names the article whose title matches that topic.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from retrieval.stems import stem_words

# "see the article on X", "see the articles on X and on Y", "(see the article about X for ...)",
# "follow the steps in the article on X", "as explained in our X article"
_POINTS = r"(?:see(?: also)?|follow the steps in|explained in|described in)"
_ARTICLE_ON = r"(?:the |our )?articles? (?:on|about|called)"
_REFERENCE = re.compile(
    rf"\b{_POINTS} {_ARTICLE_ON} (?P<topics>[^.;:(),]+)|\b{_POINTS} our (?P<named>[a-z][a-z0-9 -]{{0,30}}?) article\b",
    re.IGNORECASE,
)
_TOPIC_END = re.compile(r"\s+(?:for|or|instead|if|when|before|after|to find|which)\b.*$", re.IGNORECASE)
_TOPIC_SPLIT = re.compile(r"\s+and\s+(?:on\s+|about\s+)?", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset("a an the your our my of to how what why when on about in for with and or is are do can".split())
MIN_SHARE = 0.6  # share of the topic's words a title must hold


def referenced_topics(text: str) -> list[str]:
    """What ``text`` points to: "see the articles on tracking and on lost parcels" -> ["tracking", "lost parcels"]."""
    topics = []
    for match in _REFERENCE.finditer(text):
        phrase = _TOPIC_END.sub("", match.group("topics") or match.group("named")).strip()
        topics.extend(t.strip() for t in _TOPIC_SPLIT.split(phrase) if t.strip())
    return topics


def _stems(text: str) -> set[str]:
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]
    return set(stem_words(words))


def _shared_folders(doc_id: str, near: str) -> int:
    """How many leading folders ``doc_id`` shares with ``near`` ("brand-b/returns", "brand-b/shipping": 1)."""
    shared = 0
    for mine, theirs in zip(doc_id.split("/")[:-1], near.split("/")[:-1]):
        if mine != theirs:
            break
        shared += 1
    return shared


def resolve(topic: str, titles: Mapping[str, str], near: str = "") -> str | None:
    """The id of the document whose title (with the last part of its id, "contact/response-times")
    holds most of ``topic``'s words (at least ``MIN_SHARE``; ties: the fewer words, then the document
    nearest to ``near``, the id of the article that points, so that brand B's "see the article on returns"
    finds brand B's *Returns*, not brand A's of the same title), or None. ``titles`` maps document ids to titles."""
    wanted = _stems(topic)
    if not wanted:
        return None
    best: tuple[float, int, int, str] | None = None
    for doc_id, title in titles.items():
        have = _stems(title) | _stems(doc_id.rsplit("/", 1)[-1])
        share = len(wanted & have) / len(wanted)
        rank = (share, -len(have), _shared_folders(doc_id, near))
        if share >= MIN_SHARE and (best is None or rank > best[:3]):
            best = (*rank, doc_id)
    return best[3] if best else None


def linked_documents(text: str, titles: Mapping[str, str], near: str = "") -> list[str]:
    """The documents ``text`` (of the document ``near``) points to, in order, each once."""
    found = (resolve(topic, titles, near) for topic in referenced_topics(text))
    return list(dict.fromkeys(doc for doc in found if doc))


_ASIDE = re.compile(rf"\s*\(\s*see (?:also )?{_ARTICLE_ON} [^()]*\)", re.IGNORECASE)


def without_asides(text: str) -> str:
    """``text`` without pointers in parentheses: "start a return (see the article on returns)." ->
    "start a return."."""
    return _ASIDE.sub("", text)


def is_reference(text: str) -> bool:
    """Whether ``text`` points to another article."""
    return bool(_REFERENCE.search(text))
