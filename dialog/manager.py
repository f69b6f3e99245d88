"""DialogManager.handle(): load the conversation, understand, choose an action, act, save."""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from dataclasses import replace
from datetime import date, datetime, timezone

from assistant.lm.remote import GeneratorUnavailable
from dialog.actions import (
    ActionOutcome,
    AnswerFromKnowledgeBase,
    about_last_run,
    decline,
    fallback,
    hand_back,
    hand_off,
    not_confirmed,
    other_language,
    other_question,
    pending_confirmation,
    relay,
    run_business_action,
    small_talk,
    turn_secrets,
    with_other_answer,
)
from dialog.actions import clarify as clarify_action
from dialog.business import CUSTOMER_SLOTS, SECRET_VALUE, BusinessAction, BusinessActions, is_redacted
from dialog.business_rules import BusinessRules
from dialog.replies import DEFAULT_REPLIES, Replies
from dialog.events import (
    ActionExecuted,
    AgentMessage,
    BotAnswer,
    ClarificationAsked,
    Event,
    FeedbackGiven,
    HandoffRequested,
    HandoffResolved,
    IntentPredicted,
    RetrievalDone,
    SlotSet,
    TAKEN_OVER_BY,
    UserMessage,
)
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander, question_part
from dialog.nlu.entities import SLOT_NAMES, coming_weekday, named_thing
from dialog.nlu.rules import RULE_CONFIDENCE, VALUE_TOKEN, calls_off, goes_ahead, is_bare_greeting, is_emphatic_no, sounds_upset
from dialog.slot_memory import SlotMemory, mask_secrets, secret_values
from dialog.policies import (
    WEAK_INTENT,
    Policy,
    Prediction,
    asks_a_question,
    asks_yes_or_no_after_an_answer,
    choose,
    customer_language,
    default_policies,
    replies_to_a_question,
    reply_number,
    reply_value,
    yes_or_no,
)
from dialog.rewrite import (
    GENERIC,
    content_words,
    in_the_answers_words,
    is_follow_up,
    is_short,
    names_a_topic,
    new_topic_words,
    only_names_what_was_said,
    reports_on_what_was_said,
    rewrite,
    searched_alone_first,
    shares_a_topic_word,
    stems,
    things_done,
    topic_words,
    variation_words,
    without_opening,
)
from dialog.store import ConversationChanged, ConversationStore, TurnRecord, UnknownSession
from dialog.handoff_cancel import asks_the_help_centre, question_with_take_back, takes_back_handoff
from dialog.tracker import CUSTOMER, Tracker, option_named
from retrieval.places import CITIES, NATIONALITIES, places
from retrieval.retriever import query_form

log = logging.getLogger(__name__)

# a reply that only acknowledges what was said: no answer to an offer made without a question
_ACKNOWLEDGEMENT = re.compile(r"\s*(?:ok(?:ay)?|k|sure|alright|all right|fine|got it|i see|right)\s*[.!]*\s*", re.IGNORECASE)
# a polite no to the offer of a person, which the rules' "deny" does not read: "No, thank you.", "I'm fine", "no, I'm
# good, thanks", "all good"
_TURNS_DOWN = re.compile(
    r"\s*(?:(?:no|nope|nah)[\s,.!]+)?"
    r"(?:no,?\s+thanks?|no,?\s+thank\s+you|(?:i'?m|i\s+am|we'?re|it'?s|that'?s)\s+(?:fine|good|ok(?:ay)?|alright|all\s+right|all\s+good)"
    r"|all\s+good|not\s+necessary|(?:it'?s|that'?s)\s+not\s+necessary)"
    r"(?:[\s,.!]+(?:thanks?|thank\s+you)(?:\s+anyway)?)?[\s.!]*",
    re.IGNORECASE,
)

# Tries (read, decide, write) of one change while others keep changing the conversation. Each failed try
# means another write landed, so a burst of N writes to one conversation needs at most N tries.
SAVE_ATTEMPTS = 50
# After the customer said no to a person (or took a handoff back), the assistant hands over on its own only after
# this many times ``handoff_after_failures`` failed replies in a row: clearly stuck, not two misses.
DECLINED_FACTOR = 3
# The reason of an answer to a question of its own, asked while the conversation waits for a person.
WAITING_ANSWER = "a question of its own while the conversation waits for a person: searched in the help centre"
# A staff reply meant for a conversation a person has (the Inbox's), when it was handed back meanwhile.
NOT_WITH_A_PERSON = (
    "This conversation is back with the assistant (it was handed back meanwhile), so your reply was not sent: "
    "the assistant answers this customer again."
)
# What JSON can carry but a turn cannot keep: a UTF-16 surrogate on its own ("\ud800"), which UTF-8 cannot
# encode (the tokenizer, SQLite and the JSON reply fail on it), and NUL ("\u0000"), which PostgreSQL's text
# and jsonb refuse.
_UNSTORABLE = re.compile("[\ud800-\udfff\x00]")


# What shows nothing: control characters (NUL, bell, …), format characters (zero-width space, BOM, …), lone surrogates.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs"})


def shows_nothing(text: str) -> bool:
    """Whether ``text`` has nothing to read: only blanks and invisible characters."""
    return all(char.isspace() or unicodedata.category(char) in _INVISIBLE for char in text)


def whole_characters(text: str) -> str:
    """``text`` with each unpaired surrogate and NUL replaced by U+FFFD (a surrogate pair arrives joined)."""
    return _UNSTORABLE.sub("\ufffd", text)


class InvalidMessage(ValueError):
    """A customer message that cannot be handled (empty, too long); the text is shown to the customer."""


@dataclass
class TurnResult:
    """The outcome of one turn, as the UI, CLI and API show it."""

    session_id: str
    text: str
    action: str
    reason: str
    intent: str
    sources: list[dict[str, Any]] = field(default_factory=list)
    abstained: bool = False
    handoff: bool = False
    model: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    turn_no: int = 0  # 1 for the conversation's first turn; feedback names the turn by it
    options: list[str] = field(default_factory=list)  # a clarifying question's choices (buttons in the UI)
    query: str | None = None  # what was searched: the message, or its standalone rewrite
    slots: dict[str, Any] = field(default_factory=dict)  # the conversation's slots after the turn
    requested_slot: str | None = None  # the slot a business action asked for in this reply
    error: str | None = None  # what broke when the turn's action failed and it fell back (the decision record's); else None

    @property
    def cited_sources(self) -> list[dict[str, Any]]:
        """Sources the answer cites; when it cites none, all passages it was written from."""
        cited = [s for s in self.sources if s.get("cited")]
        return cited or list(self.sources)


@dataclass
class TurnUpdate:
    """A streaming step: the reply so far, and the full result once ``done``."""

    text: str
    session_id: str = ""
    done: bool = False
    result: TurnResult | None = None


# "both", "both of them, please", "all of them", "beide bitte": every option of a clarifying question
_BOTH = re.compile(
    r"^\s*(?:(?:i\s+mean\s+)?(?:both|all)(?:\s+of\s+them)?|the\s+two\s+of\s+them|either(?:\s+one)?"
    r"|(?:alle\s+)?beide[s]?|alle(?:\s+davon)?)(?:[\s,]+(?:please|bitte))?\W*$",
    re.IGNORECASE,
)
# "neither", "none of them", "something else", "keine davon": none of a clarifying question's options
_NEITHER = re.compile(
    r"^\s*(?:neither(?:\s+(?:one|of\s+them|of\s+these))?|none(?:\s+of\s+(?:them|these|those))?|something\s+else"
    r"|(?:keine[ns]?|keins)(?:\s+(?:davon|von\s+beiden))?|weder\s+noch|etwas\s+anderes)\W*$",
    re.IGNORECASE,
)
# "the other one", "what about the other option?", "and the other?", "und die andere?": the option not taken
_THE_OTHER = re.compile(
    r"\b(?:the other(?:\s+(?:one|option|article|choice))?|(?:die|der|das|den)\s+andere[nrs]?)\b"
    r"(?!\s+(?!one\b|option\b|article\b|choice\b)[a-zäöüß])",
    re.IGNORECASE,
)


# "tell me more", "can you tell me more about it?", "more details please", "anything else I should know?", "go on"
_MORE = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|great|thanks?|thank you|and|so|hmm+)[\s,.!]*)*(?:(?:can|could|would) you\s+)?(?:please\s+)?"
    r"(?:(?:tell|give|show)\s+me\s+more(?:\s+(?:about\s+(?:it|that|this)|details|detail|info(?:rmation)?))?|"
    r"more\s+(?:details?|info(?:rmation)?)|(?:is\s+there\s+)?anything\s+else\s+(?:i\s+should|i\s+need\s+to|to)\s+know|go\s+on|"
    r"what\s+else\s+(?:should\s+i|do\s+i\s+need\s+to)\s+know|more\s+please|"
    r"(?:erzähl(?:en\s+sie)?|sag(?:en\s+sie)?)\s+mir\s+mehr(?:\s+dazu)?|mehr\s+(?:details|infos?|dazu))"
    r"(?:[\s,]+(?:please|pls|bitte))?[\s?.!]*$",
    re.IGNORECASE,
)


# "the same one", "the same bike as before", "same as last time": the value of the action's last run
_THE_SAME = re.compile(
    r"^\s*(?:(?:it'?s|it\s+is|that'?s)\s+)?(?:the\s+)?same(?:\s+\w+)?(?:[\s,]+(?:as\s+(?:before|last\s+time|the\s+last\s+one)|again|please))*[\s.!]*$",
    re.IGNORECASE,
)


# "it" in a reply to "What would you like to know about your order?" ("where is it?"); not "it's NW-20481736"
_IT = re.compile(r"\bit\b(?!['’])", re.IGNORECASE)


def about_the_order(tracker: Tracker, text: str, order_numbers: Callable[[str], list[str]] | None = None) -> str:
    """The message as read right after "a question about my order" was answered with what the question is: its first
    "it" is the order ("where is it?" -> "where is my order?", which asks for the order number; "can I return it?" ->
    "can I return my order?"). Before, "where is it?" was searched alone and declined. So is the first "it" of a
    message that names one order (``order_numbers`` finds them): "NW-20481739 where is it" asks for that order (it
    was searched in the help centre and declined), not the "it" of "is it possible to ...". Any other message as it is."""
    if tracker.last_action == "small_talk" and tracker.latest_intent == "order_question":
        return _IT.sub("my order", text, count=1)
    if order_numbers is not None and len(set(order_numbers(text))) == 1:
        stand_in = _stand_in_its(text)
        for match in _IT.finditer(text):
            if match.start() not in stand_in:
                return f"{text[: match.start()]}my order{text[match.end():]}"
    return text


# a message whose best passage alone scores this much above the answer threshold is clear on its own, not read with the
# last answer
CLEAR_ALONE = 0.15
# a message of at most this many words may be tied to the last answer by a word ("already", "anymore") or as a yes/no question
TIED_MAX_WORDS = 8
# "checked spam already", "I don't have my phone anymore", "still nothing": a message that goes on from the last answer
_GOES_ON = re.compile(r"\b(?:already|anymore|any\s+more|still|either|too|as\s+well|yet|instead)\b", re.IGNORECASE)
_YES_NO_OPENING = re.compile(r"^\s*(?:is|are|was|were|will|would|can|could|do|does|did|should|has|have|may)\b", re.IGNORECASE)
_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*")


# the words around what a customer says they did: "I already checked my spam folder", "i looked in spam, nothing there"
_DONE_WORDS = topic_words("already checked looked tried searched cleared restarted followed nothing everything still")
# what a customer says they looked at or did already, not what they tried to do ("I tried to cancel my order")
_CHECKED = re.compile(r"\b(?:already|checked|looked|searched|cleared|restarted)\b", re.IGNORECASE)


def only_what_was_done(text: str) -> set[str]:
    """The words (stemmed) of what ``text`` says the customer did (``things_done``) when that is all it says: no
    question, no topic besides ("I already checked my spam folder": {"spam", "folder"}); empty otherwise ("I already
    checked my spam folder, still no reset email" names the reset e-mail, "I checked, where is my reset link?" asks)."""
    done = things_done(text)
    if not done or asks_a_question(text):
        return set()
    return done if topic_words(text) - _DONE_WORDS <= done else set()


# The greeting, name and contact details a message may open with, before what it asks ("Hi, my name is Jana Novak, my
# email is jana@example.com, my IBAN is DE89 .... The SEPA direct debit failed, can you retry it?"): its clauses end at
# ",", ".", ";", ":" or "!" and a blank, or at "and" ("my name is Peter Smith and my email is ...").
_CLAUSE_END = re.compile(r"(?<=[,.;:!])\s+|\s+and\s+", re.IGNORECASE)
_GREETING = re.compile(
    r"(?:hi|hello|hey|hallo|good\s+(?:morning|afternoon|evening)|dear\s+(?:team|support|sir\s+or\s+madam))(?:\s+there|\s+team)?",
    re.IGNORECASE,
)
# "my name is Jana Novak", "I'm Tom Baker", "it's Lisa Wong here", "hi, i'm tom": a name is one to three words
# (``_is_a_name``)
_NAME = re.compile(
    r"(?i:my\s+name\s+is|name:|i'?m|i\s+am|this\s+is|it'?s|it\s+is)\s+(?P<name>[^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’-]*){0,2}?)"
    r"(?i:\s+here|\s+speaking)?"
)
# what "I'm" says of the customer besides a name, without a capital: a state ("tired", "confused"), what they are
# doing ("looking for", "writing"), a nationality ("canadian", "japanese"), a quality ("unable", "careful"), by its
# ending after a stem of three letters or more ("ted" and "ian" are names); the common ones without such an ending
_NOT_A_NAME_ENDING = re.compile(r"[^\W\d_]{3}(?:ed|ing|ful|less|ous|ive|able|ible|ish|ese)$|[^\W\d_]{4}ian$", re.IGNORECASE)
_NOT_A_NAME = frozenset(
    "new back sorry sick ill lost stuck upset late early busy ready unable happy unhappy angry hungry worried broke broken blind "
    "deaf pregnant abroad away home out ok okay fine good great well sure done wrong right glad afraid unsure aware alone "
    "mad sad cross fed still just also not here there".split()
)


def _is_a_name(words: str) -> bool:
    """Whether ``words`` (after "my name is", "I'm", ...) are a name: each written with a capital ("Tom Baker"; "I am
    Canadian" says where the customer is from, ``said_of_themselves``, read first), or, where the customer writes
    without capitals, each a word of its own, none of what "I'm" says of a person besides (``_NOT_A_NAME``, ``_NOT_A_NAME_ENDING``: "i'm tom" is a
    name, "i'm tired", "i'm looking for", "my name is misspelled" are not)."""
    names = words.split()
    if all(name[0].isupper() for name in names):
        return True
    return len(content_words(words)) == len(names) and not any(
        name.lower() in GENERIC or name.lower() in _NOT_A_NAME or _NOT_A_NAME_ENDING.search(name) for name in names
    )
# the words that only introduce a value: "my email is ...", "order 10042", "my card ends in 4242", "phone +1 555 ..."
_INTRODUCES_A_VALUE = re.compile(
    r"\b(?:my|the|our|is|are|it'?s|e-?mail(?:\s+address)?|address|order(?:\s+(?:number|no|id))?|phone(?:\s+number)?|mobile|tel"
    r"|number|iban|account(?:\s+(?:number|no))?|customer(?:\s+(?:number|no|id))?|card(?:\s+number)?|ends?\s+in|ending\s+in"
    r"|reference|ref|zip(?:\s+code)?|postcode|you\s+can\s+reach\s+me\s+at|reach\s+me\s+at)\b|[#:]",
    re.IGNORECASE,
)


def _introduces_the_customer(clause: str) -> bool:
    """Whether a clause only greets, gives the customer's name or gives values (an e-mail address, an order number, an
    IBAN) with the words that introduce them."""
    clause = clause.strip().rstrip(",.;:!").strip()
    if _GREETING.fullmatch(clause) or ((named := _NAME.fullmatch(clause)) is not None and _is_a_name(named["name"])):
        return True
    return bool(VALUE_TOKEN.search(clause)) and not re.search(r"[^\W\d_]{2,}", _INTRODUCES_A_VALUE.sub(" ", VALUE_TOKEN.sub(" ", clause)))


# a clause that gives the customer's name in so many words; "I'm ...", "this is ..." name the customer only beside such a
# clause or a value ("I am Canadian, can you ship to me?", "This is Northwind Plus, right?" ask about what they name)
_STATED_NAME = re.compile(r"\s*(?i:my\s+name\s+is|name:)")


def _gives_personal_data(clause: str) -> bool:
    """Whether a clause of the opening states the customer's name or gives a value (an e-mail address, an order number)."""
    return bool(_STATED_NAME.match(clause) or VALUE_TOKEN.search(clause))


# What the customer says of themselves in the opening that the question can depend on, which is no personal data:
# where they come from or are ("I'm Canadian", "i'm german", "we're overseas", "I live in Germany", "I'm from the UK"),
# who they are ("I'm a student", "we're a school", "I'm a Northwind Plus member") or a condition ("i'm diabetic").
# "I'm" + one of these words is no name, with a capital or without. A nationality is searched as its country, which
# the search's place ranking reads (``places``, which keeps the nationalities and cities it knows: ``NATIONALITIES``,
# ``CITIES``): on the demo "how much is shipping (German)?" got the US prices, "... (Germany)?" the international ones.
_ABOUT_A_CUSTOMER = frozenset(
    "overseas abroad international foreign local student students teacher teachers senior pensioner retiree retired veteran "
    "military nurse doctor business company school charity nonprofit non-profit reseller wholesaler customer customers "
    "member members subscriber parent parents diabetic vegan vegetarian coeliac celiac allergic pregnant disabled blind deaf "
    "elderly minor".split()
)
_I_AM = r"(?:i'?m|i\s+am|we'?re|we\s+are)"
# "I'm from Canada", "I live in Germany", "we're based in the UK", "I'm in Australia", "I'm Tom from Canada": where the
# customer is; "I'm in ..." (a hurry) and a name "from ..." (accounts) only with a country (``places``)
_LIVES = re.compile(
    rf"(?:(?P<am>{_I_AM})\s+|(?:{_I_AM}\s+(?:living|based|located)|(?:i|we)\s+(?:live|am\s+based|are\s+based))\s+"
    r"|(?P<who>.+?)\s+)"
    r"(?P<where>(?:from|in)\s+(?P<place>[^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’-]*){0,3}))",
    re.IGNORECASE,
)
# "I'm Canadian", "i'm a student", "we're overseas"
_IS = re.compile(rf"{_I_AM}\s+(?P<article>(?:an?|the)\s+)?(?P<said>[^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’-]*){{0,3}})", re.IGNORECASE)


def said_of_themselves(clause: str) -> str | None:
    """What a clause of a message's opening says of the customer that the question can depend on and that is no
    personal data (``NATIONALITIES``, ``_ABOUT_A_CUSTOMER``, a place), without "I'm", its article or "from": "I'm
    Canadian" is "Canada" (a nationality's country), "i'm a student" "student", "I live in Germany" and "I'm Tom from
    Germany" "Germany", "I live in Toronto" "Canada" (a city's country, ``CITIES``); None for a clause that says
    nothing of the kind ("I'm Tom", "i'm tired", "my email is ...")."""
    clause = clause.strip().rstrip(",.;:!").strip()
    if (lives := _LIVES.fullmatch(clause)) is not None:
        if lives["who"] is not None and not _introduces_the_customer(lives["who"]):
            return None  # "the parcel from Canada"
        ambiguous = lives["who"] is not None or (lives["am"] is not None and lives["where"].lower().startswith("in"))
        if not places(lives["place"]) and ambiguous:
            return None
        return CITIES.get(lives["place"].lower(), lives["place"])  # "I live in Toronto": "Canada"
    if (it := _IS.fullmatch(clause)) is None:
        return None
    words = [word.lower() for word in it["said"].split()]
    known = [word in NATIONALITIES or word in _ABOUT_A_CUSTOMER for word in words]
    if not all(known) and not (it["article"] and known[-1]):  # "a Northwind Plus member", "an international customer"
        # "I'm in Germany" has "in"; "I'm abroad"; "I'm Sydney" is a name, not the city (``CITIES``)
        return it["said"] if places(it["said"]) and len(words) == 1 and words[0] not in CITIES else None
    countries = [NATIONALITIES[word] for word in words if word in NATIONALITIES]
    if countries and len(countries) == len(words):
        return ", ".join(countries)  # "I'm Canadian": "Canada"
    return ", ".join([it["said"], *countries])  # "a Canadian student": "Canadian student, Canada"


def without_introduction(text: str) -> str:
    """``text`` without the greeting, name and contact details it opens with (``_introduces_the_customer``), for the
    search: "Hi, I'm Tom Baker, tom@example.com, order 10042. How do I return a damaged item?" asks how to return a
    damaged item (searched whole, the name and values drew the passages away, and it was declined). What the opening
    says of the customer besides (``said_of_themselves``) stays, in brackets after the question, as a rewrite keeps a
    place: "i'm canadian, jo@example.com. do you ship to me?" is "do you ship to me (Canada)?" (searched "do you
    ship to me?", it was declined). ``text`` itself when its opening gives no personal data (``_gives_personal_data``:
    a greeting alone, which the search leaves out already, or "I am Canadian, ...") or nothing that names a topic
    follows."""
    start, personal, said = 0, False, []
    for end in _CLAUSE_END.finditer(text):
        clause = text[start : end.start()]
        about = said_of_themselves(clause)
        if about is None and not _introduces_the_customer(clause):
            break
        said += [about] if about is not None else []
        personal = personal or _gives_personal_data(clause)
        start = end.end()
    rest = text[start:]
    if not (personal and names_a_topic(rest) and not _introduces_the_customer(rest)):
        return text
    if not said:
        return rest
    asked = rest.rstrip()
    question = asked.rstrip("?.!… ")
    return f"{question} ({', '.join(dict.fromkeys(said))}){asked[len(question):].strip()}"


def _section(doc_id: str) -> str:
    """The folder of a document id ("accounts/reset-password": "accounts"); a document without one (an FAQ entry) is its own."""
    folder, slash, _ = doc_id.partition("/")
    return folder if slash else doc_id


# the customer's messages after an order lookup (this one included) that may still be about that order
ORDER_CONTEXT_TURNS = 3
_THE_ORDER = re.compile(r"\b(?:it|(?:my|the|this|that)\s+(?:order|parcel|package))\b(?!['’])", re.IGNORECASE)


def looked_up_status(tracker: Tracker) -> str | None:
    """The status of the order looked up (``order_status`` ran and found it) at most ``ORDER_CONTEXT_TURNS``
    messages before the one being read, else None."""
    messages = 0
    for event in reversed(tracker.events):
        if isinstance(event, UserMessage):
            messages += 1
            if messages >= ORDER_CONTEXT_TURNS:
                return None
        elif isinstance(event, ActionExecuted) and event.name == "order_status":
            return str(event.result.get("status") or "") or None if event.ok else None
    return None


# "it" standing in for what follows ("is it possible to pay with klarna?", "it is ok if I pay later?", "is it too late
# to cancel?"): the subject of "is"/"was"/"will be"/"would be", with up to 3 words (its predicate) before a clause of
# its own, "to" and a verb (not "to the/my ...": "was it sent to my old address?"), "that", "if" or "whether"
_STAND_IN_IT = re.compile(
    r"\b(?:(?:is|was|will|would)\s+(it)(?:\s+be)?|(it)\s+(?:is|was|will\s+be|would\s+be))"
    r"(?P<predicate>(?:\s+(?!(?:it|to|that|if|whether)\b)[^\W\d_][\w'’-]*){0,3}?)"
    r"\s+(?:(?:for\s+[^\W\d_]+\s+)?to\s+(?!(?:the|a|an|my|your|our|his|her|their|this|that|these|those|me|us|you|him|them)\b)[^\W\d_]"
    r"|(?:that|if|whether)\b)",
    re.IGNORECASE,
)
# a participle in the predicate keeps "it" the order: "is it going to arrive today?", "is it supposed to ship?"
_PARTICIPLE = re.compile(r"[^\W\d_]{2,}(?:ing|ed)\b", re.IGNORECASE)


def _stand_in_its(text: str) -> set[int]:
    """Where in ``text`` an "it" stands in for the clause after it (``_STAND_IN_IT``), not for a thing."""
    return {
        match.start(1) if match.group(1) else match.start(2)
        for match in _STAND_IN_IT.finditer(text)
        if not _PARTICIPLE.search(match.group("predicate"))
    }


def refers_to_the_order(text: str) -> bool:
    """Whether ``text`` is about an order already named ("can I still cancel it?", "what's in my order?", "what should
    I do?"): it says "it" (not the "it" of "is it possible to ...") or "the order", or names no topic of its own.
    "is it possible to pay with klarna?" after a lookup is about paying, and was searched with the order's status."""
    stand_in = _stand_in_its(text)
    return any(match.start() not in stand_in for match in _THE_ORDER.finditer(text)) or not names_a_topic(text)


def _asked_a_question(tracker: Tracker) -> bool:
    """Whether the last reply asked the customer something a "no" answers (the offer of a person, a question for a
    slot, which of the options, "anything else?" of small talk), not an answer or a result: there "no way" and "no!!"
    are a no, after an answer dismay ("oh no" always is)."""
    return (
        tracker.handoff_offered
        or tracker.requested_slot is not None
        or tracker.clarification is not None
        or tracker.last_action in ("small_talk", "confirm")
    )


def _waits_for_a_reply(tracker: Tracker) -> bool:
    """Whether the last reply asked something that the next message may answer: which of its options, a detail for a
    business action, whether it may run, or whether to connect a person."""
    return (
        tracker.clarification is not None or tracker.requested_slot is not None or tracker.handoff_offered
        or tracker.last_action == "confirm"
    )


def other_option(chosen: tuple[ClarificationAsked, int] | None, text: str) -> int | None:
    """After the customer picked one of two options, the other one when the message asks for "the other
    one" (and names nothing else); else None."""
    if chosen is None or len(chosen[0].options) != 2 or not _THE_OTHER.search(text):
        return None
    rest = _THE_OTHER.sub(" ", text)
    if names_a_topic(rest):  # "the other one is broken, can I return it?" is a question of its own
        return None
    return 1 - chosen[1]


def validate_message(text: str, max_chars: int, replies: Replies = DEFAULT_REPLIES) -> str:
    """The message stripped, or InvalidMessage with a message meant for the customer (``replies``' words)."""
    if not isinstance(text, str) or shows_nothing(text):
        raise InvalidMessage(replies.empty_message)
    text = whole_characters(text.strip())
    if len(text) > max_chars:
        # in the message's own language when its words tell one (``Replies.for_message``), the team's otherwise
        raise InvalidMessage(replies.for_message(text).say("too_long", length=f"{len(text):,}", limit=f"{max_chars:,}"))
    return text


class DialogManager:
    """Runs turns. Holds no per-conversation state: everything is replayed from the store.

    ``understander`` finds intents and entities (keyword rules alone by default); ``rules`` and ``actions``
    are the business rules and business actions the policies apply; after ``handoff_after_failures``
    answers in a row that found nothing (0: never), the conversation goes to a person (after the customer said no
    to one, only at ``DECLINED_FACTOR`` times that count). With ``relay_to_person``, a conversation a person has
    (handed off, not handed back) is theirs: the customer's messages are stored for staff and the assistant does
    not answer them, except one that takes the handoff back ("never mind"), which hands it back as the chat's button does,
    and, until a member of staff has written, a question of its own that the help centre answers
    (``asks_the_help_centre``: "how much is shipping to Canada?"), which is answered while the handoff stays queued.
    """

    def __init__(
        self,
        store: ConversationStore,
        answer_action: AnswerFromKnowledgeBase,
        max_message_chars: int = 4000,
        policies: Sequence[Policy] | None = None,
        understander: Understander | None = None,
        rules: BusinessRules | None = None,
        actions: BusinessActions | None = None,
        handoff_after_failures: int = 2,
        relay_to_person: bool = True,
        intent_margin: float = 0.15,
        clock: Callable[[], datetime] | None = None,
        replies: Replies | None = None,
        hand_over_frustrated_questions: bool = True,
        answer_other_languages: bool = True,
    ) -> None:
        self.store = store
        self.answer_action = answer_action
        self.max_message_chars = max_message_chars
        self.rules = rules or BusinessRules()
        self.actions = actions or BusinessActions()
        self.policies = tuple(policies) if policies is not None else default_policies(
            self.rules, self.actions, intent_margin, getattr(answer_action, "retriever", None),  # None: staff commands
            hand_over_frustrated_questions, clock=lambda: self.clock(),  # the clock a test or script sets later too
            answer_other_languages=answer_other_languages,
        )
        self.understander = understander or Understander()
        self.handoff_after_failures = handoff_after_failures
        self.relay_to_person = relay_to_person
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.slot_memory = SlotMemory()  # slot values the log keeps redacted, for this conversation's next turns
        self.replies = replies or answer_action.replies  # the fixed replies (dialog.replies), by default the answer's

    def start_session(self, channel: str = "web") -> str:
        return self.store.create_session(channel)

    def tracker(self, session_id: str) -> Tracker:
        return Tracker.from_events(session_id, self.store.load_events(session_id))

    def give_feedback(
        self, session_id: str, turn_no: int, rating: int | None, comment: str | None = None, source: str = "customer"
    ) -> None:
        """Record thumbs up (+1) or down (-1), or take one back (0), and/or a comment on turn ``turn_no``
        of a conversation. A new rating replaces the rater's earlier one.

        InvalidMessage when there is nothing to record, the rating is not 1, -1 or 0, the comment is too long
        or the turn does not exist; UnknownSession for an unknown conversation.
        """
        comment = whole_characters((comment or "").strip()) or None
        if rating not in (None, 1, -1, 0):
            raise InvalidMessage("A rating is 1 (thumbs up), -1 (thumbs down) or 0 (take the thumb back).")
        if rating is None and comment is None:
            raise InvalidMessage("Give a thumbs up or down, or write a comment.")
        if comment is not None and len(comment) > self.max_message_chars:
            raise InvalidMessage(self.replies.say("comment_too_long", length=f"{len(comment):,}", limit=f"{self.max_message_chars:,}"))
        turns = self.tracker(session_id).turn_count
        if not 1 <= turn_no <= turns:
            raise InvalidMessage(f"This conversation has {turns} turn(s); there is no turn {turn_no}.")
        self.store.append(session_id, [FeedbackGiven(turn_no=turn_no, rating=rating, comment=comment, source=source)])

    def reply_as_staff(self, session_id: str, text: str, author: str, take_over: bool = True, login: str = "") -> None:
        """A member of staff writes to the customer, shown as ``author``; ``login``: the staff login that sent it,
        stored with the reply (the name shown may be a first name several share). A conversation not yet handed
        off is taken over first, so the assistant stops answering it; with ``take_over`` False (the Inbox, whose
        reply is meant for a conversation a person has) it is refused instead. InvalidMessage for an empty or too
        long reply."""
        if shows_nothing(text or ""):
            raise InvalidMessage("The reply is empty.")
        text, author = whole_characters(text.strip()), whole_characters(author)
        if len(text) > self.max_message_chars:
            raise InvalidMessage(f"The reply is {len(text):,} characters long; the limit is {self.max_message_chars:,}.")

        def reply(tracker: Tracker) -> list[Event]:
            if not tracker.with_person and not take_over:
                raise InvalidMessage(NOT_WITH_A_PERSON)
            taken: list[Event] = [] if tracker.with_person else [HandoffRequested(reason=f"{TAKEN_OVER_BY}{author}")]
            return [*taken, AgentMessage(text=text, author=author, login=login)]

        self._change(session_id, reply)

    def hand_back(self, session_id: str, author: str) -> None:
        """Staff (or the customer) hand the conversation back: the assistant answers the customer's next
        message again. InvalidMessage when no person has it, also when someone else just handed it back."""
        author = whole_characters(author)

        def back(tracker: Tracker) -> list[Event]:
            if not tracker.with_person:
                raise InvalidMessage("This conversation is not with a person, so there is nothing to hand back.")
            return hand_back(author, self._customer_replies(tracker, "").handed_back)  # in the conversation's language

        self._change(session_id, back)

    def request_handoff(self, session_id: str, reason: str) -> None:
        """Hand the conversation to a person outside a turn (the API's handoff); nothing changes, and staff
        are not told again, while a person already has it."""
        reason = whole_characters(reason)
        self._change(session_id, lambda tracker: [] if tracker.with_person else [HandoffRequested(reason=reason)])

    def _change(self, session_id: str, decide: Callable[[Tracker], list[Event]]) -> None:
        """Append the events ``decide`` makes of the conversation as it stands. If it changes between the
        read and the write (two members of staff, several servers), nothing is written and it is decided
        again on the new state, so that, say, two hand-backs at once make one."""
        for _ in range(SAVE_ATTEMPTS):
            tracker = self.tracker(session_id)
            events = decide(tracker)
            if not events:
                return
            try:
                self.store.append(session_id, events, expected_events=len(tracker.events))
                return
            except ConversationChanged:
                continue
        raise ConversationChanged(session_id)

    def _save_turn(self, session_id: str, events: list[Event], record: TurnRecord, seen: int) -> TurnRecord:
        """Save a turn decided on ``seen`` events. The reply has been shown already, so a conversation that
        changed meanwhile (another message, a staff reply) still gets it: after the latest events, with
        the turn renumbered. A conversation deleted meanwhile (erased: ``assistant logs delete``) keeps
        nothing: the turn is not stored, and the reply ends as usual. The record as saved (or not)."""
        try:
            for _ in range(SAVE_ATTEMPTS):
                try:
                    self.store.append(session_id, events, record, expected_events=seen)
                    return record
                except ConversationChanged:
                    latest = self.tracker(session_id)
                    seen, record = len(latest.events), replace(record, turn_no=latest.turn_count + 1)
            log.warning("conversation %s kept changing through %d tries; turn %s saved unchecked", session_id, SAVE_ATTEMPTS, record.turn_no)
            self.store.append(session_id, events, record)  # still changing: keep the turn all the same
        except UnknownSession:
            log.warning("conversation %s was deleted during turn %s; the turn is not stored", session_id, record.turn_no)
        return record

    def handle(self, session_id: str | None, text: str, channel: str = "web", earlier_question: str | None = None) -> TurnResult:
        """Run one turn to the end (see ``stream``)."""
        update = TurnUpdate("")
        for update in self.stream(session_id, text, channel, earlier_question):
            pass
        assert update.result is not None
        return update.result

    def stream(
        self, session_id: str | None, text: str, channel: str = "web", earlier_question: str | None = None
    ) -> Iterator[TurnUpdate]:
        """Run one turn, yielding the reply as it is written; the last update carries the result.

        With ``session_id`` None, a conversation on ``channel`` is started for the message, once it has
        passed validation. ``earlier_question``: the question the customer asked before this conversation's
        first turn, elsewhere (``dialog.history``: a client that resends its messages); a follow-up is read with it.
        InvalidMessage (before anything is stored) for a message that cannot be handled; UnknownSession for an id
        the store does not know.
        """
        started = time.perf_counter()
        text = validate_message(text, self.max_message_chars, self.replies)
        session_id = session_id or self.start_session(channel)
        tracker = self.tracker(session_id)
        if earlier_question and tracker.last_query is None:
            tracker.last_query = earlier_question  # for this turn only; the turn's own query is what is stored
        timings: dict[str, float] = {}
        typed, seen, handed_back = text, len(tracker.events), self._handed_back_with(tracker, text)
        replies = self._customer_replies(tracker, text)  # "Hallo" to a help centre in English and German: in German
        if handed_back:  # "actually no, I'll just ask you. how much is shipping?": handed back, and the question answered
            text = question_with_take_back(text, staff_replied=tracker.agent is not None) or text
            tracker = Tracker.from_events(session_id, [*tracker.events, *handed_back])

        # "ok" or "sure" after an answer that ends "If you'd rather talk to a person, just say so." (no question)
        # acknowledges the answer; an explicit "yes" takes the offer
        upset_offer = self._upset_offer_stands(tracker) and not _ACKNOWLEDGEMENT.fullmatch(text)
        if upset_offer:  # "yes" to "If you'd rather talk to a person, just say so." takes it, as it takes any offer of one
            tracker.handoff_offered = True  # for this turn only: the tracker knows an offer only by a failed answer
        # "no thanks" to it turned a person down as a no to any offer of one does (for this turn, as the tracker cannot tell)
        tracker.person_declined = tracker.person_declined or self._declined_upset_offer(tracker)

        step = time.perf_counter()
        # "where is it?" after "What would you like to know about your order?", "NW-20481739 where is it"
        read = about_the_order(tracker, text, self.understander.extractor.order_numbers)
        understanding = self._understand(tracker, read)
        query, only_doc, forced, prefer_docs, focus, context = read, None, None, (), None, None
        context_docs: tuple[str, ...] = ()  # a statement's context, read first when it finds these articles first
        told = ""  # "tell me more": what the assistant has said so far, which the new answer leaves out
        said = read  # what the policies read
        answered = tracker.exchanges[-1][1] if tracker.last_action == "answer" and tracker.exchanges else ""  # the last answer
        asked, choice = tracker.clarification, option_named(tracker.clarification, text)
        if choice is None and tracker.chosen_option is not None:  # "and the other one?" after a pick of two
            asked, choice = tracker.chosen_option[0], other_option(tracker.chosen_option, text)
        if choice is not None and asked is not None:
            understanding, query, only_doc, forced = self._resolve(asked, choice, understanding)
            said = asked.options[choice]  # "2" is read as the option it names, as a click on its button sends it
        elif asked is not None and asked.kind == "passage" and _BOTH.match(text):  # "both": answered from every option's article
            query, prefer_docs = asked.query, asked.values
            forced = Prediction("answer", 1.0, f"the customer asked for all of {', '.join(asked.values)}", 0)
        elif asked is not None and _NEITHER.match(text):  # "neither": what they want instead
            forced = Prediction("small_talk", 1.0, "the customer wants none of the options", 0, "affirm")
        elif asked is not None and (understanding.intent == "affirm" or re.fullmatch(r"\s*\d{1,2}[.)]?\s*", text)):
            # "yes", or a number that is no option's ("3" of two), to "which of these?": asked again
            forced = Prediction("clarify", 1.0, "the reply named none of the options: asked again which one", 0)
        elif (tracker.last_action == "answer" and tracker.last_answer_docs and _MORE.match(text)
              and (not tracker.handoff_offered or upset_offer or self._said_nothing_more(tracker))):
            # "tell me more": the last answer's articles again, without the sentences already given (they were repeated)
            query, prefer_docs, told = tracker.last_query or text, tracker.last_answer_docs, " ".join(bot for _, bot in tracker.exchanges)
            forced = Prediction("answer", 1.0, "the customer asked for more on the last answer's articles: what it did not say", 0)
            if tracker.answered_intent is not None:  # read as the question it continues: its intent's topic threshold too
                label, confidence = tracker.answered_intent
                understanding = replace(understanding, intent=label, confidence=confidence, ranking=((label, confidence),))
        elif tracker.last_query and (is_follow_up(text, tracker.last_query) or reports_on_what_was_said(text, answered)):
            if reports_on_what_was_said(text, answered) and names_a_topic(text) and not only_names_what_was_said(text, answered):
                # "I didn't get the email" after the password-reset steps: about the e-mail that answer named, when read
                # with the last question it finds that answer's article first; "the card was declined" after the payment
                # methods finds the failed payments first, and is searched as it stands (held to the payment methods,
                # it got the list of methods again)
                context, context_docs = rewrite(text, tracker.last_query), tracker.last_answer_docs
            elif (alone := searched_alone_first(text, tracker.last_query)) is not None:
                # "and do I need to leave a deposit?" after a child seat: its own words, read with the last topic if they find nothing
                query, context = alone, rewrite(text, tracker.last_query)
            else:
                query, focus = rewrite(text, tracker.last_query), text  # the follow-up's own words say what is new
                # "how much does it cost?" continues the last article, and so does "and apple pay?" after an answer that
                # names Apple Pay; "what about express?" may not
                if not names_a_topic(text) or only_names_what_was_said(text, answered):
                    prefer_docs = tracker.last_answer_docs
                    # "and for postgrads?" after "postgraduate students get 750": in the answer's words, the answer's
                    # sentence is no longer taken for one the follow-up does not ask about (it was left out as said)
                    focus = in_the_answers_words(text, answered)
        elif tracker.last_query and (is_short(text) or shares_a_topic_word(text, answered)):
            # "balance?" after "gift card", "can I add a message?" after the gift wrapping: in context if alone finds nothing
            context = rewrite(text, tracker.last_query)
        status = looked_up_status(tracker)
        if status and forced is None and choice is None and refers_to_the_order(text):
            # "can I still cancel it?" after a lookup that said Shipped: about that order, searched with its status (the
            # last question's topic, "which carrier", said nothing of it)
            query, focus, prefer_docs, context = f"{text.strip().rstrip('?.! ')} (order {status.lower()})?", text, (), None
            context_docs = ()
        tie_context = None  # the message read with what the conversation was just about, when alone it would ask which article
        if forced is None and choice is None and query == read and context is None and not prefer_docs:
            tie_context = self._tie_context(tracker, read, status)
        elif status and query != read and focus == text and query.endswith(f"(order {status.lower()})?"):
            # and the other way round: "then how do i return it (order shipped)?" asked which of International shipping and
            # How to return an item was meant, where the message alone is the return's
            tie_context = read
        about = about_last_run(self.actions, tracker, text, understanding.entities, ORDER_CONTEXT_TURNS) if forced is None and choice is None else None
        if about is not None:  # "what's in it?" after the order lookup: the action's own answer, from that order
            forced = Prediction("about", 1.0, about.run.name, 0)
        asked_for = tracker.requested_slot[1] if tracker.requested_slot is not None else None
        slot_events = [
            SlotSet(name=name, value=value)
            for name, value in understanding.entities.items()
            if (name in SLOT_NAMES or name == asked_for) and tracker.slots.get(name) != value
        ]
        if self.relay_to_person and tracker.with_person and takes_back_handoff(text, staff_replied=tracker.agent is not None):
            # "never mind", "I don't need a person anymore": what the chat's button and DELETE /handoff do
            prediction = Prediction("hand_back", 1.0, "the customer took the handoff back: the assistant answers again")
        elif self.relay_to_person and tracker.with_person:
            prediction = self._while_waiting(tracker, understanding, said, text, forced is None and choice is None)
        else:
            prediction = forced or choose([policy.predict(tracker, understanding, said) for policy in self.policies])
        confirmation = None  # the answer to "Shall I go ahead: ...?": True runs the action, False does not
        confirming = self.actions.get(pending_confirmation(tracker) or "") if not tracker.with_person else None
        if confirming is not None:
            prediction, confirmation = self._confirmed(confirming, tracker, understanding, text, prediction)
        # "how much is shipping to Canada?" while the handoff waits: answered (the handoff stays queued) only when the
        # search finds an answer, else relayed all the same; so the reply is shown once it is known, not as it is written
        while_waiting = self.relay_to_person and tracker.with_person and prediction.action == "answer"
        # "I already checked my spam folder": what was looked at; "I tried to apply my promo code" is searched as before
        # (the promo code FAQ; the help centre explains what to do when trying fails)
        checked = prediction.action == "answer" and not while_waiting and _CHECKED.search(read)
        done = only_what_was_done(read) if checked else set()
        if prediction.action == "answer" and forced is None and query == read and not prefer_docs and context is None and tracker.last_query \
                and asks_yes_or_no_after_an_answer(tracker, understanding, read):
            # "will my orders be deleted too?" after how to close an account: about that answer, searched with its question
            query, focus, prefer_docs = rewrite(read, tracker.last_query), read, tracker.last_answer_docs
        elif prediction.action == "answer" and forced is None and choice is None and done and not reports_on_what_was_said(text, answered):
            doc = self._done_on_the_last_topic(tracker, read, done)
            if doc is not None:
                # "I already checked my spam folder" after how long a reset link works: the reset e-mail's article, without
                # the advice to look in the spam folder (searched alone, it got the order confirmation's spam hint)
                query, focus, prefer_docs = rewrite(read, tracker.last_query or ""), read, (doc,)
                context, context_docs, tie_context = None, (), None
            else:
                # said of nothing the conversation was about (after the shipping prices, or first): what is wrong is not
                # known, so sorry, the offer of a person and a request to say more ("yes" takes the offer), not advice to
                # do again what was done
                understanding = replace(understanding, intent="dismay", ranking=(("dismay", understanding.confidence),))
                prediction = Prediction(
                    "small_talk", 1.0, f"the customer says what they did ({', '.join(sorted(done))}) about nothing the "
                    "conversation was about: sorry, and the offer of a person", 0, "dismay",
                )
        elif prediction.action == "answer" and forced is None and choice is None:
            query, focus, prefer_docs, context, tie_context = self._reread(
                tracker, understanding, read, query, focus, prefer_docs, context, context_docs, tie_context, status, answered
            )
        if prediction.action == "answer" and forced is None and choice is None and query == read and context is None and not prefer_docs \
                and (asked := without_introduction(question_part(read))) != read:
            # a long message ("Hello, I ordered a lamp ... My question is simply: can I exchange it for another colour?"),
            # which the intent model reads by its question, is searched by it too: read whole, the story drowned the
            # question and it was declined; so is one of any length after the customer's name and contact details ("Hi,
            # I'm Tom Baker, tom@example.com. How do I return a damaged item?"); the whole message is still searched when
            # the question alone finds nothing
            query, context = asked, read
        # a business action's own slot given outside its question ("for Dec 28" as the day): kept when that action runs
        chosen = self.actions.get(prediction.argument or "") if prediction.action == "business" else None
        own = {p.name for p in chosen.parameters} - set(SLOT_NAMES) - {asked_for} if chosen is not None else set()
        slot_events += [
            SlotSet(name=name, value=value) for name, value in understanding.entities.items() if name in own and tracker.slots.get(name) != value
        ]
        if chosen is not None and prediction.repeat:  # asked for again after it ran: its earlier values are not reused unasked
            slot_events += [SlotSet(name=name, value=None) for name in self._earlier_values(tracker, chosen, understanding)]
        # a value the log keeps redacted ("[EMAIL]") comes back from this process's memory while it has it
        slots = self.slot_memory.fill(session_id, {**tracker.slots, **{e.name: e.value for e in slot_events}})
        timings["understanding_ms"] = (time.perf_counter() - step) * 1000
        new_events: list[Event] = [
            UserMessage(text=typed),
            *handed_back,
            IntentPredicted(intent=understanding.intent, confidence=understanding.confidence, source=understanding.source),
            *slot_events,
        ]

        outcome, reply, action = None, "", prediction.action
        asked_as = [without_opening(query), context, tie_context]  # what the answer searches, in the customer's words
        try:
            # the slot the previous reply asked for, if this message gave no value at all
            gave = any(e.value is not None for e in slot_events) or understanding.several
            unanswered = None if gave else tracker.requested_slot
            steps = about.steps(self.replies) if about is not None and prediction.action == "about" else self._act(
                prediction, understanding, tracker, slots, query, only_doc, prefer_docs, focus, context, unanswered, told, context_docs,
                tie_context, replies, confirmation,
            )
            given = {**understanding.several, **{name: (value,) for name, value in understanding.entities.items()}}
            personal = [value for name in CUSTOMER_SLOTS for value in given.get(name, ())]
            rest = other_question(text, sum(given.values(), ()), personal) if prediction.action == "business" else None
            if rest is not None:  # "where is my order NW-… and can I change the address?": the address question answered too
                steps = with_other_answer(steps, self.answer_action.run(tracker, rest[1]), rest[0])
                asked_as.append(rest[1])
            for step_output in steps:
                if isinstance(step_output, ActionOutcome):
                    outcome = step_output
                else:
                    reply += step_output
                    if not while_waiting:
                        yield TurnUpdate(reply, session_id)
        except Exception as error:  # a broken index or model must not lose the turn
            if isinstance(error, GeneratorUnavailable):  # expected (a remote generator down, no extractive fallback): one line
                log.warning("action %s failed in session %s: %s", prediction.action, session_id, error)
            else:
                log.exception("action %s failed in session %s", prediction.action, session_id)
            action = "fallback"
            reply_text = replies.lookup_failed if prediction.action == "business" else replies.fallback
            outcome = next(o for o in fallback(f"{type(error).__name__}: {error}", reply_text) if isinstance(o, ActionOutcome))
        assert outcome is not None
        if while_waiting:
            outcome = self._answered_while_waiting(outcome, tracker, replies)
        elif prediction.action == "answer" and sounds_upset(typed):
            outcome = self._with_upset_offer(outcome, replies)
        action = outcome.action or action
        if self._should_escalate(tracker, action, outcome):
            outcome = self._escalate(outcome, tracker, action, replies)
            action = outcome.action or action  # outside support hours no handoff: the failed reply, with when people are back

        timings.update(outcome.timings_ms)
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        reason = outcome.reason or (
            "the model found no answer in the passages" if outcome.abstained and outcome.model else prediction.reason
        )
        if outcome.error:
            reason = f"{reason} ({outcome.error})"
        if handed_back:
            reason = f"the customer took the handoff back and asked a question; {reason}"
        for note in (understanding.note, self.understander.note):
            if note:
                reason = f"{reason} [{note}]"
        record = TurnRecord(
            session_id=session_id,
            user_text=typed,
            intent=understanding.intent,
            intent_confidence=understanding.confidence,
            action=action,
            reason=reason,
            answer=outcome.text,
            query=outcome.query,
            retrieved=outcome.retrieved,
            sources=outcome.sources,
            abstained=outcome.abstained,
            handoff=outcome.handoff,
            model=outcome.model,
            timings_ms={k: round(v, 1) for k, v in timings.items()},
            error=outcome.error,
            turn_no=tracker.turn_count + 1,
            index_version=outcome.index_version,
        )
        events = new_events + [self._in_own_words(e, asked_as) if isinstance(e, RetrievalDone) else e for e in outcome.events]
        # a secret slot's value (a 2FA backup code) is "[SECRET]" in all the turn stores and returns, redaction on or off;
        # the function had it, and this process's memory keeps it for the next turns like a redacted value
        secrets = turn_secrets(self.actions, tracker, events)
        hidden = secret_values(secrets, events, slots) if secrets else set()
        record = self._save_turn(session_id, mask_secrets(events, secrets, hidden), mask_secrets(record, secrets, hidden), seen=seen)
        self.slot_memory.remember(session_id, {e.name: e.value for e in events if isinstance(e, SlotSet)})
        for event in events:
            if isinstance(event, SlotSet):
                slots = {k: v for k, v in slots.items() if k != event.name} if event.value is None else {**slots, event.name: event.value}
        result = TurnResult(
            session_id=session_id,
            text=outcome.text,
            action=action,
            reason=record.reason,
            intent=understanding.intent,
            sources=outcome.sources,
            abstained=outcome.abstained,
            handoff=outcome.handoff,
            model=outcome.model,
            timings_ms=record.timings_ms,
            turn_no=record.turn_no or 0,
            options=list(outcome.options),
            query=record.query,
            # a value the log redacted ("[EMAIL]", from an earlier turn) is not a value: the action asks for it again
            slots={k: SECRET_VALUE if k in secrets else v for k, v in slots.items() if not is_redacted(v)},
            requested_slot=outcome.requested_slot,
            error=record.error,
        )
        yield TurnUpdate(outcome.text, session_id, done=True, result=result)

    def _in_own_words(self, searched: RetrievalDone, asked_as: Sequence[str | None]) -> RetrievalDone:
        """``searched`` with its query as the turn asked it (one of ``asked_as``), its spelling corrected but without the
        help centre's synonyms, which every search adds again: the tracker's last query, which follow-ups are read with.
        "my campervan is 3.5 m tall, can it go on the ferry?" was searched "my high vehicle is 3.5 m tall, ..." (the rule
        "campervan => high vehicle"), and the next follow-up's brackets read the help centre's words, not the customer's.
        The turn's record keeps the query as searched. Unchanged when no text of ``asked_as`` gave it."""
        retriever = getattr(self.answer_action, "retriever", None)
        if retriever is None or not hasattr(retriever, "expanded") or not hasattr(retriever, "speller"):
            return searched
        for text in dict.fromkeys(t for t in asked_as if t):
            own = retriever.speller().correct(query_form(text))
            if own != searched.query and retriever.expanded(own) == searched.query:
                return replace(searched, query=own)
        return searched

    def _understand(self, tracker: Tracker, text: str) -> Understanding:
        """Intent and entities; a bare value in reply to a slot question ("20481736") fills that slot, and so
        does the whole reply to a question for a slot that no extractor finds (a business action's
        ``bike_model``), unless it reads as a new request."""
        if text.casefold() == self.replies.handoff_request.casefold():  # the chat's "Talk to a human" button, in any language
            return Understanding("human", 1.0, (("human", 1.0),))
        understanding = self.understander.understand(text, today=self.clock().date())
        if understanding.intent == "dismay" and is_emphatic_no(text) and _asked_a_question(tracker):
            understanding = replace(understanding, intent="deny", ranking=(("deny", understanding.confidence),))
        if tracker.handoff_offered and _TURNS_DOWN.fullmatch(text):  # "No, thank you." to a person: was searched and declined
            ruled = (("deny", RULE_CONFIDENCE),)
            understanding = replace(understanding, intent="deny", confidence=RULE_CONFIDENCE, ranking=ruled, source="rules")
        if understanding.intent == "greet" and is_bare_greeting(text) and _waits_for_a_reply(tracker):
            # "hello" while "which of these?" waits: a check-in like "hello?", which keeps the question (as a greeting, the
            # clarifying question and the offer of a person were dropped, and "1" next was not understood)
            understanding = replace(understanding, intent="filler", ranking=(("filler", understanding.confidence),))
        understanding = self._patterned_values(tracker, understanding, text)
        if understanding.several:  # "not NW-20481736, it's NW-20481737": the one value that is not the slot's already
            entities, several = dict(understanding.entities), dict(understanding.several)
            for name, values in understanding.several.items():
                new = [value for value in values if value != tracker.slots.get(name) and not self._refused(tracker, name, value)]
                if len(new) == 1:
                    entities[name] = new[0]
                    del several[name]
            understanding = replace(understanding, entities=entities, several=several)
        if tracker.requested_slot is not None and tracker.requested_slot[1] not in understanding.entities:
            action_name, slot = tracker.requested_slot
            value = self.understander.extractor.bare_value(slot, text)
            kind = self._slot_type(action_name, slot)
            if value is None and slot not in SLOT_NAMES and kind is bool:  # "Express service?": yes or no, nothing else
                value = yes_or_no(understanding, text)
            elif value is None and slot not in SLOT_NAMES and replies_to_a_question(
                understanding, text, self._check_takes(action_name, slot, understanding, text)
            ):
                if kind is date:  # "Dec 10", "tomorrow"; and for a day to come, "Monday", "next Friday"
                    value = understanding.entities.get("date") or coming_weekday(text, self.clock().date())
                elif kind in (int, float):  # "2 wheels": 2; "two", "a few": none, asked again
                    value = reply_number(text, kind)
                else:  # "the same bike" for another booking: the last run's bike, not "same bike"
                    earlier = tracker.last_runs.get(action_name, {}).get(slot)
                    value = earlier if earlier is not None and _THE_SAME.match(text) else reply_value(text)
            elif value is None and slot == "date" and replies_to_a_question(understanding, text):  # the docs' book_repair(…, date: str)
                value = coming_weekday(text, self.clock().date())
            if value is not None:
                understanding = replace(understanding, entities={**understanding.entities, slot: value})
        return self._named_thing(tracker, self._named_day(tracker, understanding, text), text)

    def _named_day(self, tracker: Tracker, understanding: Understanding, text: str) -> Understanding:
        """The date in a request for a business action ("book a repair for Dec 28"), or in a correction right after
        it ran ("sorry, I meant Dec 30"), as the value of its one ``date`` parameter of another name (``day``): the
        extractor fills only a parameter named ``date``, so the day was asked for again, and a corrected one searched."""
        ran = tracker.last_business_action if tracker.last_action == "business" else None
        action = self.actions.for_intent(understanding.intent) or (self.actions.get(ran) if ran else None)
        if action is None:
            return understanding
        days = [p.name for p in action.parameters if p.type is date and p.name not in SLOT_NAMES]
        # the docs' book_repair(bike_model, date: str): the extractor finds "Dec 28" for it, not "on Friday"
        days = days or [p.name for p in action.parameters if p.name == "date"]
        if len(days) != 1 or days[0] in understanding.entities:
            return understanding
        date_found = understanding.entities.get("date") or coming_weekday(text, self.clock().date())  # "on Monday"
        if date_found is None:
            return understanding
        return replace(understanding, entities={**understanding.entities, days[0]: date_found})

    def _refused(self, tracker: Tracker, slot: str, value: str) -> bool:
        """Whether the action whose question waits refuses ``value`` for ``slot`` (its check or its pattern): a refused
        value is not kept as the slot's, yet "not NW-2048173, it's NW-20481737" after it still means the other one."""
        waiting = self.actions.get(tracker.requested_slot[0]) if tracker.requested_slot is not None else None
        return waiting is not None and slot in waiting.refused({slot: value})

    def _check_takes(self, action_name: str, slot: str, understanding: Understanding, text: str) -> bool:
        """Whether the check (or pattern) of the slot asked for accepts the reply as its value, asked only of a reply the
        intent model reads as a greeting, thanks or goodbye ("Free" for a plan, greet 0.9): then it is the value, not
        small talk (``replies_to_a_question``). Other replies call no check here: a team's check may ask a booking system."""
        if understanding.source != "classifier" or understanding.intent not in ("greet", "thanks", "goodbye"):
            return False
        action, value = self.actions.get(action_name), reply_value(text)
        if action is None or value is None or (slot not in action.checks and slot not in action.patterns):
            return False
        return slot not in action.refused({slot: value})

    def _confirmed(
        self, action: BusinessAction, tracker: Tracker, understanding: Understanding, text: str, prediction: Prediction
    ) -> tuple[Prediction, bool | None]:
        """The turn after ``action`` asked "Shall I go ahead: ...?" (``confirm=True``): a value of it changed ("make it
        Team instead") asks again with the new one; a yes (the affirm intent, in every language the rules know) runs it,
        a no or "cancel" does not; anything else keeps ``prediction`` (a new question is handled as usual, and the
        action does not run). With the answer: True for a yes, False for a no, None otherwise."""
        changed = [
            p.name for p in action.parameters
            if p.name in understanding.entities and str(understanding.entities[p.name]) != str(tracker.slots.get(p.name))
        ]
        if changed:
            reason = f"the customer changed the {', '.join(changed)} of {action.name} before confirming it: asked again"
            return Prediction("business", 1.0, reason, 0, action.name), None
        if understanding.intent == "deny" or calls_off(text):
            return Prediction("business", 1.0, f"the customer said no to {action.name}: not run", 0, action.name), False
        if understanding.intent == "affirm" or goes_ahead(text):
            return Prediction("business", 1.0, f"the customer confirmed {action.name}", 0, action.name), True
        return prediction, None

    def _patterned_values(self, tracker: Tracker, understanding: Understanding, text: str) -> Understanding:
        """The values of the business actions' slots with a pattern (``patterns=``: a booking reference ``FJ-123456``)
        found in the message, of the action its intent asks for, of the one whose question waits and of the one that just
        ran: "check my booking FJ-123456" and "it's FJ-123456 I think" give ``FJ-123456``, "and what about FJ-654321?"
        after a lookup runs it again; two different ones are asked which."""
        waiting = self.actions.get(tracker.requested_slot[0]) if tracker.requested_slot is not None else None
        ran = self.actions.get(tracker.last_business_action or "") if tracker.last_action == "business" else None
        confirming = self.actions.get(pending_confirmation(tracker) or "")  # "make it Team instead" to "Shall I go ahead: ...?"
        actions = [action for action in (self.actions.for_intent(understanding.intent), waiting, ran, confirming) if action is not None]
        asked = tracker.requested_slot[1] if tracker.requested_slot is not None else None
        found = {slot: values for action in actions for slot, values in action.values_in(text, asked if action is waiting else None).items()}
        if not found:
            return understanding
        entities = {**understanding.entities, **{slot: values[0] for slot, values in found.items() if len(values) == 1}}
        several = {**understanding.several, **{slot: tuple(values) for slot, values in found.items() if len(values) > 1}}
        return replace(understanding, entities=entities, several=several)

    def _named_thing(self, tracker: Tracker, understanding: Understanding, text: str) -> Understanding:
        """The thing a request for a business action names as the customer's own ("book a repair for my Trek"), as the
        value of its one free-text parameter (``bike_model``), which was asked for all the same ("Which bike is it?")."""
        action = self.actions.for_intent(understanding.intent)
        if action is None or tracker.requested_slot is not None:
            return understanding
        # a slot with a pattern takes only what is of its form ("my booking FJ-123456": FJ-123456, not "booking FJ-123456")
        free = [p.name for p in action.parameters if p.required and p.type is str and p.name not in SLOT_NAMES and p.name not in action.patterns]
        if len(free) != 1 or free[0] in understanding.entities:
            return understanding
        thing = named_thing(text, free[0])
        return replace(understanding, entities={**understanding.entities, free[0]: thing}) if thing else understanding

    def _said_nothing_more(self, tracker: Tracker) -> bool:
        """Whether the last reply said that the last answer's articles hold nothing more: a "tell me more" after it
        is told so again, not searched (which found the same article and said its first sentences again)."""
        return bool(tracker.exchanges) and tracker.exchanges[-1][1] in self.replies.in_every_language("nothing_more")

    @staticmethod
    def _earlier_values(tracker: Tracker, action: BusinessAction, understanding: Understanding) -> list[str]:
        """The slots to forget when ``action`` is asked for again after it ran ("book another one for Monday", "where
        is my other order?"): those still holding a value of its last successful run that this message does not give
        again, so that they are asked for rather than a second booking of the same bike made unasked. The customer's
        own contact details (``CUSTOMER_SLOTS``: e-mail address, phone) are the same for every request and kept."""
        earlier = tracker.last_runs.get(action.name, {})
        return [
            p.name
            for p in action.parameters
            if p.name in earlier
            and p.name not in CUSTOMER_SLOTS
            and p.name not in understanding.entities
            and p.name in tracker.slots
            and str(tracker.slots[p.name]) == str(earlier[p.name])
        ]

    def _slot_type(self, action_name: str, slot: str) -> type | None:
        """The type of the business action's parameter ``slot``: a ``date`` is filled from the date found in the
        reply ("tomorrow", "Dec 10"), a ``bool`` from a yes or a no, others from the reply's words."""
        action = self.actions.get(action_name)
        return next((p.type for p in action.parameters if p.name == slot), None) if action is not None else None

    @staticmethod
    def _resolve(
        asked: ClarificationAsked, choice: int, understanding: Understanding
    ) -> tuple[Understanding, str, str | None, Prediction | None]:
        """The customer picked option ``choice``: the question it answers, and how."""
        value, option = asked.values[choice], asked.options[choice]
        if asked.kind == "passage":
            reason = f"the customer chose '{option}' ({value})"
            return understanding, asked.query, value, Prediction("answer", 1.0, reason, 0)
        picked = replace(understanding, intent=value, confidence=1.0, ranking=((value, 1.0),), source="clarification")
        return picked, f"{asked.query} ({option})", None, None

    def _act(
        self,
        prediction: Prediction,
        understanding: Understanding,
        tracker: Tracker,
        slots: dict[str, Any],
        query: str,
        only_doc: str | None,
        prefer_docs: tuple[str, ...] = (),
        focus: str | None = None,
        context: str | None = None,
        unanswered: tuple[str, str] | None = None,
        told: str = "",
        context_docs: tuple[str, ...] = (),
        tie_context: str | None = None,
        customer: Replies | None = None,
        confirmation: bool | None = None,
    ) -> Iterator[str | ActionOutcome]:
        """The steps of the chosen action; ``unanswered``: the slot the last reply asked for, when this
        message filled none; ``told``: the assistant's replies so far, when the customer asked for more;
        ``context_docs``: the last answer's articles, which ``context`` is read on when it finds one of them first;
        ``tie_context``: the message read with the last topic, searched instead of asking which article is meant;
        ``customer``: the fixed replies in the customer's language (``_customer_replies``), else the assistant's;
        ``confirmation``: the customer's yes (True) or no (False) to a business action's "Shall I go ahead?"."""
        customer = customer or self.replies
        if prediction.action == "relay":  # in the language the conversation was handed over in
            return relay(tracker.agent, self._handoff_replies(tracker).relayed)
        if prediction.action == "hand_back":  # the events of the customer's hand-back, so staff are told and the Inbox drops it
            return self._handed_back(prediction.reason, customer)
        if prediction.action == "handoff":
            replies = self._offer_replies(tracker, customer)  # "oui" to the offer in French: handed over in French
            # a never-answer topic's reply ("if someone is hurt, call 112") is not hidden by the handoff: it comes first
            urgent = self.rules.never_answer_topic(query)
            if urgent is not None:
                reason = f"{prediction.reason}; the reply of never-answer topic '{urgent.name}' comes first"
                return hand_off(reason, self._handoff_note(replies), f"{urgent.reply} {replies.handoff}")
            return hand_off(prediction.reason, self._handoff_note(replies), replies.handoff)
        if prediction.action == "small_talk":
            return small_talk(prediction.argument or understanding.intent, customer)
        if prediction.action == "other_language":  # in the customer's language when its replies are at hand
            replies = self.replies.in_language(prediction.argument or "")
            languages = self.answer_action.retriever.speller().languages
            return other_language(replies.say("other_language", languages=replies.languages(languages)), prediction.reason)
        if prediction.action == "decline":
            topic = next(t for t in self.rules.never_answer if t.name == prediction.argument)
            return decline(topic.reply)
        if prediction.action == "business":
            action = self.actions.get(prediction.argument or "")
            assert action is not None
            if confirmation is False:
                return not_confirmed(action, customer)
            return run_business_action(
                action, slots, customer, unanswered, understanding.several, asked=tracker.requested_slot, confirmed=bool(confirmation)
            )
        if prediction.action == "clarify" and prediction.argument is None and tracker.clarification is not None:
            asked = tracker.clarification  # the same question of options once more
            return clarify_action(asked.kind, asked.query, list(asked.options), list(asked.values), customer.clarify)
        if prediction.action == "clarify":
            intents = (prediction.argument or "").split(",")
            return clarify_action("intent", query, [customer.intent_label(i) for i in intents], intents, customer.clarify)
        if prediction.action == "answer":
            return self.answer_action.run(
                tracker, without_opening(query), only_doc=only_doc, prefer_docs=prefer_docs, focus=focus, context=context, said=told,
                context_docs=context_docs, tie_context=tie_context,
                intent=(understanding.intent, understanding.confidence),
                alternatives=tuple(name for name, _ in understanding.ranking if name != understanding.intent), replies=customer,
            )
        return fallback(not_understood=customer.not_understood)

    def _reread(
        self,
        tracker: Tracker,
        understanding: Understanding,
        read: str,
        query: str,
        focus: str | None,
        prefer_docs: tuple[str, ...],
        context: str | None,
        context_docs: tuple[str, ...],
        tie_context: str | None,
        status: str | None,
        answered: str,
    ) -> tuple[str, str | None, tuple[str, ...], str | None, str | None]:
        """The search of an answer, read again where the conversation says more than the message's form does (each
        check searches, so only for a turn that answers): a variation of the last question that names something new
        the variation's passage does not speak of is searched on its own words (``_own_words_lead``); a message tied to
        the last answer is read with it (``_in_the_last_answers_section``); a question right after an order lookup,
        with the order's status (``_about_the_status``). (query, focus, prefer_docs, context, tie_context)."""
        retriever = getattr(self.answer_action, "retriever", None)
        if retriever is None or not tracker.last_query and status is None:
            return query, focus, prefer_docs, context, tie_context
        if tracker.last_query and query != read and focus == read and not prefer_docs:
            own = variation_words(read, tracker.last_query)
            if own is not None and self._own_words_lead(retriever, query, own, tracker.last_query, answered):
                # "and customs fees?" after the shipping prices was searched "how much is shipping: customs fees" and got
                # the prices again; "also stop sending me marketing emails" after deleting data got delete-account
                return own, None, (), None, None
            return query, focus, prefer_docs, context, tie_context
        if query != read or prefer_docs or context_docs:
            return query, focus, prefer_docs, context, tie_context
        if tracker.last_action == "answer" and tracker.last_query and tracker.last_answer_docs:
            in_context = rewrite(read, tracker.last_query)
            on = self._in_the_last_answers_section(retriever, read, in_context, tracker.last_answer_docs) \
                if self._tied_to_the_answer(understanding, read, f"{tracker.last_query} {answered}") else None
            if on is not None:
                # "checked spam already" after the reset e-mail got the order confirmation's spam hint, "I don't have my
                # phone anymore" after a 2-step lockout the phone line's callback, "is anyone there on sunday" after the
                # phone hours the Sunday deliveries; held to the last answer's articles where the read finds one first
                return in_context, read, tracker.last_answer_docs if on in tracker.last_answer_docs else (), None, None
        if status is not None:
            with_status = f"{read.strip().rstrip('?.! ')} (order {status.lower()})?"
            if self._about_the_status(retriever, read, with_status, status):
                # "will i get a refund" right after a lookup that said Cancelled: that order's refund ("you are not
                # charged"), not the returns' refund; read as a whole, as a tie is (held to the message's words, the
                # answer took the late-refund sentence)
                return with_status, None, (), None, None
        return query, focus, prefer_docs, context, tie_context

    def _done_on_the_last_topic(self, tracker: Tracker, text: str, done: set[str]) -> str | None:
        """Right after an answer, the article of the best passage that ``text`` (what the customer says they did,
        ``only_what_was_done``: ``done``) read with the last question finds in the last answer's part of the help centre
        (its articles' folders) and that speaks of what was done ("If you cannot see it, look in your spam or promotions
        folder."); None when there is none: after the shipping prices, no shipping passage speaks of a spam folder."""
        retriever = getattr(self.answer_action, "retriever", None)
        if retriever is None or tracker.last_action != "answer" or not tracker.last_query or not tracker.last_answer_docs:
            return None
        sections = {_section(doc) for doc in tracker.last_answer_docs}
        for passage in retriever.search(rewrite(text, tracker.last_query), k=5):
            on_topic = _section(passage.chunk.doc_id) in sections and passage.score >= self.answer_action.min_score
            if on_topic and done & stems(passage.chunk.text):
                return passage.chunk.doc_id
        return None

    def _own_words_lead(self, retriever: Any, query: str, own: str, last_query: str, answered: str) -> bool:
        """Whether a variation (``query``: the last question with the follow-up's words ``own``) names something new that
        its best passage says nothing of, while ``own`` alone finds a passage to answer from. "how much is shipping:
        customs fees" finds the shipping prices; "customs fees" alone, the duties. "how do I return an item: gift cards"
        finds the non-returnable list, which names gift cards: it stays a variation."""
        new = new_topic_words(own, last_query, answered)
        if not new:
            return False
        alone = retriever.search(own, k=1)
        if not alone or alone[0].score < self.answer_action.min_score:
            return False  # "what about express?": alone it is nothing, it varies the last question
        varied = retriever.search(query, k=1)
        return bool(varied) and not new <= topic_words(f"{varied[0].chunk.heading} {varied[0].chunk.text}")

    @staticmethod
    def _tied_to_the_answer(understanding: Understanding, text: str, said: str) -> bool:
        """Whether a short message says it goes on from the last exchange (``said``: its question and answer) with a word
        ("already", "anymore", "still", ...), or is a yes/no question the intent model reads weakly, if at all, that
        names what was said ("is anyone there on sunday" after "Sunday: closed"). "Can I pay with PayPal?" after whether
        Plus is open in Canada names nothing of it."""
        if len(_WORD_RE.findall(text)) > TIED_MAX_WORDS:
            return False
        weak = understanding.intent == "question" or (understanding.source == "classifier" and understanding.confidence < WEAK_INTENT)
        return bool(_GOES_ON.search(text)) or (weak and bool(_YES_NO_OPENING.match(text)) and shares_a_topic_word(text, said))

    def _in_the_last_answers_section(self, retriever: Any, text: str, in_context: str, docs: tuple[str, ...]) -> str | None:
        """The article of the passage ``in_context`` (the message read with the last question) finds first, when it is in
        the last answer's part of the help centre (its articles' folders: ``accounts/``), scores at least as high as what
        the message finds alone, and alone the message finds nothing it clearly answers (below ``min_score`` plus
        ``CLEAR_ALONE``); else None. "I still haven't got my refund" after how to return an item finds the late refunds
        closer alone; "can I include a note?" after the gift wrapping finds the gift message clearly alone (0.68)."""
        alone = retriever.search(text, k=1)
        if alone and alone[0].score >= self.answer_action.min_score + CLEAR_ALONE:
            return None
        sections = {_section(doc) for doc in docs}
        read = retriever.search(in_context, k=1)
        if not read or _section(read[0].chunk.doc_id) not in sections:
            return None
        return read[0].chunk.doc_id if not alone or read[0].score >= alone[0].score else None

    @staticmethod
    def _about_the_status(retriever: Any, text: str, with_status: str, status: str) -> bool:
        """Whether ``text``, which does not name the status of the order just looked up, read with it (``with_status``)
        finds a passage whose headings name that status ("Refunds > Cancelled orders" for "will i get a refund" after a
        Cancelled order) that it does not find alone. "is it possible to pay with klarna?" finds the payment methods. Not
        a passage that speaks of nothing the message names besides: "do you offer a student discount?" after a Cancelled
        order found "Cancelled orders" and was told "you are not charged" (alone it is declined)."""
        words = {w[:6] for w in content_words(status) if len(w) >= 4}
        if not words or any(w[:6] in words for w in content_words(text)):
            return False
        read = retriever.search(with_status, k=1)
        if not read or not any(w[:6] in words for w in content_words(read[0].chunk.heading)):
            return False
        named = topic_words(text)
        if named and not named & topic_words(f"{read[0].chunk.heading} {read[0].chunk.text}"):
            return False
        alone = retriever.search(text, k=1)
        return not alone or alone[0].chunk.chunk_id != read[0].chunk.chunk_id

    @staticmethod
    def _tie_context(tracker: Tracker, text: str, status: str | None) -> str | None:
        """What the conversation was just about, with ``text``: right after an answer, the message read with its question
        (``rewrite``: "will I get money back (cancel Northwind Plus)?"); right after an order lookup (``status``, the
        order's), with the order's status ("will I be refunded (order cancelled)?"). None otherwise. Searched only where
        the message alone would get the question which article is meant: "will I get a tracking number?" is answered
        as it stands."""
        if tracker.last_action == "answer" and tracker.last_query:
            return rewrite(text, tracker.last_query)
        if status and tracker.last_action == "business":
            return f"{text.strip().rstrip('?.! ')} (order {status.lower()})?"
        return None

    def _handoff_note(self, replies: Replies | None = None) -> str:
        """When a person will reply, outside support hours (the replies' ``outside_hours``, in ``replies``' words, by
        default the assistant's); empty within them."""
        return self.rules.handoff_note(self.clock(), replies or self.replies)

    def _customer_replies(self, tracker: Tracker, text: str) -> Replies:
        """The replies in the customer's language (``Replies.written_in``) when the help centre is written in it too and
        a replies file in it is at hand (``Replies.full_translations``): "Hallo" to a help centre in English and German
        gets the German greeting. The language is the message's, or for one whose words tell none ("ja", "ok") the
        customer's last message's that tells one (``customer_language``). When none tells one, while a person has the
        conversation, the replies of the language it was handed over in (``_handoff_replies``: "oui" to the offer in
        French, then the chat's "Back to the assistant": the hand-back in French); the assistant's own otherwise."""
        retriever = getattr(self.answer_action, "retriever", None)
        unknown = self._handoff_replies(tracker) if tracker.with_person else self.replies
        if not self.replies.full_translations or retriever is None:
            return unknown
        try:
            indexed = retriever.speller().languages
        except Exception:  # noqa: BLE001 - a broken index: the search fails and says so, in the assistant's own words
            return unknown
        languages = indexed & self.replies.full_translations.keys()
        if not languages:
            return unknown
        said = [text, *(event.text for event in reversed(tracker.events) if isinstance(event, UserMessage))]
        language = next((found for message in said if (found := customer_language(message, languages, self.replies.page_language))), None)
        return self.replies.written_in(language) if language else unknown

    def _offer_replies(self, tracker: Tracker, customer: Replies | None = None) -> Replies:
        """The replies in the language of the last reply, when it was the reply to a message in another language
        (``other_language``) in one whose replies are at hand (``Replies.translations``): its offer of a person, taken
        with "oui", "sí" or "ja", is met with the handoff in that language (it was in English). ``customer`` (the
        replies in the customer's language, by default the assistant's own) otherwise. The language is the one whose
        ``other_language`` text the last reply opens with."""
        customer = customer or self.replies
        if tracker.last_action != "other_language" or not tracker.exchanges:
            return customer
        said = tracker.exchanges[-1][1]
        for replies in self.replies.translations.values():
            opening = replies.other_language.split("{", 1)[0]
            if opening and said.startswith(opening):
                return replies
        return customer

    def _handoff_replies(self, tracker: Tracker) -> Replies:
        """The replies in the language of the reply that handed the conversation to a person (``_offer_replies``: "oui"
        to the offer in French was met with the French handoff), so that what the customer is told while a person has it
        (``relayed``) stays in that language (it was in English). The assistant's own replies when that reply was in
        them, when staff took the conversation over (no handoff reply after it), and when none is found."""
        for event in reversed(tracker.events):
            if isinstance(event, HandoffRequested):
                return self.replies  # taken over by staff: no handoff reply of the assistant's after the request
            if isinstance(event, BotAnswer) and event.action == "handoff":
                if self.replies.handoff in event.text:
                    return self.replies
                return next((r for r in self.replies.translations.values() if r.handoff in event.text), self.replies)
        return self.replies

    def _handed_back_with(self, tracker: Tracker, text: str) -> list[Event]:
        """The hand-back of a message that takes the handoff back and asks a question with it (``question_with_take_back``),
        so that the question is answered in the same turn; empty for any other message."""
        staff_replied = tracker.agent is not None
        if not (self.relay_to_person and tracker.with_person and question_with_take_back(text, staff_replied)):
            return []
        return [HandoffResolved(author=CUSTOMER)] if takes_back_handoff(text, staff_replied=staff_replied) else []

    def _while_waiting(self, tracker: Tracker, understanding: Understanding, said: str, text: str, free: bool) -> Prediction:
        """What a message gets while a person has the conversation (and it is not taken back): relayed to staff; before
        any staff reply, a question of its own (``asks_the_help_centre``, ``free``: no option of a question picked) that
        the policies would answer from the help centre is searched (``_answered_while_waiting`` decides on the result)."""
        relay_it = Prediction("relay", 1.0, "a person has the conversation")
        if not free or not asks_the_help_centre(text, staff_replied=tracker.agent is not None):
            return relay_it
        chosen = choose([policy.predict(tracker, understanding, said) for policy in self.policies])
        if chosen.action != "answer":
            return relay_it  # a request for a person, an order lookup, small talk: for the person who will reply
        return replace(chosen, reason=f"{WAITING_ANSWER}; {chosen.reason}")

    def _answered_while_waiting(self, outcome: ActionOutcome, tracker: Tracker, replies: Replies) -> ActionOutcome:
        """The answer to a question asked while the conversation waits for a person, with ``answered_while_waiting``
        (a person still replies) after it; the relay instead when the search found no answer (declined, asked which
        article is meant, failed), so that the question still reaches staff unanswered as before. In the words of
        ``replies`` (the customer's language)."""
        if outcome.action in (None, "answer") and not (outcome.abstained or outcome.error or outcome.options) and outcome.text:
            text = f"{outcome.text}\n\n{replies.answered_while_waiting}"
            events = [replace(e, text=text) if isinstance(e, BotAnswer) else e for e in outcome.events]
            reason = f"{WAITING_ANSWER}: answered, the handoff stays queued"
            return replace(outcome, text=text, events=events, reason=f"{reason}; {outcome.reason}" if outcome.reason else reason)
        relayed = next(o for o in relay(tracker.agent, self._handoff_replies(tracker).relayed) if isinstance(o, ActionOutcome))
        why = outcome.reason or ("the search found no answer" if outcome.abstained else f"the reply was {outcome.action}")
        return replace(relayed, action="relay", reason=f"{relayed.reason} (asked while waiting, the help centre had no answer: {why})")

    def _with_upset_offer(self, outcome: ActionOutcome, replies: Replies) -> ActionOutcome:
        """An answer to an upset message (capitals, "!!!", an angry emoji: ``sounds_upset``) with the short offer of a
        person after it (``upset_offer``), which it lacked: the customer is answered, and told a person is there too. A
        reply that found no answer offers one already, and any other is left as it is. In the words of ``replies``."""
        if outcome.action not in (None, "answer") or outcome.abstained or outcome.error or outcome.options or not outcome.text:
            return outcome
        text = f"{outcome.text}\n\n{replies.upset_offer}"
        events = [replace(e, text=text) if isinstance(e, BotAnswer) else e for e in outcome.events]
        return replace(outcome, text=text, events=events)

    def _upset_offer_stands(self, tracker: Tracker) -> bool:
        """Whether the last reply is an answer that ended with the offer of a person made to an upset message
        (``upset_offer``, ``_with_upset_offer``); a check-in in between ("hmm", "hello?") keeps it, as it keeps any offer.
        A "yes" next takes it: it was read as small talk ("Great!"), as the tracker counts only a failed answer's offer.
        The offer in any language at hand ("ja" to the German one)."""
        if tracker.last_action != "answer" or tracker.with_person:
            return False
        answer = next((e for e in reversed(tracker.events) if isinstance(e, BotAnswer) and e.action == "answer"), None)
        return answer is not None and self._ends_with_upset_offer(answer.text)

    def _ends_with_upset_offer(self, text: str) -> bool:
        """Whether an answer ends with the offer of a person made to an upset message, in any language at hand."""
        return text.endswith(tuple(self.replies.in_every_language("upset_offer")))

    def _declined_upset_offer(self, tracker: Tracker) -> bool:
        """Whether the customer said no ("no thanks", "I'm fine") to the upset offer (``_upset_offer_stands``) since a person
        last had the conversation: the tracker counts a no only to the offer of a failed answer, so the assistant handed
        over at the second miss after it, where after any other no it waits until it is clearly stuck (``DECLINED_FACTOR``).
        A check-in in between ("hmm") keeps the offer, as it keeps any offer."""
        offered = declined = False
        intent = None
        for event in tracker.events:
            if isinstance(event, (HandoffRequested, HandoffResolved)):
                offered = declined = False  # a handoff ends a no; a customer's take-back is the tracker's own no
            elif isinstance(event, IntentPredicted):
                intent = event.intent
            elif isinstance(event, BotAnswer) and not (event.action == "small_talk" and intent == "filler"):
                declined = declined or (offered and event.action == "small_talk" and intent == "deny")
                offered = event.action == "answer" and self._ends_with_upset_offer(event.text)
        return declined

    def _handed_back(self, reason: str, replies: Replies) -> Iterator[str | ActionOutcome]:
        """The customer's typed hand-back: the same events as the chat's button (``hand_back``), and its reply."""
        text = replies.handed_back
        yield text
        yield ActionOutcome(text=text, events=hand_back(CUSTOMER, text), action="hand_back", reason=reason)

    def _escalation_threshold(self, tracker: Tracker) -> int:
        """How many failed replies in a row hand the conversation to a person: ``handoff_after_failures``,
        or ``DECLINED_FACTOR`` times it once the customer said no to a person (or took a handoff back); 0: never."""
        return self.handoff_after_failures * (DECLINED_FACTOR if tracker.person_declined else 1)

    def _streak(self, tracker: Tracker, action: str, outcome: ActionOutcome) -> int:
        """The count this reply brings the assistant's own handoff to (``Tracker.escalation_streak``): a business action
        asking again for a detail counts its own questions asked again in a row (one wrong e-mail address after a
        declined question is asked again, not handed off); an answer that found nothing or fell back, every failed
        reply in a row since the customer last said no to a person. 0 when this reply did not fail."""
        answer_failed = (outcome.abstained or action == "fallback") and not outcome.failed
        return tracker.escalation_streak(answer_failed, outcome.failed)

    def _should_escalate(self, tracker: Tracker, action: str, outcome: ActionOutcome) -> bool:
        """After ``handoff_after_failures`` failed replies in a row, or as many questions for one detail asked again in a
        row, a person takes over; after the customer said no to a person, only at ``DECLINED_FACTOR`` times that count
        (the customer can still ask for one at any time)."""
        threshold = self._escalation_threshold(tracker)
        return threshold > 0 and not tracker.with_person and self._streak(tracker, action, outcome) >= threshold

    def _escalate(self, outcome: ActionOutcome, tracker: Tracker, action: str, customer: Replies | None = None) -> ActionOutcome:
        """The failed answer's outcome, turned into a handoff (its retrieval kept for the record); outside support hours,
        the failed reply with ``escalated_closed`` instead: when people are back, and the offer to leave them a message.
        In the words of ``customer`` (the replies in the customer's language), by default the assistant's."""
        customer = customer or self.replies
        failures = self._streak(tracker, action, outcome)
        reason = f"{failures} answers in a row found nothing: handed to a person"
        if outcome.failed:
            reason = f"{outcome.reason}; {failures} replies in a row failed: handed to a person"
        if tracker.person_declined:
            reason += " (the customer had declined a person)"
        closed = self.rules.handoff_note(self.clock(), replace(customer, outside_hours=customer.escalated_closed))
        if closed and any(isinstance(event, BotAnswer) and event.text == closed for event in tracker.events):
            return outcome  # said once already: the later failed replies are the plain ones (their offer of a person too)
        if closed:  # nobody would come: when they are back, and the offer of a message for them (a "yes" hands over)
            reason = reason.replace("handed to a person", "outside support hours, a message for the team offered instead of a handoff")
            events = [replace(e, text=closed) if isinstance(e, BotAnswer) else e for e in outcome.events]
            return replace(outcome, text=closed, events=events, reason=reason, sources=[])
        text = f"{customer.escalated} {self._handoff_note(customer)}".strip()
        events = [e for e in outcome.events if not isinstance(e, BotAnswer)]
        events += [HandoffRequested(reason=reason), BotAnswer(text=text, action="handoff", abstained=outcome.abstained)]
        return replace(outcome, text=text, events=events, handoff=True, reason=reason, action="handoff", sources=[], requested_slot=None)
