"""Spanish function words ("el", "de", "la", "cuál", "para") are no content words of a question: "¿Cuál es el plazo de
devolución?" counted "el" and "de" as words the refund sentence shares with it ("Devolvemos el dinero ... de pago"),
which the return window's sentence does not write."""

from __future__ import annotations

from assistant.lm.extractive import ExtractiveAnswerer, content_words
from tests.assistant.test_extractive_question_forms import SetSimilarity


def test_a_spanish_questions_content_words_are_its_own_words() -> None:
    assert content_words("¿Cuál es el plazo de devolución?") == {"plazo", "devolución"}
    assert content_words("¿Cómo puedo pagar la factura en la tienda?") == {"pagar", "factura", "tienda"}


def test_a_sentence_that_shares_only_function_words_gains_nothing_from_them() -> None:
    question = "¿Cuál es el horario de la tienda de Madrid?"
    shares_articles = "El pedido llega con el número de seguimiento de la empresa de transporte."
    shares_a_word = "Nuestra tienda abre todos los días."
    # equally close by cosine: only the words shared tell them apart
    answerer = ExtractiveAnswerer(SetSimilarity({"pedido": 0.5, "tienda": 0.5}))

    reply = answerer.answer(question, [shares_articles, shares_a_word], headings=["Información", "Información"])

    assert reply.startswith(shares_a_word), reply
    assert shares_articles not in reply
