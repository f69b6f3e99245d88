"""Policies look at the conversation and propose the next action with a confidence and a reason.

The highest confidence wins; on a tie the lower ``priority`` number wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from dialog.nlu.rules import Understanding
from dialog.tracker import Tracker

SMALL_TALK_INTENTS = ("greet", "thanks", "goodbye")


@dataclass(frozen=True)
class Prediction:
    action: str  # "answer", "small_talk", "handoff", "fallback"
    confidence: float
    reason: str
    priority: int = 10


class Policy(Protocol):
    def predict(self, tracker: Tracker, understanding: Understanding) -> Prediction | None: ...


class HandoffPolicy:
    """Hand over to a human when the customer asks for one."""

    def predict(self, tracker: Tracker, understanding: Understanding) -> Prediction | None:
        if understanding.intent == "human":
            return Prediction("handoff", understanding.confidence, "the customer asked for a human", priority=0)
        return None


class SmallTalkPolicy:
    """Greetings, thanks and goodbyes get a short friendly reply, not a knowledge-base search."""

    def predict(self, tracker: Tracker, understanding: Understanding) -> Prediction | None:
        if understanding.intent in SMALL_TALK_INTENTS:
            return Prediction("small_talk", understanding.confidence, f"small talk: {understanding.intent}", priority=5)
        return None


class KnowledgeBasePolicy:
    """By default, answer from the knowledge base (the answer action declines when nothing fits)."""

    def predict(self, tracker: Tracker, understanding: Understanding) -> Prediction | None:
        return Prediction("answer", 0.5, "a question for the knowledge base", priority=10)


DEFAULT_POLICIES: tuple[Policy, ...] = (HandoffPolicy(), SmallTalkPolicy(), KnowledgeBasePolicy())


def choose(predictions: Sequence[Prediction | None]) -> Prediction:
    """The winning prediction; a fallback when no policy proposed anything."""
    candidates = [p for p in predictions if p is not None]
    if not candidates:
        return Prediction("fallback", 0.0, "no policy applied", priority=99)
    return max(candidates, key=lambda p: (p.confidence, -p.priority))
