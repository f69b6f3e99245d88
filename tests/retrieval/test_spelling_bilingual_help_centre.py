"""Typo fixes for a help centre in both Spanish and English: the retriever's speller is told each indexed text's
language, so a Spanish message's typos are corrected from the Spanish articles' words (it was told only the set of
languages, and a help centre of several then corrected no Spanish typo at all)."""

from __future__ import annotations

import pytest

from retrieval.embedders import HashEmbedder
from retrieval.ingest import ingest
from retrieval.retriever import Retriever
from retrieval.spelling import Speller

ARTICLES = {
    "es/envios.md": "# Envíos a Portugal\n\nEnviamos a Portugal continental en tres días laborables. El envío cuesta "
    "9,95 € por pedido. Las instrucciones de montaje llegan en la caja con cada mesa.\n",
    "es/pagos.md": "# Pago con tarjeta\n\nAceptamos tarjetas Visa y Mastercard, Bizum y transferencia. La devolución "
    "del importe llega en cinco días laborables después de recibir el paquete.\n",
    "en/shipping.md": "# Shipping to Portugal\n\nWe ship to mainland Portugal within three business days. Shipping costs "
    "9.95 per order. The assembly instructions come in the box with every table.\n",
    "en/payments.md": "# Paying by card\n\nWe accept Visa and Mastercard cards, Bizum and bank transfer. Refunds reach "
    "your account within five business days after we receive the parcel.\n",
}


class EnglishTokens(HashEmbedder):
    """The fake embedder with an English tokenizer's vocabulary: a few short and English words are one token."""

    def count_tokens(self, text: str) -> int:
        one = {"a", "el", "la", "de", "y", "no", "how", "long", "does", "take", "to", "we", "ship", "do", "you"}
        return sum(1 if word.lower() in one else 2 for word in text.split())


@pytest.fixture(scope="module")
def speller(tmp_path_factory: pytest.TempPathFactory) -> Speller:
    """The speller of an index of the Spanish and English articles (each article's language guessed at ingest)."""
    folder = tmp_path_factory.mktemp("shop")
    for name, text in ARTICLES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("index")
    ingest([folder], EnglishTokens(), index_dir)
    return Retriever(EnglishTokens(), index_dir).speller()


def test_the_index_holds_both_languages(speller: Speller) -> None:
    assert {"es", "en"} <= speller.languages


@pytest.mark.parametrize(
    ("text", "corrected"),
    [
        ("¿hacéis envíos a portugual?", "¿hacéis envíos a portugal?"),
        ("¿aceptais tarjetass Mastercard?", "¿aceptais tarjetas Mastercard?"),
        ("¿cuándo llega la devolucion por transferensia?", "¿cuándo llega la devolución por transferencia?"),
    ],
)
def test_a_spanish_typo_is_corrected_from_the_spanish_articles(speller: Speller, text: str, corrected: str) -> None:
    assert speller.correct(text) == corrected


def test_an_english_typo_is_still_corrected(speller: Speller) -> None:
    assert speller.correct("how long does shippinng take to portugual?") == "how long does shipping take to portugal?"
