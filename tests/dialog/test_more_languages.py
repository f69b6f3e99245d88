"""Dutch, Italian and Portuguese messages are told apart from English, as German, French and Spanish ones are, and
their yes takes the offer of a person (probe F: "Hoeveel kost het om een fiets te huren?" got the English decline, and
"ja graag" then counted as a second failed answer)."""

from __future__ import annotations

import pytest

from dialog.nlu.rules import is_yes_in_another_language
from dialog.policies import message_language

HELP_CENTRE_WORDS = frozenset("how much does it cost to rent a bike where is my order shipping".split())


def indexed(word: str) -> bool:
    return word.lower() in HELP_CENTRE_WORDS


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hoeveel kost het om een fiets te huren?", "nl"),
        ("Waar is mijn bestelling?", "nl"),
        ("Quanto costa noleggiare una bici?", "it"),  # "una" alone read it as Spanish
        ("Dove è il mio ordine?", "it"),
        ("Quanto custa alugar uma bicicleta?", "pt"),
        ("Onde está o meu pedido?", "pt"),
        ("Was kostet der Versand?", "de"),  # the others as before
        ("Combien coûte la livraison ?", "fr"),
        ("Non, merci", "fr"),
        ("how much to rent a bike?", None),
        ("where is my order, it has been a week", None),
        ("yo come fix ur borked blendr asap", None),  # English slang: "come" is no Italian word here
        ("oi mate dove gray kettle busted", None),
    ],
)
def test_the_language_of_a_message(text: str, language: str | None) -> None:
    assert message_language(text, frozenset({"en"}), indexed) == language


@pytest.mark.parametrize("text", ["ja graag", "Ja, graag!", "ja, dank je wel", "sì, grazie", "sim, obrigado", "sí, por favor", "oui"])
def test_a_yes_in_the_customers_language(text: str) -> None:
    assert is_yes_in_another_language(text)


@pytest.mark.parametrize("text", ["yes", "no", "nee", "graag gedaan, maar nee"])
def test_no_yes(text: str) -> None:
    assert not is_yes_in_another_language(text)
