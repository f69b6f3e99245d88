"""Frustration in words that names a subject ("THIS IS RIDICULOUS, my wifi is broken again") goes to a person by
default (docs/dialog.md, HandoffPolicy; the demo's handoff-frustration script relies on it). A team that would rather
have such a message answered turns ``hand_over_frustrated_questions`` off: the question is answered like an upset
question in capitals, with the offer of a person after it; frustration that asks nothing of the shop still goes to a
person."""

from __future__ import annotations

import pytest

from answer_fakes import FirstSentence, OneArticle, article
from dialog.actions import AnswerFromKnowledgeBase
from dialog.business_rules import BusinessRules
from dialog.manager import DialogManager
from dialog.nlu.rules import RuleBasedIntents, sounds_upset
from dialog.policies import HandoffPolicy, default_policies
from dialog.replies import DEFAULT_REPLIES
from dialog.store import InMemoryStore
from dialog.tracker import Tracker

# an IT service desk's rules: what its business is about
RULES = BusinessRules(shop_subjects=("wifi", "eduroam", "password", "laptop", "parcel"))
WIFI = article("network/wifi", "Forget the network and log in again with your university account. Then restart.")

FRUSTRATED_QUESTIONS = [
    "THIS IS RIDICULOUS, my wifi is broken again",
    "This is ridiculous, my parcel still hasn't arrived",
    "I'm fed up, my password reset never works",
]


def predict(text: str, hand_over: bool = True):
    understanding = RuleBasedIntents().understand(text)
    return HandoffPolicy(RULES, hand_over_frustrated_questions=hand_over).predict(Tracker("s"), understanding, text)


@pytest.mark.parametrize("text", FRUSTRATED_QUESTIONS)
def test_by_default_frustration_with_a_subject_goes_to_a_person(text: str) -> None:
    prediction = predict(text)

    assert prediction is not None and prediction.action == "handoff"
    assert HandoffPolicy(RULES).predict(Tracker("s"), RuleBasedIntents().understand(text), text).action == "handoff"


@pytest.mark.parametrize("text", FRUSTRATED_QUESTIONS)
def test_turned_off_frustration_with_a_subject_is_left_to_the_help_centre(text: str) -> None:
    assert predict(text, hand_over=False) is None  # the knowledge base answers


@pytest.mark.parametrize("text", ["this is ridiculous", "You are useless!!", "I'm so frustrated with you people"])
def test_turned_off_frustration_that_names_no_subject_still_goes_to_a_person(text: str) -> None:
    prediction = predict(text, hand_over=False)

    assert prediction is not None and prediction.action == "handoff"


def test_angry_words_sound_upset_as_capitals_do() -> None:
    assert sounds_upset("this is ridiculous, my wifi is broken again")
    assert not sounds_upset("my wifi is broken again")


def bot(hand_over: bool) -> DialogManager:
    answer = AnswerFromKnowledgeBase(OneArticle(WIFI, score=0.8), None, top_k=3, min_score=0.45, max_new_tokens=8,
                                     extractive=FirstSentence())
    policies = default_policies(RULES, hand_over_frustrated_questions=hand_over)
    return DialogManager(InMemoryStore(), answer, rules=RULES, policies=policies)


def test_turned_off_the_question_is_answered_with_the_offer_of_a_person() -> None:
    reply = bot(hand_over=False).handle(None, "THIS IS RIDICULOUS, my wifi is broken again")

    assert (reply.action, reply.handoff) == ("answer", False)
    assert "Forget the network" in reply.text and reply.text.endswith(DEFAULT_REPLIES.upset_offer)


def test_by_default_the_conversation_goes_to_a_person() -> None:
    reply = bot(hand_over=True).handle(None, "THIS IS RIDICULOUS, my wifi is broken again")

    assert (reply.action, reply.handoff) == ("handoff", True)
