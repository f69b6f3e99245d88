"""Whether a passage is on the topic an intent names, from their names alone.

An intent model's label (``refund``, ``track_parcel``, ``return_item``) and a help centre's article ids
(``billing/refunds``, ``shipping/lost-parcels``, ``returns/damaged-items``) are written by the same people
for the same subjects, so they share words: a passage *agrees* with an intent when a word of the intent's
name is a word of the passage's document id or title (plurals and ``-ing`` forms aside). The answer action
uses it to weigh the intent model's opinion in the decision to answer or decline (``dialog.actions``): a
confident intent that agrees with the best passage lets a lower score answer ("I want my money back" finds
the refunds article with a low score), and one that disagrees asks for a higher one ("can I pick up in
store" is closest to the FAQ entry on saving items for later).

An intent whose name shares no word with any article (``human``, ``greet``, a deployment whose intents and
articles are named apart) names no topic, and the decision is the plain score threshold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from retrieval.stems import stem

_WORD = re.compile(r"[a-z0-9\u00df-\u024f]+")
# words of FAQ ids ("faq#can-i-cancel-my-order") and titles that say nothing about the subject
_STOPWORDS = frozenset(
    """a about after all an and any are as at be by can do does for from get has have how i if in into is it its
    me my no not of on or our than that the their this to up was we what when where which who why will with you
    your faq""".split()
)


def _stem(word: str) -> str:
    """The light stem of ``retrieval.stems``, as the extractive answerer's ("refunds", "fees", "tracking", "shipping":
    "refund", "fee", "track", "ship"), without a final ``e`` too: "changing" is "chang", as "change" is."""
    word = stem(word, light=True)
    return word[:-1] if len(word) > 4 and word.endswith("e") else word


def topic_words(text: str) -> frozenset[str]:
    """The stems of the words of an intent name, a document id or a title that can name a subject."""
    return frozenset(_stem(w) for w in _WORD.findall(text.lower().replace("_", " ")) if len(w) > 2 and w not in _STOPWORDS)


def agrees(intent: str, doc_id: str, title: str = "") -> bool:
    """Whether the passage of ``doc_id`` (titled ``title``) is on the topic the intent ``intent`` names."""
    return bool(topic_words(intent) & (topic_words(doc_id) | topic_words(title)))


def articles_words(articles: Iterable[tuple[str, str]]) -> frozenset[str]:
    """The topic words of all ``articles`` (document id, title): worked out once per index, since an intent is
    checked against them on every answer (114 ms a turn at 16,000 articles, when each turn read every title)."""
    return frozenset().union(*(topic_words(doc_id) | topic_words(title) for doc_id, title in articles))


def names_a_topic(intent: str, articles: Iterable[tuple[str, str]]) -> bool:
    """Whether ``intent`` agrees with one of ``articles`` (document id, title): whether the knowledge base has
    articles on the topic it names, so that a passage disagreeing with it says something (the answer action keeps
    the ``articles_words`` of its index and tests ``topic_words(intent)`` against them)."""
    return bool(topic_words(intent) & articles_words(articles))
