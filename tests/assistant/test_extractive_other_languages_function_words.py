"""French, Italian, Portuguese and Dutch function words ("le", "di", "o", "het") are no content words of a question,
as the Spanish and German ones: "Quel est le délai de livraison ?" counted "le" and "de" as words a sentence shares
with it. Words that English writes too ("van", "me", "son", "die", "per", "con", "met", "est",
"comment") stay content words."""

from __future__ import annotations

import pytest

from assistant.lm.extractive import content_words


@pytest.mark.parametrize(
    ("question", "own_words"),
    [
        ("Quel est le délai de livraison pour la Belgique ?", {"est", "délai", "livraison", "belgique"}),
        ("Comment puis-je payer avec une carte ?", {"comment", "payer", "carte"}),
        ("Qual è il costo di spedizione della borsa?", {"costo", "spedizione", "borsa"}),
        ("Quanto tempo ci vuole per il rimborso?", {"tempo", "vuole", "per", "rimborso"}),
        ("Qual é o prazo de entrega do pedido?", {"prazo", "entrega", "pedido"}),
        ("Como posso pagar a fatura na loja?", {"pagar", "fatura", "loja"}),
        ("Wat is de levertijd van het pakket?", {"levertijd", "van", "pakket"}),
        ("Hoe kan ik mijn pakket terugsturen?", {"pakket", "terugsturen"}),
    ],
)
def test_a_questions_content_words_are_its_own_words(question: str, own_words: set[str]) -> None:
    assert content_words(question) == own_words


def test_english_words_of_the_same_spelling_stay_content_words() -> None:
    assert content_words("van hire per day for my son") == {"van", "hire", "per", "day", "son"}
