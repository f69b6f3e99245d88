"""Documents and chunks with stable ids derived from their content."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from retrieval.languages import SURE, guess

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
    # "la", "un" are French words too (a tie the language identification breaks: "cuéntame un chiste"); the question
    # words without their accents as customers type them ("cuanto cuesta el envio"), not "como" (Portuguese too)
    "es": frozenset("el la lo los las un una y es que qué en para con por su sus se del al usted puede mi mis muy pero "
                    "hay cómo cuánto cuanto cuánta cuanta cuántos cuantos dónde donde cuándo cuando".split()),
}
# letters and marks of Spanish alone among the languages told: each counts as one of its common words ("¿Envían a
# Canarias?", "España")
_SPANISH_MARKS = re.compile("[¿¡ñÑ]")
# languages whose short words are Spanish's and French's too: a text the library takes for one of them, likely if not
# sure (``_LIKELY``), is in it, not in the language its words were counted for ("un problema con la consegna": "un",
# "con", "la" are Italian, 0.67); a weaker guess is not taken ("estado de mi pedido" is Spanish, Portuguese at 0.57)
_SHARES_WORDS = frozenset({"it", "pt"})
_LIKELY = 0.6
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
    or ``es`` by their common short words ("und", "ist", "der"; Spanish's ¿, ¡ and ñ count as such words), of which
    the text needs at least ``fewest`` (a short message that is known to be in another language may have one: "Was
    kostet der Versand?") and twice as many as English's ("the", "and", "is"): the language the library is sure of
    among those that have them (the Spanish "que peso tiene que tener la base para la sombrilla" has as many French
    words, "que", "la"), else Italian or Portuguese when the library takes the text for one of them (``_SHARES_WORDS``:
    "un problema con la consegna" has Spanish's "un", "con", "la"), else the one with the most, two tied for the most
    told apart by the library's likeliest of them, sure or not ("cuéntame un chiste": "un" is French and Spanish);
    else ``default``."""
    sample = text[:2000]
    letters = len(_LETTER.findall(sample)) or 1
    if len(_KANA.findall(sample)) / letters >= 0.05:
        return "ja"
    if len(_HANGUL.findall(sample)) / letters >= 0.2:
        return "ko"
    if len(_HAN.findall(sample)) / letters >= 0.2:
        return "zh"
    likeliest, probability = guess(sample)
    sure = likeliest if probability >= SURE else ""
    if sure and sure not in _FUNCTION_WORDS:  # "et" is French, "Jeg vil snakke med et menneske" Norwegian
        return sure
    words = [word.lower() for word in _WORDS.findall(sample)]
    counts = {language: sum(word in common for word in words) for language, common in _FUNCTION_WORDS.items()}
    counts["es"] += len(_SPANISH_MARKS.findall(sample))
    told = [language for language in ("de", "fr", "es") if counts[language] >= fewest and counts[language] >= 2 * counts["en"]]
    if sure in told:
        return sure
    if told and likeliest in _SHARES_WORDS and probability >= _LIKELY and not _SPANISH_MARKS.search(sample):
        return likeliest
    most = max((counts[language] for language in told), default=0)
    leaders = [language for language in told if counts[language] == most]
    if len(leaders) == 1:
        return leaders[0]
    return likeliest if likeliest in leaders else default


def likely_language(text: str, languages: Collection[str]) -> str:
    """The language ``text`` most likely is in, for a help centre written in ``languages``: ``detect_language``'s,
    when it tells one; else the library's likeliest of ``languages`` and English, sure or not (a short message of few
    common words: "no me ha servido de nada" is Spanish, "Hello, do you have a shop in Madrid?" English); else, for a
    single word, the help centre's one language ("nada" to a help centre in Spanish); else "" (unknown)."""
    told = detect_language(text, default="")
    if told or not languages:
        return told
    likeliest, _ = guess(text, {*languages, "en"})
    if likeliest:
        return likeliest
    return next(iter(languages)) if len(languages) == 1 else ""


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
