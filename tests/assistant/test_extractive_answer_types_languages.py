"""What a Spanish, French, Italian, Portuguese or Dutch question asks (``answer_types``), and which sentences hold that
kind of answer (``ANSWER_TYPES``): a Spanish help centre's "¿cuánto tarda?" was read as asking nothing in particular, so
the close-passages clarify ran and "2-4 días laborables" was not preferred; "¿cuánto cuesta?" was no price."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.app import Assistant
from assistant.config import load_settings
from assistant.lm.extractive import ANSWER_TYPES, answer_types
from retrieval.ingest import ingest
from tests.conftest import MODEL_CACHE, prepared_model

QUESTIONS = {
    # Spanish
    "¿Cuánto tarda?": ["duration"],
    "¿cuánto tiempo tarda el envío?": ["duration"],
    "cuanto tardan en llegar los pedidos a Canarias": ["duration"],
    "¿Cuánto tiempo tengo para devolver una silla?": ["duration"],
    "¿Cuántos días tarda el reembolso?": ["duration", "count"],
    "¿Cuál es el plazo de devolución?": ["duration"],
    "¿Hasta cuándo puedo cambiar la dirección?": ["duration"],
    "¿Cuánto cuesta el envío a Canarias?": ["price"],
    "¿cuánto cuesta?": ["price"],
    "¿Qué precio tiene la recogida?": ["price"],
    "¿Cuántos años de garantía tienen las sillas?": ["duration", "count"],
    "¿Cuántas sillas caben en una caja?": ["count"],
    "¿A qué hora abrís?": ["time"],
    "¿Cuándo abre la tienda?": ["time"],
    "¿Cuál es el horario de atención al cliente?": ["time"],
    "¿Tenéis teléfono?": ["phone"],
    "¿Qué formas de pago aceptáis?": ["list"],
    # French
    "Combien de temps prend la livraison ?": ["duration"],
    "Quel est le délai de livraison ?": ["duration"],
    "Jusqu'à quand puis-je retourner un article ?": ["duration"],
    "Combien coûte la livraison ?": ["price"],
    "Quels sont les frais de port ?": ["price"],
    "À quelle heure ouvrez-vous ?": ["time"],
    "Quels sont vos horaires ?": ["time"],
    "Quel est votre numéro de téléphone ?": ["phone"],
    "Combien d'articles puis-je commander ?": ["count"],
    # Italian
    "Quanto tempo ci vuole per la consegna?": ["duration"],
    "Quanto ci vuole?": ["duration"],
    "Quali sono i tempi di consegna?": ["duration"],
    "Quanto costa la spedizione?": ["price"],
    "Qual è il prezzo del montaggio?": ["price"],
    "Qual è l'orario di apertura?": ["time"],
    "A che ora chiudete?": ["time"],
    # Portuguese
    "Quanto tempo demora a entrega?": ["duration"],
    "Quanto demora?": ["duration"],
    "Qual é o prazo de devolução?": ["duration"],
    "Quanto custa o envio para Portugal?": ["price"],
    "Qual é o horário de atendimento?": ["time"],
    "Quantos dias tenho para devolver?": ["duration", "count"],
    # Dutch
    "Hoe lang duurt de levering?": ["duration"],
    "Wat is de levertijd?": ["duration"],
    "Wat kost de verzending?": ["price"],
    "Hoeveel kost een retour?": ["price"],
    "Hoeveel stoelen zitten er in een doos?": ["count"],
    "Wat zijn jullie openingstijden?": ["time"],
    "Hoe laat gaan jullie open?": ["time"],
}

ASKS_NOTHING_OF_THESE = {
    # ordinary words: "cuánto" alone is no duration, "tiempo" is also the weather, "à l'heure" is on time, "a plazos"
    # is in instalments
    "¿Qué tiempo hace hoy en Madrid?": "duration",
    "¿Cuánto me quieres?": "duration",
    "Mon colis est-il arrivé à l'heure ?": "time",
    "¿Se puede pagar a plazos?": "duration",
    "Posso pagar a prazo?": "duration",
    "Il tempo è bello oggi?": "duration",
    "Me llamo Ana y quiero devolver una silla": "phone",
    "Hoe lang duurt de levering?": "time",
    "¿Cuándo llega mi pedido de abril?": "time",  # "abril" is no "abrís"
    "¿Me enviáis la factura por correo?": "email",  # the invoice by e-mail: an address does not answer
}


@pytest.mark.parametrize(("question", "types"), QUESTIONS.items())
def test_a_question_in_another_language_asks_its_kind_of_answer(question: str, types: list[str]) -> None:
    assert answer_types(question) == types


def test_how_much_time_asks_how_long() -> None:
    assert "duration" in answer_types("Hoeveel tijd kost de levering?")  # "kost" is also what time takes
    assert "duration" in answer_types("¿En cuánto tiempo llega?")


@pytest.mark.parametrize(("question", "kind"), ASKS_NOTHING_OF_THESE.items())
def test_ordinary_words_ask_for_no_kind_of_answer(question: str, kind: str) -> None:
    assert kind not in answer_types(question)


SENTENCES = {
    "duration": [
        "Los pedidos a la península llegan en 2-4 días laborables desde que salen del almacén.",
        "Tienes 30 días desde la entrega para devolver cualquier producto sin usar.",
        "Devolvemos el dinero en una semana.",
        "La garantía de las sillas de aluminio es de tres años.",
        "La livraison prend 3 à 5 jours ouvrés.",
        "Vous avez deux semaines pour changer d'avis.",
        "La consegna richiede 2-3 giorni lavorativi.",
        "Il rimborso arriva entro dieci giorni.",
        "A entrega demora 3 a 5 dias úteis.",
        "O reembolso é feito em duas semanas.",
        "De levering duurt 1-2 werkdagen.",
        "Je hebt 30 dagen bedenktijd.",
        "Wij versturen je bestelling binnen 24 uur.",
        "Los pedidos se envían en 24/48 h.",
        "Las tarjetas regalo no caducan.",
        "Les cartes cadeaux n'expirent jamais.",
    ],
    "price": [
        "El envío a Baleares, Canarias y Portugal cuesta 19,95 €.",
        "La recogida de una mesa o un sofá cuesta 25 euros.",
        "La recogida de una silla o una sombrilla es gratuita.",
        "El envío es gratis en pedidos de más de 120 €.",
        "Puedes cancelar un pedido sin coste mientras no haya salido del almacén.",
        "La livraison est gratuite dès 50 €.",
        "Le retour est sans frais.",
        "La spedizione è gratuita.",
        "O envio é grátis.",
        "Verzending is gratis vanaf € 20.",
        "Retourneren is kosteloos.",
    ],
    "time": [
        "Nuestro equipo atiende de lunes a viernes de 9:00 a 18:00.",
        "Atendemos de lunes a viernes de 9 a 18 h.",
        "Ouvert du lundi au vendredi, 9h-18h.",
        "Nous sommes joignables de 9 h 30 à 17 h.",
        "Siamo aperti dalle 9 alle 18.",
        "Atendemos das 9h às 18h.",
        "Wij zijn bereikbaar van 9.00 tot 17.00 uur.",
        "De klantenservice is open tot 17 uur.",
    ],
    "phone": [
        "Puedes llamarnos al 910 555 123 en el horario de atención.",
        "Appelez-nous au 01 23 45 67 89.",
        "Bel ons op +31 20 123 4567.",
    ],
}

NOT_THESE = {
    "duration": [
        "Aceptamos tarjeta de crédito o débito, PayPal, Bizum y transferencia bancaria.",
        "Los domingos está cerrado.",
    ],
    "price": [
        "A gratuity is not included.",  # an English word that begins as "gratuito"
        "Puedes pagar a plazos en 3, 6 o 12 meses sin intereses.",
    ],
    "time": [
        "Los pedidos se envían en 48 h.",  # a duration, not a time of day
        "El envío a la península cuesta 6,95 €.",
        "Le colis est arrivé à l'heure.",
        "Wij versturen je bestelling binnen 24 uur.",
    ],
}


@pytest.mark.parametrize(("kind", "sentence"), [(kind, s) for kind, sentences in SENTENCES.items() for s in sentences])
def test_a_sentence_in_another_language_holds_its_kind_of_answer(kind: str, sentence: str) -> None:
    assert ANSWER_TYPES[kind][1].search(sentence)


@pytest.mark.parametrize(("kind", "sentence"), [(kind, s) for kind, sentences in NOT_THESE.items() for s in sentences])
def test_a_sentence_without_that_kind_of_answer_holds_none(kind: str, sentence: str) -> None:
    assert not ANSWER_TYPES[kind][1].search(sentence)


GARDEN_SHOP = Path(__file__).parents[1] / "garden_shop_es"


@pytest.fixture(scope="module")
def garden_shop(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The Spanish help centre of tests/garden_shop_es, answered extractively with the packaged MiniLM."""
    prepared_model("all-minilm-l6-v2")
    settings = load_settings(data_dir=tmp_path_factory.mktemp("garden_shop"), model_cache_dir=MODEL_CACHE, device="cpu", answer_mode="extractive")
    assistant = Assistant(settings)
    ingest([GARDEN_SHOP], assistant.embedder, settings.index_dir)
    return assistant


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # asked nothing in particular, "¿cuánto tarda?" got the price of shipping, the FAQ's "Solo vendemos en línea" or
        # "which of these do you mean?" (shipping times or payment methods)
        ("¿Cuánto tarda un pedido a Portugal?", "Los pedidos a Portugal llegan en 5-7 días laborables."),
        ("¿cuánto tiempo tarda el envío?", "días laborables"),
        ("¿Cuánto cuesta devolver una silla?", "La recogida de una silla o una sombrilla es gratuita."),
        ("¿A qué hora abrís?", "de lunes a viernes de 9:00 a 18:00"),
        ("¿Cuál es vuestro teléfono?", "910 555 123"),
    ],
)
def test_a_spanish_help_centre_answers_with_the_kind_of_answer_asked(garden_shop: Assistant, question: str, answer: str) -> None:
    result = garden_shop.manager.handle(None, question)

    assert result.action == "answer" and not result.abstained, result.text
    assert answer in result.text.split(" [")[0]  # the first sentence holds it
