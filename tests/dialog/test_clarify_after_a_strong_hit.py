"""A message the knowledge base answers for certain (an FAQ question asked word for word, or a very high score) is
answered, not met with a choice of two close intents (probe F: "Do you sell new bikes?", the FAQ's own question at
0.903, got "Which of these do you mean? Check the status of an order / Rental")."""

from __future__ import annotations

from assistant.app import Assistant
from dialog.business import demo_actions
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.policies import ClarifyPolicy, asks_the_passages_question
from dialog.store import InMemoryStore
from dialog.tracker import Tracker
from retrieval.documents import Chunk, Passage

CLOSE = Understanding(
    "order_status", 0.36, ranking=(("order_status", 0.36), ("rental", 0.27)), source="classifier"
)


class Torn:
    """Reads every message as order_status, a little ahead of rental: close enough to ask which."""

    name = "torn"

    def understand(self, text: str) -> Understanding:
        return CLOSE


def passage(heading: str, score: float) -> Passage:
    text = "No, we only sell second-hand bikes."
    return Passage(Chunk(Chunk.make_id("faq", heading, text), "faq#q", "FAQ", heading, text, "faq.csv"), score)


class Finds:
    """A retriever that finds ``passages`` for every query."""

    def __init__(self, *passages: Passage) -> None:
        self.passages = list(passages)

    def search(self, query: str, k: int = 3) -> list[Passage]:
        return self.passages[:k]


def clarify(knowledge: object, text: str) -> str | None:
    prediction = ClarifyPolicy(routed_intents=frozenset({"order_status"}), knowledge=knowledge).predict(Tracker("s"), CLOSE, text)
    return prediction.action if prediction is not None else None


def test_an_faq_question_asked_nearly_word_for_word_is_its_question() -> None:
    assert asks_the_passages_question("Do you sell new bikes?", "Do you sell new bikes?")
    assert asks_the_passages_question("do you do guided tours", "Tours > Do you offer guided tours?")  # 4 words of 5
    assert not asks_the_passages_question("Do you sell helmets?", "Do you sell new bikes?")
    assert not asks_the_passages_question("refund", "Refund")  # one word tells no question
    assert not asks_the_passages_question("How do I cancel?", "Can I cancel my order?")


def test_a_strong_search_hit_is_answered_rather_than_clarified() -> None:
    assert clarify(Finds(passage("Do you sell new bikes?", 0.70)), "Do you sell new bikes?") is None  # its question
    assert clarify(Finds(passage("Buying a bike", 0.91)), "are the bikes you sell new?") is None  # a very high score
    # a weaker hit, or none, leaves the choice of the two intents
    assert clarify(Finds(passage("Buying a bike", 0.60)), "are the bikes you sell new?") == "clarify"
    assert clarify(Finds(), "Do you sell new bikes?") == "clarify"
    assert clarify(None, "Do you sell new bikes?") == "clarify"


def test_an_faq_question_of_the_help_centre_is_answered_from_it(assistant: Assistant) -> None:
    # was "Which of these do you mean? Check the status of an order / Rental"
    dialog = DialogManager(InMemoryStore(), assistant.manager.answer_action, understander=Understander(Torn()), actions=demo_actions())

    asked = dialog.handle(None, "Do you offer gift wrapping?")
    vague = dialog.handle(None, "gift wrapping for an order?")

    assert asked.action == "answer"
    assert any(source["doc_id"].startswith("faq") for source in asked.cited_sources)
    assert vague.action == "clarify"  # nothing matched for certain: the intents are still asked about
