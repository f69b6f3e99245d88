"""Prompt building and citation checking: pure functions, no model involved."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.lm.base import Message

DONT_KNOW = "I don't know"

SYSTEM_PROMPT = (
    "You are a customer support assistant for an online shop. Answer the customer's question "
    "using only the help-centre passages. Answer in one or two short sentences, with the exact "
    "numbers, prices and names from the passages. After each sentence, write the number of the "
    "passage it comes from in square brackets, like [1]. If the passages do not answer the "
    f"question, reply only: {DONT_KNOW}."
)

# One worked example: small models follow a demonstrated format far better than a described one.
EXAMPLE_QUESTION = "How long will my parcel wait at the pickup point?"
EXAMPLE_PASSAGES = (
    "[1] Pickup points > Opening hours\nPickup points are open from 9 am to 6 pm, Monday to Saturday.\n\n"
    "[2] Pickup points > Collecting a parcel\nA parcel waits at the pickup point for 7 days. Bring the "
    "pickup code from your email."
)
EXAMPLE_ANSWER = "Your parcel waits at the pickup point for 7 days; bring the pickup code from your email [2]."

_ABSTENTION = re.compile(
    r"\b(i don'?t know|i do not know|not (?:mentioned|provided|specified|stated|covered|included) in|"
    r"(?:passages|context) do(?:es)? not (?:contain|mention|say|provide|specify|include)|"
    r"no information (?:about|on)|cannot (?:find|answer)|can't (?:find|answer))",
    re.IGNORECASE,
)
_CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


@dataclass(frozen=True)
class PromptPassage:
    """What the prompt shows of a retrieved passage."""

    heading: str
    text: str


def format_passages(passages: Sequence[PromptPassage]) -> str:
    return "\n\n".join(f"[{n}] {p.heading}\n{p.text.strip()}" for n, p in enumerate(passages, start=1))


def build_messages(
    question: str,
    passages: Sequence[PromptPassage],
    history: Sequence[tuple[str, str]] = (),
    max_history_turns: int = 2,
) -> list[Message]:
    """Chat messages for a grounded answer: rules, a worked example, recent turns, passages and question."""
    messages: list[Message] = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": _user_turn(EXAMPLE_PASSAGES, EXAMPLE_QUESTION)},
        {"role": "assistant", "content": EXAMPLE_ANSWER},
    ]
    for user_text, bot_text in list(history)[-max_history_turns:]:
        messages.append({"role": "user", "content": user_text})
        messages.append({"role": "assistant", "content": bot_text})
    messages.append({"role": "user", "content": _user_turn(format_passages(passages), question)})
    return messages


def _user_turn(passages_text: str, question: str) -> str:
    return f"Passages:\n\n{passages_text}\n\nQuestion: {question}"


@dataclass(frozen=True)
class CheckedAnswer:
    """A model's answer after citation checking."""

    text: str  # the answer with citations of unknown passages removed
    cited: tuple[int, ...]  # valid passage numbers, in order of first appearance
    dropped: tuple[int, ...]  # numbers the model cited that were not among the passages
    abstained: bool


def check_answer(text: str, passage_count: int) -> CheckedAnswer:
    """Parse ``[n]`` citations, drop those of passages the model was not given, detect "I don't know"."""
    cited: list[int] = []
    dropped: list[int] = []

    def keep_valid(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        valid = [n for n in numbers if 1 <= n <= passage_count]
        dropped.extend(n for n in numbers if n not in valid)
        cited.extend(n for n in valid if n not in cited)
        return "".join(f"[{n}]" for n in valid)

    cleaned = _CITATION.sub(keep_valid, text)
    cleaned = re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", cleaned)).strip()
    return CheckedAnswer(cleaned, tuple(cited), tuple(dropped), is_abstention(cleaned))


def renumbered(text: str, cited: Sequence[int], count: int) -> tuple[str, list[int]]:
    """``text`` with its ``[n]`` citations numbered from 1 in the order ``cited`` gives (of first appearance), and the
    order of the ``count`` passages that goes with it: the cited ones, then the others as they were. An answer drawn
    from passages 2 and 4 cites [1] and [2], as the sources shown under it are numbered, not "[2]" beside one source."""
    order = [*cited, *(n for n in range(1, count + 1) if n not in cited)]
    new = {old: position for position, old in enumerate(order, start=1)}

    def number(match: re.Match[str]) -> str:
        return "".join(f"[{new.get(int(n), int(n))}]" for n in re.findall(r"\d+", match.group(1)))

    return _CITATION.sub(number, text), order


def without_citations(text: str) -> str:
    """``text`` without its ``[n]`` citation markers (and the space before each), for scoring against
    references that have none."""
    return re.sub(r"\s*\[\d+\]", "", text)


def is_abstention(text: str) -> bool:
    """Whether the answer declines (says it does not know or that the passages lack the answer)."""
    return not text.strip() or bool(_ABSTENTION.search(text))


_STOPWORDS = frozenset(
    "a an the and or but if of to in on at by for with from as is are was were be been it its this that "
    "these those you your we our us i my me they them their can will would should could do does did not no "
    "yes so than then there here what when where which who how have has had any all each more most".split()
)


def content_words(text: str) -> set[str]:
    """Lower-cased words and numbers of ``text``, without common function words."""
    return {w for w in re.findall(r"[a-z0-9$%]+(?:[.,'-][a-z0-9]+)*", text.lower()) if w not in _STOPWORDS}


def attribute(answer: str, passage_texts: Sequence[str], min_overlap: float = 0.5) -> tuple[int, ...]:
    """For an answer without citations: the passage (1-based) that holds most of its content words.

    Empty when no passage holds at least ``min_overlap`` of them (the answer is not clearly drawn
    from any single passage).
    """
    words = content_words(answer)
    if not words or not passage_texts:
        return ()
    overlaps = [len(words & content_words(text)) / len(words) for text in passage_texts]
    best = max(range(len(overlaps)), key=overlaps.__getitem__)
    return (best + 1,) if overlaps[best] >= min_overlap else ()


class PromptTooLong(ValueError):
    """The prompt does not fit in the model's context window."""


MESSAGE_OVERHEAD_TOKENS = 8  # role markers and separators a chat template adds per message


def messages_tokens(messages: Sequence[Message], count_tokens: Callable[[str], int]) -> int:
    """Tokens the chat messages take, estimated as their texts plus a fixed overhead per message."""
    return sum(count_tokens(m["content"]) + MESSAGE_OVERHEAD_TOKENS for m in messages)


def fit_messages(
    question: str,
    passages: Sequence[PromptPassage],
    count_tokens: Callable[[str], int],
    context_window: int,
    max_new_tokens: int,
    history: Sequence[tuple[str, str]] = (),
    max_history_turns: int = 2,
) -> list[Message]:
    """``build_messages`` trimmed to the context window, leaving room for ``max_new_tokens``.

    The oldest history turns go first, then the worked example; a PromptTooLong error when the rules,
    passages and question alone do not fit (the caller should give fewer or shorter passages).
    """
    budget = context_window - max_new_tokens
    turns = list(history)[-max_history_turns:] if max_history_turns > 0 else []
    while True:
        messages = build_messages(question, passages, turns, max_history_turns=len(turns))
        if messages_tokens(messages, count_tokens) <= budget:
            return messages
        if not turns:
            break
        turns = turns[1:]
    bare = [messages[0], messages[-1]]  # system rules + passages and question, no worked example
    needed = messages_tokens(bare, count_tokens)
    if needed <= budget:
        return bare
    raise PromptTooLong(
        f"The passages and question need {needed} tokens, but the context window leaves {budget} "
        f"({context_window} minus {max_new_tokens} for the answer); give fewer or shorter passages."
    )


def support(answer: str, passage_texts: Sequence[str]) -> float:
    """Share of the answer's content words that occur in the passages (1.0 for an empty answer).

    A cheap faithfulness check: an answer whose words the passages do not hold was likely made up.
    """
    words = content_words(_CITATION.sub(" ", answer))
    if not words:
        return 1.0
    known: set[str] = set().union(*(content_words(text) for text in passage_texts)) if passage_texts else set()
    return len(words & known) / len(words)
