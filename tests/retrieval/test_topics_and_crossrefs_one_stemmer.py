"""The topic check and the cross-references stem as retrieval.stems does (one stemmer): a four-letter plural
("fees", "cars") is its singular in the topic check too."""

from __future__ import annotations

import pytest

from retrieval.crossrefs import resolve
from retrieval.stems import stem
from retrieval.topics import agrees, topic_words


@pytest.mark.parametrize("word", ["fees", "cars", "refunds", "tracking", "shipping", "address", "status", "less"])
def test_the_topic_check_reads_a_word_as_its_light_stem(word: str) -> None:
    assert topic_words(word) == topic_words(stem(word, light=True))


def test_a_four_letter_plural_agrees_with_its_singular() -> None:
    assert topic_words("delivery fees") == topic_words("delivery fee")
    assert agrees("fees", "billing/fee-schedule")
    assert agrees("car_hire", "travel/cars")
    assert not agrees("fees", "billing/refunds")


def test_a_cross_reference_finds_the_article_by_its_stems() -> None:
    titles = {"shipping/lost-parcels": "Lost parcels", "billing/refunds": "Refunds and returns"}
    assert resolve("lost parcel", titles) == "shipping/lost-parcels"
    assert resolve("refunding", titles) == "billing/refunds"
