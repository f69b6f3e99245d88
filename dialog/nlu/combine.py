"""The understanding step: keyword rules, an optional trained intent classifier, and entity extraction.

The rules are precise patterns (asking for a person, greetings, frustration, order status, yes/no), so
when one matches it decides; otherwise the classifier does (intent, ranking, out-of-scope). A message the
classifier finds out of scope stays a plain ``question`` (its guesses kept in ``ranking``): no intent of
it steers the conversation, and the knowledge base still gets the chance to answer it. Without a
classifier the rules decide alone and ``note`` says so, for the turn's decision record. When the
classifier fails on a message, the rules decide that message (its ``note`` says why) and the next message
tries the classifier again; after FAILURES_BEFORE_GIVING_UP failures in a row it is switched off. A message
that is only values (an e-mail address, an order number) is not given to the classifier: it stays a
``question``, and the policies take it as the value it is. A slot the message gives two values for ("NW-20481736
and NW-20481737") is left out of the entities and listed in ``several``: which one is meant is asked. Entities found in the text are merged into ``entities`` (the extractor's win).
A message that no rule pattern matched and that asks something of the one order it names, in words no other request
shares (``EntityExtractor.request_intent``: "where is NW-20481736?", "please cancel my order NW-…"), gets that
request's intent (``order_status``, ``cancel_request``) when the classifier read none, and ``cancel_request`` over
its ``cancel_order`` (the question how to cancel).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import replace
from datetime import date

from dialog.nlu.base import IntentDetector, Understanding
from dialog.nlu.entities import EntityExtractor
from dialog.nlu.rules import RULE_CONFIDENCE, RuleBasedIntents, introduces_values, only_values, without_tone

log = logging.getLogger(__name__)

FAILURES_BEFORE_GIVING_UP = 3  # in a row: one odd message must not switch the model off for everyone
# a message's sentences: split after ".", "?" or "!" and a blank (not at the dots of an e-mail address)
_SENTENCE_END = re.compile(r"(?:(?<=[.?!])|(?<=[.?!][\"'”’)\]]))\s+")  # also after a closing quote or bracket: 'timed out."'
# "or"/"and" before an e-mail address ("a@x.com or b@y.com"): it only lists the addresses
_BEFORE_AN_ADDRESS = re.compile(r"\s+(?:or|and|&)\s+(?=[^\s@]+@)", re.IGNORECASE)


# a long message: its story is no request, the question it ends with is (a polite story of a loyal customer was read as
# a complaint and handed over; a ramble about waiting for an order asked for the order number of a shipping question)
LONG_MESSAGE = 300
# "my question is simply: ...", "the question is how ...", "so my question is, ..."
_MY_QUESTION = re.compile(
    r"\b(?:my|the|one|a)\s+(?:(?:real|actual|main|only|quick|simple)\s+)?question\s+is\b(?:\s+(?:simply|just|this|really))?\s*[:,;-]?\s*",
    re.IGNORECASE,
)


def question_part(text: str) -> str:
    """The question of a long message (over ``LONG_MESSAGE`` characters): what follows "my question is" ("... My question
    is simply: can I exchange the lamp for a different colour?"), else its last sentence that ends with "?"; the
    message as it is when it is short or says neither."""
    if len(text) <= LONG_MESSAGE:
        return text
    said = list(_MY_QUESTION.finditer(text))
    if said and text[said[-1].end():].strip():
        return text[said[-1].end():].strip()
    asked = [sentence for sentence in _SENTENCE_END.split(text.strip()) if sentence.rstrip().endswith("?")]
    return asked[-1] if asked else text


def asking_part(text: str) -> str:
    """The message without its sentences that only give values ("where is NW-20481736? it's a@x.com or b@y.com": the
    question), which the intent model and the request patterns read; the message as it is when every sentence does.
    A long message is read for its question (``question_part``), an upset one as said calmly (``without_tone``: caps
    lock, "!!!" and angry faces carry a tone, which the policies weigh, not the intent)."""
    text = without_tone(question_part(text))
    sentences = _SENTENCE_END.split(text.strip())
    asking = [sentence for sentence in sentences if not introduces_values(_BEFORE_AN_ADDRESS.sub(" ", sentence))]
    return " ".join(asking) if asking and len(asking) < len(sentences) else text


class Understander:
    """Rules + optional classifier + entities, as one ``understand`` call."""

    def __init__(
        self,
        classifier: IntentDetector | None = None,
        extractor: EntityExtractor | None = None,
        rules: RuleBasedIntents | None = None,
        unavailable: str | None = None,
    ) -> None:
        self.rules = rules or RuleBasedIntents()
        self.classifier = classifier
        self.extractor = extractor or EntityExtractor()
        # why there is no classifier (e.g. "no intent model in data/models/intents"); None when none was wanted
        self.unavailable = unavailable
        self.failures_in_a_row = 0

    @property
    def note(self) -> str | None:
        """What the decision record should say about how intents were found; None when all is as configured."""
        if self.classifier is None and self.unavailable:
            return f"intents by keyword rules only: {self.unavailable}"
        return None

    def warm_up(self) -> None:
        """Load the classifier's model now; if it cannot load, go on without it (and say so)."""
        warm_up = getattr(self.classifier, "warm_up", None)
        if warm_up is not None:
            try:
                warm_up()
            except Exception as error:
                self._give_up(error)

    def _give_up(self, error: Exception) -> None:
        self.unavailable = f"the intent model failed ({type(error).__name__}: {error})"
        self.classifier = None
        log.warning("%s; the dialog manager runs on keyword rules and retrieval from now on", self.unavailable)

    def understand(self, text: str, today: date | None = None) -> Understanding:
        # full-width letters and digits (what CJK input methods type: "Ｗｈｅｒｅ ｉｓ ＮＷ－２０４８１７３６？") read as the
        # ASCII they stand for: no rule, intent or order number was found in them
        text = unicodedata.normalize("NFKC", text)
        understanding = self.rules.understand(text)
        ruled = understanding.intent != "question"  # a pattern of the rules decided
        classifier, asking = self.classifier, asking_part(text)  # the values given after the question are no part of it
        # a message that is only a value ("jane@example.com", "NW-20481736") has no words for the model to read:
        # whatever it guessed (a complaint, a request for a person) would steer the conversation by chance
        if understanding.intent == "question" and classifier is not None and not only_values(text):
            try:
                understanding = classifier.understand(asking)
                if understanding.out_of_scope:  # none of the trained intents: a question like any other
                    understanding = replace(understanding, intent="question")
                self.failures_in_a_row = 0
            except Exception as error:  # a broken model must not stop the conversation
                log.exception("the intent classifier failed on a message")
                self.failures_in_a_row += 1
                if self.failures_in_a_row >= FAILURES_BEFORE_GIVING_UP:
                    self._give_up(error)
                else:
                    failure = f"the intent model failed on this message ({type(error).__name__}: {error})"
                    understanding = replace(understanding, note=f"intents by keyword rules: {failure}")
        request = None if ruled else self.extractor.request_intent(asking)
        if request is not None and (request == "cancel_request" or understanding.intent == "question"):
            # "where is NW-20481736?": the model read no intent into it (0.19), the rules had no pattern for it;
            # "please cancel my order NW-…" is a request to do it, not the question how (cancel_order)
            understanding = replace(understanding, intent=request, confidence=RULE_CONFIDENCE,
                                    ranking=((request, RULE_CONFIDENCE),), out_of_scope=False, source="rules")
        found = self.extractor.extract_all(text, today)
        entities = {**understanding.entities, **{name: values[0] for name, values in found.items() if len(values) == 1}}
        several = {name: tuple(values) for name, values in found.items() if len(values) > 1}
        return replace(understanding, entities=entities, several=several)
