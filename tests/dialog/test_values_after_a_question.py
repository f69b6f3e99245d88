"""A question followed by a sentence that only gives values ("where is NW-20481736? it's a@x.com or b@y.com"): the
intent model and the request patterns read the question; the values are still found."""

from __future__ import annotations

import pytest

from answer_fakes import FirstSentence, OneArticle, article
from dialog.actions import AnswerFromKnowledgeBase
from dialog.business import demo_actions
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander, asking_part
from dialog.store import InMemoryStore

QUESTION = "where is NW-20481736?"
ADDRESSES = ("a@x.com", "b@y.com")


class ReadsAddressesAsAPerson:
    """A stand-in intent model that reads a message with an e-mail address in it as a request for a person (as the
    demo's did, weakly), anything else as out of scope; it keeps what it was given."""

    name = "reads-addresses"

    def __init__(self) -> None:
        self.read: list[str] = []

    def understand(self, text: str) -> Understanding:
        self.read.append(text)
        if "@" in text:
            return Understanding("human", 0.3, (("human", 0.3),), source="classifier")
        return Understanding("question", 0.2, (("order_status", 0.2),), out_of_scope=True, source="classifier")


@pytest.mark.parametrize("values", [f"it's {ADDRESSES[0]} or {ADDRESSES[1]}", f"My email is {ADDRESSES[0]} or {ADDRESSES[1]}."])
def test_only_the_question_is_read_for_the_intent(values: str) -> None:
    model = ReadsAddressesAsAPerson()

    understood = Understander(model).understand(f"{QUESTION} {values}")

    assert model.read == [QUESTION]
    assert understood.intent == "order_status"
    assert understood.entities["order_number"] == "NW-20481736" and understood.several["email"] == ADDRESSES


@pytest.mark.parametrize("text", [
    "where is NW-20481736? can I change the address?",  # two questions: both read
    "jane.doe@example.com",
    "hi. where is my order?",
])
def test_a_message_whose_sentences_all_ask_or_none_does_is_read_whole(text: str) -> None:
    assert asking_part(text) == text


def test_the_lookup_starts_and_asks_which_address() -> None:
    # was read as a request for a person and searched in the help centre: declined with the offer of one
    answer = AnswerFromKnowledgeBase(OneArticle(article("orders/status", "Orders ship in a day.")), None, top_k=3, min_score=0.45,
                                     max_new_tokens=8, extractive=FirstSentence())
    bot = DialogManager(InMemoryStore(), answer, actions=demo_actions(), understander=Understander(ReadsAddressesAsAPerson()))

    reply = bot.handle(None, f"{QUESTION} it's {ADDRESSES[0]} or {ADDRESSES[1]}")

    assert reply.action == "business" and reply.requested_slot == "email"
    assert all(address in reply.text for address in ADDRESSES)
