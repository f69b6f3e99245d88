"""Typo fixes for a Spanish help centre (a Spanish shop's customers): a message told Spanish got its accents back but
no typo fixed ("portugual", "instruciones"), where an English one is corrected from the index's own words. Long words
are corrected now, within one edit of a word of the Spanish articles, accents aside; the real Spanish words one edit
from the help centre's ("perdido" and "pedido", "hago" and "pago", "cuanto" and "cuando") and other forms of its
words ("limpio", "limpie") stay as typed, and an English word of the articles is no correction of a Spanish one."""

from __future__ import annotations


import pytest

from retrieval.embedders import HashEmbedder
from retrieval.ingest import ingest
from retrieval.retriever import Retriever
from retrieval.spelling import Speller

# a small Spanish help centre (garden furniture), as Markdown articles
ARTICLES = {
    "envios/portugal.md": "# Envíos a Portugal\n\nEnviamos a Portugal continental en tres días laborables. El envío cuesta "
    "9,95 € por pedido. ¿Cuándo llega mi pedido? Recibirás el número de seguimiento por correo.\n",
    "montaje/instrucciones.md": "# Instrucciones de montaje\n\nLas mesas llegan desmontadas con las instrucciones de montaje "
    "en la caja. Si las pierdes, descarga las instrucciones desde tu cuenta. Limpie la lona con agua y jabón neutro. Cada sombrilla lleva su funda: las sombrillas se guardan plegadas.\n",
    "pagos/tarjeta.md": "# Pago con tarjeta\n\nAceptamos tarjetas Visa y Mastercard, Bizum y transferencia. Puedes pagar a "
    "plazos con tarjeta. La devolución del importe llega en cinco días.\n",
}


class EnglishTokens(HashEmbedder):
    """The fake embedder with an English tokenizer's vocabulary: a few English and short words are one token, none of
    the Spanish words (as the demo's MiniLM)."""

    def count_tokens(self, text: str) -> int:
        return sum(1 if word.lower() in {"a", "el", "la", "de", "y", "no", "he", "mastercard"} else 2 for word in text.split())


@pytest.fixture(scope="module")
def speller(tmp_path_factory: pytest.TempPathFactory) -> Speller:
    """The speller of an index built from the Spanish articles (their language guessed at ingest)."""
    folder = tmp_path_factory.mktemp("tienda")
    for name, text in ARTICLES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("index")
    ingest([folder], EnglishTokens(), index_dir)
    return Retriever(EnglishTokens(), index_dir).speller()


@pytest.mark.parametrize(
    ("text", "corrected"),
    [
        ("¿hacéis envíos a portugual?", "¿hacéis envíos a portugal?"),
        ("He perdido las instruciones de la mesa", "He perdido las instrucciones de la mesa"),
        ("¿aceptais tarjetass Mastercard?", "¿aceptais tarjetas Mastercard?"),
        ("cuanto tarda la devolucion por transferensia", "cuanto tarda la devolución por transferencia"),
        ("tienen sombrilas?", "tienen sombrillas?"),
    ],
)
def test_a_spanish_typo_is_corrected_from_the_help_centres_words(speller: Speller, text: str, corrected: str) -> None:
    assert speller.correct(text) == corrected


@pytest.mark.parametrize(
    "text",
    [
        "He perdido el número de seguimiento",  # "perdido" is no "pedido"
        "Quiero devolver una mesa, como lo hago?",  # "hago" is no "pago"
        "como limpio la lona?",  # "limpio" is no "limpie"
        "cuanto cuesta?",  # "cuanto" is no "cuando"
        "la mesa llegó rota y no sirve para nada",
        "¿puedo pagar con tarjeta a plazos?",  # as the articles spell them
        "¿tienen tiendas físicas?",  # "tiendas" is no typo of an indexed word's
        "¿la devolución se hace por transferencia?",
    ],
)
def test_real_spanish_words_stay_as_typed(speller: Speller, text: str) -> None:
    assert speller.correct(text) == text


def test_a_spanish_word_is_not_corrected_into_an_english_word_of_a_bilingual_help_centre() -> None:
    texts = [
        ("Returns: send the parcel back within 30 days. Shipping to Portugal takes three days.", "en"),
        ("Devoluciones: envía el paquete en 30 días. Envíos a Portugal en tres días.", "es"),
    ]
    english = {"how", "long", "does", "take", "to"}  # the tokenizer's words
    speller = Speller([text for text, _ in texts], known=english.__contains__, text_languages=[language for _, language in texts])

    assert speller.correct("¿cuánto tarda el shippinga a Portugal?") == "¿cuánto tarda el shippinga a Portugal?"
    assert speller.correct("¿hacéis devolucioness a portugual?") == "¿hacéis devoluciones a portugal?"
    assert speller.correct("how long does shippinga take to portugual?") == "how long does shipping take to portugal?"
