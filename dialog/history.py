"""Earlier messages a client sends along with a new one (the OpenAI-compatible API resends the whole
conversation with each request): the question they end on, so a follow-up in the new message is read with it.

Only the customer's messages are read, with the same rules as a conversation's turns: a follow-up ("and how long
does that take?") continues the question before it, and messages that are not questions for the help centre
(greetings, thanks, "yes") leave the topic as it was. The assistant's replies in the request are not read: a
client may have shortened or changed them.
"""

from __future__ import annotations

from collections.abc import Iterable

from dialog.nlu.rules import RuleBasedIntents
from dialog.rewrite import is_follow_up, names_a_topic, rewrite, without_opening

_RULES = RuleBasedIntents()


def last_question(customer_messages: Iterable[str]) -> str | None:
    """The standalone question the customer's earlier messages end on, or None when none asks one."""
    question: str | None = None
    for text in customer_messages:
        text = without_opening(text.strip())
        if not text or _RULES.understand(text).intent != "question":
            continue
        if question is not None and is_follow_up(text, question):
            question = rewrite(text, question)
        elif names_a_topic(text):
            question = text
    return question
