"""Business actions: a registry of plain Python functions whose typed parameters are slots.

    actions = BusinessActions()

    @actions.register(intents=["order_status"], prompts={"order_number": "What is your order number?"},
                      texts={"not_found": "I couldn't find an order {order_number}."})
    def order_status(order_number: str) -> ActionResult:
        ...
        return ActionResult(Say("not_found", order_number=order_number), ok=False)

The parameters' names are slot names and their type hints (``str``, ``int``, ``float``, ``bool``, ``date``)
say how a slot value is converted; parameters without a default are required. When a required slot is
missing the dialog asks for it (the parameter's prompt) and fills it from the next messages, slots carry
across turns, and the customer can change the subject at any time. Each prompt, and each of the action's
own ``texts`` (which a result names with ``Say``), is a key of the replies file (``order_status.order_number``,
``order_status.not_found``), so a team can write them in its own words. ``demo_actions`` builds the demo
shop's registry: an order-status lookup in ``demo/orders.csv`` that shows an order only to a customer who
gives both its number and the e-mail address it was placed with, and the reply to a request to cancel an order
(which the assistant cannot do: it says so, and how the customer does it).
"""

from __future__ import annotations

import csv
import importlib
import importlib.util
import inspect
import logging
import re
import sys
import threading
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from dialog.nlu.entities import SLOT_NAMES
from dialog.replies import DEFAULT_REPLIES, Replies
from dialog.text_files import line_list, shown_path

log = logging.getLogger(__name__)

_TRUE, _FALSE = ("1", "true", "yes", "y", "on"), ("0", "false", "no", "n", "off")


def to_bool(value: Any) -> bool:
    """A ``bool`` slot's value: True or False, or yes/no written out; ValueError for anything else ("maybe"
    is no answer, and was taken as False)."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise ValueError(f"not yes or no: {value!r}")


CONVERTERS: dict[type, Callable[[Any], Any]] = {
    str: str,
    int: int,
    float: float,
    bool: to_bool,
    date: lambda v: v if isinstance(v, date) else date.fromisoformat(str(v)),
}
# what the conversation log keeps of a redacted value ("[EMAIL]", assistant/privacy.py; group 1: its kind): no
# value for an action
REDACTED_VALUE = re.compile(r"\[([A-Z][A-Z0-9_]*)\]")
# what the log, the decision record and the API keep of a secret slot's value (``secrets=`` of ``register``)
SECRET_VALUE = "[SECRET]"


# a value said loosely ("FJ-123456 I think", "my booking is FJ-123456, thanks"): the parts of a message of at most this
# many words are tried on a slot's check when it refuses the whole message (runs of its words in the reply to the
# slot's question, else each word once); the punctuation around a part is not the value's
LOOSE_WORDS = 12
# the longest run of a reply's words tried as a value said loosely ("a Giant TCR Advanced Pro I think"): a team's check
# may look a value up in a booking system, and every run of 12 words is 78 calls
LOOSE_VALUE_WORDS = 4
# the most calls of a slot's check for one message, which follows from the two above: the whole message, each of its
# runs of up to LOOSE_VALUE_WORDS words once (42 for 12 words), and the run one word wider of each of at most 3 parts
# of LOOSE_VALUE_WORDS words accepted (a shorter part's wider run is one of the runs)
LOOSE_CHECKS = 1 + sum(LOOSE_WORDS - length + 1 for length in range(1, LOOSE_VALUE_WORDS + 1)) + 3
_AROUND_A_VALUE = " \t.,;:!?\"'()[]"


# slots that say who the customer is, not what they ask for: kept when an action is asked for a second time
# (another order, another booking), where its other values are asked again
CUSTOMER_SLOTS = frozenset({"email", "phone"})


# what a customer says after a value and is not part of it: "FJ-123456 I think", "Trek Domane, please", "FJ-123456 maybe."
_HEDGE_AFTER = re.compile(
    r"(?:[\s,;]+(?:i\s+think|i\s+guess|i\s+believe|i\s+suppose|maybe|perhaps|probably|please|pls|thanks|thank\s+you|thx))+"
    r"[\s.!?]*$",
    re.IGNORECASE,
)


def without_hedge(value: str) -> str:
    """``value`` without the hedge or courtesy after it ("FJ-123456 I think": ``FJ-123456``), and without the blanks
    around it; as it is when nothing else is left ("please")."""
    return _HEDGE_AFTER.sub("", value).strip() or value.strip()


def is_redacted(value: Any) -> bool:
    """Whether a slot's value is what the log kept of a redacted one (``[EMAIL]``), not a value."""
    return isinstance(value, str) and REDACTED_VALUE.fullmatch(value) is not None


# what a slot's values are called in a question about them ("Which e-mail address shall I use?"); others by name
SLOT_LABELS = {"email": "e-mail address", "order_number": "order number", "phone": "phone number"}


def slot_label(name: str) -> str:
    """What a value of slot ``name`` is called: "e-mail address" for ``email``, "bike model" for ``bike_model``."""
    return SLOT_LABELS.get(name, name.replace("_", " "))


class Say:
    """One of the action's own texts (``texts=`` of ``register``) by name, with the values of its placeholders:
    the reply is the team's text for it (replies file key ``ACTION.NAME``), else the default."""

    def __init__(self, name: str, /, **values: Any) -> None:
        self.name, self.values = name, values

    def __repr__(self) -> str:
        return f"Say({self.name!r}, **{self.values!r})"


class BuiltIn(Say):
    """One of the replies file's own keys (``Replies``), not a text of the action's."""


class LeftOut(BuiltIn):
    """The note that an optional value the action refused without a text of why was left out (``Replies.left_out``: it
    was dropped unsaid)."""

    def __init__(self, slot: str, value: Any) -> None:
        super().__init__("left_out", value=value, slot=slot_label(slot))


class SendAgain(BuiltIn):
    """The request to send a slot's value again after a result that forgot it (``Replies.send_again``). Left out when
    the text before it already asks (``already_asks``: a shop's own ``order_status.not_found`` that ends "Could you
    send it again?"), so the customer is not asked twice."""

    def __init__(self, slot: str) -> None:
        super().__init__("send_again", slot=slot_label(slot))


# a text that asks the customer something already: it ends with a question mark, in any language ("?", "？", "؟"), or
# asks in English to send, enter, type or give the value again ("send it again", "enter the order number again"); not
# any "again" ("Sorry, please try again later.", "placed again" still need the request)
_ASKS_ALREADY = re.compile(
    r"[?？؟][\s\"'”’)»*_]*$|\b(?:send|enter|type|give)(?:\s+[\w'’-]+){0,5}?\s+again\b",
    re.IGNORECASE,
)


def already_asks(text: str) -> bool:
    """Whether ``text`` (a result's text) asks already, so no ``SendAgain`` follows it: it ends with a question mark
    ("Could you check the number?", "¿Me lo envía de nuevo?") or asks in English for the value again ("Please send the
    order number again."). A team whose texts ask in another language without a question mark sets ``send_again: ""``."""
    return _ASKS_ALREADY.search(text) is not None


@dataclass(frozen=True)
class ActionResult:
    """What a business action answers: the reply, data for the log, and whether it succeeded.

    ``text`` is the reply itself, or the action's own texts to say (a ``Say`` or several, joined by a space; a text of
    its own among them is said as it is).
    ``clear_slots`` are forgotten afterwards (e.g. an order number that matched no order)."""

    text: str | Say | tuple[Say | str, ...]
    data: dict[str, Any] = field(default_factory=dict)
    ok: bool = True
    clear_slots: tuple[str, ...] = ()


@dataclass(frozen=True)
class SlotParameter:
    name: str
    type: type
    required: bool
    prompt: str
    problem: Say | str | None = None  # why the value given is no value for it (the action's check), said before the prompt


def _plain_type(hint: Any) -> type:
    """``str`` for ``str``, ``str | None`` and ``Optional[str]``; ValueError for types that cannot be slots."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        hint = args[0] if len(args) == 1 else hint
    if hint not in CONVERTERS:
        raise ValueError(f"slot parameters must be one of {', '.join(t.__name__ for t in CONVERTERS)}, not {hint!r}")
    return hint


@dataclass
class Watched:
    """What a team's code did in one turn of a business action (``BusinessAction.watched``), for the decision record
    and the server's log: the error of each slot's check that raised (by slot), and what the function returned (a reply
    that then fails to be written, or no ``ActionResult``: the function ran all the same)."""

    check_errors: dict[str, str] = field(default_factory=dict)
    returned: list[Any] = field(default_factory=list)
    logged: set[str] = field(default_factory=set)  # the slots whose check's error is in the server's log: once a turn


# A business action's answer to a question about its last successful run, asked in the next messages ("what's in it?",
# "where is it now?" after the order lookup; "so is it cancelled now?" after the reply to a request to cancel): called
# with the customer's message, that run's arguments (as the log keeps them) and its result's ``data``; it returns its
# reply, or None for a message it does not answer (the help centre answers that as before)
About = Callable[[str, Mapping[str, Any], Mapping[str, Any]], "ActionResult | None"]


@dataclass(frozen=True)
class BusinessAction:
    """A registered function and the intents that trigger it."""

    name: str
    function: Callable[..., ActionResult]
    intents: tuple[str, ...] = ()
    prompts: Mapping[str, str] = field(default_factory=dict)
    description: str = ""
    texts: Mapping[str, str] = field(default_factory=dict)  # its own result texts by name, the defaults of ``Say``
    # per slot, a check of a value given: None for a usable one, else a ``Say`` (or plain text) of why not (asked again at once)
    checks: Mapping[str, Callable[[Any], Say | str | None]] = field(default_factory=dict)
    # its answer to a question about its last successful run ("what's in it?" after the order lookup), see ``About``
    about: About | None = None
    # per slot, what its values look like (FJ- and 6 digits): found in any message, and a value of another form is none
    patterns: Mapping[str, re.Pattern[str]] = field(default_factory=dict)
    # seconds the function may take before the turn gives up on it (None: no limit), see ``_run``
    timeout_s: float | None = None
    # slots whose values are kept as ``SECRET_VALUE`` wherever they are stored or returned (a 2FA backup code)
    secrets: frozenset[str] = frozenset()
    # it changes something (upgrades a plan): with its slots filled the customer is asked to confirm before it runs
    confirm: bool = False
    # what its checks raised and its function returned in this turn (``watched``); None for the registry's own action
    seen: Watched | None = field(default=None, compare=False, repr=False)

    def label(self, replies: Replies = DEFAULT_REPLIES) -> str:
        """What the action is called to the customer: its first intent's label (``intent.NAME``, "Upgrade plan" for
        ``upgrade_plan``), else its name written out."""
        return replies.intent_label(self.intents[0]) if self.intents else self.name.replace("_", " ").capitalize()

    def summary(self, slots: Mapping[str, Any]) -> str:
        """The values it would run with, as the customer is asked to confirm them: "plan: Pro, e-mail address: a@b.c"
        (a secret one as ``SECRET_VALUE``)."""
        arguments = self.arguments(slots)
        return ", ".join(f"{slot_label(name)}: {SECRET_VALUE if name in self.secrets else value}" for name, value in arguments.items())

    def watched(self) -> BusinessAction:
        """This action for one turn: what its checks raise and what its function returns are kept in its ``seen``
        (``Watched``); each still runs once, as it would. The registry's action is shared by every conversation, so
        each turn watches a copy of its own."""
        return replace(self, seen=Watched())

    def reply_keys(self) -> dict[str, str]:
        """The replies file's keys for this action with their defaults: each slot's question
        (``order_status.email``) and each of its own texts (``order_status.not_found``)."""
        keys = {f"{self.name}.{p.name}": p.prompt for p in self.parameters}
        return keys | {f"{self.name}.{name}": text for name, text in self.texts.items()}

    def reply(self, result: ActionResult, replies: Replies = DEFAULT_REPLIES) -> str:
        """The text of ``result`` in the words of ``replies`` (a ``SendAgain`` after a text that asks already left
        out, ``already_asks``; so is an empty text); ValueError for a ``Say`` of a text the action did not declare, or
        one without a value for a placeholder."""
        if isinstance(result.text, str):
            return result.text
        says = (result.text,) if isinstance(result.text, Say) else result.text
        said: list[str] = []
        for say in says:
            if isinstance(say, SendAgain) and said and already_asks(said[-1]):
                continue  # "Could you send it again?" of the shop's own: not asked twice
            text = say if isinstance(say, str) else self._say(say, replies)
            if text:
                said.append(text)
        return " ".join(said)

    def _say(self, say: Say, replies: Replies) -> str:
        """One ``Say`` in the words of ``replies``; ValueError naming the action, the text and what is missing."""
        if isinstance(say, BuiltIn):
            return replies.say(say.name, **say.values)
        if say.name not in self.texts:
            known = ", ".join(self.texts) or "none"
            raise ValueError(f"business action {self.name} says {say.name!r}, a text it did not declare (texts=: {known})")
        try:
            return replies.text(f"{self.name}.{say.name}", self.texts[say.name], **say.values)
        except KeyError as missing:
            raise ValueError(f"business action {self.name}: text {say.name!r} needs a value for {{{missing.args[0]}}}") from None

    def prompt(self, slot: SlotParameter, replies: Replies = DEFAULT_REPLIES) -> str:
        """The question for ``slot``: the team's ``ACTION.SLOT`` text, else the parameter's prompt; after why the
        value given is no value for it, when a check said so."""
        prompt = replies.text(f"{self.name}.{slot.name}", slot.prompt)
        if slot.problem is None:
            return prompt
        return f"{self.tell(slot.problem, replies)} {prompt}"

    @property
    def parameters(self) -> list[SlotParameter]:
        """The slots the function takes, from its signature and type hints."""
        hints = typing.get_type_hints(self.function)
        params = []
        for p in inspect.signature(self.function).parameters.values():
            prompt = self.prompts.get(p.name, f"What is the {p.name.replace('_', ' ')}?")
            params.append(SlotParameter(p.name, _plain_type(hints.get(p.name, str)), p.default is inspect.Parameter.empty, prompt))
        return params

    def missing(self, slots: Mapping[str, Any]) -> list[SlotParameter]:
        """Required slots that have no usable value yet, in the signature's order; one whose value its check refuses
        comes with the check's ``problem`` ("NW-2048173 can't be one of our order numbers"), and one whose value is not
        of its pattern's form is missing too."""
        missing = []
        for p in self.parameters:
            value = self._convert(p, slots.get(p.name))
            refused, problem = self._verdict(p, value)  # the team's check, run once
            if p.required and (value is None or refused):
                missing.append(replace(p, problem=problem))
        return missing

    def refused(self, slots: Mapping[str, Any]) -> list[str]:
        """The slots whose value its check refuses (or fails on) or is not of its pattern's form: they hold no value."""
        return list(self.refusals(slots))

    def refusals(self, slots: Mapping[str, Any]) -> dict[str, Say | str]:
        """The refused slots (``refused``), each with what the customer is told of it: the check's text of why, else
        that the value was left out (``LeftOut``)."""
        return {name: problem or LeftOut(name, value) for name, (value, refused, problem) in self._judged(slots).items() if refused}

    def tell(self, note: Say | str, replies: Replies = DEFAULT_REPLIES) -> str:
        """A check's text of why a value is none (or a ``LeftOut``) in the words of ``replies``; a plain text as it is."""
        return note if isinstance(note, str) else self._say(note, replies)

    def _verdict(self, parameter: SlotParameter, value: Any, quiet: bool = False) -> tuple[bool, Say | str | None]:
        """Whether ``value`` is given but no value for the slot, and the check's ``Say`` of why (None without one): its
        check refuses it, it is not of its pattern's form, or its check raised. A check that raises (a team's
        ``int(value[3:])`` on "FJ-ABC", a booking system down) refuses the value, rather than failing every turn that
        holds it (the customer reads that it could not be checked now: ``run_business_action``); the error goes to the
        server's log, naming the action and the slot, once a turn for a watched action (``quiet``: not logged, for the
        parts of a message tried as a value said loosely). A check's plain text of why is said as it is; one that
        returns anything else (``True`` for a usable value) refuses it too, and the server's log says what it returned
        (before, every value was refused and each turn failed on the missing ``Say``, with an AttributeError)."""
        if value is None:
            return False, None
        check = self.checks.get(parameter.name)
        try:
            problem = check(value) if check is not None else None
        except Exception as error:  # noqa: BLE001 - a team's check with a bug: the value is none, the conversation goes on
            if self.seen is not None:
                self.seen.check_errors[parameter.name] = f"{type(error).__name__}: {error}"
            if not quiet and (self.seen is None or parameter.name not in self.seen.logged):
                log.exception("the check of business action %s for %s failed; the value is taken as none", self.name, parameter.name)
                if self.seen is not None:
                    self.seen.logged.add(parameter.name)
            return True, None
        if problem is not None and not isinstance(problem, (Say, str)):
            if not quiet:
                log.error(
                    "the check of business action %s for %s returned %s, not None (a usable value) or a Say of why it is none "
                    "(dialog.business.Say); the value is taken as none", self.name, parameter.name, type(problem).__name__,
                )
            return True, None
        return problem is not None or not self.has_form(parameter.name, value), problem

    def has_form(self, slot: str, value: Any) -> bool:
        """Whether ``value`` is of the form of the slot's pattern (True for a slot without one)."""
        pattern = self.patterns.get(slot)
        return pattern is None or pattern.fullmatch(str(value).strip()) is not None

    def values_in(self, text: str, asked: str | None = None) -> dict[str, list[str]]:
        """The values each slot with a pattern has in ``text`` (each once, case aside, in order), by slot name; and for a
        free-text slot with a check but no pattern, the one part of a short message its check accepts when it refuses the
        message as a whole ("FJ-123456 I think": ``FJ-123456``; see ``loose_values``): runs of its words for ``asked``,
        the slot whose question waits ("Trek Domane I think"), one word for the others (a request, a message after a run)."""
        found = {}
        for slot, pattern in self.patterns.items():
            values = {m.group(0).casefold(): m.group(0) for m in pattern.finditer(text)}
            if values:
                found[slot] = list(values.values())
        for p in self.parameters:
            if p.type is str and p.name in self.checks and p.name not in self.patterns and p.name not in SLOT_NAMES:
                values = self.loose_values(p, text, runs=p.name == asked)
                if values:
                    found[p.name] = values
        return found

    def loose_values(self, parameter: SlotParameter, text: str, runs: bool = True) -> list[str]:
        """The value of ``parameter`` said with words around it ("FJ-123456 I think", "my booking is FJ-123456, thanks"):
        when its check refuses ``text`` (of at most ``LOOSE_WORDS`` words) as a whole, the runs of up to
        ``LOOSE_VALUE_WORDS`` of its words (the punctuation around them aside) that the check accepts: one is the value;
        two or three, apart ("FJ-123456 or FJ-654321") or one holding another ("Trek Domane" and "Trek Domane SL 6"), are
        asked which. None (an empty list) when the check accepts the whole text (it is the value as it is), when no part
        is accepted, when more than three are, and when a part is accepted with the word next to it too ("Domane" and
        "Domane I" for a check that takes any short text): a value is never guessed. Each distinct run is judged once,
        the shortest first (a lenient check is found out early), so the check is called at most ``LOOSE_CHECKS`` times:
        every run of a reply's words was tried (78 calls for 12 words), and a team's check may look a value up. Without
        ``runs`` (no question for the slot waits) only single words are tried: a check was called on every run of every
        short message's words, the whole conversation long."""
        words = list(re.finditer(r"\S+", text))
        if not 1 < len(words) <= LOOSE_WORDS or self._accepts(parameter, text.strip(_AROUND_A_VALUE)):
            return []
        verdicts: dict[str, bool] = {}  # each part judged, casefolded: whether the check accepts it

        def accepts(first: int, last: int) -> str | None:
            """The run of words ``first`` to ``last`` when the check accepts it (judged once per text)."""
            part = text[words[first].start() : words[last].end()].strip(_AROUND_A_VALUE)
            if part and part.casefold() not in verdicts:
                verdicts[part.casefold()] = self._accepts(parameter, part)
            return part if part and verdicts[part.casefold()] else None

        accepted: dict[str, tuple[int, int, str]] = {}  # casefolded part: its first and last word, and itself
        longest = min(LOOSE_VALUE_WORDS, len(words) - 1) if runs else 1
        for length in range(1, longest + 1):
            for first in range(len(words) - length + 1):
                last = first + length - 1
                part = accepts(first, last)
                if part is None or part.casefold() in accepted:
                    continue
                accepted[part.casefold()] = (first, last, part)
                if len(accepted) > 3:
                    return []
                # with the word next to it: accepted too by a check that takes any short text, which gives no guess
                if accepts(*((first, last + 1) if last + 1 < len(words) else (first - 1, last))) is not None:
                    return []
        return [part for _, _, part in sorted(accepted.values())]

    def _accepts(self, parameter: SlotParameter, text: str) -> bool:
        """Whether ``text`` is a usable value of ``parameter``: it converts, and its check accepts it."""
        value = self._convert(parameter, text)
        return value is not None and not self._verdict(parameter, value, quiet=True)[0]

    def arguments(self, slots: Mapping[str, Any]) -> dict[str, Any]:
        """The call's arguments from the slots (converted; unusable values left out, and so are those its check
        refuses or that are not of its pattern's form: an optional one's default is used)."""
        return self._usable(self._judged(slots))

    @staticmethod
    def _usable(judged: Mapping[str, tuple[Any, bool, Say | str | None]]) -> dict[str, Any]:
        """The values of ``judged`` (``_judged``) that reach the function: converted and not refused, by name."""
        return {name: value for name, (value, refused, _) in judged.items() if value is not None and not refused}

    def _judged(self, slots: Mapping[str, Any]) -> dict[str, tuple[Any, bool, Say | str | None]]:
        """Each parameter's converted value, whether it is refused, and the check's ``Say`` of why, by name."""
        judged = {}
        for p in self.parameters:
            value = self._convert(p, slots.get(p.name))
            judged[p.name] = (value, *self._verdict(p, value))
        return judged

    def __call__(self, slots: Mapping[str, Any]) -> ActionResult:
        """Run the function with the slots' values; TypeError naming the action when it returns anything but
        an ``ActionResult`` (a plain string, or None from a missing ``return``). An optional value its check refuses
        (or fails on), or not of its pattern's form, does not reach the function (its default does): the reply starts
        with the check's text of why, else that it was left out (``LeftOut``), and the slot is forgotten
        (``clear_slots``). Before, it reached the function, where a required one is asked for again."""
        judged = self._judged(slots)
        result = self._run(self._usable(judged))
        if not isinstance(result, ActionResult):
            raise TypeError(f"business action {self.name} returned {type(result).__name__}, not an ActionResult (dialog.business.ActionResult)")
        dropped = [name for name, (value, refused, _) in judged.items() if value is not None and refused]
        if not dropped:
            return result
        # why each was refused: the check's text, else that it was left out (it was dropped unsaid)
        told = tuple(problem or LeftOut(name, value) for name, (value, refused, problem) in judged.items() if value is not None and refused)
        text = (*told, *(result.text if isinstance(result.text, tuple) else (result.text,)))
        forgotten = result.clear_slots + tuple(name for name in dropped if name not in result.clear_slots)
        return replace(result, text=text, clear_slots=forgotten)

    def _run(self, arguments: Mapping[str, Any]) -> Any:
        """The function's result for ``arguments``; with ``timeout_s``, it runs in a thread of its own, and a TimeoutError
        naming the action is raised when it has not returned by then (a booking system that does not answer): the customer
        reads ``lookup_failed``, the slots stay for another try, and the function's late result is not used (a Python
        thread cannot be stopped: it runs on in the background, and what it does still happens: a late booking is made,
        and another try makes a second one; see ``register``)."""
        if self.timeout_s is None:
            return self._call(arguments)
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["result"] = self._call(arguments)
            except BaseException as error:  # noqa: BLE001 - raised in the turn's thread below
                outcome["error"] = error

        worker = threading.Thread(target=run, name=f"business action {self.name}", daemon=True)
        worker.start()
        worker.join(self.timeout_s)
        if worker.is_alive():
            raise TimeoutError(f"business action {self.name} gave no result within its timeout_s of {self.timeout_s:g} s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]

    def _call(self, arguments: Mapping[str, Any]) -> Any:
        """The function's result for ``arguments``, kept in ``seen`` when the action is watched."""
        result = self.function(**arguments)
        if self.seen is not None:
            self.seen.returned.append(result)
        return result

    def _convert(self, parameter: SlotParameter, value: Any) -> Any:
        """The slot's value as the parameter's type; None for no value, one that does not convert, or one
        the log redacted (an e-mail address given in an earlier turn, replayed as ``[EMAIL]``: asked again). A free
        text (no check and no pattern to find the value in what was said) without the hedge after it ("FJ-123456 I
        think": ``without_hedge``), which was the value; a check judges the text as it was said (``loose_values``)."""
        if value is None or value == "" or is_redacted(value):
            return None
        if parameter.type is str and isinstance(value, str) and parameter.name not in self.checks and parameter.name not in self.patterns:
            return without_hedge(value)
        try:
            return CONVERTERS[parameter.type](value)
        except (TypeError, ValueError):
            return None


# a pattern's anchors at its start or end (^, \A, $, \Z but not an escaped \$): a value is matched as a whole word already
_WITHOUT_ANCHORS = re.compile(r"^(?:\^|\\A)|(?<!\\)(?:\$|\\Z)$")


def slot_patterns(action: str, patterns: Mapping[str, str | re.Pattern[str]]) -> dict[str, re.Pattern[str]]:
    """The slots' patterns of business action ``action`` compiled, each matched as a whole word (a text in any case;
    anchors at its ends are left out, as a value is found within a message);
    ValueError naming the action and the slot for one that is no valid regular expression or matches an empty text."""
    compiled = {}
    for slot, pattern in patterns.items():
        source, flags = (pattern.pattern, pattern.flags) if isinstance(pattern, re.Pattern) else (pattern, re.IGNORECASE)
        source = _WITHOUT_ANCHORS.sub("", source)  # "^FJ-\d{6}$" says what a whole value is: it is found within a message
        try:
            compiled[slot] = re.compile(rf"(?<![\w-])(?:{source})(?![\w-])", flags)
        except re.error as error:
            raise ValueError(f"business action {action}: the pattern for {slot}, {source!r}, is not a valid regular expression ({error.msg})") from None
        if compiled[slot].fullmatch(""):
            raise ValueError(f"business action {action}: the pattern for {slot}, {source!r}, matches an empty text")
    return compiled


class BusinessActions:
    """The registry: functions by name, and by the intents that trigger them."""

    def __init__(self) -> None:
        self.actions: dict[str, BusinessAction] = {}

    def register(
        self,
        name: str | None = None,
        intents: str | Iterable[str] = (),
        prompts: Mapping[str, str] | None = None,
        texts: Mapping[str, str] | None = None,
        checks: Mapping[str, Callable[[Any], Say | str | None]] | None = None,
        about: About | None = None,
        patterns: Mapping[str, str | re.Pattern[str]] | None = None,
        timeout_s: float | None = None,
        secrets: Iterable[str] = (),
        confirm: bool = False,
    ) -> Callable[[Callable[..., ActionResult]], Callable[..., ActionResult]]:
        """Decorator: register ``function`` under ``name`` (default: its own name), triggered by ``intents``;
        ``prompts``: the questions for its slots, ``texts``: its own result texts (``Say``), by name; ``checks``:
        per slot, a function of a given value that returns None, or a ``Say`` (or plain text) of why it cannot be one
        (a required slot is then asked again at once, after that text, and the action does not run; an optional one is
        left out, the text said before the result); it is also tried on the parts of a short message for a free-text slot
        without a pattern, so a value said loosely is found ("FJ-123456 I think": runs of its words in the reply to
        the slot's question, of up to ``LOOSE_VALUE_WORDS`` words, each word once in other messages), and
        should be cheap; ``about``: its answers to
        questions about its last successful run (``About``), in its own texts; ``patterns``: per slot, a regular
        expression of what its values look like (``r"FJ-\\d{6}"``, any case unless a compiled one says otherwise): its
        value is the match found in a message (not the words around it), and a value of another form is none;
        ``timeout_s``: the seconds the function may take before the customer is told it cannot be looked up now
        (``lookup_failed``; no limit by default). The function is not stopped then (see ``_run``): a slow booking may
        still be made after the customer was told it failed, and as the slots stay, "try again" books a second time; give
        a timeout to a function that only looks up, or make one that changes something safe to repeat (a request key its
        system dedupes). ``secrets``: the slots whose values are secret (a 2FA backup code): the function gets the value,
        while the conversation log, the decision record and the API keep ``[SECRET]`` (``dialog.slot_memory.mask_secrets``)
        in the turns of this action (``dialog.actions.turn_secrets``), and in every later turn once a value was given:
        another action's slot of the same name is not secret. A reply to the slot's question that its check refuses is
        kept whole as ``[SECRET]`` (it may hold a mistyped value). ``confirm``: for an action that changes
        something (upgrades a plan, cancels an order), once its slots are filled the customer is asked "Shall I go
        ahead: ...?" (``confirm_action``) and it runs only after a yes; a no does not run it (``action_not_confirmed``)
        and forgets its values, and any other message is handled as usual without running it (default: it runs as
        soon as its slots are filled)."""

        def decorate(function: Callable[..., ActionResult]) -> Callable[..., ActionResult]:
            triggers = (intents,) if isinstance(intents, str) else tuple(intents)  # intents="book_repair": one, not 11 letters
            action_name = name or function.__name__
            action = BusinessAction(
                action_name, function, triggers, dict(prompts or {}), inspect.getdoc(function) or "",
                dict(texts or {}), dict(checks or {}), about, slot_patterns(action_name, patterns or {}), timeout_s,
                frozenset((secrets,) if isinstance(secrets, str) else secrets), confirm=bool(confirm),
            )
            if timeout_s is not None and not timeout_s > 0:
                raise ValueError(f"business action {action.name}: timeout_s must be a number of seconds above 0, not {timeout_s!r}")
            # fail now, not mid-conversation, on a parameter type that cannot be a slot, or a text named as a slot
            slots = [p.name for p in action.parameters]
            clash = sorted(set(slots) & set(action.texts))
            if clash:
                raise ValueError(f"business action {action.name}: texts {clash} have the names of slots (replies file keys must differ)")
            # a misspelt prompt's key would leave the slot with the made-up "What is the bike model?"
            for kind, named in (("checks", action.checks), ("patterns", action.patterns), ("secrets", action.secrets)):
                if stray_names := sorted(set(named) - set(slots)):
                    raise ValueError(f"business action {action.name}: {kind} for {stray_names}, which are not its parameters ({', '.join(slots) or 'none'})")
            stray = sorted(set(action.prompts) - set(slots))
            if stray:
                raise ValueError(f"business action {action.name}: prompts for {stray}, which are not its parameters ({', '.join(slots) or 'none'})")
            self.actions[action.name] = action
            return function

        return decorate

    def get(self, name: str) -> BusinessAction | None:
        return self.actions.get(name)

    def for_intent(self, intent: str) -> BusinessAction | None:
        return next((a for a in self.actions.values() if intent in a.intents), None)

    def secret_slots(self, acting: Iterable[str] | None = None) -> frozenset[str]:
        """The slots that the actions named in ``acting`` declare secret (``secrets=``); without ``acting``, those of
        every action. A turn masks those of its own actions (``dialog.actions.turn_secrets``): another action's slot of
        the same name (a voucher's ``code`` beside a 2FA ``code``) is not secret."""
        names = None if acting is None else set(acting)
        return frozenset(slot for name, action in self.actions.items() if names is None or name in names for slot in action.secrets)

    def intents(self) -> set[str]:
        """Every intent that triggers an action."""
        return {intent for action in self.actions.values() for intent in action.intents}

    def __len__(self) -> int:
        return len(self.actions)

    def reply_keys(self) -> dict[str, str]:
        """The replies file's keys of every action (``ACTION.SLOT``, ``ACTION.TEXT``) with their defaults."""
        return {key: text for action in self.actions.values() for key, text in action.reply_keys().items()}


def load_actions(spec: str) -> BusinessActions:
    """A shop's own registry from ``FILE.py:NAME`` (or ``package.module:NAME``): a ``BusinessActions``, or a
    function without arguments that returns one. ValueError, naming ``spec``, when it cannot be loaded."""
    source, _, name = spec.rpartition(":")
    if not source or not name:
        raise ValueError(f"business_actions {spec!r}: give the file or module and the registry's name, e.g. 'acme_actions.py:actions'")
    try:
        if source.endswith(".py"):
            path = Path(source).expanduser().resolve()
            if not path.is_file():
                raise FileNotFoundError(f"no such file: {path}")
            module_spec = importlib.util.spec_from_file_location(f"business_actions_{path.stem}", path)
            assert module_spec is not None and module_spec.loader is not None
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[module_spec.name] = module  # as an import does: a dataclass in the file looks its module up there
            try:
                module_spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[module_spec.name]
                raise
        else:
            module = importlib.import_module(source)
    except Exception as error:  # a missing file, a syntax error or any failure while the module runs
        raise ValueError(f"business_actions {spec!r}: cannot load {source} ({type(error).__name__}: {error})") from None
    registry = getattr(module, name, None)
    if callable(registry) and not isinstance(registry, BusinessActions):
        registry = registry()
    if not isinstance(registry, BusinessActions):
        raise ValueError(f"business_actions {spec!r}: {name} in {source} is not a BusinessActions registry (dialog.business.BusinessActions)")
    return registry


DEMO_ORDERS = Path(__file__).resolve().parents[1] / "demo" / "orders.csv"
ORDER_COLUMNS = ("order_number", "status", "email")  # what the order-status lookup reads


class OrdersError(ValueError):
    """The order table cannot be used; the message names the file and what is wrong."""


def check_orders(path: Path, order_number: Callable[[str], bool] | None = None) -> None:
    """OrdersError unless ``path`` is a readable UTF-8 CSV with the columns the lookup needs, every row with
    as many fields as the header and an order number, status and e-mail address, and (given ``order_number``,
    which says whether a text is one whole order number as customers' messages are read) every order number one the
    assistant can recognise; run at start-up, so a wrong ``orders_file`` is not found at a customer's first
    order question."""
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:  # -sig: Excel's "CSV UTF-8" starts with a BOM
            reader = csv.reader(handle)
            rows = [(reader.line_num, row) for row in reader]  # (last line of the row, its fields)
    except OSError as error:
        raise OrdersError(f"cannot read the orders file {shown_path(Path(path))}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise OrdersError(f"cannot read the orders file {path}: not UTF-8 text") from None
    except csv.Error as error:
        raise OrdersError(f"the orders file {path} is not a readable CSV file ({error})") from None
    header = [cell.strip() for cell in rows[0][1]] if rows else []
    missing = [column for column in ORDER_COLUMNS if column not in header]
    if missing:
        hint = " (columns must be separated by commas)" if len(header) == 1 and (";" in header[0] or "\t" in header[0]) else ""
        raise OrdersError(
            f"the orders file {path} has no {or_list(missing)} column{hint}; its header is: {','.join(header) or '(empty)'}"
        )
    number_at, status_at, email_at = header.index("order_number"), header.index("status"), header.index("email")
    bad_width, empty, unrecognised = [], [], []
    for line, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            bad_width.append(line)
        elif not row[number_at].strip() or not row[status_at].strip() or not row[email_at].strip():
            empty.append(line)
        elif order_number is not None and not order_number(row[number_at].strip()):
            unrecognised.append((line, row[number_at].strip()))
    problems = []
    if bad_width:
        problems.append(f"rows without exactly {len(header)} fields (quote values that contain commas) on line(s) {line_list(bad_width)}")
    if empty:
        problems.append(f"rows without an order_number, status or email on line(s) {line_list(empty)}")
    if unrecognised:
        examples = ", ".join(f"{number!r} (line {line})" for line, number in unrecognised[:3])
        problems.append(
            f"order numbers the assistant would not recognise in a message, e.g. {examples}: set "
            "order_number_pattern to a regular expression they match (e.g. 'AB-\\d{4}')"
        )
    if problems:
        raise OrdersError(f"the orders file {path}: " + "; ".join(problems))


def or_list(names: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return " or ".join(filter(None, (", ".join(names[:-1]), names[-1])))


def read_orders(path: Path) -> dict[str, dict[str, str]]:
    """The order table: rows by order number, names and values without the blanks around them
    ("order_number, status", as ``check_orders`` reads the header). OrdersError, naming the file and the
    problem, when it was changed since start-up into one the lookup cannot use (a missing column, a row
    with too few or too many fields or without an order number, status or e-mail address)."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        reader.fieldnames = [name.strip() for name in reader.fieldnames or ()]
        missing = [column for column in ORDER_COLUMNS if column not in reader.fieldnames]
        if missing:
            raise OrdersError(f"the orders file {path} has no {or_list(missing)} column")
        rows = []
        for row in reader:
            if None in row or None in row.values():  # DictReader's filler for a row of another width
                raise OrdersError(f"the orders file {path}: line {reader.line_num} does not have exactly {len(reader.fieldnames)} fields")
            row = {name: value.strip() for name, value in row.items()}
            if not any(row.values()):
                continue
            if not all(row[column] for column in ORDER_COLUMNS):
                raise OrdersError(f"the orders file {path}: line {reader.line_num} has no order_number, status or email")
            rows.append(row)
    return {row["order_number"].upper(): row for row in rows}


ORDER_TEXTS = {
    "found": "Order {order_number} ({items}) is **{status}**.",
    "found_no_items": "Order {order_number} (your items) is **{status}**.",
    "tracking": "It is with {carrier}, tracking number {tracking}.",
    "delivery": "Expected delivery: {expected_delivery}.",
    "on_hold": "There is a problem with the payment; please check your email for what to do.",
    "items": "Order {order_number} holds: {items}.",
    "no_items": "I can't see the items of order {order_number}; your order confirmation email lists them.",
    "status": "Order {order_number} is **{status}**.",
    "no_tracking": "It has no tracking number yet.",
}
# what the demo shop's customers are told when they ask whether they can cancel an order just looked up, by its status
CANCEL_BY_STATUS = {
    "can_cancel": (
        "Order {order_number} is **{status}**, so you can still cancel it yourself: go to **Orders**, select the order "
        "and press **Cancel order**. I can't cancel it for you."
    ),
    "cannot_cancel_shipped": (
        "Order {order_number} is **{status}**, so it can no longer be cancelled: the **Cancel order** button goes once an "
        "order has shipped. You can refuse the delivery, or accept it and return it under our returns policy."
    ),
    "cannot_cancel_delivered": (
        "Order {order_number} has been delivered, so it can no longer be cancelled; you can return it under our returns policy."
    ),
    "already_cancelled": "Order {order_number} is already cancelled.",
}
# ... and whether they can still change it (its delivery address, speed, payment method, quantities), by its status
# (the help centre's "Changing an order": an order can be edited while it is Received, not from Processing on)
CHANGE_BY_STATUS = {
    "can_change": (
        "Order {order_number} is **{status}**, so you may still be able to change it yourself: for 1 hour after you place "
        "an order, go to **Orders**, select the order and press **Edit order** to change the delivery address, the "
        "delivery speed, the payment method or quantities. Once that hour has passed, the button is gone."
    ),
    "cannot_change_processing": (
        "Order {order_number} is **{status}**, so it can no longer be changed: the **Edit order** button goes once our "
        "warehouse starts picking your items, and Customer Support cannot change it at this stage either. You can still "
        "cancel it until it ships: go to **Orders**, select the order and press **Cancel order**."
    ),
    "cannot_change_shipped": (
        "Order {order_number} is **{status}**, so it can no longer be changed, and we cannot change its delivery address. "
        "You may be able to redirect the parcel through the carrier's website with its tracking number."
    ),
    "cannot_change_delivered": (
        "Order {order_number} has been delivered, so it can no longer be changed; you can return items under our returns policy."
    ),
    "cannot_change_cancelled": "Order {order_number} is cancelled, so there is nothing to change; you can place a new order instead.",
}


@dataclass(frozen=True)
class OrderStatuses:
    """What an order table's status words mean, for the replies that depend on them (lower case): the statuses in
    which an order can still be changed, cancelled, is on its way, delivered, cancelled, or on hold. Only the demo shop's are
    known (``DEMO_STATUSES``); a team's own table's statuses are not (``OrderStatuses()``), so nothing is claimed from
    them: its status is said as the table has it, and a question its status alone would answer goes to the help centre."""

    editable: tuple[str, ...] = ()  # can still be changed (the demo shop's: in the first hour, while Received)
    cancellable: tuple[str, ...] = ()
    on_its_way: tuple[str, ...] = ()
    delivered: tuple[str, ...] = ()
    cancelled: tuple[str, ...] = ()
    on_hold: tuple[str, ...] = ()

    def known(self, status: str) -> bool:
        """Whether ``status`` is one of these."""
        return status.lower() in self.editable + self.cancellable + self.on_its_way + self.delivered + self.cancelled + self.on_hold

    def finished(self, status: str) -> bool:
        """Whether an order of ``status`` is delivered or cancelled (no tracking number, no delivery to come)."""
        return status.lower() in self.delivered + self.cancelled


DEMO_STATUSES = OrderStatuses(
    editable=("received",), cancellable=("received", "processing"), on_its_way=("shipped", "out for delivery"), delivered=("delivered",),
    cancelled=("cancelled",), on_hold=("on hold",),
)
# questions about an order just looked up, answered from its row (``about_order``): what it holds ("what's in it?",
# "what did I order?", "which items were in it?"), and where it is ("where is it now?", "what's the tracking number?",
# "when will it arrive?")
_ASKS_CONTENTS = re.compile(
    r"\bwhat(?:['’]?s|\s+is|\s+was|\s+were)\s+in\s+(?:it|the\s+order|my\s+order|that|this)\b|\bwhat\s+did\s+i\s+(?:order|buy|get)\b"
    # "which items were in it?", "what items did I order?"; not "which products are on sale?" (the help centre's)
    r"|\b(?:which|what)\s+(?:items?|products?|things?|articles?)\s+(?:(?:are|were|is|was)\s+(?:in|on)\s+"
    r"(?:it|the\s+order|my\s+order|that|this|there)|did\s+i\s+(?:order|buy|get)|(?:have\s+)?i\s+(?:ordered|bought))\b",
    re.IGNORECASE,
)
_ASKS_TRACKING = re.compile(r"\btracking\s+(?:number|code|link)\b|\btrack\s+it\b", re.IGNORECASE)
_ASKS_WHERE = re.compile(
    r"\bwhere(?:['’]?s|\s+is)\s+it\b|" + _ASKS_TRACKING.pattern
    + r"|\bwhen\s+(?:will|does|should|is)\s+it\s+(?:arrive|come|get\s+here|be\s+(?:here|delivered))\b",
    re.IGNORECASE,
)
# "can I still cancel it?", "is it too late to cancel?", "please cancel the order": cancelling the order just looked up
_ASKS_CANCEL = re.compile(
    r"\bcancel(?:l?ing)?\s+(?:it|this|that|(?:the|my|this|that)\s+order)\b|\bcancel(?:l?ing)?(?:\s+(?:now|please|still))?\W*$",
    re.IGNORECASE,
)


# "can i still change the address", "can I edit my order?", "can you send it to a different address?": changing the
# order just looked up (not "change my email address", an account question)
_ASKS_CHANGE = re.compile(
    r"\b(?:change|edit|update|modify|correct|amend)\w*\s+(?:(?:the|my|its|this|that|our|a)\s+)?(?:(?:delivery|shipping|postal)\s+)?"
    r"(?:address|order|it|items?|quantit(?:y|ies)|payment(?:\s+method)?|delivery\s+speed)\b"
    r"|\b(?:send|ship|deliver|redirect)\w*\s+(?:it|this|that|the\s+order|my\s+order)\s+to\s+(?:a\s+|my\s+)?(?:different|another|new|other)\s+address\b",
    re.IGNORECASE,
)


# "why was it cancelled? I didn't cancel it": a question about a cancellation, not a request to cancel
_ASKS_WHY_CANCELLED = re.compile(
    r"\bwhy\b[^?.!]*\bcancell?ed\b|\b(?:didn['’]?t|did\s+not|never)\s+cancel", re.IGNORECASE
)


def describe_order(order: Mapping[str, str], statuses: OrderStatuses = DEMO_STATUSES) -> tuple[Say, ...]:
    """One or two sentences on an order's status, from its row (the texts of ``ORDER_TEXTS``); what its status
    means (no delivery to come, a payment problem) only from ``statuses``."""
    number, status = order["order_number"], order["status"]
    says = [Say("found", order_number=number, items=order["items"], status=status) if order.get("items")
            else Say("found_no_items", order_number=number, status=status)]
    if order.get("carrier") and order.get("tracking"):
        says.append(Say("tracking", carrier=order["carrier"], tracking=order["tracking"]))
    if order.get("expected_delivery") and not statuses.finished(status):
        says.append(Say("delivery", expected_delivery=order["expected_delivery"]))
    if status.lower() in statuses.on_hold:
        says.append(Say("on_hold"))
    return tuple(says)


def whereabouts(
    order: Mapping[str, str], statuses: OrderStatuses = DEMO_STATUSES, asks_tracking: bool = False,
) -> tuple[Say, ...] | None:
    """Where an order is: its status, its carrier and tracking number (or, for a status of ``statuses`` that is not
    finished, that it has none yet), its expected delivery (none for a finished one). An order without a tracking
    number whose status ``statuses`` do not know (a team's own table) has its status said, not that a number is to
    come (a delivered order has none either); None when the question ``asks_tracking`` (the help centre answers)."""
    status = order["status"]
    says = [Say("status", order_number=order["order_number"], status=status)]
    if order.get("carrier") and order.get("tracking"):
        says.append(Say("tracking", carrier=order["carrier"], tracking=order["tracking"]))
    elif not statuses.known(status):
        if asks_tracking:
            return None
    elif not statuses.finished(status):
        says.append(Say("no_tracking"))
    if order.get("expected_delivery") and not statuses.finished(status):
        says.append(Say("delivery", expected_delivery=order["expected_delivery"]))
    return tuple(says)


def cancelling(order: Mapping[str, str], statuses: OrderStatuses = DEMO_STATUSES) -> Say | None:
    """Whether the demo shop's customer can still cancel ``order``, by its status, and how (``CANCEL_BY_STATUS``); None
    for a status that does not tell (an order on hold, a status ``statuses`` do not know: the help centre answers)."""
    number, status = order["order_number"], order["status"]
    if status.lower() in statuses.cancellable:
        return Say("can_cancel", order_number=number, status=status)
    if status.lower() in statuses.on_its_way:
        return Say("cannot_cancel_shipped", order_number=number, status=status)
    if status.lower() in statuses.delivered:
        return Say("cannot_cancel_delivered", order_number=number)
    if status.lower() in statuses.cancelled:
        return Say("already_cancelled", order_number=number)
    return None


def changing(order: Mapping[str, str], statuses: OrderStatuses = DEMO_STATUSES) -> Say | None:
    """Whether the demo shop's customer can still change ``order`` (``CHANGE_BY_STATUS``): only while it is Received
    (``statuses.editable``), and for its first hour; None for a status that does not tell (on hold, unknown: the help centre)."""
    number, status = order["order_number"], order["status"]
    lower = status.lower()
    if lower in statuses.editable:
        return Say("can_change", order_number=number, status=status)
    if lower in statuses.cancellable:
        return Say("cannot_change_processing", order_number=number, status=status)
    if lower in statuses.on_its_way:
        return Say("cannot_change_shipped", order_number=number, status=status)
    if lower in statuses.delivered:
        return Say("cannot_change_delivered", order_number=number)
    if lower in statuses.cancelled:
        return Say("cannot_change_cancelled", order_number=number)
    return None


def about_order(
    question: str, order: Mapping[str, str], cancel: bool = False, statuses: OrderStatuses = DEMO_STATUSES,
) -> ActionResult | None:
    """The answer, from its row, to a question about an order just looked up: what it holds (the ``items`` column),
    where it is (``whereabouts``, by ``statuses``), and with ``cancel`` (the demo shop's ways) whether it can still be
    cancelled (``cancelling``) or changed (``changing``); None for any other question, and for one its row and
    ``statuses`` do not answer."""
    number = order["order_number"]
    if cancel and _ASKS_CANCEL.search(question) and not _ASKS_WHY_CANCELLED.search(question):
        # "why was it cancelled? i didn't cancel it" is not whether it can be (it got "already cancelled"): the help centre says why
        say = cancelling(order, statuses)
        return ActionResult(say) if say is not None else None
    if cancel and _ASKS_CHANGE.search(question):
        # "can i still change the address" on a Processing order got the help centre's "After your order has shipped..."
        say = changing(order, statuses)
        return ActionResult(say) if say is not None else None
    if _ASKS_CONTENTS.search(question):
        items = order.get("items")
        return ActionResult(Say("items", order_number=number, items=items) if items else Say("no_items", order_number=number))
    if _ASKS_WHERE.search(question):
        says = whereabouts(order, statuses, asks_tracking=_ASKS_TRACKING.search(question) is not None)
        return ActionResult(says) if says is not None else None
    return None


NW_PROMPT = "I can look that up. What is your order number? It starts with NW-, e.g. NW-12345678."
NW_NOT_FOUND = "(it starts with NW- and has 8 digits) "
NW_NUMBER = re.compile(r"NW-\d{8}", re.IGNORECASE)
NW_MALFORMED = "{order_number} can't be one of our order numbers: they start with NW- and have 8 digits."
CANCEL_TEXT = (
    "I can't cancel orders myself, so {order_number} is not cancelled. You can cancel it yourself while its "
    "status is **Received** or **Processing**: go to **Orders**, select the order and press **Cancel order**. Once "
    "it has shipped, you can refuse the delivery or return it. If you'd like a member of our support team to help, "
    "just say so."
)
# the reply to "so is it cancelled now?" after the reply to a request to cancel (``CANCEL_TEXT``): the truth
NOT_CANCELLED_TEXT = (
    "No, {order_number} is not cancelled: I can't cancel orders myself. You can cancel it yourself while its status "
    "is **Received** or **Processing**: go to **Orders**, select the order and press **Cancel order**. If you'd like a "
    "member of our support team to help, just say so."
)
# "so is it cancelled now?", "has it been cancelled?", "did you cancel it?", "is that done?"
_ASKS_IF_CANCELLED = re.compile(
    r"\b(?:is|has|was)\s+(?:it|that|this|my\s+order|the\s+order)\s+(?:(?:now|already|been|really|actually)\s+)*cancell?ed\b"
    r"|\bdid\s+you\s+(?:cancel|do)\s+(?:it|that)\b|\bis\s+(?:it|that)\s+(?:now\s+)?done\b",
    re.IGNORECASE,
)
EMAIL_PROMPT = "To keep order details private, I need the e-mail address the order was placed with. What is it?"


def same_email(given: str, on_order: str) -> bool:
    """Whether the customer's e-mail address is the order's (case and blanks aside)."""
    return bool(on_order.strip()) and given.strip().casefold() == on_order.strip().casefold()


def demo_actions(
    orders_file: Path = DEMO_ORDERS, northwind_numbers: bool = True, northwind_shop: bool | None = None,
) -> BusinessActions:
    """The order-status lookup in ``orders_file`` (read on each call), and the reply to a request to cancel
    an order. ``northwind_numbers``: the prompts describe the demo shop's order numbers (``NW-`` and 8 digits), and
    a number of another form is said to be none at once; False for a shop with its own numbers (no such check).
    ``northwind_shop`` (by default: ``orders_file`` is the demo's own, with its numbers): the order table's statuses are the demo
    shop's (``DEMO_STATUSES``: what they mean for tracking, delivery, payment and cancelling), and a request to cancel
    is answered with the demo shop's way (Orders > Cancel order); a team's own table (False, or any other
    ``orders_file``) has statuses nothing is claimed from, and no cancel reply (the help centre answers).

    An order is shown only to a customer who gives its number and the e-mail address in its ``email``
    column: order numbers run in sequence, and an order's items and tracking number are personal data.
    An unknown number and a wrong address get the same reply, so the reply does not tell which orders exist."""
    actions = BusinessActions()
    prompt = NW_PROMPT if northwind_numbers else "I can look that up. What is your order number?"
    format_note = NW_NOT_FOUND if northwind_numbers else ""
    # the same for an unknown number and an address that is not the order's; the request to send the number again
    # (``SendAgain``) follows it, so a shop's own words for it still ask, as the decision reason says
    not_found = (
        f"I couldn't find an order {{order_number}} for that e-mail address. The order number {format_note}and the address "
        "it was placed with are in your order confirmation email."
    )

    def northwind_number(value: str) -> Say | None:
        """None for an order number of the demo shop's form, else why it is none ("NW-2048173": 7 digits)."""
        return None if NW_NUMBER.fullmatch(value.strip()) else Say("malformed", order_number=value)

    if northwind_shop is None:
        northwind_shop = northwind_numbers and Path(orders_file).resolve() == DEMO_ORDERS
    statuses = DEMO_STATUSES if northwind_shop else OrderStatuses()
    texts = {**ORDER_TEXTS, "not_found": not_found} | ({"malformed": NW_MALFORMED} if northwind_numbers else {})
    texts |= CANCEL_BY_STATUS | CHANGE_BY_STATUS if northwind_shop else {}

    def about(question: str, arguments: Mapping[str, Any], data: Mapping[str, Any]) -> ActionResult | None:
        """A question about the order the last lookup found (its owner gave its e-mail address then), answered
        from its row as it is now."""
        order = read_orders(orders_file).get(str(arguments.get("order_number", "")).strip().upper()) if data.get("found") else None
        return about_order(question, order, northwind_shop, statuses) if order is not None else None

    @actions.register(
        intents=["order_status"], prompts={"order_number": prompt, "email": EMAIL_PROMPT}, texts=texts,
        checks={"order_number": northwind_number} if northwind_numbers else None, about=about,
    )
    def order_status(order_number: str, email: str) -> ActionResult:
        """Look up an order's status by its number, for the e-mail address it was placed with."""
        order = read_orders(orders_file).get(order_number.strip().upper())
        if order is None or not same_email(email, order.get("email") or ""):
            return ActionResult(
                (Say("not_found", order_number=order_number), SendAgain("order_number")), {"found": False}, ok=False,
                clear_slots=("order_number", "email"),
            )
        return ActionResult(describe_order(order, statuses), {"found": True, "status": order["status"]})

    if not northwind_shop:  # the reply tells how the demo shop's customers cancel
        return actions

    # the order number is not required: the reply needs none, and a bare number ("NW-20481738") stays the lookup's
    def about_cancelling(question: str, arguments: Mapping[str, Any], data: Mapping[str, Any]) -> ActionResult | None:
        """"so is it cancelled now?" after the reply to a request to cancel: no, it is not."""
        if data.get("cancelled") is not False or not _ASKS_IF_CANCELLED.search(question):
            return None
        return ActionResult(Say("not_cancelled", order_number=arguments.get("order_number") or "your order"), {"cancelled": False})

    @actions.register(
        intents=["cancel_request"], prompts={"order_number": prompt}, texts={"cannot": CANCEL_TEXT, "not_cancelled": NOT_CANCELLED_TEXT},
        about=about_cancelling,
    )
    def cancel_order(order_number: str = "") -> ActionResult:
        """A request to cancel an order: the assistant cannot, so it says so plainly, and how the customer
        cancels it (or that a person can help); the order is not looked up, so nothing of it is shown."""
        return ActionResult(Say("cannot", order_number=order_number or "your order"), {"cancelled": False})

    return actions
