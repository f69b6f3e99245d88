"""The assistant's own fixed replies (greetings, "I couldn't find that", handing over to a person, ...).

Answers come from the knowledge base; these are the sentences around them. A team changes them, to write
in its own voice or language, with a YAML file of the keys it wants to change (setting ``replies_file``):

    greet: "Hallo! Ich beantworte Fragen zu Bestellungen, Versand und Rücksendungen. Wie kann ich helfen?"
    not_found: "Dazu habe ich in unserem Hilfe-Center nichts gefunden. Soll ich Sie mit unserem Team verbinden?"

Every other key keeps its default (``Replies``). Unknown keys, empty texts and unknown placeholders are
refused at start-up with the file and the key, so a typo never leaves a default in place unnoticed.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from dialog.text_files import read_yaml

_OFFER = "Would you like me to connect you with a member of our support team?"
_HANDOFF = "I'm handing you over to a member of our support team. They will see this conversation and reply here."


class RepliesError(ValueError):
    """The replies file cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Replies:
    """Each fixed reply of the assistant, by the key a replies file uses for it."""

    # the knowledge base has no good passage: declined, with the offer of a person
    not_found: str = f"I couldn't find the answer to that in our help centre, so I'd rather not guess. {_OFFER}"
    human_offer: str = _OFFER  # after an answer that could not be written in full (a model server that failed)
    handoff: str = _HANDOFF  # the customer asked for a person, or the rules send the topic to one
    escalated: str = f"I'm sorry I couldn't find the answers you need. {_HANDOFF}"  # after repeated failures
    # added to a handoff outside support hours; {hours}: the support hours, {opening}: when a person is next in
    outside_hours: str = "Our team is not working right now ({hours}); a person will reply here when we open on {opening}."
    relayed: str = "Thank you, I've added that to your conversation. A member of our support team will reply here."
    handed_back: str = "You're back with the assistant. Ask me anything about orders, shipping, returns, billing or your account."
    fallback: str = f"Sorry, I can't search our help centre right now. Your message is saved; w{_OFFER[1:]}"
    lookup_failed: str = f"Sorry, I can't look that up right now. Your message is saved; w{_OFFER[1:]}"
    not_understood: str = "Sorry, I didn't understand that. Could you say it in a few words, for example \"How do I return an item?\""
    clarify: str = "I want to make sure I answer the right question. Which of these do you mean?"  # the options follow
    greet: str = "Hello! I can answer questions about orders, shipping, returns, billing, accounts and more. How can I help?"
    thanks: str = "You're welcome! Is there anything else I can help with?"
    goodbye: str = "Thanks for getting in touch. Goodbye!"
    bot_challenge: str = (
        "I'm a virtual assistant. I answer questions from our help centre (orders, shipping, returns, billing, "
        "accounts and more) and show the articles I used. If you'd rather talk to a person, just say so."
    )
    affirm: str = "All right. What would you like to know?"
    deny: str = "All right. Is there anything else I can help with?"

    def small_talk(self, intent: str) -> str:
        """The reply to a small-talk intent (greet, thanks, goodbye, bot_challenge, affirm, deny); greet otherwise."""
        return getattr(self, intent) if intent in SMALL_TALK_INTENTS else self.greet

    def outside_hours_note(self, hours: str, opening: str) -> str:
        return self.outside_hours.format(hours=hours, opening=opening)


SMALL_TALK_INTENTS = ("greet", "thanks", "goodbye", "bot_challenge", "affirm", "deny")  # each has a reply of its own
KEYS = tuple(field.name for field in fields(Replies))
PLACEHOLDERS = {"outside_hours": {"hours", "opening"}}  # other replies take none: "{" is just a brace there


def parse_replies(data: Any, where: str) -> Replies:
    """``Replies`` with the texts of a parsed replies file; RepliesError naming ``where`` and the key."""
    if data is None:
        return Replies()
    if not isinstance(data, dict):
        raise RepliesError(f"{where}: expected keys with texts (greet: \"Hello!\"), not {type(data).__name__}")
    unknown = sorted(str(key) for key in data if key not in KEYS)
    if unknown:
        raise RepliesError(f"{where}: unknown key(s) {unknown}; known: {', '.join(KEYS)}")
    texts: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(value, str) or not value.strip():
            raise RepliesError(f"{where}: {key} must be a non-empty text, not {value!r}")
        allowed = PLACEHOLDERS.get(key)
        if allowed is not None:
            try:
                used = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
            except ValueError as error:
                raise RepliesError(f"{where}: {key}: {error} (write a literal brace as {{{{ or }}}})") from None
            if used - allowed:
                raise RepliesError(f"{where}: {key} may use {', '.join('{' + n + '}' for n in sorted(allowed))}, not {sorted(used - allowed)}")
        texts[key] = " ".join(value.split()) if "\n" in value.strip() else value.strip()
    return replace(Replies(), **texts)


def load_replies(path: Path) -> Replies:
    """The replies of a YAML file over the defaults; RepliesError for a missing, unreadable or malformed file."""
    return parse_replies(read_yaml(path, "replies file", RepliesError), str(path))
