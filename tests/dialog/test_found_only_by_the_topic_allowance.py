"""A reading of a message that the intent model's topic allowance alone lets answer (a best passage under
``min_score``, on the intent's topic) does not hide a reading that reaches ``min_score`` on its own: the whole of a
long message, whose question part is searched first, or the message read with the conversation's last question.

Probe P (an IT help desk): a pasted VPN error log ending "... what should I do?" was searched by its last fragment,
which found the password-reset article at 0.381; the intent model read the same fragment as ``password`` (0.43),
so the reset steps were answered under the 0.45 threshold, while the whole message found the VPN article at 0.69."""

from __future__ import annotations

from dialog.actions import TOPIC_ALLOWANCE, ActionOutcome, AnswerFromKnowledgeBase
from dialog.tracker import Tracker
from retrieval.documents import Chunk, Passage

from answer_fakes import FirstPassage

MIN_SCORE = 0.45
LOW = MIN_SCORE - TOPIC_ALLOWANCE / 2  # on the intent's topic: answered by the allowance alone


def chunk(doc_id: str, title: str, text: str) -> Chunk:
    return Chunk(Chunk.make_id(doc_id, title, text), doc_id, title, title, text, f"{doc_id}.md")


RESET = chunk("accounts/password-reset", "Resetting your password", "Go to the password page and choose Forgotten password.")
VPN = chunk("network/vpn", "Connecting to the VPN", "If the gateway does not respond, choose another gateway in GlobalProtect.")
LABS = chunk("campus/lab-hours", "Computer lab hours", "The labs are open from 8am to 10pm.")

FRAGMENT = "(T4284) Debug( 611): pre-login response timed out after 30000 ms. I have an essay due, what should I do?"
WHOLE = "I am trying to connect to the VPN and GlobalProtect keeps failing: Gateway not responding. " + FRAGMENT


class ByQuery:
    """A help centre of three articles whose search gives each query its own passages (``found``), best first."""

    index_version = "test"

    def __init__(self, found: dict[str, list[Passage]]) -> None:
        self.found = found

    def search(self, query: str, k: int = 3, filters: dict | None = None) -> list[Passage]:
        found = self.found.get(query, [])
        if filters and "doc_id" in filters:
            found = [p for p in found if p.chunk.doc_id == filters["doc_id"]]
        return found[:k]

    def article_titles(self) -> dict[str, str]:
        return {c.doc_id: c.title for c in (RESET, VPN, LABS)}

    def embed_ahead(self, queries: list[str]) -> None:
        pass


def answer(found: dict[str, list[Passage]], question: str, context: str | None, intent: tuple[str, float] | None) -> ActionOutcome:
    action = AnswerFromKnowledgeBase(ByQuery(found), None, top_k=3, min_score=MIN_SCORE, max_new_tokens=8, extractive=FirstPassage())
    *_, last = action.run(Tracker.from_events("s", []), question, context=context, intent=intent)
    assert isinstance(last, ActionOutcome)
    return last


def test_the_whole_message_that_reaches_the_threshold_wins_over_a_fragment_the_topic_allowance_answers() -> None:
    found = {
        FRAGMENT: [Passage(RESET, LOW), Passage(LABS, LOW - 0.06)],
        WHOLE: [Passage(VPN, MIN_SCORE + 0.24), Passage(RESET, MIN_SCORE + 0.01)],
    }

    answered = answer(found, FRAGMENT, WHOLE, ("password", 0.43))

    assert not answered.abstained
    assert answered.query == WHOLE and answered.retrieved[0]["doc_id"] == "network/vpn"
    assert answered.text.startswith("If the gateway does not respond")


def test_the_topic_allowance_still_answers_when_no_other_reading_reaches_the_threshold() -> None:
    """Guards: the lowered floor answers as before when the whole message finds no better (under ``min_score``, or
    only its own allowance), and a fragment that reaches ``min_score`` itself stays the query."""
    weak_whole = {FRAGMENT: [Passage(RESET, LOW)], WHOLE: [Passage(VPN, MIN_SCORE - 0.02)]}
    kept = answer(weak_whole, FRAGMENT, WHOLE, ("password", 0.43))
    assert not kept.abstained and kept.query == FRAGMENT and kept.retrieved[0]["doc_id"] == "accounts/password-reset"

    only_allowed = {FRAGMENT: [Passage(RESET, LOW)], WHOLE: [Passage(RESET, LOW + 0.01)]}
    assert answer(only_allowed, FRAGMENT, WHOLE, ("password", 0.43)).query == FRAGMENT

    plain = {FRAGMENT: [Passage(RESET, MIN_SCORE + 0.01)], WHOLE: [Passage(VPN, MIN_SCORE + 0.24)]}
    assert answer(plain, FRAGMENT, WHOLE, ("password", 0.43)).query == FRAGMENT
    # without an intent's topic nothing changes: the fragment under the threshold is nothing, the whole message answers
    assert answer({FRAGMENT: [Passage(RESET, LOW)], WHOLE: [Passage(VPN, MIN_SCORE + 0.24)]}, FRAGMENT, WHOLE, None).query == WHOLE


def test_a_context_off_the_intents_topic_needs_the_penalised_floor_to_win() -> None:
    """The context's best passage off the intent's topic wins only at ``min_score`` plus the penalty (as it would answer)."""
    from dialog.actions import TOPIC_PENALTY

    found = {FRAGMENT: [Passage(RESET, LOW)], WHOLE: [Passage(VPN, MIN_SCORE + TOPIC_PENALTY / 2)]}
    assert answer(found, FRAGMENT, WHOLE, ("password", 0.43)).query == FRAGMENT
