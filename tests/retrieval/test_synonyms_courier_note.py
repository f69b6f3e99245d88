"""The demo's synonyms read a note for the courier as no gift message (demo/knowledge_base/synonyms.txt)."""

from pathlib import Path

import pytest

from retrieval.synonyms import Synonyms, parse_rules

DEMO_SYNONYMS = Path(__file__).resolve().parents[2] / "demo" / "knowledge_base" / "synonyms.txt"


@pytest.fixture(scope="module")
def synonyms() -> Synonyms:
    rules, problems = parse_rules(DEMO_SYNONYMS.read_text(encoding="utf-8"))
    assert problems == []
    return Synonyms(rules)


@pytest.mark.parametrize(
    "question", ["can I add a note for the courier?", "can I write a note to the driver?", "Can I put a note for the delivery driver?"]
)
def test_a_note_for_the_courier_is_no_gift_message(synonyms: Synonyms, question: str) -> None:
    assert "gift" not in synonyms.expand(question)


@pytest.mark.parametrize("question", ["can I add a note to my order?", "can I include a note?"])
def test_a_note_with_the_order_is_still_the_gift_message(synonyms: Synonyms, question: str) -> None:
    assert "gift message" in synonyms.expand(question)
