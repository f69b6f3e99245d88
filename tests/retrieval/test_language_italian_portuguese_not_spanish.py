"""Italian and Portuguese messages are not told Spanish (nor French) by the short words they share with them.

Spanish's common words ("un", "con", "la", "mi") are Italian and Portuguese words too: "un problema con la consegna"
was told Spanish, so a Spanish help centre answered an Italian customer in Spanish and an English one did not say
which language it answers in."""

from __future__ import annotations

import pytest

from retrieval.documents import detect_language


@pytest.mark.parametrize(
    ("text", "fewest", "language"),
    [
        ("un problema con la consegna", 2, "it"),
        ("ho un problema con la mia carta", 2, "it"),
        ("Sei un bot?", 1, "it"),
        ("sim, por favor", 1, "pt"),
    ],
)
def test_italian_and_portuguese_with_spanish_words_are_not_spanish(text: str, fewest: int, language: str) -> None:
    assert detect_language(text, default="", fewest=fewest) == language


@pytest.mark.parametrize(
    "text",
    [
        "estado de mi pedido",  # the library's guess, Portuguese, is too weak (0.57) to overrule "mi"
        "tengo un problema con mi pedido",
        "¿Sei un bot?",  # ¿ is Spanish's alone
    ],
)
def test_spanish_the_library_is_unsure_of_stays_spanish(text: str) -> None:
    assert detect_language(text, default="", fewest=1) == "es"
