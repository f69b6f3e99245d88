"""Messages right after a knowledge-base answer: a failed answer ("still nothing"), a weakly read follow-up
("and what about after it has shipped?"), a yes/no question about the answer, "tell me more" after an answer the
intent's topic let through, and two order numbers listed without a request."""

from __future__ import annotations

import pytest

from answer_fakes import FirstSentence, OneArticle
from dialog.actions import AnswerFromKnowledgeBase
from dialog.business import demo_actions
from dialog.events import BotAnswer, IntentPredicted, RetrievalDone, UserMessage
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.nlu.rules import RuleBasedIntents
from dialog.policies import BusinessActionPolicy, ClarifyPolicy, default_policies
from dialog.store import InMemoryStore
from dialog.tracker import Tracker
from retrieval.documents import Chunk


def after_an_answer(question: str, intent: str = "question", confidence: float = 0.6) -> Tracker:
    """The conversation right after ``question`` was answered from the knowledge base."""
    return Tracker.from_events("s", [
        UserMessage(text=question),
        IntentPredicted(intent=intent, confidence=confidence, source="classifier"),
        RetrievalDone(query=question, passages=()),
        BotAnswer(text="An answer. [1]", action="answer", citations=({"n": 1, "doc_id": "help/article"},)),
    ])


@pytest.mark.parametrize("text", ["still nothing", "still not working", "nothing yet", "still no email", "no, still nothing"])
def test_still_nothing_is_a_failed_answer_not_a_goodbye(text: str) -> None:
    # after the password-reset answer the intent model read "still nothing" as a goodbye (0.50)
    assert RuleBasedIntents().understand(text).intent == "not_helped"


def test_a_weakly_read_follow_up_after_an_answer_is_answered_not_looked_up() -> None:
    policy = BusinessActionPolicy(demo_actions())
    weak = Understanding("order_status", 0.54, ranking=(("order_status", 0.54),), source="classifier")
    text = "and what about after it has shipped?"

    assert policy.predict(after_an_answer("can I change my delivery address?"), weak, text) is None
    # without an answer before it, or read by a keyword rule, it is still the lookup
    assert policy.predict(Tracker.from_events("s", []), weak, text).argument == "order_status"
    by_rule = Understanding("order_status", 0.95, ranking=(("order_status", 0.95),))
    assert policy.predict(after_an_answer("can I change my delivery address?"), by_rule, "and where is my order?").action == "business"


def test_a_yes_no_question_after_an_answer_is_not_met_with_a_choice_of_weak_intents() -> None:
    policy = ClarifyPolicy(routed_intents=frozenset({"order_status"}))
    weak = Understanding("cancel_order", 0.39, ranking=(("cancel_order", 0.39), ("order_status", 0.31)), source="classifier")
    text = "will my orders be deleted too?"

    assert policy.predict(after_an_answer("how do I close my account?"), weak, text) is None
    assert policy.predict(Tracker.from_events("s", []), weak, text).action == "clarify"  # nothing answered yet: asked


def test_two_order_numbers_listed_without_a_request_ask_which_one_to_look_up() -> None:
    policies = default_policies(actions=demo_actions())
    text = "I have two orders NW-20481736 and NW-20481737"
    read = Understanding("change_order", 0.5, ranking=(("change_order", 0.5),), source="classifier",
                         several={"order_number": ("NW-20481736", "NW-20481737")})
    predictions = [p.predict(Tracker.from_events("s", []), read, text) for p in policies]

    assert any(p is not None and (p.action, p.argument) == ("business", "order_status") for p in predictions)


def chunk(doc_id: str, title: str, text: str) -> Chunk:
    return Chunk(Chunk.make_id(doc_id, title, text), doc_id, title, title, text, f"{doc_id}.md")


DELIVERY = chunk("shipping/delivery-options", "Delivery options", "Standard delivery takes 3-5 business days. Express takes 1-2 days.")


class DeliveryQuestions:
    """Reads a question on delivery as the delivery intent, anything else as a plain question."""

    name = "fake"

    def understand(self, text: str) -> Understanding:
        if "deliver" in text:
            return Understanding("delivery", 0.7, ranking=(("delivery", 0.7),), source="classifier")
        return Understanding("question", 0.5, source="classifier")


def test_tell_me_more_keeps_the_threshold_the_answer_it_continues_had() -> None:
    action = AnswerFromKnowledgeBase(OneArticle(DELIVERY, 0.42), None, top_k=3, min_score=0.45, max_new_tokens=8, extractive=FirstSentence())
    manager = DialogManager(InMemoryStore(), action, understander=Understander(DeliveryQuestions()))

    first = manager.handle(None, "how long does delivery take?")
    more = manager.handle(first.session_id, "tell me more")

    assert (first.action, first.abstained) == ("answer", False)  # 0.42, let through by the delivery topic
    assert (more.action, more.abstained) == ("answer", False), more.reason  # was declined: 0.42 < 0.45
    assert "Express" in more.text


ACCOUNT = chunk("accounts/delete-account", "Delete your account", "Press Delete my account. Your old orders will not appear in a new account.")


class WeakAfterTheFirst:
    """Reads the account and PayPal questions surely, anything else as two weak guesses close together."""

    name = "fake"

    def understand(self, text: str) -> Understanding:
        if "account" in text or "PayPal" in text:
            return Understanding("account", 0.9, ranking=(("account", 0.9),), source="classifier")
        return Understanding("cancel_order", 0.39, ranking=(("cancel_order", 0.39), ("order_status", 0.31)), source="classifier")


@pytest.mark.parametrize("understander", [Understander(WeakAfterTheFirst()), Understander()], ids=["intent model", "rules only"])
def test_a_yes_no_question_after_an_answer_is_searched_with_the_question_it_follows(understander: Understander) -> None:
    retriever = OneArticle(ACCOUNT)
    action = AnswerFromKnowledgeBase(retriever, None, top_k=3, min_score=0.45, max_new_tokens=8, extractive=FirstSentence())
    manager = DialogManager(InMemoryStore(), action, actions=demo_actions(), understander=understander)

    first = manager.handle(None, "how do I close my account?")
    # "removed": "deleted" shares a word with the answer ("Press Delete my account"), and is searched alone first
    then = manager.handle(first.session_id, "will my orders be removed too?")

    assert (then.action, then.abstained) == ("answer", False)
    assert "close my account" in then.query  # searched alone, it found the cancel-an-order article
    own = manager.handle(first.session_id, "can I pay with PayPal?")  # a question of its own: searched as it is
    assert own.query == "can I pay with PayPal?"
