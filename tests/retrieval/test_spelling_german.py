"""Spelling correction of German questions to a help centre in English and German (retrieval.spelling): the edits
that fix an English typo bent German words into the English articles' words or into other forms of themselves."""

from __future__ import annotations

from retrieval.spelling import Speller

ENGLISH = [
    "Ledgerly checks your customer's VAT number against VIES before it creates the invoice.",
    "To return an item, press Return items on the order page.",
]
GERMAN = [
    "So erstellen Sie eine Rechnung: Öffnen Sie Rechnungen und wählen Sie Neue Rechnung.",
    "Der Business-Tarif kostet 29 Euro im Monat. Die Rückgabe ist kostenlos.",
]


# words the embedder's tokenizer holds whole (never corrected); "viel" and "erstelle" are not among them
KNOWN = {"how", "do", "an", "is", "my", "wie", "ich", "ist"}


def bilingual() -> Speller:
    return Speller([*ENGLISH, *GERMAN], known=lambda word: word in KNOWN, languages={"en", "de"})


def test_german_words_are_not_bent_into_other_words() -> None:
    spell = bilingual()

    assert spell.correct("Wie viel kostet der Business-Tarif?") == "Wie viel kostet der Business-Tarif?"  # not "vies"
    assert spell.correct("Wie erstelle ich eine Rechnung?") == "Wie erstelle ich eine Rechnung?"  # not "erstellen"


def test_german_still_gets_its_umlauts_and_english_its_corrections() -> None:
    spell = bilingual()

    assert spell.correct("Ist die Rueckgabe kostenlos?") == "Ist die Rückgabe kostenlos?"
    assert spell.correct("how do I retrn an item?") == "how do I return an item?"
    assert spell.correct("is my VAT numbr checked?") == "is my VAT number checked?"
