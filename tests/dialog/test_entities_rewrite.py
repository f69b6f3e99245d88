"""Entity extraction and follow-up rewriting: pure functions."""

from __future__ import annotations

from datetime import date

import pytest

from dialog.nlu.entities import EntityExtractor, bare_slot_value, dates, named_thing
from dialog.rewrite import is_follow_up, rewrite, topic_of

TODAY = date(2025, 6, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Where is order NW-20481736?", {"order_number": "NW-20481736"}),
        ("my order number is 20481736", {"order_number": "NW-20481736"}),
        ("nw20481736 please", {"order_number": "NW-20481736"}),
        ("it's NW 2048 1736", {"order_number": "NW-20481736"}),  # read out in groups
        ("order NW-2048-1736 and call +1 555 123 4567", {"order_number": "NW-20481736", "phone": "+15551234567"}),
        ("order number 2048 1736", {"order_number": "NW-20481736"}),
        ("NW 20 48", {}),  # too few digits
        ("Mail Jane.Doe@Example.com or call +1 (800) 555-0199", {"email": "jane.doe@example.com", "phone": "+18005550199"}),
        ("I paid $1,249.99 on March 3rd, 2024", {"amount": "1249.99 USD", "date": "2024-03-03"}),
        ("a refund of 15 euros from yesterday", {"amount": "15.00 EUR", "date": "2025-05-31"}),
        ("ordered 12/25/2023, 2024-02-30 is no date", {"date": "2023-12-25"}),
        ("it came on 5 May", {"date": "2025-05-05"}),
        ("two Aero Kettles and a gift card", {"product": "Aero Kettle"}),
        ("How do I reset my password?", {}),
    ],
)
def test_extract(text: str, expected: dict) -> None:
    assert EntityExtractor(["Aero Kettle", "gift card"]).extract(text, today=TODAY) == expected


def test_order_numbers_and_amounts_are_not_phone_numbers() -> None:
    found = EntityExtractor().extract("Order NW-20481736 cost $129.99", today=TODAY)
    assert "phone" not in found and found["amount"] == "129.99 USD"


def test_dates_in_order_and_relative() -> None:
    assert dates("between today and tomorrow", TODAY) == ["2025-06-01", "2025-06-02"]


def test_bare_order_number_only_for_the_order_slot() -> None:
    assert bare_slot_value("order_number", " 20481736 ") == "NW-20481736"
    assert bare_slot_value("order_number", "it's #20481736.") == "NW-20481736"
    assert bare_slot_value("order_number", "20481736 is my order number") == "NW-20481736"  # in a reply to the question
    assert bare_slot_value("order_number", "20481736 and 20481737") is None  # which one?
    assert bare_slot_value("order_number", "2048 1736") == "NW-20481736"  # read out in groups
    assert bare_slot_value("order_number", "my phone is 555 1234 5678") is None
    assert bare_slot_value("order_number", "my phone is +1 5551234567") is None
    assert bare_slot_value("email", "20481736") is None


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        ("and how long does that take?", True),
        ("what about express?", True),
        ("how much does it cost?", True),
        ("is it free?", True),
        ("How much does standard shipping cost?", False),
        ("Do you ship to Canada?", False),
        ("Refunds", False),
        ("", False),
        # no topic of its own and no "it": after "how do I return an item?" it was searched alone and declined
        ("how long do I have?", True),
        ("what do I need to do?", True),
        ("How long do I have to return an item?", False),
        # searched alone: "it says delivered though" found the status list, "two at once" the promo-code rule
        ("it says delivered though", True),
        ("can I use two at once?", True),
        ("what should I do now?", True),
        ("is klarna one of them?", True),
        ("It is possible to pay later?", False),
        ("Is it possible to change the address?", False),
        # "that" and "it" in a short question: searched alone, the first found sales tax, the second was declined
        ("does that include sale items?", True),
        ("can I get it as a PDF?", True),
        ("for paypal?", True),
        ("This is my first order, do you ship to Canada?", False),
        ("sorry, I meant express", True),
        ("For orders over $50, is shipping free?", False),
        # "this"/"that" before a word that names a topic points at that thing, not at the last answer: after the
        # returns steps "what does this status mean?" got the greyed-out return items, not the order statuses
        ("what does this status mean?", False),
        ("how do I use this gift card?", False),
        ("This item is broken, can I return it?", True),
        ("is that the same for gift cards?", True),
        ("that's too expensive", True),
    ],
)
def test_is_follow_up(text: str, follow_up: bool) -> None:
    assert is_follow_up(text) is follow_up


@pytest.mark.parametrize(
    ("text", "previous", "rewritten"),
    [
        ("and how long does that take?", "how do I return an item?", "how long does it take to return an item?"),
        ("how much does it cost?", "Do you ship to Canada?", "how much does it cost to ship to Canada?"),
        ("what about express?", "How much does standard shipping cost?", "How much does standard shipping cost: express?"),
        ("and?", "How do I pay?", "How do I pay?"),
        ("how long do I have?", "how do I return an item?", "how long do I have (return an item)?"),
        # a rewritten follow-up is the next one's previous query: "it" is a word, not "i" and "t ..."
        ("how much does it cost?", "how long does it take to ship to the UK?", "how much does it cost to ship to the UK?"),
        ("and is it free?", "how long does it take to return an item?", "is return an item free?"),
        # a question of its own leads: led by "how do I return something", the answer was the return steps' 30 days
        ("and how long until I get my money back?", "how do I return something?", "how long until I get my money back (return something)?"),
        ("also, can I pay by PayPal?", "How much does express shipping cost?", "can I pay by PayPal (express shipping cost)?"),
        # "do you offer" is the question's opening, not its topic: "how much is offer gift wrapping?" before
        ("how much is it?", "do you offer gift wrapping?", "how much is gift wrapping?"),
        # a second variation replaces the first: "and gift cards?" was searched as "...: for paypal: gift cards"
        ("and gift cards?", "how long do refunds take: for paypal?", "how long do refunds take: gift cards?"),
        ("for paypal?", "how long do refunds take?", "how long do refunds take: for paypal?"),
        # a correction takes the place of the word it corrects, so that the next follow-up keeps it
        ("sorry, I meant express", "how much is standard shipping?", "how much is express shipping?"),
        ("sorry, I meant the UK", "how much is shipping to Canada?", "how much is shipping to Canada: the UK"),
    ],
)
def test_rewrite(text: str, previous: str, rewritten: str) -> None:
    assert rewrite(text, previous) == rewritten


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        ("und wie lange dauert das?", True),
        ("Was ist mit Expressversand?", True),
        ("Was kostet das?", True),
        ("Ist das kostenlos?", True),
        ("Wie lange dauert der Versand nach Österreich?", False),
        ("Rücksendung", False),
    ],
)
def test_german_follow_ups_are_found(text: str, follow_up: bool) -> None:
    # Before, only English ones were: "und wie lange dauert das?" was searched alone.
    assert is_follow_up(text) is follow_up


@pytest.mark.parametrize(
    ("text", "previous", "rewritten"),
    [
        ("und wie lange dauert das?", "Wie kann ich einen Artikel zurückgeben?", "wie lange dauert das (einen Artikel zurückgeben)?"),
        ("Was ist mit Expressversand?", "Was kostet der Standardversand?", "Was kostet der Standardversand: Expressversand?"),
        ("Ist das kostenlos?", "Kann ich meine Bestellung ändern?", "Ist das kostenlos (meine Bestellung ändern)?"),
    ],
)
def test_german_follow_ups_are_rewritten_with_the_previous_topic(text: str, previous: str, rewritten: str) -> None:
    assert rewrite(text, previous) == rewritten


def test_english_words_that_look_german_still_name_a_topic() -> None:
    assert not is_follow_up("price tag?") and not is_follow_up("is gilt allowed")


def test_topic_of_drops_a_german_question_opening() -> None:
    assert topic_of("Wie kann ich meine E-Mail-Adresse ändern?") == "meine E-Mail-Adresse ändern"
    assert topic_of("Was kostet der Versand nach Österreich?") == "der Versand nach Österreich"
    assert topic_of("Wie lange dauert die Lieferung?") == "die Lieferung"


def test_topic_of_drops_the_question_opening() -> None:
    assert topic_of("How can I change my email address?") == "change my email address"
    assert topic_of("Shipping costs") == "Shipping costs"
    assert topic_of("How long does it take to return an item?") == "return an item"
    assert topic_of("What does it mean?") == "mean"


def test_a_follow_up_stays_on_the_previous_article_when_it_is_close() -> None:
    from types import SimpleNamespace

    from dialog.actions import FOLLOW_UP_MARGIN, AnswerFromKnowledgeBase
    from dialog.tracker import Tracker
    from dialog.events import BotAnswer, UserMessage

    def passage(doc_id: str, score: float) -> SimpleNamespace:
        return SimpleNamespace(chunk=SimpleNamespace(doc_id=doc_id), score=score)

    action = AnswerFromKnowledgeBase(retriever=None, generator=None, top_k=2, min_score=0.3, max_new_tokens=8, extractive=object())
    found = [passage("faq#standard-cost", 0.58), passage("shipping/international", 0.45), passage("shipping/international", 0.41), passage("billing/refunds", 0.40)]
    kept = action.stay_on_topic(found, ("shipping/international",))
    assert [p.chunk.doc_id for p in kept] == ["shipping/international", "shipping/international"]
    far = [passage("faq#standard-cost", 0.58 + FOLLOW_UP_MARGIN + 0.01)] + found[1:]
    assert [p.chunk.doc_id for p in action.stay_on_topic(far, ("shipping/international",))] == ["faq#standard-cost", "shipping/international"]

    tracker = Tracker.from_events("s", [
        UserMessage(text="Do you ship to Canada?"),
        BotAnswer(text="Yes. [1]", citations=({"n": 1, "doc_id": "shipping/international"},)),
    ])
    assert tracker.last_answer_docs == ("shipping/international",)
    tracker.apply(UserMessage(text="???"))
    tracker.apply(BotAnswer(text="I couldn't find that.", abstained=True))
    assert tracker.last_answer_docs == ("shipping/international",)  # a declined answer cites nothing new


@pytest.mark.parametrize(
    ("text", "thing"),
    [
        ("book a service for my Giant bike on Friday", "Giant bike"),
        ("can you look at our old Brompton", "old Brompton"),
        ("my son's bike", "son's bike"),
        # a verb after the name is not part of it: the booking was for a "Trek broke" and a "Trek keeps squeaking"
        ("book a repair. My Trek broke", "Trek"),
        ("my Trek keeps squeaking, can you book a service", "Trek"),
        ("my trek broke", None),  # no name written with a capital, no word of the kind: which bike is still asked
    ],
)
def test_named_thing_ends_with_the_name_or_the_kind(text: str, thing: str | None) -> None:
    assert named_thing(text, "bike_model") == thing
