"""Follow-ups in Spanish (a Spanish shop's customers) and in French, Italian, Portuguese and Dutch: "¿y a plazos?"
after the answer on paying by card was searched alone, as a new question, where "and in instalments?" is read with
the last question. Their connectives ("y", "¿qué tal...?", "¿y si...?", "también"), their short words and the question
words that open a question of its own are read as the English and German ones are."""

from __future__ import annotations

import pytest

from answer_fakes import FirstSentence, KeywordArticles
from dialog.actions import AnswerFromKnowledgeBase
from dialog.manager import DialogManager
from dialog.rewrite import is_follow_up, names_a_topic, rewrite, searched_alone_first
from dialog.store import InMemoryStore

CARD = "¿Puedo pagar con tarjeta?"


@pytest.mark.parametrize(
    ("text", "previous"),
    [
        ("¿y a plazos?", CARD),
        ("y a plazos?", CARD),
        ("¿Y con PayPal?", CARD),
        ("¿qué tal con Bizum?", CARD),
        ("¿y qué tal a plazos?", CARD),
        ("¿y si pago con PayPal?", CARD),
        ("también con Bizum?", CARD),
        ("vale, ¿y a Canarias?", "¿Cuánto cuesta el envío a Portugal?"),
        ("¿para Canarias?", "¿Cuánto cuesta el envío a Portugal?"),
        ("¿cuánto tarda?", "¿Hacéis envíos a Portugal?"),
        ("¿y cuánto cuesta eso?", "¿Hacéis envíos a Portugal?"),
        ("et en plusieurs fois ?", "Puis-je payer par carte ?"),
        ("qu'en est-il de PayPal ?", "Puis-je payer par carte ?"),
        ("e a rate?", "Posso pagare con la carta?"),
        ("e em prestações?", "Posso pagar com cartão?"),
        ("en met iDEAL?", "Kan ik met een creditcard betalen?"),
    ],
)
def test_a_follow_up_in_another_language_is_read_with_the_last_question(text: str, previous: str) -> None:
    assert is_follow_up(text, previous)


def test_a_spanish_variation_keeps_the_last_question() -> None:
    assert rewrite("¿y a plazos?", CARD) == "¿Puedo pagar con tarjeta: a plazos?"


def test_a_spanish_question_of_its_own_leads_and_is_searched_alone_first() -> None:
    text, previous = "¿y cuánto tarda el reembolso?", CARD

    assert rewrite(text, previous) == "cuánto tarda el reembolso (¿Puedo pagar con tarjeta)?"
    assert searched_alone_first(text, previous) == "cuánto tarda el reembolso?"


@pytest.mark.parametrize("text", ["¿cuánto tarda?", "¿cuánto cuesta eso?", "¿y cuándo llega?", "¿es posible?"])
def test_spanish_short_words_name_no_topic(text: str) -> None:
    assert not names_a_topic(text)


@pytest.mark.parametrize(
    ("text", "previous"),
    [
        ("¿Cómo limpio la lona de la sombrilla?", CARD),
        ("Quiero devolver una mesa", CARD),
        ("¿Hacéis envíos a Canarias?", CARD),
        ("e-mail confirmation not received", "how do I pay by card?"),
        ("y is my parcel late?", "how do I pay by card?"),
        ("a refund please", "how do I pay by card?"),
        ("O pedido chegou partido", "Posso pagar com cartão?"),
        ("Dan from accounts here, how do I add a user?", "how do I pay by card?"),
    ],
)
def test_a_new_question_is_no_follow_up(text: str, previous: str) -> None:
    assert not is_follow_up(text, previous)


# searched alone, "plazos" finds the assembly times first (a tie, in this order)
PAYMENTS = {
    "montaje/plazos": ("Los plazos de montaje son de dos semanas.", ("plazos",)),
    "pagos/tarjeta": ("Aceptamos tarjetas Visa y Mastercard al pagar el pedido.", ("tarjeta",)),
    "pagos/plazos": ("Con tarjeta puedes pagar a plazos en 3 meses sin intereses.", ("plazos", "tarjeta")),
}


def test_y_a_plazos_after_paying_by_card_is_searched_with_the_card() -> None:
    articles = KeywordArticles(PAYMENTS)
    manager = DialogManager(
        InMemoryStore(), AnswerFromKnowledgeBase(articles, None, top_k=3, min_score=0.35, max_new_tokens=8, extractive=FirstSentence())
    )
    first = manager.handle(None, CARD)
    then = manager.handle(first.session_id, "¿y a plazos?")

    assert [s["doc_id"] for s in then.cited_sources][:1] == ["pagos/plazos"], (then.text, articles.queries)
