"""Generation with a way out: when the generator fails before its first piece, answer extractively
and offer a human, so that a down or slow server never leaves the customer without a reply."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from assistant.lm.base import Generator, Message
from assistant.lm.remote import GeneratorUnavailable

logger = logging.getLogger(__name__)

HUMAN_OFFER = "Would you like me to connect you with a member of our support team?"  # Replies.human_offer


def stream_or_fallback(
    generator: Generator,
    messages: list[Message],
    max_new_tokens: int,
    fallback: Callable[[], str] | None = None,
    offer: str = HUMAN_OFFER,
) -> Iterator[str]:
    """The generator's pieces; on GeneratorUnavailable, ``fallback()`` (the extractive answer) and
    ``offer`` of a human. Without a fallback, or once part of the reply is out, the error propagates."""
    produced = False
    try:
        for piece in generator.stream(messages, max_new_tokens=max_new_tokens):
            produced = True
            yield piece
    except GeneratorUnavailable as error:
        if fallback is None or produced:
            raise
        logger.warning("generator unavailable, answering extractively: %s", error)
        yield with_human_offer(fallback(), offer)


def with_human_offer(answer: str, offer: str = HUMAN_OFFER) -> str:
    """The fallback ``answer`` followed by the ``offer`` of a human (the offer alone when there is no answer)."""
    answer = answer.strip()
    return f"{answer} {offer}" if answer else offer
