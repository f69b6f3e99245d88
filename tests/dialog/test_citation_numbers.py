"""Citation numbers: an answer's [n] are numbered from 1 as the sources shown under it, whichever passages it drew on."""

from __future__ import annotations

from answer_fakes import KeywordArticles
from assistant.lm.base import ScriptedGenerator
from dialog.actions import AnswerFromKnowledgeBase
from dialog.manager import DialogManager
from dialog.store import InMemoryStore

ARTICLES = {
    "faq#do-you-sell-e-bikes-old": ("No, we stopped selling e-bikes in 2025.", ("e-bikes",)),
    "faq#do-you-sell-e-bikes": ("Yes, we sell e-bikes from Velo, Riese & Müller and Gazelle.", ("e-bikes",)),
    "shipping": ("Standard shipping takes 2-3 business days.", ("ship",)),
}


class SecondPassage:
    """An extractive answerer that answers with the second passage, cited [2] (the one of two contradicting entries)."""

    name = "second-passage"

    def answer(self, question: str, passages: list[str], **_: object) -> str:
        return f"{passages[1]} [2]"


def manager(extractive: object | None = None, generator: object | None = None) -> DialogManager:
    action = AnswerFromKnowledgeBase(KeywordArticles(ARTICLES), generator, top_k=3, min_score=0.2, max_new_tokens=60, extractive=extractive)
    return DialogManager(InMemoryStore(), action)


def test_an_answer_from_the_second_passage_cites_its_one_source_as_1() -> None:
    """'Do you sell e-bikes?' was answered '... Gazelle. [2]' with one source listed: the customer saw [2] and one source."""
    chat = manager(extractive=SecondPassage())
    reply = chat.handle(None, "Do you sell e-bikes?")

    assert reply.text == "Yes, we sell e-bikes from Velo, Riese & Müller and Gazelle. [1]"
    assert [(s["n"], s["doc_id"]) for s in reply.cited_sources] == [(1, "faq#do-you-sell-e-bikes")]
    assert sorted(s["n"] for s in reply.sources) == [1, 2, 3]  # every passage keeps a number of its own
    assert reply.sources[0]["doc_id"] == "faq#do-you-sell-e-bikes"


def test_a_generated_answer_citing_3_then_2_cites_1_then_2() -> None:
    """The generator's numbers are renumbered in the order it cites them, the sources with them."""
    chat = manager(generator=ScriptedGenerator("We ship in 2-3 business days [3] and sell e-bikes [2]."))
    reply = chat.handle(None, "Do you sell e-bikes and ship?")

    assert reply.text == "We ship in 2-3 business days [1] and sell e-bikes [2]."
    assert [(s["n"], s["doc_id"]) for s in reply.cited_sources] == [(1, "shipping"), (2, "faq#do-you-sell-e-bikes")]
