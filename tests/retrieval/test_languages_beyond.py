"""Languages beyond English, German, French and Spanish (probe G: a ferry operator's help centre in English and
Norwegian bokmål). Norwegian was read as French or Dutch, a Norwegian article without front matter as French or
Spanish, and spelling correction turned "fergen" into "Bergen"."""

from __future__ import annotations

import pytest

from retrieval import languages
from retrieval.documents import LANGUAGE_NAMES, detect_language
from retrieval.languages import CANDIDATES, guess, sure_language
from retrieval.spelling import Speller

NORWEGIAN_ARTICLE = (
    "Du kan ta med så mye bagasje du vil, så lenge du kan bære den selv. Store kofferter kan settes i bagasjerommet "
    "på dekk 5. Ski og sykler står på bildekket."
)


@pytest.mark.parametrize(
    "text",
    ["Jeg vil snakke med et menneske", "Kan jeg ta med hunden min på fergen?", "Hvor mye koster det å ta med bil?", NORWEGIAN_ARTICLE],
)
def test_norwegian_is_told(text: str) -> None:
    assert detect_language(text, default="", fewest=1) == "nb"
    assert detect_language(text) == "nb"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Wie lange dauert der Versand?", "de"),
        ("Vous pouvez retourner un article dans les 30 jours avec votre bon de retour.", "fr"),
        ("Puede devolver un artículo en un plazo de 30 días con su etiqueta de devolución.", "es"),
        ("Is my sailing delayed?", "en"),
        ("My blender is broken", "en"),  # the library leans to Dutch (0.42), not sure enough to say so
        ("Hei", "en"),  # one word tells nothing
        ("ok", "en"),
        ("bye bye", "en"),  # one word twice: the library said Norwegian (0.95)
    ],
)
def test_the_others_as_before(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_the_guess_is_kept_to_the_candidates() -> None:
    language, probability = guess("Jeg vil snakke med et menneske", ("en", "fr"))
    assert language in {"en", "fr"} and 0 < probability <= 1
    assert sure_language("Jeg vil snakke med et menneske", ("en", "nb")) == "nb"


def test_every_language_told_has_a_name() -> None:
    assert LANGUAGE_NAMES["nb"] == "Norwegian"
    assert all(code in LANGUAGE_NAMES for code in CANDIDATES)


def test_spelling_leaves_a_norwegian_question_alone() -> None:
    english = "Ferries to Bergen leave daily. You can take your dog on board. Kan and med are names of our ships."
    speller = Speller([english, NORWEGIAN_ARTICLE], languages={"en", "nb"})
    assert speller.correct("Kan jeg ta med hunden min på fergen?") == "Kan jeg ta med hunden min på fergen?"
    assert speller.correct("ferries to bergn") == "ferries to bergen"  # an English typo is still corrected


def test_a_servers_warm_up_loads_the_language_model_before_the_first_message(assistant, monkeypatch) -> None:
    monkeypatch.setattr(languages, "_identifier", None)  # as in a new process

    assistant.warm_up()

    assert languages._identifier is not None
