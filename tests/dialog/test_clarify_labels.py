"""A clarifying question between articles of the same title (one per product line) offers buttons that differ."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.lm.base import ScriptedGenerator
from dialog.actions import AnswerFromKnowledgeBase
from dialog.manager import DialogManager
from dialog.store import InMemoryStore
from retrieval.documents import Chunk, Passage


@dataclass
class FakeRetriever:
    passages: list[Passage]
    index_version: str = "v1"

    def search(self, query: str, k: int = 3, filters: dict | None = None) -> list[Passage]:
        return [p for p in self.passages if not filters or p.chunk.doc_id == filters.get("doc_id")][:k]

    def article_titles(self) -> dict[str, str]:
        return {p.chunk.doc_id: p.chunk.title for p in self.passages}

    def embed_ahead(self, queries: list[str]) -> None:
        pass


def passage(doc_id: str, title: str, score: float, text: str) -> Passage:
    return Passage(Chunk(abs(hash(doc_id)) % 10_000, doc_id, title, title, text, source=doc_id), score)


def test_articles_of_one_title_in_two_product_lines_are_offered_with_their_folder_and_each_can_be_picked() -> None:
    passages = [
        passage("home/returns", "Returns", 0.69, "Acme Home takes returns within 30 days."),
        passage("business/returns", "Returns", 0.68, "Acme Business takes returns within 60 days."),
        passage("business/refunds", "Refunds", 0.67, "Refunds reach the card in five days."),
    ]
    manager = DialogManager(InMemoryStore(), AnswerFromKnowledgeBase(FakeRetriever(passages), ScriptedGenerator(), 3, 0.45, 160, clarify_margin=0.03))

    asked = manager.handle(None, "Returns?")
    chosen = manager.handle(asked.session_id, "Returns (business)")

    assert asked.action == "clarify" and asked.options == ["Returns (home)", "Returns (business)"]  # both were "Returns"
    assert chosen.action == "answer" and [s["doc_id"] for s in chosen.sources] == ["business/returns"]


def test_titles_that_differ_are_offered_as_they_are() -> None:
    passages = [
        passage("orders/cancelling-an-order", "Cancel an order", 0.69, "Cancel an order under Orders within one hour."),
        passage("subscriptions/cancel-membership", "Cancel a membership", 0.67, "Cancel Northwind Plus under Membership."),
    ]
    manager = DialogManager(InMemoryStore(), AnswerFromKnowledgeBase(FakeRetriever(passages), ScriptedGenerator(), 3, 0.45, 160, clarify_margin=0.03))

    assert manager.handle(None, "How do I cancel?").options == ["Cancel an order", "Cancel a membership"]
