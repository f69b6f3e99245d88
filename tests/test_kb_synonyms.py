"""The demo help centre's synonyms: customer words for exchanges, wrong items and privacy requests."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.synonyms import SYNONYMS_FILE, Synonyms, parse_rules

KB = Path(__file__).resolve().parents[1] / "demo" / "knowledge_base"


@pytest.fixture(scope="module")
def synonyms() -> Synonyms:
    rules, problems = parse_rules((KB / SYNONYMS_FILE).read_text(encoding="utf-8"))
    assert problems == []
    return Synonyms(rules)


def test_a_swap_is_an_exchange(synonyms: Synonyms) -> None:
    assert synonyms.expand("yo can i swap the sheets for a bigger size") == "yo can i exchange the sheets for a different size"


@pytest.mark.parametrize("question", ["I got the wrong item, I ordered a kettle and got a fan", "you sent me the wrong item"])
def test_a_wrong_item_received_is_one_to_report(question: str, synonyms: Synonyms) -> None:
    assert "a damaged, faulty or wrong item to report" in synonyms.expand(question)


def test_ordering_the_wrong_item_yourself_is_no_wrong_item_received(synonyms: Synonyms) -> None:
    question = "I ordered the wrong item by mistake, can I change it?"
    assert synonyms.expand(question) == question


def test_erasing_personal_data_is_deleting_it(synonyms: Synonyms) -> None:
    assert synonyms.expand("please erase my data") == "please delete my data"
    assert synonyms.expand("right to be forgotten") == "deletion of my personal data"
