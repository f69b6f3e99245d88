"""Every text a customer sees that is not an answer: the assistant's fixed replies (greetings, "I couldn't
find that", handing over to a person, ...), the business actions' questions and results, the messages that
refuse an input, and the chat page's own words (buttons, labels, banners).

Answers come from the knowledge base; these are the sentences around them. A team changes them, to write
in its own voice or language, with a YAML file of the keys it wants to change (setting ``replies_file``):

    greet: "Hallo! Ich beantworte Fragen zu Bestellungen, Versand und Rücksendungen. Wie kann ich helfen?"
    send: "Senden"
    weekdays: [Montag, Dienstag, Mittwoch, Donnerstag, Freitag, Samstag, Sonntag]
    order_status.email: "Mit welcher E-Mail-Adresse haben Sie bestellt?"

``Replies`` is the one table of keys: each field's default is today's English text, and the placeholders
its default uses (``{hours}``) are the ones a team's text may use. Keys with a dot come from elsewhere:
``intent.NAME`` (an intent's label on a clarifying question's button) and ``ACTION.NAME`` (a business
action's slot questions and result texts, which each action declares when it is registered). Every other
key keeps its default. Unknown keys, empty texts and unknown placeholders are refused at start-up with the
file and the key, so a typo never leaves a default in place unnoticed.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from assistant.wording import joined
from dialog.text_files import at_line, read_yaml, read_yaml_with_lines, unknown_keys
from retrieval.documents import LANGUAGE_NAMES, detect_language

log = logging.getLogger(__name__)

_OFFER = "Would you like me to connect you with a member of our support team?"
_HANDOFF = "I'm handing you over to a member of our support team. They will see this conversation and reply here."
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EXAMPLES = ("How long is a password reset link valid?", "How do I get a refund?", "How much does standard shipping cost?")
# the labels of the demo's intents on a clarifying question's buttons (key intent.NAME); others: the name, capitalised
INTENT_LABELS = {
    "order_status": "Check the status of an order",
    "cancel_order": "Cancel an order",
    "return_item": "Return an item",
    "refund": "Get a refund",
    "shipping": "Shipping and delivery",
    "payment": "Payments and billing",
    "account": "My account and sign-in",
    "subscription": "Northwind Plus membership",
    "privacy": "Privacy and my data",
}


# the names of the languages a message or the help centre may be in (key language.CODE): LANGUAGE_NAMES, imported above


class RepliesError(ValueError):
    """The replies file cannot be used; the message names the file and what is wrong."""


def texts(*default: str, length: int | None = None) -> Any:
    """A list key's field (the weekday names): ``length`` texts exactly, or at least one when None."""
    return field(default=tuple(default), metadata={"length": length})


@dataclass(frozen=True)
class Replies:
    """Each text the customer sees, by the key a replies file uses for it (see the module's docstring)."""

    # --- the assistant's replies
    # the knowledge base has no good passage: declined, with the offer of a person
    not_found: str = f"I couldn't find the answer to that in our help centre, so I'd rather not guess. {_OFFER}"
    human_offer: str = _OFFER  # after an answer that could not be written in full (a model server that failed)
    # "tell me more" when the last answer's articles hold nothing it has not said: with the offer of a person
    nothing_more: str = f"That's all our help centre says about it. {_OFFER}"
    handoff: str = _HANDOFF  # the customer asked for a person, or the rules send the topic to one
    # after repeated failures (the assistant's own handoff, which "never mind" takes back)
    escalated: str = f"I'm sorry I couldn't find the answers you need. {_HANDOFF} If you'd rather keep asking me, say \"never mind\"."
    # instead of the assistant's own handoff outside support hours (nobody would come): when people are back, and the
    # offer to leave them a message, which a "yes" takes; {hours} and {opening} as in outside_hours
    escalated_closed: str = (
        "I'm sorry I couldn't find the answers you need. Our team is not working right now ({hours}); they are back on "
        "{opening}. Would you like to leave them a message? Say yes and write it here, and a person will reply when they are back."
    )
    # a message in a language the help centre is not written in (not a failed answer; a "yes" takes the offer), in the
    # customer's language when a replies file in it is at hand (``with_translations``); {languages}: the help centre's
    other_language: str = f"Sorry, our help centre answers in {{languages}} only, so I can't answer a message in another language. {_OFFER}"
    list_pair: str = "{first} and {second}"  # the last two of a list ({languages}): "English and German"
    # added to a handoff outside support hours; {hours}: the support hours, {opening}: when a person is next in
    outside_hours: str = "Our team is not working right now ({hours}); a person will reply here when we open on {opening}."
    opening: str = "{day} at {time} {zone}"  # {opening} above
    day_range: str = "{first} to {last}"  # three or more days in a row with the same hours, in {hours}
    day_pair: str = "{first} and {second}"  # two days in a row with the same hours
    weekdays: tuple[str, ...] = texts(*WEEKDAYS, length=7)  # Monday first
    relayed: str = "Thank you, I've added that to your conversation. A member of our support team will reply here."
    # after the answer to an upset message (capitals, "!!!", an angry emoji), which offered no person
    upset_offer: str = "If you'd rather talk to a person, just say so."
    # after the answer to a question of its own asked while the conversation waits for a person (no staff reply yet)
    answered_while_waiting: str = "Your message is also with our support team, and a member of the team will still reply here."
    handed_back: str = "You're back with the assistant. Ask me anything about orders, shipping, returns, billing or your account."
    fallback: str = f"Sorry, I can't search our help centre right now. Your message is saved; w{_OFFER[1:]}"
    lookup_failed: str = f"Sorry, I can't look that up right now. Your message is saved; w{_OFFER[1:]}"
    # after a business action's question for a slot, asked again because the reply did not give it
    ask_again: str = "If you don't have it to hand, I can connect you with a member of our support team: just say so."
    # a business action needs one value and the message gave several; {values}: them, "NW-1, NW-2"; {slot}: what they
    # are, "e-mail address"
    which_one: str = "You gave more than one {slot} ({values}). Which {slot} shall I use? Please send just that one."
    # an optional value a business action refused without a text of why (its check failed, returned no text, or the
    # value is not of its pattern's form), said before the action's result
    left_out: str = "I couldn't use {value} as the {slot}, so I left it out."
    # a business action registered with confirm=True, its slots filled: asked before it runs; {action}: its label
    # (intent.NAME), {values}: what it would run with, "plan: Pro"
    confirm_action: str = "Shall I go ahead: {action} ({values})? Please answer yes or no."
    # a no to confirm_action: the action did not run, and its values are forgotten
    action_not_confirmed: str = "All right, I haven't done that. Is there anything else I can help with?"
    # after the built-in order lookup's order_status.not_found (an unknown number, or an address that is not the order's:
    # the same reply), which forgets both values: the number is asked for again; {slot}: "order number"
    send_again: str = "Please send the {slot} again."
    not_understood: str = "Sorry, I didn't understand that. Could you say it in a few words, for example \"How do I return an item?\""
    clarify: str = "I want to make sure I answer the right question. Which of these do you mean?"  # the options follow
    greet: str = "Hello! I can answer questions about orders, shipping, returns, billing, accounts and more. How can I help?"
    thanks: str = "You're welcome! Is there anything else I can help with?"
    goodbye: str = "Thanks for getting in touch. Goodbye!"
    bot_challenge: str = (
        "I'm a virtual assistant. I answer questions from our help centre (orders, shipping, returns, billing, "
        "accounts and more) and show the articles I used. If you'd rather talk to a person, just say so."
    )
    # a sound or a check-in that asks nothing ("hmm", "lol", "you there?"); the conversation stays as it was
    filler: str = "I'm here. Take your time, and tell me what you'd like to know."
    affirm: str = "All right. What would you like to know?"
    deny: str = "All right. Is there anything else I can help with?"
    # the customer says the answer was wrong or did not help ("thanks, that's all wrong"): a failed answer
    not_helped: str = f"I'm sorry that didn't help. {_OFFER} Or tell me in other words what you're looking for, and I'll try again."
    # "I have a question about my order": what the question is, before any order number is asked for
    order_question: str = "Of course. What would you like to know about your order?"
    # dismay ("oh no", "no way", "no!!") at an answer or a result: the news is bad or the answer failed; a person offered
    dismay: str = f"I'm sorry to hear that. {_OFFER} Or tell me what went wrong, and I'll look for an answer."
    # a request for something outside the shop ("can u tell me a joke", "write me a poem about my order"): what it helps
    # with, no person (a joke wasted a member of staff's time) and no article
    off_topic: str = (
        "Sorry, I can only help with questions about our shop, answered from our help centre: orders, shipping, returns, "
        "billing, accounts and more. What would you like to know?"
    )

    # --- messages that refuse an input (the chat page's notices, the API's error details)
    empty_message: str = "Please type a question: the message is empty."
    too_long: str = "Your message is {length} characters long; the limit is {limit}. Please shorten it to the question itself."
    comment_too_long: str = "The comment is {length} characters long; the limit is {limit}."
    too_many_from_address: str = "Too many messages from this address: the limit is {limit}. Try again in {seconds} second(s)."
    too_many_in_conversation: str = "Too many messages in this conversation: the limit is {limit}. Try again in {seconds} second(s)."
    unavailable: str = "Sorry, this conversation cannot be loaded right now. Please try again in a minute."
    changed_meanwhile: str = "The conversation changed meanwhile; please try again."
    conversation_gone: str = "This conversation no longer exists. Start a new one with \"New conversation\"."
    not_with_person: str = "This conversation is not with a person, so there is nothing to hand back."

    # --- the chat page
    page_title: str = "Help centre assistant"  # also the embed widget's title bar
    page_intro: str = "Ask about orders, shipping, returns, billing, subscriptions or your account."
    chat_placeholder: str = "Answers come from the help centre, with links to the articles they cite."
    question_placeholder: str = "Type your question…"
    question_label: str = "Your question"  # the question box's name for screen readers
    send: str = "Send"
    talk_to_human: str = "Talk to a human"
    handoff_request: str = "I'd like to talk to a person, please."  # what "Talk to a human" sends as the customer's message
    back_to_assistant: str = "Back to the assistant"
    new_conversation: str = "New conversation"
    examples_label: str = "Try"
    examples: tuple[str, ...] = texts(*EXAMPLES)
    sources: str = "Sources"  # above an answer's list of articles
    handoff_banner: str = "A member of our team will take over this conversation."
    handoff_banner_detail: str = "They can see the messages below and will reply here."
    agent_banner: str = "You are talking with {agent} from our support team."
    agent_banner_detail: str = "Their replies appear below."
    staff_signature: str = "{author} · support team"  # above a staff reply
    staff_unnamed: str = "Support"  # {author} of a staff reply without a name
    with_person: str = "A member of our team has this conversation."
    with_assistant: str = "You are talking with the assistant."
    comment_like: str = "Anything to add? (optional)"  # the comment box after a thumbs up
    comment_dislike: str = "What was wrong with this answer? (optional)"
    comment_placeholder: str = "Optional: tell us what you expected."
    send_comment: str = "Send comment"
    skip_comment: str = "No thanks"
    comment_sent: str = "Thank you, your comment was sent."
    only_answers_rated: str = "Only the assistant's answers can be rated."
    warning_title: str = "Warning"  # the title of a notice that refuses something
    info_title: str = "Info"  # the title of any other notice
    widget_button: str = "Help"  # the embed widget's button on the company's website
    widget_close: str = "Close the chat"  # the widget's close button, for screen readers
    new_tab: str = "(opens in a new tab)"  # after the name of a chat link that opens a new tab, for screen readers
    page_loading: str = "Loading the chat…"  # shown while the chat page and the widget load (a slow connection)
    article_back: str = "Back to the assistant"  # the link above an article page
    page_language: str = "en"  # the language the chat page and the help centre's pages are marked as (HTML lang), for screen readers
    help_centre_title: str = "Help centre"  # the heading of /kb/, the list of articles; linked from article pages
    help_centre_sections: str = "Sections"  # the name of its links to each top folder
    help_centre_all: str = "All articles"  # its link to every folder's articles
    help_centre_questions: str = "Questions and answers: {count}"  # beside an FAQ file's link
    help_centre_page: str = "Page {page} of {pages}"
    previous_page: str = "Previous page"
    next_page: str = "Next page"
    help_centre_missing: str = "There is no such page in the help centre."  # /kb/ with an unknown section or page
    article_removed: str = "This article was removed from the help centre."  # /kb/ID whose file was deleted since

    # intent.NAME and ACTION.NAME keys a team set (the others keep the defaults their code gives)
    more: Mapping[str, str] = field(default_factory=dict, metadata={"internal": True})
    # the replies of the other languages at hand, by their page_language (``with_translations``)
    translations: Mapping[str, Replies] = field(default_factory=dict, metadata={"internal": True})
    # the whole replies of the other languages at hand, over these (``with_translations``): for a customer who writes in
    # a language the help centre is written in too
    full_translations: Mapping[str, Replies] = field(default_factory=dict, metadata={"internal": True})

    def in_language(self, language: str) -> Replies:
        """The replies in ``language`` (a code, "de") when they are at hand, else these."""
        return self if language == self.page_language else self.translations.get(language, self)

    def written_in(self, language: str) -> Replies:
        """All the replies in ``language`` (its file's keys over these) when its file is at hand, else these: for a
        customer writing in a language the help centre has articles in."""
        return self if language == self.page_language else self.full_translations.get(language, self)

    def for_message(self, text: str) -> Replies:
        """The replies in the language of ``text`` when it is told for sure (``detect_language``: its common words, or
        the language identification sure of it) and a replies file in it is at hand (``in_language``), else these: for
        the refusal of a message too long ("Ihre Nachricht ist 4.200 Zeichen lang ..."), which no turn's language
        choice reaches. A message too short to tell ("", "ok") gets these."""
        language = detect_language(text, default="")
        return self.in_language(language) if language else self

    def in_every_language(self, key: str) -> frozenset[str]:
        """The text of ``key`` in these replies and in each other language's whole replies at hand
        (``full_translations``): to know a reply of the assistant's again, whichever language it was given in."""
        return frozenset(getattr(replies, key) for replies in (self, *self.full_translations.values()))

    def languages(self, codes: Iterable[str]) -> str:
        """The languages of ``codes`` named in these replies' words (``language.CODE``): "English and German"."""
        names = [self.more.get(f"language.{code}") or LANGUAGE_NAMES.get(code, code) for code in sorted(codes)]
        return joined(names, self.list_pair)

    def small_talk(self, intent: str) -> str:
        """The reply to a small-talk intent (greet, thanks, goodbye, bot_challenge, filler, affirm, deny, not_helped, dismay,
        order_question, off_topic); greet otherwise."""
        return getattr(self, intent) if intent in SMALL_TALK_INTENTS else self.greet

    def intent_label(self, intent: str) -> str:
        """An intent's label on a clarifying question's button: the team's ``intent.NAME``, else the default."""
        return self.more.get(f"intent.{intent}") or INTENT_LABELS.get(intent, intent.replace("_", " ").capitalize())

    def text(self, key: str, default: str, **values: Any) -> str:
        """A dotted key's text (the team's, else ``default``) with ``values`` in its placeholders; a default
        that uses none is taken as it is (a brace in it is just a brace). A date value (or an ISO date text,
        "2026-12-04") takes a date format ("{day:%A %d %B}"), with ``weekdays``' names for ``%A``."""
        return fill(self.more.get(key, default), default, values, self.weekdays)

    def say(self, key: str, **values: Any) -> str:
        """The text of built-in ``key`` with ``values`` in its placeholders."""
        return fill(getattr(self, key), DEFAULTS[key], values, self.weekdays)


DEFAULT_REPLIES = Replies()
# each has a reply of its own; "not_helped" is a failed answer (the reply offers a person), "dismay" offers one too
# "off_topic" is no intent a detector gives: the policies' reply to a request for something outside the shop
SMALL_TALK_INTENTS = (
    "greet", "thanks", "goodbye", "bot_challenge", "filler", "affirm", "deny", "not_helped", "dismay", "order_question", "off_topic",
)
DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(Replies) if not f.metadata.get("internal")}
KEYS = tuple(DEFAULTS)
LIST_LENGTHS = {f.name: f.metadata["length"] for f in fields(Replies) if "length" in f.metadata}


def placeholders(text: str) -> set[str]:
    """The names in ``text``'s placeholders ("{hours}" -> hours; "{day.year}" and "{day[0]}" are names of their
    own, which no key allows); ValueError for a malformed one, or one whose format holds a placeholder
    ("{day:{width}}", which would be looked up, attributes and all, when the text is filled)."""
    found = set()
    for _, name, spec, _ in string.Formatter().parse(text):
        if name is None:
            continue
        if spec and ("{" in spec or "}" in spec):
            raise ValueError(f"the format of {{{name}}} may not contain a placeholder: {spec!r}")
        found.add(name)
    return found


# what a placeholder's format is tried on when a replies file is read, for the texts of business actions (whose
# values are the action's own: a text, a number, a date): "{day:%A}" is a date's format, "{price:.2f}" a number's
SAMPLE_VALUES: tuple[Any, ...] = ("x", 1, 1.5, date(2026, 12, 4), datetime(2026, 12, 4, 9, 30))


class _Formatter(string.Formatter):
    """``str.format`` that gives an ISO date text ("2026-12-04", as a ``date`` slot is stored) a date's format,
    writes ``%A`` in the replies' ``weekdays``, and shows a value as it is when its format does not fit it (a
    date format given a text that is no date), rather than failing the reply."""

    def __init__(self, weekdays: tuple[str, ...] = WEEKDAYS) -> None:
        self.weekdays = weekdays

    def format_field(self, value: Any, format_spec: str) -> Any:
        if isinstance(value, str) and "%" in format_spec:
            try:
                value = datetime.fromisoformat(value) if "T" in value or ":" in value else date.fromisoformat(value)
            except ValueError:
                pass
        if isinstance(value, date) and "%A" in format_spec:  # the day's name in the replies' language
            format_spec = format_spec.replace("%A", self.weekdays[value.weekday()].replace("%", "%%"))
        try:
            return format(value, format_spec)
        except (TypeError, ValueError):
            log.warning("format %r does not fit the value %r: shown as it is", format_spec, value)
            return str(value)


def fill(text: str, default: str, values: Mapping[str, Any], weekdays: tuple[str, ...] = WEEKDAYS) -> str:
    """``text`` with ``values`` in the placeholders its key allows (those of ``default``); a text whose
    default has none is not formatted."""
    return _Formatter(weekdays).vformat(text, (), dict(values)) if placeholders(default) else text


def language_keys() -> dict[str, str]:
    """The ``language.CODE`` keys with their defaults (the languages' English names)."""
    return {f"language.{code}": name for code, name in LANGUAGE_NAMES.items()}


def intent_keys(intents: set[str]) -> dict[str, str]:
    """The ``intent.NAME`` keys with their defaults: the demo's intents and ``intents`` (a registry's)."""
    return {f"intent.{name}": Replies().intent_label(name) for name in sorted(INTENT_LABELS.keys() | intents)}


def _fits(sample: Any, spec: str) -> bool:
    """Whether ``format(sample, spec)`` works (for a date: a ``strftime`` format, which any text would pass as)."""
    if isinstance(sample, date) and "%" not in spec:
        return False
    try:
        format(sample, spec)
        return True
    except (TypeError, ValueError):
        return False


# keys a team may set to "" to leave the text out
MAY_BE_EMPTY = frozenset({"send_again"})


def _check_text(key: str, value: Any, default: str, where: str, own: bool = False) -> str:
    """The text of ``key``, blanks and line breaks of a folded YAML text tidied; RepliesError when it is empty or
    uses a placeholder its default does not, or a format that fits no value it can get (``own``: a business
    action's text, whose values may be numbers and dates as well as texts)."""
    if key in MAY_BE_EMPTY and value == "":
        return ""  # the team drops the text (send_again after a not_found of its own that asks already)
    if not isinstance(value, str) or not value.strip():
        raise RepliesError(f"{where}: {key} must be a non-empty text, not {value!r}")
    allowed = placeholders(default)
    if allowed:
        try:
            used = placeholders(value)
        except ValueError as error:
            raise RepliesError(f"{where}: {key}: {error} (write a literal brace as {{{{ or }}}})") from None
        if used - allowed:
            raise RepliesError(f"{where}: {key} may use {', '.join('{' + n + '}' for n in sorted(allowed))}, not {sorted(used - allowed)}")
        # a format the values cannot take ("{seconds:%H}"); a business action's values may also be numbers and dates
        samples = SAMPLE_VALUES if own else SAMPLE_VALUES[:1]
        for _, name, spec, _ in string.Formatter().parse(value):
            if name is not None and spec and not any(_fits(sample, spec) for sample in samples):
                kinds = "a text, a number or a date" if own else "a text"
                raise RepliesError(f"{where}: {key}: the format {spec!r} of {{{name}}} does not fit {kinds}") from None
    return " ".join(value.split()) if "\n" in value.strip() else value.strip()


def _check_list(key: str, value: Any, where: str) -> tuple[str, ...]:
    length = LIST_LENGTHS[key]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise RepliesError(f"{where}: {key} must be a list of non-empty texts ({key}: [..., ...]), not {value!r}")
    if length is not None and len(value) != length:
        raise RepliesError(f"{where}: {key} must list {length} texts, not {len(value)}")
    return tuple(v.strip() for v in value)


def parse_replies(data: Any, where: str, more: Mapping[str, str] | None = None, lines: Mapping[str, int] | None = None) -> Replies:
    """``Replies`` with the texts of a parsed replies file; RepliesError naming ``where`` and the key.
    ``more``: the dotted keys that exist besides the built-in ones (``intent.NAME``, ``ACTION.NAME``), with
    their defaults; ``lines``: the line of each key in the file, named with a mistake in it."""
    more = {**language_keys(), **(more or {})}
    lines = lines or {}
    if data is None:
        return Replies()
    if not isinstance(data, dict):
        raise RepliesError(f"{where}: expected keys with texts (greet: \"Hello!\"), not {type(data).__name__}")
    unknown = [str(key) for key in data if key not in DEFAULTS and key not in more]
    if unknown:
        raise RepliesError(f"{at_line(where, lines, unknown[0])}: {unknown_keys(unknown, [*KEYS, *more])}; docs/dialog.md lists every key")
    changed: dict[str, Any] = {}
    for key, value in data.items():
        if key in LIST_LENGTHS:
            changed[key] = _check_list(key, value, at_line(where, lines, key))
        else:
            own = key not in DEFAULTS
            changed[key] = _check_text(key, value, DEFAULTS.get(key) or more[key], at_line(where, lines, key), own=own)
    own = {key: value for key, value in changed.items() if key in more}
    return replace(Replies(), **{k: v for k, v in changed.items() if k not in own}, more=own)


def load_replies(path: Path, more: Mapping[str, str] | None = None) -> Replies:
    """The replies of a YAML file over the defaults; RepliesError for a missing, unreadable or malformed file
    (naming the line of the key that is wrong). ``more`` as in ``parse_replies``."""
    data, lines = read_yaml_with_lines(path, "replies file", RepliesError)
    return parse_replies(data, str(path), more, lines)


def check_replies_file(path: Path, more: Mapping[str, str] | None = None) -> None:
    """RepliesError now for what ``load_replies`` would refuse that needs no intent model: the file unreadable, not
    YAML, an unknown key, an empty text, a placeholder its key does not allow. Any ``intent.NAME`` key passes (a
    text, as every key): which intents exist is known once the model has loaded, and ``load_replies`` checks it then."""
    data, lines = read_yaml_with_lines(path, "replies file", RepliesError)
    check_replies(data, str(path), more, lines)


def check_replies(data: Any, where: str, more: Mapping[str, str] | None = None, lines: Mapping[str, int] | None = None) -> None:
    """``check_replies_file`` for a replies file already read (``data``, with the ``lines`` of its keys)."""
    if isinstance(data, dict):
        named = {str(key)[len("intent."):] for key in data if str(key).startswith("intent.")}
        more = {**intent_keys(named), **(more or {})}
    parse_replies(data, where, more, lines)


def with_translations(replies: Replies, folder: Path, team_file: Path | None = None) -> Replies:
    """``replies`` with the texts of the other languages' replies files in ``folder`` (``replies*.yaml``, each by its
    ``page_language``). Two uses. For the reply to a message in a language the help centre is not written in
    (``translations``): ``other_language``, ``list_pair``, ``language.CODE``, the handoff when its offer of a person is
    taken (``handoff``, and outside support hours ``outside_hours`` with ``opening``, ``day_range``, ``day_pair``,
    ``weekdays``), what the customer's messages get while a person has the conversation after that handoff
    (``relayed``), the hand-back to the assistant (``handed_back``) and the refusal of a message too long in that
    language and of one over the rate limits (``too_long``, ``too_many_from_address``, ``too_many_in_conversation``,
    ``for_message``): only those keys are taken from them, so a file
    for another language needs no more (a key it lacks keeps the team's text). For a customer writing in a language
    the help centre is written in too (``full_translations``): every built-in key the file sets, over ``replies`` (a
    key it lacks keeps the team's text; ``intent.NAME`` and business actions' keys stay the team's).
    A file that cannot be read is left out with a warning. ``team_file``: the replies file whose texts ``replies``
    are, not read again (in its own language it lends nothing)."""
    translations: dict[str, Replies] = {}
    full: dict[str, Replies] = {}
    for path in sorted(folder.glob("replies*.yaml")):
        if path == team_file:
            continue
        try:
            data = read_yaml(path, "replies file", RepliesError)
        except RepliesError as error:
            log.warning("%s: left out of the replies in other languages", error)
            continue
        if not isinstance(data, dict) or not isinstance(data.get("page_language"), str) or data["page_language"] in translations:
            continue
        built_in = {key: value for key, value in data.items() if key in DEFAULTS or str(key).startswith("language.")}
        other = _parsed({key: value for key, value in built_in.items() if key in _TRANSLATED or key.startswith("language.")}, path)
        if other is None or other.page_language == replies.page_language:
            continue
        lent = {key: getattr(other, key) for key in built_in if key in _TRANSLATED}  # a key it lacks: the team's text
        translations[other.page_language] = replace(replies, **lent, more={**replies.more, **other.more}, translations={})
        whole = _parsed(built_in, path)
        if whole is not None:
            own = {key: getattr(whole, key) for key in built_in if key in DEFAULTS}
            full[other.page_language] = replace(replies, **own, more={**replies.more, **whole.more}, translations={})
    return replace(replies, translations=translations, full_translations=full)


def _parsed(data: dict[str, Any], path: Path) -> Replies | None:
    """The replies of ``data`` (from the file at ``path``); None, with a warning, when they cannot be used."""
    try:
        return parse_replies(data, str(path))
    except RepliesError as error:
        log.warning("%s: left out of the replies in other languages", error)
        return None


# the keys a replies file in another language lends: the reply to a message in its language, the handoff when its offer
# of a person is taken ("oui"), with when a person replies outside support hours, and the acknowledgement of the messages
# relayed to staff after it, the hand-back to the assistant when the customer or staff end the handoff, and the
# refusal of a message too long in its language (``for_message``)
_TRANSLATED = (
    "page_language", "other_language", "list_pair", "handoff", "outside_hours", "opening", "day_range", "day_pair", "weekdays",
    "relayed", "handed_back", "too_long", "too_many_from_address", "too_many_in_conversation",
)
