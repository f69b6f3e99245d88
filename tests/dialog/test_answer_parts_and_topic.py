"""The answer action: an article a passage points to is searched with each part of a two-part question, and an
intent model that is fairly sure (the damaged lamp, return_item 0.48) lets a passage on its topic answer."""

from __future__ import annotations

from dialog.actions import TOPIC_ALLOWANCE, ActionOutcome, AnswerFromKnowledgeBase
from dialog.tracker import Tracker
from retrieval.documents import Chunk, Passage

from answer_fakes import FirstPassage as FirstSentence

MIN_SCORE = 0.45


def chunk(doc_id: str, heading: str, text: str) -> Chunk:
    title = heading.split(" > ")[0]
    return Chunk(Chunk.make_id(doc_id, heading, text), doc_id, title, heading, text, f"{doc_id}.md")


REFUND_HOW = chunk("billing/refunds", "Refunds > How to get a refund",
                   "To get a refund, start a return from your order (see the article on how to return an item).")
REFUND_TIMES = chunk("billing/refunds", "Refunds > How long refunds take", "Card refunds take 5-10 business days.")
RETURN_STEPS = chunk("returns/how-to-return", "How to return an item > Start your return",
                     "1. Go to **Orders** and select the order.\n2. Press **Return items**.")
RETURN_AFTER = chunk("returns/how-to-return", "How to return an item > After drop-off",
                     "You can follow your return under **Orders**; refund times are in our refunds article.")
DAMAGED = chunk("returns/damaged-items", "Damaged, faulty or wrong items > Report it within 7 days",
                "If an item arrives damaged, press **Report a problem** on the order.")


class QueryRetriever:
    """Finds, for each query, the passages ``by_query`` gives it (``default`` for any other), best first."""

    index_version = "test"

    def __init__(self, by_query: dict[str, list[Passage]], default: list[Passage], articles: list[Chunk]) -> None:
        self.by_query, self.default = by_query, default
        self.articles = {c.doc_id: c.title for c in articles}

    def search(self, query: str, k: int = 3, filters: dict | None = None) -> list[Passage]:
        found = self.by_query.get(query, self.default)
        if filters and "doc_id" in filters:
            found = [p for p in found if p.chunk.doc_id == filters["doc_id"]]
        return found[:k]

    def article_titles(self) -> dict[str, str]:
        return self.articles

    def embed_ahead(self, queries: list[str]) -> None:
        pass


def action(retriever: QueryRetriever) -> AnswerFromKnowledgeBase:
    return AnswerFromKnowledgeBase(retriever, None, top_k=3, min_score=MIN_SCORE, max_new_tokens=8, extractive=FirstSentence())


def test_an_article_a_passage_points_to_is_searched_with_each_part_of_the_question() -> None:
    """'how do I return something and how long do refunds take?': the whole question finds the returns article's
    'After drop-off'; the steps are what its first part asks for."""
    question = "how do I return something and how long do refunds take"
    whole = [Passage(REFUND_HOW, 0.7), Passage(REFUND_TIMES, 0.65), Passage(RETURN_AFTER, 0.6)]
    retriever = QueryRetriever(
        {"how do I return something": [Passage(RETURN_STEPS, 0.72), Passage(RETURN_AFTER, 0.6)], "how long do refunds take": whole},
        whole, [REFUND_HOW, RETURN_STEPS],
    )
    passages, links = action(retriever).add_linked_passages(question, whole)

    assert [p.chunk for p in passages] == [REFUND_HOW, REFUND_TIMES, RETURN_AFTER, RETURN_STEPS]
    assert links[REFUND_HOW.text] == [3, 4]


def test_a_one_part_question_adds_no_passage_of_an_article_already_there() -> None:
    found = [Passage(REFUND_HOW, 0.7), Passage(RETURN_AFTER, 0.6)]
    retriever = QueryRetriever({}, [*found, Passage(RETURN_STEPS, 0.5)], [REFUND_HOW, RETURN_STEPS])
    passages, links = action(retriever).add_linked_passages("how do I get a refund", found)

    assert [p.chunk for p in passages] == [REFUND_HOW, RETURN_AFTER]
    assert links[REFUND_HOW.text] == [2]


def test_a_fairly_sure_intent_on_the_passages_topic_answers_a_lower_score() -> None:
    """'the lamp i got is smashed' (return_item 0.48): the damaged-items article at 0.39 was declined."""
    found = [Passage(DAMAGED, MIN_SCORE - TOPIC_ALLOWANCE / 2)]
    retriever = QueryRetriever({}, found, [DAMAGED])
    *_, last = action(retriever).run(Tracker.from_events("s", []), "the lamp i got is smashed", intent=("return_item", 0.48))

    assert isinstance(last, ActionOutcome)
    assert not last.abstained and "Report a problem" in last.text
    *_, unsure = action(retriever).run(Tracker.from_events("s", []), "the lamp i got is smashed", intent=("return_item", 0.3))
    assert isinstance(unsure, ActionOutcome) and unsure.abstained
