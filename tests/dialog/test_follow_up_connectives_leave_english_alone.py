"""The connectives of other languages ("y", "et", "e", "en") and their prepositions ("para", "por") read only where
they are those languages' words: in lower case (or after "¿") and before a word. In capitals they are English words
or abbreviations ("ET" the time zone, "EN" the language), "per" is English ("per item", "per day"), "por favor" asks
nothing, and a connective alone ("y", "e", "en") is no follow-up: it was rewritten to the last question."""

from __future__ import annotations

import pytest

from dialog.rewrite import is_follow_up, rewrite

DELIVERY = "how long does delivery take?"


@pytest.mark.parametrize(
    ("text", "previous"),
    [
        ("ET timezone hours?", DELIVERY),
        ("EN version available?", "do you have a printed manual?"),
        ("Per item shipping cost?", "how much is shipping to Canada?"),
        ("per day?", "how much does bike rental cost?"),
        ("por favor ayuda", "how do I return an item?"),
        ("y", DELIVERY),
        ("e", DELIVERY),
        ("en", DELIVERY),
        ("Y", DELIVERY),
        ("y?", DELIVERY),
        ("¿y?", DELIVERY),
        ("et", DELIVERY),
    ],
)
def test_an_english_message_is_no_follow_up_in_another_language(text: str, previous: str) -> None:
    assert not is_follow_up(text, previous), rewrite(text, previous)


def test_et_in_capitals_is_not_cut_from_the_question() -> None:
    assert "ET" in rewrite("ET timezone hours?", DELIVERY)


@pytest.mark.parametrize(
    ("text", "previous"),
    [
        ("¿Y a plazos?", "¿Puedo pagar con tarjeta?"),
        ("y a plazos?", "¿Puedo pagar con tarjeta?"),
        ("et par virement ?", "Puis-je payer par carte ?"),
        ("Et si je paie par PayPal ?", "Puis-je payer par carte ?"),
        ("e per l'Italia?", "Quanto costa la spedizione in Francia?"),
        ("en naar België?", "Wat kost verzending naar Duitsland?"),
        ("¿por PayPal?", "¿Puedo pagar con tarjeta?"),
        ("and?", DELIVERY),
    ],
)
def test_a_connective_in_its_own_language_still_opens_a_follow_up(text: str, previous: str) -> None:
    assert is_follow_up(text, previous)
