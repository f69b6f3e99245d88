"""The speller on a Spanish help centre (accents put back; short Spanish words not bent into others) and on a first message most
of whose words are misspelt ("refnd", "waht paymnt methds do u acept"), which it used to leave alone."""

from __future__ import annotations

import pytest

from retrieval.spelling import Speller

SPANISH = [
    "Envíos a Portugal: el envío cuesta 9,95 € y llega en tres días. ¿Cuándo llega mi pedido? Cada pedido tiene su número.",
    "Devoluciones: las sombrillas rotas se cambian. Pago con tarjeta. Información de montaje y limpieza.",
]


def spanish() -> Speller:
    return Speller(SPANISH, languages={"es"})


@pytest.mark.parametrize(
    ("text", "corrected"),
    [
        ("cuanto cuesta el envio", "cuanto cuesta el envío"),  # accents back, "cuanto" not "cuando"
        ("informacion de envios", "información de envíos"),
        ("Envios a Portugual", "Envíos a Portugal"),  # accents back, and a long word's typo fixed
    ],
)
def test_a_spanish_message_gets_its_accents_back_and_nothing_else(text: str, corrected: str) -> None:
    assert spanish().correct(text) == corrected


@pytest.mark.parametrize("word", ["nada", "rota", "cuanto"])  # were "cada", "rotas", "cuando": English-style fixes
def test_a_one_word_spanish_message_is_not_bent_into_another_word(word: str) -> None:
    assert spanish().correct(word) == word


ENGLISH = [
    "To request a refund, return the item within 30 days. Refunds reach your card in 5 days.",
    "Payment methods we accept: card, PayPal and bank transfer. What payment method suits you?",
]
KNOWN = {"what", "do", "you", "u", "i", "my", "can", "the", "was", "wie", "lange", "dauert", "der", "versand"}


def english() -> Speller:
    return Speller(ENGLISH, known=lambda word: word in KNOWN, languages={"en"})


@pytest.mark.parametrize(
    ("text", "corrected"),
    [
        ("refnd", "refund"),
        ("retrun", "return"),
        ("waht paymnt methds do u acept", "what payment methods do u accept"),
    ],
)
def test_a_message_of_mostly_typos_is_corrected(text: str, corrected: str) -> None:
    assert english().correct(text) == corrected


@pytest.mark.parametrize("text", ["asdfgh", "Wie lange dauert der Versand?", "qwrtz plmkn"])
def test_a_message_of_words_with_no_correction_is_left_alone(text: str) -> None:
    assert english().correct(text) == text
