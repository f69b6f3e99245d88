"""Whether a message typed while a conversation waits for a person takes the handoff back, or is a question of its
own the assistant may answer meanwhile (``asks_the_help_centre``).

The chat's "Back to the assistant" button and ``DELETE /api/sessions/{id}/handoff`` hand a conversation back; a
customer who types "never mind" or "I don't need a person anymore" means the same, and was relayed to staff
instead (every later question unanswered until a person came). A question asked with the take-back ("actually no,
I'll just ask you. how much is shipping?") is answered at once. Pure text rules, no state: the dialog manager decides
when they apply.
"""

from __future__ import annotations

import re

from dialog.policies import asks_a_question

# someone the customer was to be handed to
_PERSON = r"(?:a |the |an |your )?(?:real |live )?(?:person|human|agent|staff|support(?: team)?|representative|operator|team member)"
# the assistant, which the customer goes back to
_ASSISTANT = r"(?:the |this )?(?:assistant|bot|chat ?bot|you)"

# says so in so many words: anywhere in the message, before or after a staff reply
_EXPLICIT = re.compile(
    r"\b(?:"
    # "I don't want a person to see this" is not it
    rf"(?:do not|don'?t|dont|no longer) (?:need|want) {_PERSON}(?: any ?more| now| after all)?(?!\s+to\b)"
    rf"|no (?:need|longer need) (?:for |of )?{_PERSON}"
    r"|cancel (?:the |my |that )?(?:handoff|hand-off|hand off|request|transfer)"
    rf"|(?:i'?ll|i will) just ask {_ASSISTANT}|(?:i'?ll|i will) ask (?:the |this )?(?:assistant|bot|chat ?bot)"
    rf"|(?:go|get|switch|take me) back to {_ASSISTANT}"
    r"|brauche? (?:doch )?keine?n? (?:person|mitarbeiter(?:in)?|menschen)"
    r")\b",
    re.IGNORECASE,
)

# the whole message is a plain "no" to the handoff ("never mind", "no thanks", "forget it"): before any staff reply
_PLAIN = re.compile(
    r"^\s*(?:(?:actually|oh|ok(?:ay)?|well|sorry|hmm+|um+|ah|no)[\s,.!]+)*"
    r"(?:never ?mind|nvm|no,? thanks?|no thank you|no need|forget (?:it|about it)|cancel (?:that|it)|"
    r"doesn'?t matter|it'?s (?:fine|ok(?:ay)?|all right)(?:,? (?:thanks?|thank you))?|don'?t bother|"
    r"vergiss es|schon gut|doch nicht|abbrechen)"
    r"\s*[.!]*\s*$",
    re.IGNORECASE,
)


# a plain take-back that leads a question ("never mind, how much is shipping?", "forget it. where is my order?"); not
# "no thanks" or "it's fine", which may say something else before a question
_PLAIN_FIRST = re.compile(
    r"^\s*(?:(?:actually|oh|ok(?:ay)?|well|sorry|hmm+|um+|ah|no|wait)[\s,.!]+)*"
    r"(?:never ?mind|nvm|forget (?:it|about it)|cancel (?:that|it)|don'?t bother|no need|vergiss es|schon gut|doch nicht"
    # "wait no, sorry, it's fine. Do you ship to Australia?": "it's fine" after a "no" ("it's fine, it arrived" may report)
    # "no wait, I'll just email you. what's the email address?": another way to reach the shop, and a question for it
    r"|(?:i'?ll|i will) just (?:e-?mail|call|phone|ring|write to) (?:you|you guys|support|the team|them))"
    r"\s*[,.;:!-]+\s*(?P<rest>\S.*)$",
    re.IGNORECASE | re.DOTALL,
)
# "wait no, sorry, it's fine. Do you ship to Australia?": "it's fine" after a "no" ("it's fine, it arrived" may report)
_NO_ITS_FINE = re.compile(
    r"^\s*(?:(?:wait|oh|actually|ok(?:ay)?|well|hmm+|um+)[\s,.!]+)*(?:no|nope|nah)[\s,.!]+(?:(?:wait|sorry|actually)[\s,.!]+)*"
    r"it'?s (?:fine|ok(?:ay)?|all right)\s*[,.;:!-]+\s*(?P<rest>\S.*)$",
    re.IGNORECASE | re.DOTALL,
)


def _question_after_plain(text: str) -> str | None:
    """The question after a plain take-back that leads the message ("never mind, how much is shipping?" -> "how much is
    shipping?"); None when the message does not open with one, or asks nothing after it."""
    match = _PLAIN_FIRST.match(text) or _NO_ITS_FINE.match(text)
    rest = _LEFT_OVER.sub("", match["rest"].strip()) if match else ""
    return rest if rest and asks_a_question(rest) else None


def takes_back_handoff(text: str, staff_replied: bool) -> bool:
    """Whether ``text``, typed while the conversation is with a person, takes the handoff back.

    Said in so many words ("I don't need a person anymore", "cancel the handoff", "I'll just ask the bot"), always;
    a plain "never mind", "no thanks" or "forget it", alone or leading a question ("never mind, how much is
    shipping?"), only while no member of staff has written yet: once one has, it may answer their question, and goes
    to them.
    """
    if _EXPLICIT.search(text):
        return True
    return not staff_replied and (bool(_PLAIN.match(text)) or _question_after_plain(text) is not None)


# what is left around a take-back besides the question: "actually no, ", ". ", ", thanks"
_LEFT_OVER = re.compile(
    r"^(?:[\s,.;:!-]|\b(?:actually|oh|ok(?:ay)?|well|sorry|so|then|thanks?|thank you|but|and|no"
    r"|(?:i'?ll|i will) (?:just )?ask (?:you|the assistant|the bot)(?: instead)?)\b)+",
    re.IGNORECASE,
)
# the take-back's own subject, before its match: "how much is shipping? I don't need a person anymore"
_SUBJECT = re.compile(r"(?:[\s,;:-]|\b(?:i|we|ich|wir|really|just)\b)+$", re.IGNORECASE)


def question_with_take_back(text: str, staff_replied: bool = True) -> str | None:
    """The question a message that takes the handoff back also asks ("actually no, I'll just ask you. how much is
    shipping?" -> "how much is shipping?"), which the assistant answers at once; None when it asks nothing else ("I
    don't need a person anymore, thanks", "never mind"). A plain take-back leading the question ("never mind, how much
    is shipping?") counts only while no member of staff has written (``staff_replied`` False), as in
    ``takes_back_handoff``: it was relayed to staff, the question unanswered.
    """
    match = _EXPLICIT.search(text)
    if match is None:
        return None if staff_replied else _question_after_plain(text)
    parts = (_LEFT_OVER.sub("", part.strip()) for part in (_SUBJECT.sub("", text[: match.start()]), text[match.end():]))
    rest = " ".join(part for part in parts if part)
    return rest if rest and asks_a_question(rest) else None


# the problem handed over, pointed at ("what do I do now?", "is it sorted?", "any update on that?"): for the person
_ABOUT_THE_CASE = re.compile(
    r"\b(?:it|that|this|them|now|yet|update|news|status of (?:my|the) (?:case|request|ticket)|my case|my request|my ticket|anyone|someone|"
    r"somebody|you guys|agent|staff)\b",
    re.IGNORECASE,
)
# the customer's own case told ("my package arrived broken, how do I get a refund?", "I was charged twice, can you
# refund me?"): a detail for the person, though it also asks a question the help centre could answer in general
_OWN_CASE = re.compile(
    r"\b(?:my|our) (?:\w+ ){0,2}(?:arrived|came|is|was|were|has|have|had|got|broke|broken|hasn't|hasnt|never|didn't|didnt|"
    r"isn't|isnt|wasn't|wasnt|still|keeps|won't|wont|doesn't|doesnt)\b|"
    r"\bi (?:was|got|have been|am being|received|ordered|bought|paid|returned|sent|never|still|didn't|didnt|haven't|havent)\b|"
    r"\b(?:you|they) (?:sent|charged|cancelled|canceled|lost|never)\b",
    re.IGNORECASE,
)
# asking after the wait itself ("how long until someone replies?", "when will you answer?")
_ABOUT_THE_WAIT = re.compile(r"\b(?:reply|replies|respond|answer(?:s|ed)?|get back|wait(?:ing)?|queue|hear back)\b", re.IGNORECASE)
# a value for staff: an order number, an e-mail address, a phone number, a date (a word with a digit or an @)
_VALUE = re.compile(r"\S*[\d@]\S*")
# words that only lead into a question: "ok can i use paypal instead", "and how do i use a promo code"
_OPENING = re.compile(r"^(?:[\s,.;:!-]|\b(?:ok(?:ay)?|so|and|also|well|then|oh|hmm+|um+|btw|by the way|one more thing)\b)+", re.IGNORECASE)


def asks_the_help_centre(text: str, staff_replied: bool) -> bool:
    """Whether ``text``, typed while the conversation waits for a person, is a question of its own that the assistant
    may answer from the help centre while the handoff stays queued: only before any member of staff has written, only a
    question ("ok can i use paypal instead", "how much is shipping?"), and nothing for staff: no detail of the case
    (an order number, an e-mail address: "order NW-20481736, jane.doe@example.com"), nothing pointing at the problem
    handed over ("what do I do now?", "any update on that?"), nothing of the customer's own case ("my package arrived
    broken, how do I get a refund?") and nothing about the wait ("when will someone reply?").
    The dialog manager answers such a question only when the search finds an answer (no decline, no question which
    article is meant), and relays it otherwise, so one the assistant cannot answer still reaches staff.
    """
    asked = _OPENING.sub("", text)
    if staff_replied or len(asked.split()) < 3 or not asks_a_question(asked) or _VALUE.search(text):
        return False  # "why?" is about the case
    return not (_ABOUT_THE_CASE.search(text) or _OWN_CASE.search(text) or _ABOUT_THE_WAIT.search(text))
