"""The speller's remembered corrections are bounded: a server runs for weeks on one index."""

from __future__ import annotations

from itertools import islice, product

import pytest

from retrieval import spelling
from retrieval.spelling import Speller


def test_the_corrections_remembered_are_bounded_and_the_least_recently_used_go_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every word customers typed that the index lacks (names, typos, other languages) was remembered until the next
    reload: memory grew with every new word, and customers' words stayed in memory past the logs' erasure."""
    monkeypatch.setattr(spelling, "CACHE_WORDS", 50, raising=False)
    looked_up: list[str] = []
    spell = Speller(["To return an item, press Return items on the order page."], known=lambda word: looked_up.append(word) is None and False)
    words = ["".join(letters) for letters in islice(product("qxzjvk", repeat=5), 200)]  # unknown: no vowels, not indexed
    assert spell.correction("retrn") == "return"
    for word in words:
        assert spell.correction(word) is None
        assert spell.correction("retrn") == "return"  # used again and again: kept

    looked_up.clear()
    for word in words:
        spell.correction(word)
        spell.correction("retrn")

    assert looked_up == words  # each worked out again: at most 50 of them were still remembered, and "retrn" was
