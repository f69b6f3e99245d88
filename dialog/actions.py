"""Actions: the only code that writes bot replies. Each yields text pieces, then one ActionOutcome."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from assistant.lm.base import Generator
from assistant.lm.extractive import ExtractiveAnswerer
from assistant.lm.prompts import PromptPassage, attribute, build_messages, check_answer
from dialog.events import BotAnswer, Event, HandoffRequested, RetrievalDone
from dialog.tracker import Tracker
from retrieval.documents import Passage
from retrieval.retriever import Retriever

NOT_FOUND = (
    "I couldn't find the answer to that in our help centre, so I'd rather not guess. "
    "Would you like me to connect you with a member of our support team?"
)
HANDOFF = "I'm handing you over to a member of our support team. They will see this conversation and reply here."
FALLBACK = (
    "Sorry, I can't search our help centre right now. Your message is saved; "
    "would you like me to connect you with a member of our support team?"
)
SMALL_TALK = {
    "greet": "Hello! I can answer questions about orders, shipping, returns, billing, accounts and more. How can I help?",
    "thanks": "You're welcome! Is there anything else I can help with?",
    "goodbye": "Thanks for getting in touch. Goodbye!",
}


@dataclass
class ActionOutcome:
    """What an action did: its reply, the events to append, and the facts for the decision record."""

    text: str
    events: list[Event]
    sources: list[dict[str, Any]] = field(default_factory=list)
    query: str | None = None
    retrieved: list[dict[str, Any]] = field(default_factory=list)
    abstained: bool = False
    handoff: bool = False
    model: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    reason: str | None = None  # overrides the policy's reason when the action decided otherwise
    index_version: str | None = None  # the knowledge-base index the answer was retrieved from


def _fixed_reply(text: str, action: str, **kwargs: Any) -> Iterator[str | ActionOutcome]:
    yield text
    events: list[Event] = list(kwargs.pop("extra_events", []))
    events.append(BotAnswer(text=text, action=action, abstained=kwargs.get("abstained", False)))
    yield ActionOutcome(text=text, events=events, **kwargs)


def small_talk(intent: str) -> Iterator[str | ActionOutcome]:
    return _fixed_reply(SMALL_TALK.get(intent, SMALL_TALK["greet"]), "small_talk")


def hand_off(reason: str) -> Iterator[str | ActionOutcome]:
    return _fixed_reply(HANDOFF, "handoff", handoff=True, extra_events=[HandoffRequested(reason=reason)])


def fallback(error: str | None = None) -> Iterator[str | ActionOutcome]:
    return _fixed_reply(FALLBACK, "fallback", error=error)


def _source(n: int, passage: Passage, cited: bool) -> dict[str, Any]:
    chunk = passage.chunk
    return {
        "n": n,
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "heading": chunk.heading,
        "url": chunk.url,
        "score": round(passage.score, 4),
        "cited": cited,
    }


class AnswerFromKnowledgeBase:
    """Retrieve passages, decline when none is close enough, otherwise write a cited answer."""

    def __init__(
        self,
        retriever: Retriever,
        generator: Generator | None,
        top_k: int,
        min_score: float,
        max_new_tokens: int,
        extractive: ExtractiveAnswerer | None = None,
    ) -> None:
        if generator is None and extractive is None:
            raise ValueError("an answer needs a generator or an extractive answerer")
        self.retriever = retriever
        self.generator = generator
        self.extractive = extractive  # when set, answers are passage sentences instead of generated text
        self.top_k = top_k
        self.min_score = min_score
        self.max_new_tokens = max_new_tokens

    def run(self, tracker: Tracker, question: str) -> Iterator[str | ActionOutcome]:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        passages = self.retriever.search(question, k=self.top_k)
        timings["retrieval_ms"] = (time.perf_counter() - started) * 1000
        retrieved = [{"chunk_id": p.chunk.chunk_id, "doc_id": p.chunk.doc_id, "score": round(p.score, 4)} for p in passages]
        retrieval_event = RetrievalDone(query=question, passages=tuple(retrieved))
        common = {"query": question, "retrieved": retrieved, "index_version": self.retriever.index_version}

        if not passages or passages[0].score < self.min_score:
            reason = f"best passage score {passages[0].score:.2f} < {self.min_score}" if passages else "empty index"
            yield NOT_FOUND
            yield ActionOutcome(
                text=NOT_FOUND,
                events=[retrieval_event, BotAnswer(text=NOT_FOUND, action="answer", abstained=True)],
                abstained=True,
                timings_ms=timings,
                reason=reason,
                **common,
            )
            return

        started = time.perf_counter()
        pieces: list[str] = []
        if self.extractive is not None:
            pieces.append(self.extractive.answer(question, [p.chunk.text for p in passages]))
            timings["extraction_ms"] = (time.perf_counter() - started) * 1000
            yield pieces[0]
            model = self.extractive.name
        else:
            assert self.generator is not None
            messages = build_messages(question, [PromptPassage(p.chunk.heading, p.chunk.text) for p in passages])
            for piece in self.generator.stream(messages, max_new_tokens=self.max_new_tokens):
                if not pieces:
                    timings["first_token_ms"] = (time.perf_counter() - started) * 1000
                pieces.append(piece)
                yield piece
            timings["generation_ms"] = (time.perf_counter() - started) * 1000
            model = self.generator.name

        checked = check_answer("".join(pieces), len(passages))
        if checked.abstained:
            text, sources = NOT_FOUND, []
        else:
            text = checked.text
            # no [n] in the answer: credit the passage it was visibly drawn from, if any
            cited = checked.cited or attribute(text, [p.chunk.text for p in passages])
            sources = [_source(n, p, n in cited) for n, p in enumerate(passages, start=1)]
        citations = tuple(s for s in sources if s["cited"])
        yield ActionOutcome(
            text=text,
            events=[retrieval_event, BotAnswer(text=text, action="answer", citations=citations, abstained=checked.abstained)],
            sources=sources,
            abstained=checked.abstained,
            model=model,
            timings_ms=timings,
            **common,
        )
