"""Actions: the only code that writes bot replies. Each yields text pieces, then one ActionOutcome."""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from assistant.lm.answering import stream_or_fallback, with_human_offer
from assistant.lm.base import Generator
from assistant.lm.remote import GeneratorUnavailable
from assistant.lm.extractive import ExtractiveAnswerer, answer_types, answer_units, question_parts
from assistant.lm.prompts import PromptPassage, attribute, build_messages, check_answer, renumbered, support
from dialog.business import CUSTOMER_SLOTS, SECRET_VALUE, ActionResult, BusinessAction, BusinessActions, slot_label
from dialog.replies import DEFAULT_REPLIES, Replies
from dialog.events import (
    ActionExecuted,
    BotAnswer,
    ClarificationAsked,
    ConfirmationRequested,
    Event,
    HandoffRequested,
    HandoffResolved,
    RetrievalDone,
    SlotRequested,
    SlotSet,
    UserMessage,
)
from dialog.rewrite import content_words, names_a_topic, refers_back, rewrite, stems, things_done
from dialog.rewrite import topic_words as named_words  # retrieval.topics has a topic_words of its own
from dialog.tracker import Tracker
from retrieval.crossrefs import linked_documents
from retrieval.documents import Passage
from retrieval.places import LIST_OF_PLACES, places
from retrieval.retriever import Retriever
from retrieval.sentences import split_sentences, split_units
from retrieval.topics import agrees, articles_words, topic_words

log = logging.getLogger(__name__)

# The default fixed replies (dialog.replies; a team's replies_file changes them)
NOT_FOUND = DEFAULT_REPLIES.not_found
HANDOFF = DEFAULT_REPLIES.handoff
ESCALATED = DEFAULT_REPLIES.escalated
FALLBACK = DEFAULT_REPLIES.fallback
LOOKUP_FAILED = DEFAULT_REPLIES.lookup_failed  # a business action that raised (a team's own, or an orders file gone)
RELAYED = DEFAULT_REPLIES.relayed
HANDED_BACK = DEFAULT_REPLIES.handed_back
NOT_UNDERSTOOD = DEFAULT_REPLIES.not_understood
CLARIFY = DEFAULT_REPLIES.clarify
CLARIFY_MAX_WORDS = 3  # passage clarification only for questions of at most this many content words


@dataclass
class ActionOutcome:
    """What an action did: its reply, the events to append, and the facts for the decision record."""

    text: str
    events: list[Event]
    action: str | None = None  # overrides the policy's action when the action decided otherwise (e.g. clarify)
    options: list[str] = field(default_factory=list)  # a clarifying question's choices
    requested_slot: str | None = None  # the slot a business action asked for
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
    failed: bool = False  # a business action failed, or asked again for a slot the reply did not give (counts as a failure)


def _fixed_reply(text: str, action: str, **kwargs: Any) -> Iterator[str | ActionOutcome]:
    yield text
    events: list[Event] = list(kwargs.pop("extra_events", []))
    events.append(BotAnswer(text=text, action=action, abstained=kwargs.get("abstained", False)))
    yield ActionOutcome(text=text, events=events, **kwargs)


def small_talk(intent: str, replies: Replies = DEFAULT_REPLIES) -> Iterator[str | ActionOutcome]:
    """The fixed reply to a small-talk intent. "not_helped" ("thanks, that's all wrong") gives no answer and says the
    last one failed: it counts as a failed turn (abstained), so its offer of a person is taken by a "yes"."""
    return _fixed_reply(replies.small_talk(intent), "small_talk", abstained=intent == "not_helped")


def hand_off(reason: str, note: str = "", text: str = HANDOFF) -> Iterator[str | ActionOutcome]:
    """Hand the conversation to a person; ``note`` (e.g. when a person will reply) follows the message."""
    reply = f"{text} {note}".strip()
    return _fixed_reply(reply, "handoff", handoff=True, extra_events=[HandoffRequested(reason=reason)])


def relay(agent: str | None, text: str = RELAYED) -> Iterator[str | ActionOutcome]:
    """A message in a conversation that a person has: passed on, not answered. Until a member of staff
    has written, each such message is acknowledged; once one has, the assistant stays quiet."""
    who = f"with {agent}" if agent else "waiting for a person"
    reason = f"the conversation is {who}: passed on to staff, not answered"
    if agent:
        yield ActionOutcome(text="", events=[], action="relay", reason=reason)
        return
    yield from _fixed_reply(text, "relay", reason=reason)


def hand_back(author: str, text: str = HANDED_BACK) -> list[Event]:
    """The events of staff handing a conversation back to the assistant: the customer is told so."""
    return [HandoffResolved(author=author), BotAnswer(text=text, action="hand_back")]


def fallback(error: str | None = None, reply: str = FALLBACK, not_understood: str = NOT_UNDERSTOOD) -> Iterator[str | ActionOutcome]:
    """The reply when something broke (``error``; ``reply`` says what), or when the message could not be understood."""
    return _fixed_reply(reply if error else not_understood, "fallback", error=error)


def decline(reply: str) -> Iterator[str | ActionOutcome]:
    """A topic the business rules never answer: their reply instead of an answer."""
    return _fixed_reply(reply, "decline")


def other_language(reply: str, reason: str) -> Iterator[str | ActionOutcome]:
    """A message in a language the help centre is not written in: ``reply`` says which it answers in and offers a
    person. Not a failed answer."""
    return _fixed_reply(reply, "other_language", reason=reason)


def option_labels(passages: list[Passage]) -> list[str]:
    """The buttons that ask which of ``passages`` (one per section) is meant: each one's title, with its section,
    the first folder of its id, after a title two of them share ("Returns (home)", "Returns (business)"). A help
    centre with a folder per product line repeats titles; identical buttons could not be told apart, and
    picking any of them answered from the first."""
    titles = [p.chunk.title or p.chunk.doc_id for p in passages]
    return [
        f"{title} ({p.chunk.doc_id.partition('/')[0]})" if titles.count(title) > 1 else title
        for title, p in zip(titles, passages)
    ]


def clarify(kind: str, query: str, options: list[str], values: list[str], question: str = CLARIFY) -> Iterator[str | ActionOutcome]:
    """Ask which reading the customer means; the options become buttons, and picking one answers it."""
    asked = ClarificationAsked(kind=kind, query=query, options=tuple(options), values=tuple(values))
    text = question + "\n" + "\n".join(f"- {option}" for option in options)
    yield text
    yield ActionOutcome(text=text, events=[asked, BotAnswer(text=text, action="clarify")], options=list(options), action="clarify")


def _plain(text: str) -> str:
    """Text as an answer and a passage both show it: without citation marks ("[1]"), emphasis and case."""
    return " ".join(re.sub(r"\[\d+\]|\*\*|__|`", "", text).casefold().split())


def unsaid(passage: str, said: str) -> str:
    """``passage`` without the sentences and list items that ``said`` (an earlier answer) already holds, so that
    "tell me more" is answered with what is new rather than the same sentences again."""
    already = _plain(said)
    units = split_units(passage, 0, shortest_item=1)
    new = [unit for unit in units if _plain(unit.text) not in already]
    if not any(not unit.text.startswith("#") for unit in new):  # only its headings are left: nothing new in it
        return ""
    for unit in units:
        if unit not in new:
            passage = passage.replace(unit.text, "", 1)
    return passage


# a sentence that tells the customer to do or look at something ("If you cannot see it, look in your spam folder.")
_ADVICE = re.compile(r"\b(?:look|check|try|search|make\s+sure|clear|restart|wait|open)\b", re.IGNORECASE)


def without_advice_on(passage: str, done: set[str]) -> str:
    """``passage`` without the sentences that advise what ``done`` names (``rewrite.things_done``: the words of what the
    customer says they already did): "I checked my spam folder already" is not told to look in the spam folder."""
    if not done:
        return passage
    for unit in answer_units(passage, 0):
        if _ADVICE.search(unit.text) and done & stems(unit.text):
            passage = passage.replace(unit.text, "", 1)
    return passage


def not_repeated(passage: str, said: str) -> str:
    """``passage`` without the units of an answer (``answer_units``: "No. You can use one promo code per order." is one)
    that ``said`` (the last answer) holds. Unlike ``unsaid``, a short reply goes with its sentence: left behind, "No."
    was put before the next one ("No. Promo codes cannot be used to buy gift cards")."""
    already = _plain(said)
    for unit in answer_units(passage, 0):
        if _plain(unit.text) in already:
            passage = passage.replace(unit.text, "", 1)
    return passage


def _only_headings(text: str) -> bool:
    """Whether ``text`` holds nothing but Markdown headings (all its sentences taken out)."""
    return all(unit.text.startswith("#") for unit in split_units(text, 0, shortest_item=1))


def storable(value: Any) -> Any:
    """``value`` as the log's JSON can keep it: mappings (keys as text), lists, text, numbers, booleans and
    None as they are, anything else as its text (a ``date`` as ``2026-12-10``, a ``Decimal``, NaN). A team's
    action may put any value in ``ActionResult.data``; one JSON cannot hold would fail the turn's save after
    the customer had read the reply, and the turn would be lost."""
    if isinstance(value, Mapping):
        return {str(key): storable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable(item) for item in value]
    if value is None or isinstance(value, (str, bool, int)) or (isinstance(value, float) and math.isfinite(value)):
        return value
    return str(value)


def below(score: float, floor: float) -> str:
    """"SCORE < FLOOR" for a decision's reason: the floor without the float's noise (0.35 - 0.05 as "0.3"), the score
    with as few digits as keep the comparison true when it is, and no fewer than the floor's or two ("0.859 < 0.86",
    "0.3449 < 0.345", where two digits read "0.86 < 0.86")."""
    shown_floor = f"{round(floor, 6):g}"
    decimals = len(shown_floor.partition(".")[2]) if "e" not in shown_floor else 2
    for digits in range(max(2, decimals), 7):
        if round(score, digits) < round(floor, 6) or score >= floor:
            return f"{score:.{digits}f} < {shown_floor}"
    return f"{score!r} < {shown_floor}"


def _check_notes(errors: Mapping[str, str], slot: str | None = None) -> str:
    """The decision record's note of the checks that raised: " (the check failed: ...)" for ``slot``, the slot asked for,
    " (the check of seat failed: ...)" for another."""
    return "".join(f" (the check {'' if name == slot else f'of {name} '}failed: {error})" for name, error in errors.items())


def pending_confirmation(tracker: Tracker) -> str | None:
    """The business action whose confirmation the last reply asked for ("Shall I go ahead: ...?"), by name; None when
    the last reply was anything else (the question was answered or dropped). Small talk of a check-in ("hmm") keeps it,
    as it keeps a slot's question."""
    if tracker.last_action != "confirm":
        return None
    return next((e.action for e in reversed(tracker.events) if isinstance(e, ConfirmationRequested)), None)


def turn_secrets(actions: BusinessActions, tracker: Tracker, events: Iterable[Event]) -> frozenset[str]:
    """The slots whose values a turn stores and returns as ``SECRET_VALUE``: those that the turn's business actions
    declare secret (``secrets=``): the one whose question or confirmation the last reply asked, and those the turn's
    ``events`` ask for, ask to confirm or run; and those the log already keeps as ``SECRET_VALUE`` (given to such an action earlier:
    the conversation's slots carry the value on, to whatever action comes next). A slot of the same name that only
    another action declares secret is not: a voucher's ``code`` is logged, a 2FA ``code`` is not."""
    acting = {e.action for e in events if isinstance(e, (SlotRequested, ConfirmationRequested))}
    acting |= {e.name for e in events if isinstance(e, ActionExecuted)}
    waiting = tracker.requested_slot[0] if tracker.requested_slot is not None else pending_confirmation(tracker)
    if waiting is not None:
        acting.add(waiting)
    kept = {name for name, value in tracker.slots.items() if value == SECRET_VALUE}
    return actions.secret_slots(acting) | kept


def not_confirmed(action: BusinessAction, replies: Replies = DEFAULT_REPLIES) -> Iterator[str | ActionOutcome]:
    """The reply to a no to a business action's confirmation: it did not run, and its values are forgotten (the
    customer's own contact details, ``CUSTOMER_SLOTS``, are kept, as for another request)."""
    text = replies.action_not_confirmed
    forgotten = [p.name for p in action.parameters if p.name not in CUSTOMER_SLOTS]
    events: list[Event] = [SlotSet(name=name, value=None) for name in forgotten]
    events.append(BotAnswer(text=text, action="business"))
    yield text
    yield ActionOutcome(text=text, events=events, reason=f"the customer did not confirm {action.name}: not run, its values forgotten")


def run_business_action(
    action: BusinessAction,
    slots: dict[str, Any],
    replies: Replies = DEFAULT_REPLIES,
    unanswered: tuple[str, str] | None = None,
    several: Mapping[str, tuple[str, ...]] | None = None,
    asked: tuple[str, str] | None = None,
    confirmed: bool = False,
) -> Iterator[str | ActionOutcome]:
    """Ask for the first missing slot, or run the action and reply with its result (in the words of ``replies``).

    ``unanswered``: the (action, slot) the previous reply asked for, when this message filled no slot. Asking
    for that slot once more is a failed turn (counted towards handing off, like an answer that found nothing,
    and like a run of the action that fails: "no order NW-… for that address"),
    and the question comes with the offer of a person (``ask_again``), so a customer without the value is not
    asked the same question for ever. ``asked``: the (action, slot) the previous reply asked for, whatever this
    message gave: a value for it that its check refuses asks for it again in the same way, as a failed turn. A check
    that raises on the value of the slot to ask for (a booking system down) is a failed turn too, whoever asked: the
    customer reads ``lookup_failed`` (the value could not be checked now), not the question as if the value were wrong,
    and the slot still waits for a value; before, the question was asked again, and a check that always raised had the
    slot asked for ever, with no handoff.
    ``several``: slots the message gave more than one value for; which one is meant is asked (``which_one``), none is
    guessed. A check that raises is named in the decision's reason, and a run whose reply cannot be written (a ``Say``
    of a text not declared, a placeholder without a value, no ``ActionResult`` returned) is still logged
    (``ActionExecuted``, with the result's ``ok`` and ``data``): the customer reads ``lookup_failed``. An action
    registered with ``confirm=True`` whose slots are filled asks first (``confirm_action``) unless ``confirmed`` (the
    customer said yes to that question): the question is recorded as a ``ConfirmationRequested``."""
    action = action.watched()
    seen = action.seen
    assert seen is not None
    missing = action.missing(slots)
    if missing:
        slot = missing[0]
        given = (several or {}).get(slot.name)
        refusals = action.refusals(slots)
        # a value its check refuses, or not of its pattern's form, is none: not kept as the slot's value
        events: list[Event] = [SlotSet(name=name, value=None) for name in refusals]
        turned_down = asked == (action.name, slot.name) and slot.name in refusals
        again = (unanswered == (action.name, slot.name) or turned_down) and not given
        # its check raised on the value given (a booking system down): the customer is told it could not be checked now
        # (``lookup_failed``), not asked the same question as if the value were wrong; the slot still waits for a value
        unchecked = slot.name in seen.check_errors and slot.name in refusals and not given
        prompt = action.prompt(slot, replies)
        if given:
            text = replies.say("which_one", values=", ".join(given), slot=slot_label(slot.name))
        else:
            text = replies.lookup_failed if unchecked else f"{prompt} {replies.ask_again}" if again else prompt
        # an optional value refused is forgotten now: the customer hears why before the question ("12Z is not one of
        # our seats. What is your booking reference?"), where before it was dropped unsaid
        optional = [p.name for p in action.parameters if not p.required and p.name in refusals]
        text = " ".join((*(action.tell(refusals[name], replies) for name in optional), text))
        events += [SlotRequested(action=action.name, slot=slot.name, again=again), BotAnswer(text=text, action="business")]
        reason = f"{action.name} needs the {slot.name}"
        if given:
            reason = f"{action.name} needs one {slot.name}: the message gives {len(given)}, asked which"
        elif unchecked:
            reason = f"{action.name} could not check the {slot.name} given: told the customer so, the {slot.name} still asked for"
        elif turned_down and again:
            reason = f"{action.name} still needs the {slot.name}: the value given was refused, asked again"
        elif again:
            reason = f"{action.name} still needs the {slot.name}: the reply gave none, asked again"
        reason += "".join(f"; the {name} {slots.get(name)} refused, left out" for name in optional)
        yield text
        yield ActionOutcome(
            text=text, events=events, requested_slot=slot.name, reason=reason + _check_notes(seen.check_errors, slot.name),
            failed=again or unchecked,
        )
        return
    if action.confirm and not confirmed:
        values = action.summary(slots)
        text = replies.say("confirm_action", action=action.label(replies), values=values)
        yield text
        yield ActionOutcome(
            text=text, events=[ConfirmationRequested(action=action.name), BotAnswer(text=text, action="confirm")],
            reason=f"{action.name} has its values ({values}): asked to confirm before it runs" + _check_notes(seen.check_errors),
        )
        return
    arguments = action.arguments(slots)
    printable = {k: SECRET_VALUE if k in action.secrets else str(v) for k, v in arguments.items()}  # a backup code: not logged
    started = time.perf_counter()
    try:
        result: ActionResult = action(slots)
    except Exception as error:
        if not seen.returned or isinstance(error, TimeoutError):  # it raised, or gave no result in time: no run to log
            raise
        yield from _reply_failed(action, printable, seen.returned[-1], error, replies, started)  # no ActionResult
        return
    try:
        text = action.reply(result, replies)
    except Exception as error:
        yield from _reply_failed(action, printable, result, error, replies, started)
        return
    timings = {"business_ms": (time.perf_counter() - started) * 1000}
    events = [ActionExecuted(name=action.name, arguments=printable, result=storable(dict(result.data)), ok=result.ok)]
    events += [SlotSet(name=name, value=None) for name in result.clear_slots]
    # a failed action that forgets a value it needs ("no order NW-…, please check the number and send it
    # again") waits for that value again, so the corrected one ("sorry, I meant NW-…") runs it
    again = None if result.ok else next((p.name for p in action.parameters if p.required and p.name in result.clear_slots), None)
    if again is not None:
        events.append(SlotRequested(action=action.name, slot=again))
    events.append(BotAnswer(text=text, action="business"))
    yield text
    outcome_reason = f"ran {action.name}({', '.join(f'{k}={v}' for k, v in printable.items())}): {'ok' if result.ok else 'failed'}"
    if again is not None:
        outcome_reason += f"; asks for the {again} again"
    outcome_reason += _check_notes(seen.check_errors)
    yield ActionOutcome(text=text, events=events, timings_ms=timings, reason=outcome_reason, requested_slot=again, failed=not result.ok)


def _reply_failed(
    action: BusinessAction, printable: dict[str, str], result: Any, error: Exception, replies: Replies, started: float
) -> Iterator[str | ActionOutcome]:
    """The turn of a business action that ran but whose reply could not be written (``error``): the run is logged with
    the result's ``ok`` and ``data`` (a function that returned no ``ActionResult``: not ok, with what it returned), the
    slots it forgets are forgotten, and the customer reads ``lookup_failed``, as for a function that raised. Before, no
    ``ActionExecuted`` was written: a booking made had no record in the log."""
    log.exception("business action %s ran, but its reply could not be written", action.name)
    if isinstance(result, ActionResult):
        ok, data, forgotten = result.ok, storable(dict(result.data)), result.clear_slots
    else:
        ok, data, forgotten = False, {"returned": storable(result)}, ()
    text = replies.lookup_failed
    events: list[Event] = [ActionExecuted(name=action.name, arguments=printable, result=data, ok=ok)]
    events += [SlotSet(name=name, value=None) for name in forgotten]
    events.append(BotAnswer(text=text, action="fallback"))
    shown = ", ".join(f"{k}={v}" for k, v in printable.items())
    reason = f"ran {action.name}({shown}): {'ok' if ok else 'failed'}, but its reply could not be written"
    yield text
    yield ActionOutcome(
        text=text, events=events, action="fallback", reason=reason, error=f"{type(error).__name__}: {error}",
        timings_ms={"business_ms": (time.perf_counter() - started) * 1000},
    )


def last_run(tracker: Tracker, within: int) -> ActionExecuted | None:
    """The last business action run, when it ran in reply to one of the last ``within`` customer messages before the
    one being read; else None."""
    messages = 0
    for event in reversed(tracker.events):
        if isinstance(event, UserMessage):
            messages += 1
            if messages >= within:
                return None
        elif isinstance(event, ActionExecuted):
            return event
    return None


@dataclass(frozen=True)
class AboutLastRun:
    """A business action's own answer (``BusinessAction.about``) to a question about its last successful run."""

    action: BusinessAction
    run: ActionExecuted
    result: ActionResult

    def steps(self, replies: Replies = DEFAULT_REPLIES) -> Iterator[str | ActionOutcome]:
        """The answer, in the words of ``replies``: a business reply, with nothing run again."""
        text = self.action.reply(self.result, replies)
        shown = ", ".join(f"{k}={v}" for k, v in self.run.arguments.items())
        yield text
        yield ActionOutcome(
            text=text, events=[BotAnswer(text=text, action="business")], action="business",
            reason=f"a question about the last run of {self.action.name}({shown}): its own answer",
        )


def about_last_run(actions: BusinessActions, tracker: Tracker, text: str, entities: Mapping[str, Any], within: int) -> AboutLastRun | None:
    """The answer of the business action that ran successfully in reply to one of the last ``within`` messages to
    ``text``, a question about that run ("what's in it?" after the order lookup): None when none ran, it has no
    ``about`` answers or none for ``text``, or the message names another value for it ("and NW-20481737?": that
    one is looked up). An ``about`` that fails (an orders file gone) answers nothing: the help centre is asked."""
    run = last_run(tracker, within)
    action = actions.get(run.name) if run is not None and run.ok else None
    if run is None or action is None or action.about is None:
        return None
    own = {p.name for p in action.parameters} - CUSTOMER_SLOTS
    if any(str(value) != str(run.arguments.get(name)) for name, value in entities.items() if name in own):
        return None
    try:
        result = action.about(text, run.arguments, run.result)
    except Exception:
        log.exception("the about answers of business action %s failed", action.name)
        return None
    return AboutLastRun(action, run, result) if result is not None else None


# where a message's next question starts: after "?", ".", "!" or ";", or after a comma or "and"/"also"/"but"/"plus",
# before a question's first word ("where is my order NW-… and can I change the address?")
_NEXT_QUESTION = re.compile(
    r"(?:[?.!;]\s+|,\s*(?:(?:and|also|but|plus)\s+)?|\s+(?:and|also|but|plus)\s+)"
    r"(?=(?:can|could|how|what|when|where|why|which|is|are|do|does|will|would|should|may)\b)",
    re.IGNORECASE,
)


def other_question(text: str, values: Iterable[str], personal: Iterable[str] = ()) -> tuple[str, str] | None:
    """The question a request for a business action asks besides it ("where is my order NW-20481736 and can I change
    the address?": "can I change the address?"): the message's questions that hold none of the ``values`` it gives and
    name a topic of their own; with it, the question as the knowledge base is asked it: read with the request ("can I
    change the address (my order NW-20481736)?"), the ``personal`` values (an e-mail address) left out. None when the
    message asks nothing else."""
    parts = [part.strip(" ,;") for part in _NEXT_QUESTION.split(text)]
    given = [str(value).casefold() for value in values if value]
    rest = [part for part in parts if not any(value in part.casefold() for value in given) and names_a_topic(part)]
    if not rest or len(rest) == len(parts):
        return None
    request = " ".join(part for part in parts if part not in rest)
    for value in personal:
        request = re.sub(re.escape(str(value)), " ", request, flags=re.IGNORECASE)
    question = " ".join(rest)
    return question, rewrite(question, request)


def with_other_answer(steps: Iterable[str | ActionOutcome], answer: Iterable[str | ActionOutcome], question: str) -> Iterator[str | ActionOutcome]:
    """A business action's reply and the knowledge base's ``answer`` to the ``question`` its request also asked, as
    one reply: after the action's result, or before its question for a slot (which the customer replies to). An answer
    that found nothing is left out. One BotAnswer of the action, with the answer's citations and retrieval."""
    outcome = next(o for o in steps if isinstance(o, ActionOutcome))
    found = next(o for o in answer if isinstance(o, ActionOutcome))
    if found.abstained or not found.text.strip() or found.action == "clarify":
        yield outcome.text
        yield replace(outcome, reason=f"{outcome.reason}; the other question ({question!r}) found no answer: left out")
        return
    first, second = (found.text, outcome.text) if outcome.requested_slot is not None else (outcome.text, found.text)
    text = f"{first}\n\n{second}"
    bot = next(e for e in found.events if isinstance(e, BotAnswer))
    events = [e for e in found.events if isinstance(e, RetrievalDone)]
    events += [replace(e, text=text, citations=bot.citations) if isinstance(e, BotAnswer) else e for e in outcome.events]
    yield text
    yield replace(
        outcome, text=text, events=events, sources=found.sources, query=found.query, retrieved=found.retrieved,
        index_version=found.index_version, model=found.model, timings_ms={**outcome.timings_ms, **found.timings_ms},
        reason=f"{outcome.reason}; and the other question ({question!r}) answered from the knowledge base",
    )


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


# "tell me more" when every passage of the last answer's articles is already said (the reply: replies.nothing_more)
NOTHING_MORE = "the customer asked for more, and the last answer's articles hold nothing it did not say"
FOLLOW_UP_MARGIN = 0.2  # a follow-up stays on the previous article unless another scores this much higher
MOST_LINKED = 2  # articles added to an answer's passages because a passage points to them
# The intent model's opinion in the decision to answer (retrieval.topics): an intent this sure that names a topic
# of the knowledge base lets a best passage on that topic answer TOPIC_ALLOWANCE below min_score, and asks a best
# passage on another topic for TOPIC_PENALTY above it.
TOPIC_CONFIDENCE = 0.4
TOPIC_ALLOWANCE = 0.1
TOPIC_PENALTY = 0.05
# An intent this sure also steers an extractive answer to the sentences of the passages on its topic ("package says
# delivered but never got it", track_parcel: the lost-parcels article, not the order-status list's "Delivered").
STEER_CONFIDENCE = 0.8


# "my vase", "our Lumo lamp": the customer's own thing, in up to two words after "my" or "our"
_OWN_THING = re.compile(r"\b(my|our)\s+([\w'-]+(?:\s+[\w'-]+)?)", re.IGNORECASE)


def without_own_unknown_words(text: str, indexed: Callable[[str], bool]) -> str:
    """``text`` without the words naming the customer's own thing ("my vase", "our Lumo lamp") that the help centre never
    uses (``indexed`` false for their lower case): they say what the thing is, not what happened to it, and pull a
    message the help centre answers below the threshold ("my vase arrived broken", 0.42 with the demo's MiniLM; "my
    arrived broken", 0.55). A stop word ends the thing ("my Batavus was stolen"), and a word with figures (an order
    number) stays; ``text`` as it is when there are none."""
    def cut(match: re.Match[str]) -> str:
        words = match.group(2).split()
        unknown = 0
        while unknown < len(words) and words[unknown].isalpha() and content_words(words[unknown]) and not indexed(words[unknown].lower()):
            unknown += 1
        return " ".join([match.group(1), *words[unknown:]])

    return _OWN_THING.sub(cut, text)


def _places_of(passage: Passage) -> tuple[frozenset[str], bool]:
    """The countries ``passage`` names, in its text or heading, and whether one of its sentences lists the places
    served (``LIST_OF_PLACES`` or more): each sentence is read once. Not ``retrieval.places.named_in``, whose passage
    answers for any country when a sentence also speaks of the others ("International Standard: 7-14 business days") or
    limits something to the ones it names ("available ... in the United States only"): right for ranking passages on the
    question's subject, but neither says whether Mexico is served, and "can I order from Mexico?" was answered with the
    international prices."""
    named = [places(sentence) for sentence in split_sentences(passage.chunk.text)]
    return frozenset().union(places(passage.chunk.heading or ""), *named), any(len(found) >= LIST_OF_PLACES for found in named)


def _names_an_unknown_place(question: str, passages: list[Passage]) -> bool:
    """Whether the question names a country (``places``) that no passage names, in its text or heading, nor answers
    with a list of the places served (``LIST_OF_PLACES`` or more): the intent model's topic then lowers no
    threshold, since the passages it agrees with do not say whether the country is served ("can I order from
    Mexico?" found the international prices at 0.42, and answered with them as if Mexico were served)."""
    asked = places(question)
    if not asked:
        return False
    for passage in passages:
        named, lists = _places_of(passage)
        if asked & named or lists:
            return False
    return True


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
        clarify_margin: float = 0.0,
        fallback: ExtractiveAnswerer | None = None,
        min_support: float = 0.0,
        correct_spelling: bool = False,
        replies: Replies = DEFAULT_REPLIES,
    ) -> None:
        if generator is None and extractive is None:
            raise ValueError("an answer needs a generator or an extractive answerer")
        self.retriever = retriever
        self.generator = generator
        self.extractive = extractive  # when set, answers are passage sentences instead of generated text
        self.top_k = top_k
        self.min_score = min_score
        self.max_new_tokens = max_new_tokens
        # passages of different documents within this of the best one: ask which the customer means (0: never)
        self.clarify_margin = clarify_margin
        self.fallback = fallback  # answers when the generator fails (a remote server down or too slow)
        self.min_support = min_support  # decline generated answers whose words the passages hold less than this
        self.replies = replies  # the decline and the offer of a person (dialog.replies)
        self.correct_spelling = correct_spelling  # search "how do I return" for "how do i retrn" (retrieval.spelling)
        self._topic_words: tuple[dict[str, str], frozenset[str]] | None = None  # article titles -> their topic words

    @staticmethod
    def new_to_the_customer(tracker: Tracker, texts: list[str], focus: str | None) -> list[str]:
        """The passages' ``texts`` without what the customer has just been told or done: for a follow-up (``focus``, its
        own words) right after an answer, that answer's sentences when the follow-up names things the answer did not
        ("and in what format" after the export's steps got the steps again), and the advice to do what the message says
        was done already (``things_done``: "checked spam already" was told to look in the spam folder). ``texts`` as
        they are when nothing else would be left."""
        if not focus:
            return texts
        last = tracker.exchanges[-1][1] if tracker.last_action == "answer" and tracker.exchanges else ""
        own = named_words(focus)
        if not own or own & named_words(last) or refers_back(focus):
            # "and apple pay?" after a list that names it, "can I use two at once?", "is klarna one of them?": the answer
            # may be in it
            last = ""
        done = things_done(focus)
        if not last and not done:
            return texts
        left = [without_advice_on(not_repeated(text, last) if last else text, done) for text in texts]
        return left if any(text.strip() and not _only_headings(text) for text in left) else texts

    def close_documents(self, question: str, passages: list[Passage]) -> list[Passage]:
        """When a short question's best passages come from articles in different sections (the folder in
        the document id, e.g. ``orders/`` and ``subscriptions/``) within ``clarify_margin`` of the best score:
        the best passage of each section, to ask which one is meant. Else empty. FAQ entries (no folder)
        name no section and are left out; a longer question, or one that asks for a kind of answer ("how
        long ...?", "how much ...?"), says enough to be answered as it is."""
        if self.clarify_margin <= 0 or not passages or len(content_words(question)) > CLARIFY_MAX_WORDS or answer_types(question):
            return []
        best: dict[str, Passage] = {}
        for passage in passages:
            section, slash, _ = passage.chunk.doc_id.partition("/")
            if slash:
                best.setdefault(section, passage)
        top = passages[0].score
        close = [p for p in best.values() if p.score >= self.min_score and top - p.score <= self.clarify_margin]
        return close if len(close) >= 2 else []

    def add_part_passages(self, question: str, passages: list[Passage]) -> list[Passage]:
        """``passages`` and, for a question of several parts ("How do I start a return, and how long until
        the money is back?"), each part's best passage when it is not among them: the parts may be
        answered in different articles, and the whole question's passages favour its first part."""
        found = list(passages)
        seen = {p.chunk.chunk_id for p in found}
        parts = question_parts(question)
        self.retriever.embed_ahead(parts)
        for part in parts:
            for passage in self.retriever.search(part, k=1):
                if passage.chunk.chunk_id not in seen and passage.score >= self.min_score:
                    found.append(passage)
                    seen.add(passage.chunk.chunk_id)
        return found

    def place_list(self, question: str, passages: list[Passage]) -> list[Passage]:
        """For a question naming a country no passage names ("can I order from Mexico?"), the best passage among the
        question's first ``top_k * 10`` that lists the places served (``LIST_OF_PLACES`` or more: "we ship to Canada,
        the United Kingdom, ... and Australia"), when it is not among ``passages``: it answers for any country, the
        ones it leaves out included, though the question's words are closer to other passages (seventh for Mexico,
        under the international prices and the returns from outside the US). Empty when there is none."""
        seen = {p.chunk.chunk_id for p in passages}
        for passage in self.retriever.search(question, k=self.top_k * 10):
            if passage.chunk.chunk_id not in seen and _places_of(passage)[1]:
                return [passage]
        return []

    def add_linked_passages(self, question: str, passages: list[Passage]) -> tuple[list[Passage], dict[str, list[int]]]:
        """``passages`` and the best passage of each article they point to ("see the article on lost
        parcels"), and for a question of several parts each part's best passage there when it scores ``min_score``
        (at most ``MOST_LINKED`` added in all), with the links: pointing sentence -> numbers of the passages of the articles it points to."""
        found = list(passages)
        links: dict[str, list[int]] = {}
        titles = self.retriever.article_titles()
        parts = question_parts(question)
        for passage in passages:
            for unit in split_units(passage.chunk.text, 0):
                for doc_id in linked_documents(unit.text, titles, near=passage.chunk.doc_id):
                    if doc_id == passage.chunk.doc_id:
                        continue
                    present = [n for n, p in enumerate(found, start=1) if p.chunk.doc_id == doc_id]
                    # the whole question's best passage of the article, when none is here, and each part's: "how do I
                    # return something and how long do refunds take?" points to the returns article for its first part,
                    # whose steps are not in the passage the whole question finds there ("After drop-off")
                    for query in ([] if present else [question]) + parts:
                        if len(found) >= len(passages) + MOST_LINKED:
                            break
                        seen = {p.chunk.chunk_id for p in found}
                        # a part: of its best two passages there, the first not here yet, when close enough on its own
                        best = [
                            p for p in self.retriever.search(query, k=1 if query == question else 2, filters={"doc_id": doc_id})
                            if p.chunk.doc_id == doc_id and p.chunk.chunk_id not in seen and (query == question or p.score >= self.min_score)
                        ][:1]
                        found.extend(best)
                        present += [len(found)] if best else []
                    links.setdefault(unit.text, []).extend(present)
        return found, links

    def stay_on_topic(self, found: list[Passage], prefer_docs: tuple[str, ...]) -> list[Passage]:
        """The passages of ``prefer_docs`` when one scores within FOLLOW_UP_MARGIN of the best, else the
        top passages: a follow-up ("how much does it cost?") usually continues the article the
        previous answer came from."""
        if not found:
            return []
        floor = max(self.min_score, found[0].score - FOLLOW_UP_MARGIN)
        close = [p for p in found if p.chunk.doc_id in prefer_docs and p.score >= floor]
        return close[: self.top_k] if close else found[: self.top_k]

    def reads_in_context(self, context: str, docs: tuple[str, ...]) -> list[Passage] | None:
        """The passages ``context`` (a statement read with the last question) finds, when the best of them is on one
        of ``docs`` (the last answer's articles); None when it is on another article. "how do I reset my password: I
        didn't get the email" finds the reset article first, and stays on it; "what payment methods do you accept: the
        card was declined" finds the failed-payments article first: held to the payment methods, it got the list of
        methods again, and the statement is searched as it stands."""
        found = self.retriever.search(context, k=self.top_k * 10)
        return found if found and found[0].chunk.doc_id in docs else None

    def _search(self, question: str) -> tuple[list[Passage], int]:
        """The question's passages, and how many of them the whole question found (the rest are its parts')."""
        passages = self.retriever.search(question, k=self.top_k)
        whole = len(passages)
        if self.extractive is not None:
            # a long message of several questions can match no passage as a whole, while its parts do
            passages = self.add_part_passages(question, passages)
        return passages, whole

    def _without_own_things(self, text: str) -> str:
        """``text`` without the words of the customer's own thing that no indexed text holds (``without_own_unknown_words``:
        "my vase arrived broken" is searched as "my arrived broken"); as it is without the index's words."""
        speller = getattr(self.retriever, "speller", None)
        if speller is None:
            return text
        counts = speller().counts
        return without_own_unknown_words(text, lambda word: word in counts or (word.endswith("s") and word[:-1] in counts))

    def _is_keyboard_mashing(self, text: str) -> bool:
        """"asdfgh": nothing to search for, alone or read with the conversation's last question."""
        mashing = getattr(self.retriever, "is_keyboard_mashing", None)
        return mashing is not None and mashing(text)

    def _found(self, passages: list[Passage], whole: int, topic: str | None = None) -> bool:
        """Whether the best passage, or the best of one part of the question, is close enough to answer from.
        With a ``topic`` (``topic_of``): the best passage's floor is ``min_score`` less TOPIC_ALLOWANCE when it is
        on the topic, plus TOPIC_PENALTY when it is not, and a passage on the topic that reaches ``min_score``
        counts as well as the best."""
        if not passages:
            return False
        if any(p.score >= self.min_score for p in passages[whole:]):
            return True
        if topic is None:
            return passages[0].score >= self.min_score
        if any(p.score >= self.min_score and self._on_topic(topic, p) for p in passages[:whole]):
            return True
        return passages[0].score >= self._floor(topic, passages[0])

    @staticmethod
    def _on_topic(topic: str, passage: Passage) -> bool:
        return agrees(topic, passage.chunk.doc_id, passage.chunk.title)

    def _floor(self, topic: str | None, passage: Passage) -> float:
        """The score ``passage``, the best, needs for an answer (see ``_found``)."""
        if topic is None:
            return self.min_score
        return self.min_score - TOPIC_ALLOWANCE if self._on_topic(topic, passage) else self.min_score + TOPIC_PENALTY

    @staticmethod
    def _declined(reply: str, reason: str, retrieval_event: Event, timings: dict[str, float], common: dict[str, Any]) -> Iterator[str | ActionOutcome]:
        """A reply that answers nothing (``not_found``, ``not_understood``, ``nothing_more``): a failed turn, so a
        "yes" to the offer of a person in it takes the offer."""
        yield reply
        yield ActionOutcome(
            text=reply,
            events=[retrieval_event, BotAnswer(text=reply, action="answer", abstained=True)],
            abstained=True,
            timings_ms=timings,
            reason=reason,
            **common,
        )

    def _steered(self, passages: list[Passage], topic: str, alternatives: tuple[str, ...]) -> set[int]:
        """The numbers of the passages whose sentences an extractive answer prefers for a very confident intent's
        ``topic``: all but those off it. Off it: a passage on the topic of another of the intent model's guesses
        (``alternatives``) and not on ``topic`` ("package says delivered but never got it", track_parcel: the
        order-status list, order_status's), or one whose names weigh no guess that scores below a passage on
        ``topic`` ("how do I stop getting your promo emails", privacy: the promo-code FAQ entry, below the
        marketing-emails article). One whose names weigh no guess and that scores above every passage on the
        topic is not turned away from ("can I get my parcel delivered on a Sunday", shipping: the FAQ entry "Do
        you deliver on Sundays?", above the delivery-times article). Empty when no passage is off it."""
        on = [self._on_topic(topic, p) for p in passages]
        best_on_topic = max((p.score for p, yes in zip(passages, on, strict=True) if yes), default=None)
        off = {
            n
            for n, (p, yes) in enumerate(zip(passages, on, strict=True), start=1)
            if not yes
            and (any(self._on_topic(other, p) for other in alternatives if other != topic)
                 or (best_on_topic is not None and p.score < best_on_topic))
        }
        return set(range(1, len(passages) + 1)) - off if off else set()

    def topic_of(self, intent: tuple[str, float] | None) -> str | None:
        """The intent's name when the intent model is at least TOPIC_CONFIDENCE sure of it and the knowledge base
        has articles on the topic it names (``retrieval.topics``); else None."""
        if intent is None or intent[1] < TOPIC_CONFIDENCE:
            return None
        titles = self.retriever.article_titles()  # the same mapping while the same index is loaded
        known = self._topic_words
        if known is None or known[0] is not titles:
            known = self._topic_words = (titles, articles_words(titles.items()))
        return intent[0] if topic_words(intent[0]) & known[1] else None

    def run(
        self,
        tracker: Tracker,
        question: str,
        only_doc: str | None = None,
        prefer_docs: tuple[str, ...] = (),
        focus: str | None = None,
        context: str | None = None,
        said: str = "",  # "tell me more": what was said so far, whose sentences are left out of the passages
        intent: tuple[str, float] | None = None,
        alternatives: tuple[str, ...] = (),
        context_docs: tuple[str, ...] = (),
        tie_context: str | None = None,
        replies: Replies | None = None,
    ) -> Iterator[str | ActionOutcome]:
        """Answer ``question``; ``only_doc`` limits the passages to one document (a clarification's choice);
        ``prefer_docs`` (a follow-up's previous article) go first when they are close to the best passage;
        ``focus`` (a follow-up's own words) is what extractive answers must also cover; ``context`` (a short
        message read with the conversation's last query, "gift card: balance?") is searched when
        ``question`` alone finds nothing; ``intent`` (the intent model's label and confidence) weighs in the
        decision to answer when it names a topic of the knowledge base (``topic_of``); ``alternatives`` (the
        model's other guesses) say which passages are on another topic (``_steered``); ``context_docs`` (the last
        answer's articles, for a statement about a thing it named) has ``context`` read first, kept on those articles,
        when its own best passage is on one of them (``reads_in_context``); ``tie_context`` (the question read with what
        the conversation was just about: the last question's topic, or the order looked up) is searched instead of asking
        which article is meant, when alone its best passages tie (``close_documents``) and in that context they do not;
        ``replies``: the fixed replies in the customer's language (the decline, the offer of a person), else the action's."""
        replies = replies or self.replies
        timings: dict[str, float] = {}
        started = time.perf_counter()
        corrected = getattr(self.retriever, "corrected", None) if self.correct_spelling else None
        if corrected is not None:  # the search, the answer and the decision record's query read the corrected words
            question, focus = corrected(question), corrected(focus) if focus else focus
        whole = self.top_k  # passages[whole:] are the parts' own best passages, each close enough on its own
        on_last: list[Passage] | None = None
        if context is not None and context_docs and only_doc is None and not prefer_docs:
            read = corrected(context) if corrected is not None else context
            on_last = self.reads_in_context(read, context_docs)
            if on_last is not None:  # "I didn't get the email" after the reset steps: about that answer's e-mail
                question, focus, prefer_docs, context = read, question, context_docs, None
        # a chosen or continued article stands; "tell me more" (said) keeps the threshold of the answer it continues
        topic = self.topic_of(intent) if only_doc is None and (not prefer_docs or said) else None
        if only_doc is not None:
            found = self.retriever.search(question, k=self.top_k * 10)
            passages = [p for p in found if p.chunk.doc_id == only_doc][: self.top_k] or found[: self.top_k]
        elif prefer_docs:
            found = on_last if on_last is not None else self.retriever.search(question, k=self.top_k * 10)
            passages = self.stay_on_topic(found, prefer_docs)
        else:
            passages, whole = self._search(question)
            if _names_an_unknown_place(question, passages):
                passages = passages + self.place_list(question, passages)  # "can I order from Mexico?": where we ship
                if _names_an_unknown_place(question, passages):
                    topic = None  # the intent's topic (shipping) says nothing about Mexico
            allowed = self._found(passages, whole, topic)
            if context is not None and not (allowed and self._found(passages, whole)) and not self._is_keyboard_mashing(question):
                context = corrected(context) if corrected is not None else context
                in_context, in_whole = self._search(context)
                # "balance?" alone is nothing; after "gift card" it is. A question the intent's topic alone lets answer
                # (under min_score) gives way to a context that reaches it on its own: a pasted VPN error's last fragment
                # found the password reset at 0.38 (intent password, 0.43), the whole message the VPN article at 0.69
                if self._found(in_context, in_whole, topic) and (not allowed or self._found(in_context, in_whole)):
                    question, focus, passages, whole = context, question, in_context, in_whole
            plain = question if self._found(passages, whole, topic) else self._without_own_things(question)
            if plain != question:
                in_plain, in_whole = self._search(plain)
                if self._found(in_plain, in_whole):  # at min_score: no intent's topic lowers it for words left out
                    question, passages, whole = plain, in_plain, in_whole
        timings["retrieval_ms"] = (time.perf_counter() - started) * 1000
        retrieved = [{"chunk_id": p.chunk.chunk_id, "doc_id": p.chunk.doc_id, "score": round(p.score, 4)} for p in passages]
        retrieval_event = RetrievalDone(query=question, passages=tuple(retrieved))
        common = {"query": question, "retrieved": retrieved, "index_version": self.retriever.index_version}

        close = self.close_documents(question, passages) if only_doc is None and not prefer_docs else []
        if close and tie_context is not None:
            # "will I get money back?" after how to cancel Northwind Plus: refunds and returns tie (0.46 each); read with
            # the membership's cancellation it is about that, and "will I be refunded?" after a lookup that said Cancelled
            # is about the cancelled order's refund
            read = corrected(tie_context) if corrected is not None else tie_context
            in_context, in_whole = self._search(read)
            if self._found(in_context, in_whole, topic) and not self.close_documents(read, in_context):
                # read as a whole: held to the message's own words ("will I be refunded?"), the answer got the late-refund
                # sentence instead of "If you cancel an order before it ships, you are not charged at all."
                question, passages, whole, close = read, in_context, in_whole, []
                retrieved = [{"chunk_id": p.chunk.chunk_id, "doc_id": p.chunk.doc_id, "score": round(p.score, 4)} for p in passages]
                retrieval_event = RetrievalDone(query=question, passages=tuple(retrieved))
                common = {"query": question, "retrieved": retrieved, "index_version": self.retriever.index_version}
        if close:
            titles = option_labels(close)
            scores = ", ".join(f"{p.chunk.doc_id} {p.score:.2f}" for p in close)
            for step in clarify("passage", question, titles, [p.chunk.doc_id for p in close], replies.clarify):
                if isinstance(step, ActionOutcome):
                    step.events.insert(0, retrieval_event)
                    step.timings_ms, step.reason = timings, f"passages of different articles are close ({scores})"
                    step.query, step.retrieved, step.index_version = question, retrieved, common["index_version"]
                yield step
            return

        if not self._found(passages, whole, topic):
            reason = f"best passage score {below(passages[0].score, self.min_score)}" if passages else "empty index"
            if passages and topic is not None:
                on = self._on_topic(topic, passages[0])
                reason = (f"best passage score {below(passages[0].score, self._floor(topic, passages[0]))} "
                          f"(intent {topic}; the best passage is {'' if on else 'not '}on its topic)")
            reply = replies.not_found  # "I couldn't find that", with the offer of a person
            if passages and self._is_keyboard_mashing(question):  # "asdfgh": a request to rephrase
                reply, reason = replies.not_understood, f"keyboard mashing, no word of it known; {reason}"
            yield from self._declined(reply, reason, retrieval_event, timings, common)
            return

        started = time.perf_counter()
        pieces: list[str] = []
        fell_back: list[str] = []  # the generator failed and the fallback answered: its name
        links: dict[str, list[int]] = {}  # extractive answers: pointing sentence -> the passages it points to
        if self.extractive is not None:
            passages, links = self.add_linked_passages(question, passages)
        texts = [unsaid(p.chunk.text, said) if said else p.chunk.text for p in passages]  # "tell me more": what is new
        if said and not any(text.strip() for text in texts):
            yield from self._declined(replies.nothing_more, NOTHING_MORE, retrieval_event, timings, common)
            return
        if not said:
            texts = self.new_to_the_customer(tracker, texts, focus)
        if self.extractive is not None:
            headings = [p.chunk.heading for p in passages]
            steer = topic if topic is not None and intent is not None and intent[1] >= STEER_CONFIDENCE else None
            on_topic = self._steered(passages, steer, alternatives) if steer is not None else set()
            form = "" if said else None  # "tell me more": more of the same, whatever the question's form asked for
            drawn = self.extractive.answer(question, texts, focus=focus, headings=headings, links=links, on_topic=on_topic, form=form)
            drawn, order = renumbered(drawn, check_answer(drawn, len(passages)).cited, len(passages))  # shown as numbered below
            passages = [passages[n - 1] for n in order]
            pieces.append(drawn)
            timings["extraction_ms"] = (time.perf_counter() - started) * 1000
            yield pieces[0]
            model = self.extractive.name
        else:
            assert self.generator is not None
            messages = build_messages(question, [PromptPassage(p.chunk.heading, text) for p, text in zip(passages, texts, strict=True)])

            def fallback_answer() -> str:  # the generator failed before its first piece
                assert self.fallback is not None
                fell_back.append(self.fallback.name)
                return self.fallback.answer(question, [p.chunk.text for p in passages], headings=[p.chunk.heading for p in passages])

            fallback = fallback_answer if self.fallback is not None else None
            try:
                for piece in stream_or_fallback(self.generator, messages, self.max_new_tokens, fallback, replies.human_offer):
                    if not pieces:
                        timings["first_token_ms"] = (time.perf_counter() - started) * 1000
                    pieces.append(piece)
                    yield piece
            except GeneratorUnavailable as error:  # cut off mid-reply: the extractive answer replaces the draft
                if fallback is None:
                    raise
                log.warning("generator cut off mid-reply, answering extractively: %s", error)
                pieces = [with_human_offer(fallback(), replies.human_offer)]
            timings["generation_ms"] = (time.perf_counter() - started) * 1000
            model = fell_back[0] if fell_back else self.generator.name

        checked = check_answer("".join(pieces), len(passages))
        if not checked.abstained and self.min_support > 0 and support(checked.text, [p.chunk.text for p in passages]) < self.min_support:
            checked = replace(checked, abstained=True)  # the answer's words are not in the passages: decline
        if checked.abstained:
            text, sources = replies.not_found, []
        else:
            text = checked.text
            # no [n] in the answer: credit the passage it was visibly drawn from, if any
            cited = checked.cited or attribute(text, [p.chunk.text for p in passages])
            text, order = renumbered(text, cited, len(passages))  # [1] for the first source cited, as the sources are numbered
            sources = [_source(n, passages[old - 1], n <= len(cited)) for n, old in enumerate(order, start=1)]
        citations = tuple(s for s in sources if s["cited"])
        yield ActionOutcome(
            text=text,
            events=[retrieval_event, BotAnswer(text=text, action="answer", citations=citations, abstained=checked.abstained)],
            sources=sources,
            abstained=checked.abstained,
            model=model,
            timings_ms=timings,
            reason=f"the generator {self.generator.name} did not answer: the extractive answer, and a human offered" if fell_back else None,
            **common,
        )
