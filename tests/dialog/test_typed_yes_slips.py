"""A one-word "yes" typed with a slip is a slip only in forms that make no other word of it: two neighbours swapped
("yse", "yeha"), a letter typed twice ("yess"), a letter left out ("ys", "yeh"). A letter changed or added makes words
of their own, "year", "yen", "yew", "yeas", which were read as a yes (and took the offer of a person)."""

from __future__ import annotations

import pytest

from answer_fakes import FirstSentence, OneArticle, article
from dialog.actions import AnswerFromKnowledgeBase
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.nlu.rules import RuleBasedIntents
from dialog.store import InMemoryStore

OTHER_WORDS = ["year", "yen", "yew", "yeas", "Year!", "yet"]
SLIPS = ["yse", "Yse!", "yeha", "yaeh", "yess", "yeahh", "ys", "yeh"]


@pytest.mark.parametrize("text", OTHER_WORDS)
def test_a_word_one_letter_changed_or_added_from_yes_is_no_yes(text: str) -> None:
    assert RuleBasedIntents().understand(text).intent != "affirm"


@pytest.mark.parametrize("text", SLIPS)
def test_a_yes_swapped_doubled_or_cut_short_is_a_yes(text: str) -> None:
    assert RuleBasedIntents().understand(text).intent == "affirm"


class ReadsAsAGreeting:
    """The intent model's reading of a short reply: a greeting; of anything longer, a question."""

    name = "fake"

    def understand(self, text: str) -> Understanding:
        if len(text) <= 4:
            return Understanding("greet", 0.6, ranking=(("greet", 0.6),), source="classifier")
        return Understanding("question", 0.5, source="classifier")


@pytest.mark.parametrize(("text", "taken"), [("yen", False), ("year", False), ("yse", True), ("yess", True)])
def test_only_a_slip_of_yes_takes_the_offer_of_a_person(text: str, taken: bool) -> None:
    action = AnswerFromKnowledgeBase(OneArticle(article("about", "Northwind Goods sells home goods."), 0.1), None, top_k=3, min_score=0.45, max_new_tokens=8, extractive=FirstSentence())
    manager = DialogManager(InMemoryStore(), action, understander=Understander(ReadsAsAGreeting()), handoff_after_failures=0)
    first = manager.handle(None, "zzz qqq")  # found nothing: a person offered
    assert manager.tracker(first.session_id).handoff_offered
    then = manager.handle(first.session_id, text)
    assert then.handoff is taken
