"""The decision record's reason for a decline shows the best passage's score with enough digits that the comparison it
states is true: "best passage score 0.86 < 0.86" hid why a question was declined."""

from __future__ import annotations

import re

import pytest

from dialog.actions import TOPIC_ALLOWANCE, ActionOutcome, AnswerFromKnowledgeBase, below
from dialog.tracker import Tracker
from retrieval.documents import Chunk, Passage

from answer_fakes import FirstPassage

REFUNDS = Chunk(Chunk.make_id("billing/refunds", "Refunds", "Refunds go back to the card."), "billing/refunds", "Refunds", "Refunds",
                "Refunds go back to the card.", "billing/refunds.md")


class OnePassage:
    """A retriever that always finds the refunds passage with ``score``."""

    index_version = "test"

    def __init__(self, score: float) -> None:
        self.score = score

    def search(self, query: str, k: int = 3, filters: dict | None = None) -> list[Passage]:
        return [Passage(REFUNDS, self.score)]

    def article_titles(self) -> dict[str, str]:
        return {"billing/refunds": "Refunds"}

    def embed_ahead(self, queries: list[str]) -> None:
        pass


def declined(score: float, min_score: float, intent: tuple[str, float] | None = None) -> str:
    action = AnswerFromKnowledgeBase(OnePassage(score), None, top_k=3, min_score=min_score, max_new_tokens=8, extractive=FirstPassage())
    *_, last = action.run(Tracker.from_events("s", []), "question", intent=intent)
    assert isinstance(last, ActionOutcome) and last.abstained
    return last.reason


def compared(reason: str) -> tuple[str, str]:
    found = re.search(r"best passage score (\S+) < (\S+)", reason)
    assert found is not None, reason
    return found.group(1), found.group(2)


@pytest.mark.parametrize(("score", "min_score"), [(0.8594, 0.86), (0.3449, 0.345), (0.1, 0.35), (0.59999, 0.6)])
def test_the_score_in_the_reason_reads_below_the_threshold(score: float, min_score: float) -> None:
    # was "best passage score 0.86 < 0.86"
    shown, threshold = compared(declined(score, min_score))

    assert float(shown) < float(threshold) and float(threshold) == min_score
    assert abs(float(shown) - score) < 0.001


def test_the_floor_of_a_topic_reads_above_the_score_too() -> None:
    # a confident intent on the passage's topic lowers the floor to min_score less TOPIC_ALLOWANCE
    floor = 0.5 - TOPIC_ALLOWANCE
    shown, threshold = compared(declined(floor - 0.0004, 0.5, intent=("refund", 0.94)))

    assert float(shown) < float(threshold) and abs(float(threshold) - floor) < 1e-9


@pytest.mark.parametrize(("score", "floor", "said"), [
    (0.8594, 0.86, "0.859 < 0.86"), (0.1, 0.35, "0.10 < 0.35"), (0.44, 0.45 - 0.05, "0.44 < 0.4"),  # not below: as it is
    (0.2999, 0.35 - 0.05, "0.2999 < 0.3"),  # 0.35 - 0.05 is 0.29999999999999993
])
def test_below_says_the_comparison_with_as_few_digits_as_keep_it_true(score: float, floor: float, said: str) -> None:
    assert below(score, floor) == said
