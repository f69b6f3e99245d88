"""Documents and chunks with stable ids derived from their content."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from retrieval.languages import sure_language

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_LETTER = re.compile(r"[^\W\d_]")


_WORDS = re.compile(r"[^\W\d_]+")
# the commonest short words of each language, few of them English words ("an", "in" left out)
_FUNCTION_WORDS = {
    "en": frozenset("the and is are to of you your we our for with it this that be can on not".split()),
    "de": frozenset("der die das und ist nicht mit sie ich ein eine einen dem den des auf für wir ihr ihre zu zum zur von "
                    "bei wie werden wird können kann sind oder auch nach über noch unsere unser ihnen".split()),
    "fr": frozenset("le la les et est des une un vous nous pour avec dans pas sur que qui du au votre vos".split()),
    "es": frozenset("el los las y es que en una para con por su sus se del al usted puede".split()),
}
# the languages ``detect_language`` tells, by name (dialog.replies' defaults for its ``language.CODE`` keys): the help
# centre's languages are named to a customer, never shown as a code ("answers in English and nb")
LANGUAGE_NAMES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "ja": "Japanese", "ko": "Korean", "zh": "Chinese",
    "it": "Italian", "pt": "Portuguese", "nl": "Dutch", "nb": "Norwegian",
}
FEWEST_WORDS = 2  # function words a language needs in the sample, and twice as many as English's, to be guessed


def detect_language(text: str, default: str = "en", fewest: int = FEWEST_WORDS) -> str:
    """A coarse guess: ``ja`` (kana), ``ko`` (hangul), ``zh`` (Han characters) when they make up at least a
    fifth of the letters of the first 2,000 characters; else a language beyond en/de/fr/es that
    ``retrieval.languages`` (a library) is sure of ("Jeg vil snakke med et menneske": ``nb``); else ``de``, ``fr``
    or ``es`` when that language's common short words ("und", "ist", "der") outnumber English's ("the", "and",
    "is") at least twice and are at least ``fewest`` (a short message that is known to be in another language
    may have one: "Was kostet der Versand?"); else ``default``."""
    sample = text[:2000]
    letters = len(_LETTER.findall(sample)) or 1
    if len(_KANA.findall(sample)) / letters >= 0.05:
        return "ja"
    if len(_HANGUL.findall(sample)) / letters >= 0.2:
        return "ko"
    if len(_HAN.findall(sample)) / letters >= 0.2:
        return "zh"
    beyond = sure_language(sample)
    if beyond and beyond not in _FUNCTION_WORDS:  # "et" is French, "Jeg vil snakke med et menneske" Norwegian
        return beyond
    words = [word.lower() for word in _WORDS.findall(sample)]
    counts = {language: sum(word in common for word in words) for language, common in _FUNCTION_WORDS.items()}
    best = max(("de", "fr", "es"), key=lambda language: counts[language])
    if counts[best] >= fewest and counts[best] >= 2 * counts["en"]:
        if sorted(counts.values())[-2] < counts[best]:  # a clear winner, not a tie between two of them
            return best
    return default


def content_hash(text: str) -> str:
    """sha256 hex digest of ``text`` (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Document:
    """One knowledge-base article or FAQ entry, as loaded from a file."""

    doc_id: str  # stable, readable id: the path relative to the ingested folder, without suffix
    title: str
    text: str
    source: str  # absolute path of the file it came from
    kind: str = "article"  # "article" or "faq"
    url: str | None = None
    language: str = "en"
    tags: tuple[str, ...] = ()  # for search filters: the top folder of the id, front-matter or FAQ "tags"

    @property
    def content_hash(self) -> str:
        return content_hash(f"{self.title}\n{self.text}")


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: the unit that is embedded, searched and cited."""

    chunk_id: int  # signed 64-bit, from the hash of document id and text, so FAISS can use it
    doc_id: str
    title: str
    heading: str  # heading path inside the document, e.g. "Refunds > How long it takes"
    text: str
    source: str
    url: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def make_id(doc_id: str, heading: str, text: str) -> int:
        digest = hashlib.sha256(f"{doc_id}\x00{heading}\x00{text}".encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    @property
    def embedding_text(self) -> str:
        """What the embedder sees: headings give short sections their context."""
        return f"{self.heading}\n{self.text}" if self.heading else self.text

    def to_dict(self) -> dict[str, Any]:
        """Its fields (``metadata`` shared, not copied: ``dataclasses.asdict``'s deep copy took 1-3 s per save at 22,643 chunks)."""
        return dict(vars(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(**data)


@dataclass(frozen=True)
class Passage:
    """A chunk returned by a search, with its similarity score (higher is better)."""

    chunk: Chunk
    score: float
