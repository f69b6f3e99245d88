"""The intent model's opinion in the decision to answer: a confident intent that agrees with the best
passage's topic lets a lower score answer, one that disagrees asks for a higher one (retrieval.topics)."""

from __future__ import annotations

from dialog.actions import TOPIC_ALLOWANCE, TOPIC_PENALTY, ActionOutcome, AnswerFromKnowledgeBase
from dialog.tracker import Tracker
from retrieval.documents import Chunk, Passage
from retrieval.topics import agrees, names_a_topic

MIN_SCORE = 0.45


def chunk(doc_id: str, title: str, text: str) -> Chunk:
    return Chunk(Chunk.make_id(doc_id, title, text), doc_id, title, title, text, f"{doc_id}.md")


REFUNDS = chunk("billing/refunds", "Refunds", "Refunds always go back to the original payment method.")
WISHLIST = chunk("faq#can-i-save-items-to-buy-later", "Can I save items to buy later?", "Yes. Press the heart icon to add it to your Wishlist.")
DELIVERY = chunk("shipping/delivery-options", "Delivery options", "Standard delivery takes 3-5 business days.")


class FakeRetriever:
    """Always finds ``found`` (best first); the knowledge base's articles are those of ``articles``."""

    index_version = "test"

    def __init__(self, found: list[Passage], articles: list[Chunk]) -> None:
        self.found = found
        self.articles = {c.doc_id: c.title for c in articles if not c.doc_id.startswith("faq#")}

    def search(self, query: str, k: int = 3, filters: dict | None = None) -> list[Passage]:
        if filters and "doc_id" in filters:
            return [p for p in self.found if p.chunk.doc_id == filters["doc_id"]][:k]
        return self.found[:k]

    def article_titles(self) -> dict[str, str]:
        return self.articles

    def embed_ahead(self, queries: list[str]) -> None:
        pass


class FirstSentence:
    """Answers with the first passage's text, cited."""

    name = "first-sentence"

    def answer(self, question: str, passages: list[str], **_: object) -> str:
        return f"{passages[0]} [1]"


def outcome(found: list[Passage], intent: tuple[str, float] | None) -> ActionOutcome:
    retriever = FakeRetriever(found, [REFUNDS, DELIVERY, WISHLIST])
    action = AnswerFromKnowledgeBase(retriever, None, top_k=3, min_score=MIN_SCORE, max_new_tokens=8, extractive=FirstSentence())
    *_, last = action.run(Tracker.from_events("s", []), "question", intent=intent)
    assert isinstance(last, ActionOutcome)
    return last


def test_topic_words_match_intent_names_to_document_ids() -> None:
    assert agrees("refund", "billing/refunds")
    assert agrees("return_item", "returns/damaged-items", "Damaged, faulty or wrong items")
    assert agrees("track_parcel", "shipping/lost-parcels", "Lost or missing parcels")
    assert agrees("change_order", "orders/changing-an-order")
    assert not agrees("track_parcel", "orders/order-status", "Checking your order status")
    assert not agrees("shipping", "faq#can-i-save-items-to-buy-later", "Can I save items to buy later?")
    assert names_a_topic("refund", [("billing/refunds", "Refunds")])
    assert not names_a_topic("human", [("billing/refunds", "Refunds"), ("contact/phone-support", "Phone support")])


def test_a_confident_intent_on_the_best_passages_topic_answers_a_lower_score() -> None:
    """'I want my money back': the refunds article is found, with a score under the threshold."""
    low = MIN_SCORE - TOPIC_ALLOWANCE / 2
    found = [Passage(REFUNDS, low), Passage(DELIVERY, low - 0.05)]

    assert outcome(found, None).abstained  # the score alone: declined, as before
    assert outcome(found, ("refund", 0.3)).abstained  # the intent model unsure: the score alone
    answered = outcome(found, ("refund", 0.94))
    assert not answered.abstained and answered.text.startswith("Refunds always go back")
    assert outcome([Passage(REFUNDS, MIN_SCORE - TOPIC_ALLOWANCE - 0.01)], ("refund", 0.94)).abstained  # not without limit


def test_a_confident_intent_off_the_best_passages_topic_asks_for_a_higher_score() -> None:
    """'can I pick up in store' (shipping): closest to the FAQ entry on the Wishlist, just over the threshold."""
    found = [Passage(WISHLIST, MIN_SCORE + TOPIC_PENALTY / 2), Passage(DELIVERY, MIN_SCORE - 0.1)]

    assert not outcome(found, None).abstained  # the score alone: the Wishlist answer, as before
    declined = outcome(found, ("shipping", 0.77))
    assert declined.abstained and "not on its topic" in (declined.reason or "")
    # an intent the knowledge base has no article on says nothing about the passages
    assert not outcome(found, ("human", 0.9)).abstained
    assert not outcome([Passage(WISHLIST, MIN_SCORE + TOPIC_PENALTY + 0.01)], ("shipping", 0.77)).abstained


def test_a_passage_on_the_intents_topic_below_the_best_counts() -> None:
    """'where is my parcel': ranked first is an unrelated FAQ entry under the threshold, third the article on it."""
    found = [Passage(WISHLIST, MIN_SCORE - 0.05), Passage(REFUNDS, MIN_SCORE - 0.1), Passage(DELIVERY, MIN_SCORE + 0.1)]

    assert outcome(found, None).abstained
    assert not outcome(found, ("delivery", 0.9)).abstained


def test_a_very_confident_intent_steers_the_extractive_answer_to_its_topics_passages() -> None:
    class Recording(FirstSentence):
        def answer(self, question: str, passages: list[str], **options: object) -> str:
            self.on_topic = options.get("on_topic")
            return super().answer(question, passages)

    found = [Passage(WISHLIST, 0.6), Passage(DELIVERY, 0.55)]
    for confidence, steered in ((0.9, {2}), (0.6, set())):
        recording = Recording()
        action = AnswerFromKnowledgeBase(
            FakeRetriever(found, [DELIVERY, WISHLIST]), None, top_k=3, min_score=MIN_SCORE, max_new_tokens=8, extractive=recording
        )
        *_, last = action.run(Tracker.from_events("s", []), "question", intent=("delivery", confidence))
        assert not last.abstained and recording.on_topic == steered
