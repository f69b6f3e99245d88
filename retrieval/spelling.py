"""Spelling correction of a query against the knowledge base's own words.

A customer's typo ("retrn", "custmer", "suport", "pasword") is a word that no article contains, and the
embedder reads it as a few meaningless pieces, so a question the help centre answers scores too low and
is declined. Before a search, each word of the query that is

- not a word of the indexed text, and
- not a word the embedder knows (``known``: one token of its tokenizer, as "germany" or "klarna" would
  be for a tokenizer that has them),

is replaced by the indexed word closest in spelling (a German word typed with ae, oe, ue or ss, or a, o, u, for ä,
ö, ü or ß, "Rueckgabe", "Strasse", "Rucksendung", and a Spanish one typed without its accents, "envio", by the
indexed word so spelt): at most one edit (a letter added, dropped or changed, or two neighbours swapped) for a word
of 4 to 7 letters, two for a longer one; among equally close words, the one the index uses most. A message with more
unknown words (none an indexed word, the embedder's, or a misspelling of an indexed word) than others is taken for
another language and left alone, as is one that reads as a language none of the indexed texts is in
(``retrieval.documents.likely_language``); one that reads as another language than English which the indexed texts
are in (a German or Spanish question to a German, Spanish or bilingual help centre) gets its ä, ö, ü and ß, or its
accents, back, and no other edit of a word under 8 letters: the edits would turn a German word into another form of it
("erstelle": "erstellen") or into a word of the English articles ("viel": "vies"), a Spanish one into another
("cuanto": "cuando", "nada": "cada", "perdido": "pedido"). A Spanish word of 8 letters or more ("portugual",
"instruciones") is corrected to the word of the Spanish texts one edit away, accents aside, unless it is a form of it
(``Speller.correction_in``).
Words of under 4 letters ("wen", "ur"), anything with digits or symbols (order numbers, e-mail addresses), and a
word with no indexed word close enough stay as they are, so a name the help centre does not know ("Klarna") is not turned into one it does.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from functools import partial
from itertools import repeat

import Stemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from retrieval.documents import detect_language, likely_language
from retrieval.embedders import text_digest

_LETTER = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"  # Latin letters, accented ones too ("ö", "ß", "é"), not CJK
_INDEXED_WORD = re.compile(rf"[{_LETTER}]+(?:['’][{_LETTER}]+)?")
_TOKEN = re.compile(r"\S+")
_CORE = re.compile(rf"^([^{_LETTER}]*)([{_LETTER}]+)([^{_LETTER}]*)$")  # a word with punctuation around it, nothing inside
_VOWELS = "aeiouäöüàáâéèêëíìîïóòôúùû"
# German typed without its letters, Spanish without its accents ("envio": "envío")
_FOLDS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "á": "a", "é": "e", "í": "i", "ó": "o", "ú": "u", "ñ": "n"}
)
_BARE_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u"})  # German typed with a, o, u for ä, ö, ü ("Rucksendung")
SHORTEST = 4  # shorter words are left alone: too many real words are one edit apart
TWO_EDITS_FROM = 8  # words of this many letters or more may be two edits from the indexed word
# the corrections of unindexed words remembered (least recently used go first beyond that), each by the word's
# ``text_digest``: every word a customer ever typed was kept until the next reload, and customers' names (by the word
# itself, until pushed out) past their erasure
CACHE_WORDS = 10_000
MOST_UNKNOWN = 0.5  # a message with more of its words unknown than this is left as it is: another language
# languages whose messages get typos fixed, not only accents back (``Speller.correction_in``), with their stemmers
_STEMMERS = {"es": Stemmer.Stemmer("spanish")}
TYPO_LANGUAGES = frozenset(_STEMMERS)
LONG_WORD = 8  # a Spanish word's typo is fixed from this many letters: shorter ones are often another real word


def _unaccented(word: str) -> str:
    """``word`` without its accents, ä, ö, ü and ß spelt out (as ``_FOLDS``)."""
    return word.translate(_FOLDS)


def _forms(word: str) -> list[str]:
    """An indexed word as a customer may type it: a contraction ("don't") also without its apostrophe."""
    parts = re.split(r"['’]", word)
    return parts + ["".join(parts)] if len(parts) > 1 else parts


def _looks_mashed(word: str) -> bool:
    """Under a quarter of the letters vowels ("sdfsdf", "qwerty"), or a letter three times running ("jjjj")."""
    lower = word.lower()
    return sum(char in _VOWELS for char in lower) * 4 < len(lower) or re.search(r"(.)\1\1", lower) is not None


class Speller:
    """Corrects the words of a query that neither the indexed ``texts`` nor ``known`` know."""

    def __init__(
        self,
        texts: Iterable[str],
        known: Callable[[str], bool] | None = None,
        languages: Iterable[str] | None = None,
        text_languages: Iterable[str] | None = None,
    ) -> None:
        """``languages``: those of the indexed texts (the chunks' ``language``); ``text_languages``: each text's, in
        their order; both left out, each text's is guessed. A Spanish message's typos are corrected from the words of
        the texts in Spanish, so only where they are known: every text, when the help centre is in one language."""
        if text_languages is None and languages is None:
            texts = list(texts)
            text_languages = [detect_language(text) for text in texts]
        elif text_languages is not None:
            text_languages = list(text_languages)
        self.languages = frozenset(languages if languages is not None else text_languages or ())
        # the words of the texts in each language whose typos are corrected (``TYPO_LANGUAGES``): every text's in a help
        # centre of one language; in one of several, those of the texts known to be in it
        several = len(self.languages) > 1
        self.counts: Counter[str] = Counter()
        self.words_in: dict[str, Counter[str]] = {
            language: Counter() if several else self.counts
            for language in TYPO_LANGUAGES & self.languages
            if not several or text_languages is not None
        }
        for text, language in zip(texts, text_languages if several and text_languages is not None else repeat("")):
            # "don't" is indexed as "don", "t" and "dont": a contraction typed without its apostrophe is no typo
            forms = [form for word in _INDEXED_WORD.findall(text.lower()) for form in _forms(word)]
            self.counts.update(forms)
            if language in self.words_in:
                self.words_in[language].update(forms)
        self.by_length: dict[int, list[str]] = defaultdict(list)
        for word in self.counts:
            if len(word) >= SHORTEST - 1:
                self.by_length[len(word)].append(word)
        # "rueckgabe", "rucksendung", "strasse", "envio": an indexed word with ä, ö, ü, ß or a Spanish accent as typed
        # without them (the commonest wins)
        self.folded: dict[str, str] = {}
        for word, _ in self.counts.most_common():
            for folded in (word.translate(_FOLDS), word.translate(_BARE_UMLAUTS).translate(_FOLDS)):
                if folded != word:  # only words that have such letters
                    self.folded.setdefault(folded, word)
        self.known = known or (lambda word: False)
        # the word's digest -> its correction (an indexed word, or None); least recently used first. Not
        # functools.lru_cache on a method: that makes a reference cycle, which a server that froze its start-up
        # objects (gc.freeze) never frees after a reload
        self._cache: dict[bytes, str | None] = {}
        self._cache_lock = threading.Lock()

    def correction(self, word: str) -> str | None:
        """The indexed word ``word`` is a misspelling of (lower case), or None when it is none."""
        lower = word.lower()
        if len(lower) < SHORTEST or lower in self.counts:
            return None
        if lower in self.folded:
            return self.folded[lower]
        key = text_digest(lower)
        with self._cache_lock:
            if key in self._cache:
                self._cache[key] = found = self._cache.pop(key)  # now the most recently used
                return found
        found = None if self.known(lower) else self._closest(lower)
        with self._cache_lock:
            self._cache[key] = found
            while len(self._cache) > CACHE_WORDS:
                del self._cache[next(iter(self._cache))]
        return found

    def _closest(self, word: str) -> str | None:
        """The indexed word fewest edits away (insert, delete, substitute, swap two neighbours: rapidfuzz's
        optimal string alignment distance), within the limit for its length; the commonest among ties."""
        limit = 2 if len(word) >= TWO_EDITS_FROM else 1
        candidates = [c for length in range(len(word) - limit, len(word) + limit + 1) for c in self.by_length.get(length, ())]
        close = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=limit, limit=None)
        if not close:
            return None
        return min(close, key=lambda found: (found[1], -self.counts[found[0]], found[0]))[0]

    def correction_in(self, word: str, language: str) -> str | None:
        """The correction of ``word`` in a message in ``language`` (not English): its accents, ä, ö, ü or ß back
        (``respelt``); for a language of ``TYPO_LANGUAGES`` whose texts are known (``words_in``), a word of
        ``LONG_WORD`` letters or more that is neither indexed nor known is also corrected to the word of those texts
        one edit away, accents aside ("portugual": "portugal", "devolucioness": "devoluciones"), unless that word is a
        form of it (the same Snowball stem: "recibido", "recibida"). Shorter words are too often another real word
        ("perdido", "pedido"; "hago", "pago"; "cuanto", "cuando"), which the speller has no dictionary to tell."""
        respelt = self.respelt(word)
        lower = word.lower()
        words = self.words_in.get(language)
        if respelt is not None or words is None or len(lower) < LONG_WORD or lower in self.counts or self.known(lower):
            return respelt
        key = text_digest(f"{language}:{lower}")
        with self._cache_lock:
            if key in self._cache:
                self._cache[key] = found = self._cache.pop(key)
                return found
        found = self._closest_in(lower, words, _STEMMERS[language])
        with self._cache_lock:
            self._cache[key] = found
            while len(self._cache) > CACHE_WORDS:
                del self._cache[next(iter(self._cache))]
        return found

    @staticmethod
    def _closest_in(word: str, words: Counter[str], stemmer: Stemmer.Stemmer) -> str | None:
        """The word of ``words`` one edit from ``word`` with their accents left out, the commonest among ties; None
        when there is none, or it has the stem of ``word``."""
        candidates = [c for c in words if abs(len(c) - len(word)) <= 1]
        close = process.extract(word, candidates, scorer=OSA.distance, processor=_unaccented, score_cutoff=1, limit=None)
        if not close:
            return None
        found = min(close, key=lambda match: (match[1], -words[match[0]], match[0]))[0]
        return None if stemmer.stemWord(found) == stemmer.stemWord(word) else found

    def respelt(self, word: str) -> str | None:
        """The indexed word ``word`` is typed without its ä, ö, ü, ß or accents for ("Rueckgabe": "rückgabe"), or None."""
        lower = word.lower()
        return None if lower in self.counts else self.folded.get(lower)

    def is_unknown(self, word: str) -> bool:
        """Neither an indexed word nor one the embedder knows."""
        lower = word.lower()
        return lower not in self.counts and lower not in self.folded and not self.known(lower)

    def is_keyboard_mashing(self, text: str) -> bool:
        """Whether ``text`` is keyboard mashing ("asdfgh", "sdfsdf lkjlkj"), which no search can make sense of:
        it has words, no digits (an order number, an amount), and each word is unknown (not indexed, not known
        to the embedder, no misspelling of an indexed word) and looks mashed: under a quarter of its letters
        vowels, or one letter three times in a row. A real word the help centre and the embedder lack
        ("warranty") has its vowels, and is searched and declined as any question."""
        words = self._words(text)
        if not words or any(char.isdigit() for char in text):
            return False
        return all(_looks_mashed(word) and self.is_unknown(word) and self.correction(word) is None for word in words)

    @staticmethod
    def _words(text: str) -> list[str]:
        """The words of ``text``: letters only, punctuation around them dropped (no order numbers or addresses)."""
        return [core.group(2) for core in (_CORE.match(token) for token in _TOKEN.findall(text)) if core is not None]

    def correct(self, text: str) -> str:
        """``text`` with its misspelt words replaced; everything else, spacing and punctuation included, kept.
        A message most of whose words are unknown, or one in a language none of the indexed texts is in ("Versand
        nach Deutschland, was kostet das?" to an English help centre), is left alone, rather than bent into the
        help centre's words ("nach" is not a typo of "each")."""
        words = self._words(text)
        # unknown: not indexed, not known, and no misspelling of an indexed word ("refnd" is one of "refund"), so a first
        # message of typos ("waht paymnt methds") is corrected
        unknown = sum(self.is_unknown(word) and self.correction(word) is None for word in words)
        if not words or unknown > MOST_UNKNOWN * len(words):
            return text
        language = likely_language(text, self.languages)
        if language not in {"", *self.languages}:
            return text
        # a message in German (French, ...) gets only its ä, ö, ü, ß or accents back: within one edit of its words are
        # other forms of them ("erstelle", "erstellen") and the other language's words ("viel", the English article's
        # "VIES"); a Spanish one its long words' typos fixed too (``correction_in``)
        correction = self.correction if language in {"", "en"} else partial(self.correction_in, language=language)

        def fix(match: re.Match[str]) -> str:
            token = match.group(0)
            core = _CORE.match(token)
            if core is None:
                return token
            before, word, after = core.groups()
            corrected = correction(word)
            if corrected is None:
                return token
            if word[0].isupper():  # "Rueckgabe" -> "Rückgabe": a cased embedder reads a German noun better capitalised
                corrected = corrected[0].upper() + corrected[1:]
            return f"{before}{corrected}{after}"

        return _TOKEN.sub(fix, text)
