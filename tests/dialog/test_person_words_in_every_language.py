"""A message the intent model reads as a request for a person that names a shop subject and no person nor a way of
reaching one is answered (HandoffPolicy's exception for "can i borrow a laptop"). The person words were English and a
few German, so "¿puedo hablar con alguien sobre mi pedido?" (naming "pedido") was answered instead of handed over, in
every language the take-back tables of dialog/handoff_cancel.py know but English and German."""

from __future__ import annotations

import pytest

from dialog.business_rules import BusinessRules
from dialog.handoff_cancel import TAKE_BACKS
from dialog.nlu.base import Understanding
from dialog.policies import HandoffPolicy
from dialog.tracker import Tracker

# the shop's subjects in each language of the help centre
RULES = BusinessRules(shop_subjects=(
    "order", "laptop", "password", "Bestellung", "Passwort", "commande", "mot de passe", "pedido", "contraseña", "ordine",
    "encomenda", "senha", "bestelling", "wachtwoord", "bestilling", "passord",
))
HUMAN = Understanding("human", 0.58, (("human", 0.58),), source="classifier")

ASKS_FOR_A_PERSON = [
    ("en", "can I ring someone about my order"),
    ("en", "phone a person about my password"),
    ("de", "Kann ich einen Berater wegen meiner Bestellung sprechen?"),
    ("de", "Bitte verbinden Sie mich mit dem Kundendienst, Bestellung kaputt"),
    ("fr", "je voudrais parler à quelqu'un de ma commande"),
    ("fr", "pouvez-vous m'appeler au sujet de ma commande ?"),
    ("fr", "un conseiller peut-il m'aider avec mon mot de passe ?"),
    ("es", "¿puedo hablar con alguien sobre mi pedido?"),
    ("es", "llámame por mi pedido, por favor"),
    ("es", "quiero un asesor para mi contraseña"),
    ("it", "posso parlare con qualcuno del mio ordine?"),
    ("it", "un operatore mi può chiamare per l'ordine?"),
    ("pt", "posso falar com alguém sobre a minha encomenda?"),
    ("pt", "um atendente pode me ligar sobre a encomenda?"),
    ("nl", "kan ik iemand spreken over mijn bestelling?"),
    ("nl", "bel me terug over mijn bestelling, een medewerker graag"),
    ("nb", "kan jeg snakke med en rådgiver om en bestilling?"),
    ("nb", "kan dere ringe meg om min bestilling?"),
]


@pytest.mark.parametrize("language, text", ASKS_FOR_A_PERSON)
def test_a_person_named_in_the_customers_language_is_handed_over(language: str, text: str) -> None:
    prediction = HandoffPolicy(RULES).predict(Tracker("s"), HUMAN, text)

    assert prediction is not None and prediction.action == "handoff", text


@pytest.mark.parametrize("text", [
    "can i borrow a laptop",
    "me llamo Ana, ¿dónde está mi pedido?",  # "llamo": my name is, no call
    "mi chiamo Marco, dov'è il mio ordine?",
    "har dere noen rabatter på bestilling?",  # "noen": any, nobody to talk to
    "où est ma commande ?",
    "wo ist meine Bestellung?",
    "waar is mijn bestelling?",
])
def test_a_shop_question_without_a_person_is_still_answered(text: str) -> None:
    assert HandoffPolicy(RULES).predict(Tracker("s"), HUMAN, text) is None


def test_every_language_of_the_take_back_tables_has_person_words() -> None:
    from dialog.policies import PERSON_WORDS

    assert set(PERSON_WORDS) == set(TAKE_BACKS)
