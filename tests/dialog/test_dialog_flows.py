"""Whole turns through the DialogManager: business actions and slots, clarifying questions, escalation
after repeated failure, follow-up rewriting, and running without an intent model."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from assistant.app import Assistant
from assistant.config import load_settings
from assistant.lm.base import ScriptedGenerator
from assistant.lm.extractive import ExtractiveAnswerer
from conftest import HASH_MIN_SCORE
from dialog.actions import HANDOFF, LOOKUP_FAILED, NOT_FOUND, AnswerFromKnowledgeBase, unsaid
from dialog.business import ActionResult, BusinessActions, demo_actions
from dialog.business_rules import BusinessRules, RulesError, Topic
from dialog.events import ActionExecuted, ClarificationAsked, HandoffRequested, SlotRequested, SlotSet
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import FAILURES_BEFORE_GIVING_UP, Understander
from dialog.store import InMemoryStore
from retrieval.documents import Chunk, Passage
from retrieval.embedders import HashEmbedder


class FakeDetector:
    """A stand-in intent model returning a fixed understanding for every message."""

    name = "fake"

    def __init__(self, understanding: Understanding | Exception) -> None:
        self.result = understanding
        self.calls = 0

    def understand(self, text: str) -> Understanding:
        self.calls += 1
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


def manager_for(assistant: Assistant, **kwargs) -> DialogManager:
    return DialogManager(InMemoryStore(), assistant.manager.answer_action, actions=demo_actions(), **kwargs)


def test_order_status_asks_for_the_number_and_continues_after_a_restart(assistant) -> None:
    store = InMemoryStore()
    first = DialogManager(store, assistant.manager.answer_action, actions=demo_actions())

    asked = first.handle(None, "Where is my order?")

    assert (asked.action, asked.requested_slot) == ("business", "order_number")
    assert "order number" in asked.text
    restarted = DialogManager(store, assistant.manager.answer_action, actions=demo_actions())  # a new process
    number = restarted.handle(asked.session_id, "20481736")
    result = DialogManager(store, assistant.manager.answer_action, actions=demo_actions()).handle(
        asked.session_id, "jane.doe@example.com"
    )

    assert number.requested_slot == "email" and "Shipped" not in number.text  # the order's e-mail address first
    assert result.action == "business" and "Shipped" in result.text
    assert result.slots == {"order_number": "NW-20481736", "email": "jane.doe@example.com"} and result.requested_slot is None
    events = store.load_events(asked.session_id)
    assert [type(e) for e in events if isinstance(e, (SlotRequested, SlotSet, ActionExecuted))] == [
        SlotRequested, SlotSet, SlotRequested, SlotSet, ActionExecuted,
    ]
    executed = next(e for e in events if isinstance(e, ActionExecuted))
    assert executed.arguments == {"order_number": "NW-20481736", "email": "jane.doe@example.com"}
    assert executed.result["status"] == "Shipped"
    assert store.turns[-1].reason == "ran order_status(order_number=NW-20481736, email=jane.doe@example.com): ok"


def test_slots_carry_across_turns(assistant) -> None:
    manager = manager_for(assistant)

    first = manager.handle(None, "My order NW-20481740 and my email is omar.haddad@example.com")
    second = manager.handle(first.session_id, "where is my order?")

    assert first.slots == {"order_number": "NW-20481740", "email": "omar.haddad@example.com"}
    assert second.action == "business" and "Out for delivery" in second.text


def order_lookup() -> BusinessActions:
    """A one-slot order lookup (the demo's also asks for the order's e-mail address)."""
    actions = BusinessActions()
    orders = {"NW-20481738": "Delivered", "NW-20481740": "Out for delivery"}

    @actions.register(intents=["order_status"], prompts={"order_number": "What is your order number?"})
    def order_status(order_number: str) -> ActionResult:
        if order_number not in orders:
            return ActionResult(
                f"I couldn't find an order {order_number}. Please send the number again.", ok=False, clear_slots=("order_number",)
            )
        return ActionResult(f"Order {order_number} is {orders[order_number]}.")

    return actions


def test_an_unknown_order_number_is_asked_for_again_and_the_correction_is_looked_up(assistant) -> None:
    manager = DialogManager(InMemoryStore(), assistant.manager.answer_action, actions=order_lookup())

    wrong = manager.handle(None, "Can you check order NW-20481799?")
    corrected = manager.handle(wrong.session_id, "oops, sorry, I meant NW-20481740")

    assert wrong.action == "business" and "couldn't find" in wrong.text
    assert wrong.requested_slot == "order_number" and "order_number" not in wrong.slots
    assert "asks for the order_number again" in wrong.reason
    assert corrected.action == "business" and "Out for delivery" in corrected.text
    assert corrected.requested_slot is None


def test_after_an_unknown_order_number_a_new_question_drops_the_lookup(assistant) -> None:
    manager = DialogManager(InMemoryStore(), assistant.manager.answer_action, actions=order_lookup())

    wrong = manager.handle(None, "Where is my order NW-20481799?")
    other = manager.handle(wrong.session_id, "How long is a password reset link valid?")

    assert wrong.requested_slot == "order_number"
    assert other.action == "answer"


def test_a_message_that_is_only_an_order_number_looks_the_order_up(assistant) -> None:
    manager = DialogManager(InMemoryStore(), assistant.manager.answer_action, actions=order_lookup())

    bare = manager.handle(None, "NW-20481738")
    email = manager.handle(None, "jane.doe@example.com")  # no business action takes an e-mail address
    worded = manager.handle(None, "NW-20481738 arrived broken, how do I return it?")

    assert bare.action == "business" and "Delivered" in bare.text
    assert bare.reason == "ran order_status(order_number=NW-20481738): ok"
    assert email.action != "business"
    assert worded.action != "business"  # a question of its own is answered, the number kept as a slot
    assert worded.slots["order_number"] == "NW-20481738"


def test_close_intents_ask_and_the_chosen_option_decides(assistant) -> None:
    close = Understanding("return_item", 0.42, ranking=(("return_item", 0.42), ("order_status", 0.38)), source="classifier")
    manager = manager_for(assistant, understander=Understander(FakeDetector(close)))

    asked = manager.handle(None, "my parcel thing")
    picked = manager.handle(asked.session_id, "check the status of an order")  # the second button's label

    assert asked.action == "clarify" and asked.options == ["Return an item", "Check the status of an order"]
    assert (picked.intent, picked.action, picked.requested_slot) == ("order_status", "business", "order_number")
    clarification = next(e for e in manager.store.load_events(asked.session_id) if isinstance(e, ClarificationAsked))
    assert (clarification.kind, clarification.values) == ("intent", ("return_item", "order_status"))


class BookingDetector:
    """Reads 'repair' as the book_repair intent, and a bike's name as book_repair close to return_item (so the
    intents alone would ask which); anything else is a plain question."""

    name = "fake"

    def understand(self, text: str) -> Understanding:
        if "repair" in text.lower():
            return Understanding("book_repair", 0.9, ranking=(("book_repair", 0.9),), source="classifier")
        if "29er" in text.lower():
            return Understanding("book_repair", 0.45, ranking=(("book_repair", 0.45), ("return_item", 0.40)), source="classifier")
        return Understanding("question", 0.5, source="classifier")


def repair_booking(assistant, **kwargs) -> tuple[DialogManager, list[tuple[str, date]]]:  # type: ignore[no-untyped-def]
    """A manager with a shop's own action, book_repair(bike_model, day), and the repairs it booked."""
    actions, booked = BusinessActions(), []

    @actions.register(intents=["book_repair"], prompts={"bike_model": "Which bike is it?", "day": "Which day?"})
    def book_repair(bike_model: str, day: date) -> ActionResult:
        booked.append((bike_model, day))
        return ActionResult(f"Booked your {bike_model} for {day}.")

    understander = Understander(BookingDetector())
    return DialogManager(InMemoryStore(), assistant.manager.answer_action, actions=actions, understander=understander, **kwargs), booked


def test_a_slot_no_extractor_fills_takes_the_customers_reply(assistant) -> None:
    manager, booked = repair_booking(assistant)
    asked = manager.handle(None, "I need a repair")
    model = manager.handle(asked.session_id, "Trail 29er")  # read as book_repair, close to return_item: still the answer
    not_a_date = manager.handle(asked.session_id, "the blue one")  # no date: asked again
    done = manager.handle(asked.session_id, "2026-12-10")

    assert (asked.requested_slot, model.action, model.requested_slot) == ("bike_model", "business", "day")
    assert model.slots["bike_model"] == "Trail 29er" and not_a_date.requested_slot == "day"
    assert done.action == "business" and booked == [("Trail 29er", date(2026, 12, 10))]


def test_i_dont_know_fills_no_slot_and_a_date_slot_takes_the_date_named(assistant) -> None:
    manager, booked = repair_booking(assistant, clock=lambda: datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc))
    asked = manager.handle(None, "I need a repair")
    unsure = manager.handle(asked.session_id, "I'm not sure")
    model = manager.handle(asked.session_id, "the blue one")
    day = manager.handle(asked.session_id, "tomorrow please")

    assert unsure.requested_slot == "bike_model" and "bike_model" not in unsure.slots  # asked again, nothing booked
    assert model.requested_slot == "day" and day.action == "business"
    assert booked == [("blue one", date(2026, 12, 4))]  # "the" only leads up to the value


def test_a_question_in_reply_to_a_free_text_slot_changes_the_subject(assistant) -> None:
    actions = BusinessActions()

    @actions.register(intents=["book_repair"])
    def book_repair(bike_model: str) -> ActionResult:
        return ActionResult(f"Booked your {bike_model}.")

    manager = DialogManager(InMemoryStore(), assistant.manager.answer_action, actions=actions, understander=Understander(BookingDetector()))
    asked = manager.handle(None, "I need a repair")
    question = manager.handle(asked.session_id, "How long does a refund take?")
    manager.handle(asked.session_id, "I need a repair")
    other_request = manager.handle(asked.session_id, "check my order")  # the keyword rules' order_status, not a bike

    assert question.action == "answer" and "bike_model" not in question.slots
    assert "bike_model" not in other_request.slots


class OrderDetector:
    """Reads 'cancel' as cancel_order and 'where' as order_status."""

    name = "fake"

    def understand(self, text: str) -> Understanding:
        for word, intent in (("cancel", "cancel_order"), ("where", "order_status")):
            if word in text.lower():
                return Understanding(intent, 0.9, ranking=((intent, 0.9),), source="classifier")
        return Understanding("question", 0.5, source="classifier")


def test_a_reply_that_asks_for_another_action_runs_that_one_not_the_one_waiting(assistant) -> None:
    actions, calls = BusinessActions(), []

    @actions.register(intents=["order_status"])
    def order_status(order_number: str) -> ActionResult:
        calls.append(("order_status", order_number))
        return ActionResult("It has shipped.")

    @actions.register(intents=["cancel_order"])
    def cancel_order(order_number: str) -> ActionResult:
        calls.append(("cancel_order", order_number))
        return ActionResult("Cancelled.")

    manager = DialogManager(InMemoryStore(), assistant.manager.answer_action, actions=actions, understander=Understander(OrderDetector()))
    asked = manager.handle(None, "where is my parcel")
    cancelled = manager.handle(asked.session_id, "Actually, cancel order NW-20481736 instead")

    assert asked.requested_slot == "order_number"
    assert cancelled.text == "Cancelled." and calls == [("cancel_order", "NW-20481736")]


def test_a_business_action_that_raises_says_the_lookup_failed_not_the_search(assistant, tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text("order_number,status,email\nNW-20481736,Shipped,jane.doe@example.com\n", encoding="utf-8")
    manager = DialogManager(InMemoryStore(), assistant.manager.answer_action, actions=demo_actions(orders))
    orders.unlink()  # the file went away after start-up

    result = manager.handle(None, "Where is my order NW-20481736? I'm jane.doe@example.com")

    assert result.action == "fallback" and result.text == LOOKUP_FAILED
    [turn] = manager.store.turns
    assert turn.error.startswith("FileNotFoundError")


@dataclass
class FakeRetriever:
    passages: list[Passage]
    index_version: str = "v1"

    def search(self, query: str, k: int = 3, filters: dict | None = None) -> list[Passage]:
        found = [p for p in self.passages if not filters or p.chunk.doc_id == filters.get("doc_id")]
        return found[:k]

    def article_titles(self) -> dict[str, str]:
        return {p.chunk.doc_id: p.chunk.title for p in self.passages}

    def embed_ahead(self, queries: list[str]) -> None:
        pass  # nothing to embed: the passages are given


def passage(doc_id: str, score: float, text: str) -> Passage:
    return Passage(Chunk(abs(hash(doc_id)) % 10_000, doc_id, doc_id.split("/")[-1].title(), doc_id, text, source=doc_id), score)


def test_close_passages_of_different_sections_ask_which_and_the_choice_answers_from_it() -> None:
    passages = [
        passage("orders/cancelling-an-order", 0.69, "Cancel an order under Orders within one hour."),
        passage("faq#cancel", 0.68, "You can cancel within an hour."),
        passage("subscriptions/cancel-membership", 0.67, "Cancel Northwind Plus under Membership."),
    ]
    answer = AnswerFromKnowledgeBase(FakeRetriever(passages), ScriptedGenerator(), 3, 0.45, 160, clarify_margin=0.03)
    manager = DialogManager(InMemoryStore(), answer)

    asked = manager.handle(None, "How do I cancel?")
    chosen = manager.handle(asked.session_id, asked.options[1])
    long_question = manager.handle(None, "How do I cancel an order I placed by mistake this morning?")

    assert asked.action == "clarify" and asked.options == ["Cancelling-An-Order", "Cancel-Membership"]
    assert "Which of these do you mean?" in asked.text and asked.query == "How do I cancel?"
    assert chosen.action == "answer" and chosen.reason.startswith("the customer chose 'Cancel-Membership'")
    assert [s["doc_id"] for s in chosen.sources] == ["subscriptions/cancel-membership"]
    assert long_question.action == "answer"  # a longer question says enough
    assert manager.handle(None, "How long does cancelling take?").action == "answer"  # asks for a duration: specific


def two_cancel_articles() -> DialogManager:
    """A manager whose search finds two close articles for "How do I cancel?", so it asks which is meant."""
    passages = [
        passage("orders/cancelling-an-order", 0.69, "Cancel an order under Orders within one hour."),
        passage("subscriptions/cancel-membership", 0.67, "Cancel Northwind Plus under Membership."),
    ]
    answer = AnswerFromKnowledgeBase(FakeRetriever(passages), ScriptedGenerator(), 3, 0.45, 160, clarify_margin=0.03)
    return DialogManager(InMemoryStore(), answer)


def test_the_other_one_after_a_choice_of_two_answers_from_the_option_not_taken() -> None:
    manager = two_cancel_articles()

    asked = manager.handle(None, "How do I cancel?")
    chosen = manager.handle(asked.session_id, asked.options[1])
    other = manager.handle(asked.session_id, "and the other one?")
    again = manager.handle(asked.session_id, "what about the other one?")  # no choice of two just made: a follow-up

    assert [s["doc_id"] for s in chosen.sources] == ["subscriptions/cancel-membership"]
    assert other.action == "answer" and other.reason.startswith("the customer chose 'Cancelling-An-Order'")
    assert [s["doc_id"] for s in other.sources] == ["orders/cancelling-an-order"] and other.query == "How do I cancel?"
    assert not again.reason.startswith("the customer chose")


@pytest.mark.parametrize("reply, doc_id", [
    ("2", "subscriptions/cancel-membership"), ("the first one", "orders/cancelling-an-order"),
    ("Option 2.", "subscriptions/cancel-membership"), ("the last one, please", "subscriptions/cancel-membership"),
])
def test_an_option_picked_by_its_place_answers_from_it(reply: str, doc_id: str) -> None:
    manager = two_cancel_articles()

    asked = manager.handle(None, "How do I cancel?")
    chosen = manager.handle(asked.session_id, reply)

    assert chosen.action == "answer" and chosen.reason.startswith("the customer chose")
    assert [s["doc_id"] for s in chosen.sources] == [doc_id]


def test_yes_or_a_wrong_number_asks_again_both_answers_from_every_option_and_neither_asks_what_then() -> None:
    manager = two_cancel_articles()

    asked = manager.handle(None, "How do I cancel?")
    yes = manager.handle(asked.session_id, "yes")
    both = manager.handle(asked.session_id, "both, please")
    third = manager.handle(manager.handle(None, "How do I cancel?").session_id, "3")  # there is no third option
    neither = manager.handle(manager.handle(None, "How do I cancel?").session_id, "neither")

    assert yes.action == "clarify" and yes.options == asked.options  # was "All right. What would you like to know?"
    assert both.action == "answer" and both.query == "How do I cancel?"
    assert {s["doc_id"] for s in both.sources} == {"orders/cancelling-an-order", "subscriptions/cancel-membership"}
    assert third.action == "clarify" and third.options == asked.options  # was "Sorry, I didn't understand that"
    assert neither.action == "small_talk" and neither.text == "All right. What would you like to know?"  # was an answer


@pytest.mark.parametrize("reply, action", [("²", "fallback"), ("option ³", "clarify")])
def test_a_superscript_digit_is_no_option_number(reply: str, action: str) -> None:
    # "²".isdigit() is true but int("²") raised: the customer's turn failed with a ValueError
    manager = two_cancel_articles()

    asked = manager.handle(None, "How do I cancel?")
    again = manager.handle(asked.session_id, reply)

    assert again.action == action and not again.reason.startswith("the customer chose")


@pytest.mark.parametrize("reply, doc_id", [
    ("die erste", "orders/cancelling-an-order"), ("Die zweite, bitte.", "subscriptions/cancel-membership"),
    ("das letzte", "subscriptions/cancel-membership"), ("Nummer 2", "subscriptions/cancel-membership"),
])
def test_an_option_picked_by_its_place_in_german_answers_from_it(reply: str, doc_id: str) -> None:
    # Before, German places asked the same question again (a German help centre's customers got stuck).
    manager = two_cancel_articles()

    asked = manager.handle(None, "How do I cancel?")
    chosen = manager.handle(asked.session_id, reply)

    assert chosen.action == "answer" and chosen.reason.startswith("the customer chose")
    assert [s["doc_id"] for s in chosen.sources] == [doc_id]


def test_german_both_neither_and_the_other_one() -> None:
    manager = two_cancel_articles()

    both = manager.handle(manager.handle(None, "How do I cancel?").session_id, "beide bitte")
    neither = manager.handle(manager.handle(None, "How do I cancel?").session_id, "keine davon")
    asked = manager.handle(None, "How do I cancel?")
    manager.handle(asked.session_id, asked.options[1])
    other = manager.handle(asked.session_id, "und die andere?")

    assert both.action == "answer" and {s["doc_id"] for s in both.sources} == {"orders/cancelling-an-order", "subscriptions/cancel-membership"}
    assert neither.action == "small_talk" and neither.reason == "the customer wants none of the options"
    assert other.action == "answer" and [s["doc_id"] for s in other.sources] == ["orders/cancelling-an-order"]


def test_the_other_one_with_words_of_its_own_is_a_question_not_the_other_option() -> None:
    manager = two_cancel_articles()

    asked = manager.handle(None, "How do I cancel?")
    manager.handle(asked.session_id, asked.options[0])
    question = manager.handle(asked.session_id, "The other one arrived broken, can I get a refund?")

    assert not question.reason.startswith("the customer chose")


@dataclass
class PerQueryRetriever:
    """Each query's own passages (the whole question's when a query is not listed)."""

    by_query: dict[str, list[Passage]]
    whole: list[Passage]
    index_version: str = "v1"

    def search(self, query: str, k: int = 3, filters: dict | None = None) -> list[Passage]:
        return self.by_query.get(query, self.whole)[:k]

    def article_titles(self) -> dict[str, str]:
        return {}

    def embed_ahead(self, queries: list[str]) -> None:
        pass  # nothing to embed: the passages are given


def test_each_part_of_a_question_brings_its_own_best_passage_in_extractive_mode() -> None:
    question = "How do I start a return, and how long until the refund reaches my card?"
    returns = passage("returns/how-to-return", 0.62, "Press Return items on the order page to start a return.")
    refunds = passage("billing/refunds", 0.58, "A card refund reaches your card in 5-10 business days.")
    unrelated = passage("shipping/costs", 0.50, "Standard shipping costs $4.95.")
    retriever = PerQueryRetriever({"how long until the refund reaches my card": [refunds, returns]}, whole=[returns, unrelated])
    answer = AnswerFromKnowledgeBase(retriever, None, 2, 0.45, 160, extractive=ExtractiveAnswerer(HashEmbedder()))

    result = DialogManager(InMemoryStore(), answer).handle(None, question)

    # the cited passages first, numbered as the answer cites them, then the one it did not cite
    assert [s["doc_id"] for s in result.sources] == ["returns/how-to-return", "billing/refunds", "shipping/costs"]
    assert "Return items" in result.text and "5-10 business days" in result.text


def test_a_long_message_whose_parts_match_is_answered_though_the_whole_matches_nothing() -> None:
    question = "So my kettle arrived with a dent which is really annoying, how long do I have to report it? Also do you ship to Germany?"
    damaged = passage("returns/damaged-items", 0.52, "Report a damaged item within 7 days of delivery.")
    abroad = passage("shipping/international-shipping", 0.52, "We ship to all 27 European Union countries.")
    vague = passage("returns/return-policy", 0.42, "Items must be unused and in their original packaging.")
    retriever = PerQueryRetriever(
        {"how long do I have to report it": [damaged], "Also do you ship to Germany": [abroad]}, whole=[vague]
    )
    answer = AnswerFromKnowledgeBase(retriever, None, 2, 0.45, 160, extractive=ExtractiveAnswerer(HashEmbedder()))
    manager = DialogManager(InMemoryStore(), answer)

    result = manager.handle(None, question)
    unanswerable = manager.handle(None, "So my kettle arrived with a dent, is that normal?")  # one part: the whole decides

    assert result.action == "answer" and not result.abstained
    assert {"returns/damaged-items", "shipping/international-shipping"} <= {s["doc_id"] for s in result.sources}
    assert "7 days" in result.text and "European Union" in result.text
    assert unanswerable.abstained


def test_a_short_message_that_finds_nothing_alone_is_searched_in_the_conversations_context() -> None:
    cards = passage("billing/gift-cards", 0.7, "Gift cards never expire. Your gift card balance is shown under Wallet.")
    weak = passage("billing/gift-cards", 0.3, "Gift cards never expire.")
    vague = passage("billing/invoices", 0.3, "An invoice shows the balance due.")
    retriever = PerQueryRetriever(
        {"How do gift cards work?": [cards], "How do gift cards work: balance?": [cards], "balance?": [vague], "invoices?": [vague]},
        whole=[weak],
    )
    answer = AnswerFromKnowledgeBase(retriever, None, 2, 0.45, 160, extractive=ExtractiveAnswerer(HashEmbedder()))
    manager = DialogManager(InMemoryStore(), answer)

    first = manager.handle(None, "How do gift cards work?")
    short = manager.handle(first.session_id, "balance?")
    alone = manager.handle(None, "balance?")  # nothing before it: declined

    assert short.action == "answer" and not short.abstained
    assert short.query == "How do gift cards work: balance?" and "balance is shown under Wallet" in short.text
    assert alone.abstained


def test_a_passage_that_points_to_another_article_brings_it_in_extractive_mode() -> None:
    pointer = passage("shipping/tracking", 0.70, "If tracking says delivered but there is no parcel, see the article on lost parcels.")
    costs = passage("shipping/costs", 0.60, "Express shipping costs $12.50.")
    lost = passage("shipping/lost-parcels", 0.40, "Wait 48 hours after a parcel shows delivered, then press Report a problem.")
    answer = AnswerFromKnowledgeBase(FakeRetriever([pointer, costs, lost]), None, 2, 0.45, 160, extractive=ExtractiveAnswerer(HashEmbedder()))

    result = DialogManager(InMemoryStore(), answer).handle(None, "My tracking says delivered but there is no parcel.")

    assert [s["doc_id"] for s in result.sources] == ["shipping/tracking", "shipping/lost-parcels", "shipping/costs"]  # cited first
    assert "see the article on lost parcels. [1] Wait 48 hours" in result.text and result.sources[1]["cited"]


def test_each_pointing_sentence_links_only_to_the_articles_it_names() -> None:
    policy = passage(
        "returns/return-policy",
        0.70,
        "For how long this takes, see our refunds article. To start a return, follow the steps in the article on how to return an item.",
    )
    refunds = passage("billing/refunds", 0.40, "Card refunds take 5-10 business days.")
    how_to = passage("returns/how-to-return", 0.40, "Press Return items on the order page.")
    how_to = replace(how_to, chunk=replace(how_to.chunk, title="How to return an item"))
    answer = AnswerFromKnowledgeBase(FakeRetriever([policy, refunds, how_to]), None, 1, 0.45, 160, extractive=ExtractiveAnswerer(HashEmbedder()))

    found, links = answer.add_linked_passages("How do I start a return?", [policy])

    assert [p.chunk.doc_id for p in found] == ["returns/return-policy", "billing/refunds", "returns/how-to-return"]
    assert links == {
        "For how long this takes, see our refunds article.": [2],
        "To start a return, follow the steps in the article on how to return an item.": [3],
    }


def test_a_handoff_does_not_hide_the_reply_of_a_never_answer_topic_in_the_same_message(assistant) -> None:
    rules = BusinessRules(
        handoff_intents=("complaint",),
        never_answer=(Topic("injuries", ("bleeding", "injured"), "If someone is hurt, call 112 now."),),
    )
    manager = manager_for(assistant, rules=rules)

    result = manager.handle(None, "I want to file a complaint: my child fell off the bike and is bleeding")

    assert result.handoff and result.text.startswith(f"If someone is hurt, call 112 now. {HANDOFF}")
    [handoff] = [e for e in manager.store.load_events(result.session_id) if isinstance(e, HandoffRequested)]
    assert handoff.reason.endswith("; the reply of never-answer topic 'injuries' comes first")
    asked = manager.handle(None, "I was injured, I want to talk to a human")  # was the topic's reply alone
    assert asked.handoff and asked.text.startswith(f"If someone is hurt, call 112 now. {HANDOFF}")
    assert manager.handle(None, "I want to file a complaint: the bike was late").text.startswith(HANDOFF)
    assert manager.handle(None, "I was injured").text == "If someone is hurt, call 112 now."


def test_two_failed_answers_in_a_row_hand_off(assistant) -> None:
    manager = manager_for(assistant)

    first = manager.handle(None, "xylophone quantum zebra")
    second = manager.handle(first.session_id, "flux capacitor warranty")

    assert first.abstained and first.action == "answer" and first.text == NOT_FOUND
    assert second.handoff and second.action == "handoff" and second.abstained
    assert HANDOFF in second.text and second.reason == "2 answers in a row found nothing: handed to a person"
    [handoff] = [e for e in manager.store.load_events(first.session_id) if isinstance(e, HandoffRequested)]
    assert handoff.reason == second.reason
    assert manager.store.turns[-1].query == "flux capacitor warranty"  # the failed search is still on record


def test_escalation_can_be_turned_off(assistant) -> None:
    manager = manager_for(assistant, handoff_after_failures=0)
    session_id = None
    for _ in range(3):
        result = manager.handle(session_id, "xylophone quantum zebra")
        session_id = result.session_id
        assert result.abstained and not result.handoff


def test_a_follow_up_is_searched_as_a_standalone_query(assistant) -> None:
    manager = manager_for(assistant)

    first = manager.handle(None, "How much does express shipping cost?")
    follow_up = manager.handle(first.session_id, "and how long does that take?")

    assert follow_up.query == "how long does it take to express shipping cost?"
    assert manager.store.turns[-1].query == follow_up.query
    assert manager.store.turns[-1].retrieved[0]["doc_id"] == "shipping/shipping-costs"


def test_a_classifier_failing_on_one_message_is_tried_again_on_the_next(assistant) -> None:
    detector = FakeDetector(RuntimeError("odd input"))
    manager = manager_for(assistant, understander=Understander(detector))

    first = manager.handle(None, "How much does express shipping cost?")
    detector.result = Understanding("shipping", 0.9, ranking=(("shipping", 0.9),), source="classifier")
    second = manager.handle(first.session_id, "How long does express shipping take?")

    assert first.action == "answer" and "[intents by keyword rules: the intent model failed on this message (RuntimeError: odd input)]" in first.reason
    assert (second.intent, detector.calls) == ("shipping", 2) and "keyword rules" not in second.reason


def test_a_classifier_failing_on_every_message_is_switched_off(assistant, caplog) -> None:
    detector = FakeDetector(RuntimeError("weights gone"))
    manager = manager_for(assistant, understander=Understander(detector))
    questions = ["How much does express shipping cost?", "Do you offer gift wrapping?", "How do I get a refund?", "Can I pay by invoice?"]

    with caplog.at_level(logging.WARNING):
        session_id, results = None, []
        for question in questions:
            results.append(manager.handle(session_id, question))
            session_id = results[-1].session_id

    assert all(result.action in ("answer", "handoff") for result in results)
    assert detector.calls == FAILURES_BEFORE_GIVING_UP == 3  # the fourth message did not try it
    assert "intents by keyword rules only: the intent model failed (RuntimeError: weights gone)" in results[-1].reason
    assert "runs on keyword rules and retrieval" in caplog.text


def test_rules_win_over_the_classifier_and_the_classifier_refines_questions(assistant) -> None:
    detector = FakeDetector(Understanding("shipping", 0.9, ranking=(("shipping", 0.9),), source="classifier"))
    manager = manager_for(assistant, understander=Understander(detector))

    greeting = manager.handle(None, "hello")
    question = manager.handle(greeting.session_id, "How much does express shipping cost?")

    assert (greeting.intent, greeting.action) == ("greet", "small_talk")
    assert (question.intent, question.action) == ("shipping", "answer")
    assert "keyword rules" not in question.reason


def test_without_an_intent_model_the_app_runs_on_rules_and_says_so(assistant, kb_dir: Path, tmp_path: Path, caplog) -> None:
    settings = load_settings(
        embedder="hash", generator="scripted", min_retrieval_score=assistant.settings.min_retrieval_score,
        intent_model=tmp_path / "no-model",
    )
    app = Assistant(settings)
    app.__dict__["retriever"] = assistant.retriever  # the index built by the fixture

    with caplog.at_level(logging.WARNING):
        result = app.manager.handle(None, "How much does express shipping cost?")

    assert result.action == "answer" and not result.abstained
    assert f"[intents by keyword rules only: no intent model in {tmp_path / 'no-model'}]" in result.reason
    assert f"no intent model in {tmp_path / 'no-model'}; the dialog manager runs on keyword rules and retrieval" in caplog.text
    assert app.sql_store.turns(result.session_id)[0].reason == result.reason


def test_a_broken_intent_model_folder_is_reported_not_fatal(tmp_path: Path) -> None:
    from assistant.app import load_intent_classifier

    (tmp_path / "intents").mkdir()

    classifier, reason = load_intent_classifier(tmp_path / "intents")

    assert classifier is None and reason.startswith(f"the intent model in {tmp_path / 'intents'} could not be loaded")


def test_a_malformed_rules_file_stops_the_app_with_a_clear_error(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("handoff: [complaint]\n", encoding="utf-8")
    app = Assistant(load_settings(embedder="hash", generator="scripted", rules_file=rules))

    with pytest.raises(RulesError, match="handoff must be a mapping"):
        app.manager


def test_thanks_that_is_all_wrong_is_a_failed_answer_with_the_offer_of_a_person_not_a_goodbye(assistant) -> None:
    # "thanks, that's all wrong" was read as a goodbye ("Thanks for getting in touch. Goodbye!"), and "thanks,
    # that's not what I asked" as thanks ("You're welcome!")
    manager = manager_for(assistant)
    for complaint in ("thanks, that's all wrong", "thanks, that's not what I asked"):
        answered = manager.handle(None, "How much does express shipping cost?")
        assert not answered.abstained

        wrong = manager.handle(answered.session_id, complaint)
        accepted = manager.handle(answered.session_id, "yes")

        assert (wrong.intent, wrong.abstained, wrong.handoff) == ("not_helped", True, False), complaint
        assert wrong.text == manager.replies.not_helped
        assert (accepted.action, accepted.handoff) == ("handoff", True)


def test_that_is_wrong_as_a_first_message_is_searched(assistant) -> None:
    # nothing was answered yet, so nothing failed: what is wrong is looked for
    first = manager_for(assistant).handle(None, "that's not right")

    assert first.action == "answer"


def test_tell_me_more_answers_from_the_same_article_without_repeating_what_was_said() -> None:
    # "tell me more" was searched as a follow-up of the last question and got the same answer word for word
    refunds = passage("billing/refunds", 0.70, "Refunds are issued to the original payment method. Refunds to a card take "
                      "5-10 business days to show. Refunds to a gift card arrive within 24 hours as a new gift card.")
    answers = AnswerFromKnowledgeBase(FakeRetriever([refunds]), None, 1, 0.45, 160, extractive=ExtractiveAnswerer(HashEmbedder()))
    manager = DialogManager(InMemoryStore(), answers)
    first = manager.handle(None, "How are refunds issued to the original payment method?")

    more = manager.handle(first.session_id, "can you tell me more?")
    again = manager.handle(first.session_id, "tell me more")

    def sentences(text: str) -> set[str]:
        return {re.sub(r"\s*\[\d+\]", "", s).strip() for s in re.split(r"(?<=[.:])\s+", text)} - {""}

    assert not first.abstained and (more.action, more.abstained) == ("answer", False), more.text
    assert sentences(more.text) and not sentences(more.text) & sentences(first.text), (first.text, more.text)
    assert not sentences(again.text) & (sentences(first.text) | sentences(more.text)), again.text  # nothing said twice
    assert "asked for more" in more.reason


def test_the_sentences_an_answer_gave_are_left_out_of_a_passage() -> None:
    passage = "Password reset links expire after 30 minutes and work only once.\n\n1. Open **Settings**.\n2. Choose a new password."
    said = "Password reset links expire after 30 minutes and work only once. [1]\n\n1. Open **Settings**. [1]"

    assert unsaid(passage, said).split() == ["1.", "2.", "Choose", "a", "new", "password."]


def test_tell_me_more_when_the_article_holds_nothing_more_says_so_and_asks_for_more_only_once() -> None:
    # after an FAQ entry given whole, "tell me more" was told "I couldn't find the answer to that in our help
    # centre", and the next "tell me more" was searched anew and given the same sentence again
    sundays = passage("faq#do-you-deliver-on-sundays", 0.74, "No. Our carriers deliver Monday to Saturday, and there are no Sunday deliveries.")
    answers = AnswerFromKnowledgeBase(FakeRetriever([sundays]), None, 1, 0.45, 160, extractive=ExtractiveAnswerer(HashEmbedder()))
    manager = DialogManager(InMemoryStore(), answers)
    first = manager.handle(None, "Do you deliver on Sundays?")

    more = manager.handle(first.session_id, "tell me more")
    again = manager.handle(first.session_id, "tell me more")

    assert not first.abstained and "Monday to Saturday" in first.text
    assert (more.text, more.abstained) == (manager.replies.nothing_more, True), more.text
    assert "nothing" in more.reason
    assert "Monday to Saturday" not in again.text, again.text


@pytest.mark.parametrize("dismay", ["oh no", "Oh no!", "no way", "no!!", "nooo"])
def test_dismay_right_after_an_answer_is_not_a_no_it_offers_a_person(assistant, dismay: str) -> None:
    # "oh no" after an answer was read as a plain no: "All right. Is there anything else I can help with?"
    manager = manager_for(assistant)
    answered = manager.handle(None, "How much does express shipping cost?")
    assert not answered.abstained

    sorry = manager.handle(answered.session_id, dismay)
    accepted = manager.handle(answered.session_id, "yes")

    assert (sorry.action, sorry.intent, sorry.text) == ("small_talk", "dismay", manager.replies.dismay), dismay
    assert sorry.text != manager.replies.deny
    assert (accepted.action, accepted.handoff) == ("handoff", True)


@pytest.mark.parametrize("no", ["no", "no thanks", "nope, that's all", "no!!", "no way"])
def test_a_no_to_a_question_stays_a_no(assistant, no: str) -> None:
    # "no!!" and "no way" to the offer of a person decline it, as "no" does; "no thanks" after an answer is a no
    manager = manager_for(assistant)
    declined = manager.handle(None, "Can I pay with seashells or a llama?")
    assert declined.abstained

    refused = manager.handle(declined.session_id, no)
    answered = manager.handle(None, "How much does express shipping cost?")
    after_answer = manager.handle(answered.session_id, no)

    assert (refused.action, refused.handoff, refused.intent in ("deny", "goodbye")) == ("small_talk", False, True), no
    if no in ("no", "no thanks", "nope, that's all"):
        assert after_answer.intent in ("deny", "goodbye") and after_answer.text in (manager.replies.deny, manager.replies.goodbye)


@pytest.mark.parametrize("mode", ["extractive", "generative"])
def test_tell_me_more_leaves_out_what_was_said_with_a_generator_as_with_extractive_answers(mode: str) -> None:
    # the "tell me more" step (what was said left out of the passages; nothing left: nothing_more) is one step for
    # both kinds of answer; a guard: it was written twice, once in each branch of the answer action
    sundays = passage("faq#do-you-deliver-on-sundays", 0.74, "No. Our carriers deliver Monday to Saturday, and there are no Sunday deliveries.")
    generator, extractive = (None, ExtractiveAnswerer(HashEmbedder())) if mode == "extractive" else (ScriptedGenerator(), None)
    answers = AnswerFromKnowledgeBase(FakeRetriever([sundays]), generator, 1, 0.45, 160, extractive=extractive)
    manager = DialogManager(InMemoryStore(), answers)
    first = manager.handle(None, "Do you deliver on Sundays?")

    more = manager.handle(first.session_id, "tell me more")

    assert not first.abstained and "Monday to Saturday" in first.text, first.text
    assert (more.text, more.abstained, more.action) == (manager.replies.nothing_more, True, "answer"), more.text
    assert generator is None or len(generator.calls) == 1  # the generator was not asked to say it all again


def test_no_to_anything_else_says_goodbye_rather_than_asking_again(assistant) -> None:
    # "thanks" -> "You're welcome! Is there anything else I can help with?"; "no" got "All right. Is there anything
    # else I can help with?", and every further "no" the same question once more
    manager = manager_for(assistant)
    answered = manager.handle(None, "How much does express shipping cost?")
    thanked = manager.handle(answered.session_id, "thanks")
    done = manager.handle(answered.session_id, "no")
    stopped = manager.handle(None, "Where is my order?")
    left = manager.handle(stopped.session_id, "stop")  # leaves the form: "All right. Is there anything else …?"
    nothing = manager.handle(stopped.session_id, "nope")

    assert thanked.text == manager.replies.thanks
    assert (done.action, done.text) == ("small_talk", manager.replies.goodbye)
    assert left.text == manager.replies.deny
    assert (nothing.action, nothing.text) == ("small_talk", manager.replies.goodbye)


@pytest.mark.parametrize("no", ["nah", "Nah, thanks.", "nope thanks", "no need"])
def test_nah_after_an_answer_is_a_no_not_a_question(assistant, no: str) -> None:
    # "nah" after an answer was searched in the help centre and answered with more of the last article
    manager = manager_for(assistant)
    answered = manager.handle(None, "How much does express shipping cost?")

    refused = manager.handle(answered.session_id, no)

    assert (refused.action, refused.intent, refused.text) == ("small_talk", "deny", manager.replies.deny), no
