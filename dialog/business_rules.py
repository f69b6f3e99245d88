"""Business rules, kept in a readable YAML file (``demo/rules.yaml``; setting ``rules_file``):

- ``handoff``: ``intents`` that always go to a person, and ``topics`` (name + keywords) that do;
- ``never_answer``: topics the assistant never answers, each with the reply to give instead;
- ``out_of_scope``: keywords of subjects outside the shop's business (used with or without an intent model);
- ``support_hours``: when people answer, so that a handoff outside them says when a person will reply;
- ``products``: the shop's product names, which the entity extractor recognises as the ``product`` slot;
- ``shop_subjects``: words that name the shop's own business (orders, delivery, refunds, ...); with the product
  names they tell a shop question that only mentions a never-answer or out-of-scope keyword from a request about it;
- ``shop_email``: the shop's own e-mail addresses or domains, never taken as the customer's address.

Keywords are phrases matched case-insensitively on word boundaries. A message that names a shop subject is about
the shop: an out-of-scope keyword in it is only a mention ("will bad weather delay my delivery?"), and so is a
never-answer keyword that is someone's ("a gift card for my lawyer") or outside the clause that asks ("my doctor
told me to get a fan, how much is express shipping?"); "can I sue you over my refund?" still gets the topic's reply. ``load_rules`` raises
``RulesError`` naming the file and the problem when the file is malformed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dialog.replies import DEFAULT_REPLIES, Replies
from dialog.text_files import at_line, read_yaml_with_lines, unknown_keys

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SECTIONS = ("handoff", "never_answer", "out_of_scope", "support_hours", "products", "shop_subjects", "shop_email")

# a message's clauses: split at sentence ends, commas, semicolons and line breaks
_CLAUSE = re.compile(r"[^.?!;,\n]+[.?!;,\n]*")
# a clause that asks or requests something: a question, or "please ...", "I want ...", "tell me ..."
_REQUEST = re.compile(
    r"\?|^\W*(?:(?:and|so|but|then|ok(?:ay)?|also)\s+)?(?:what|how|when|where|why|which|who|whom|can|could|would|will|"
    r"should|shall|do|does|did|is|are|may|might|please|pls|tell|give|help|recommend|i\s+(?:want|need|would like)|i'?d like)\b",
    re.IGNORECASE,
)
# a keyword that is someone's: "my lawyer", "our family doctor"
_SOMEONES = re.compile(r"\b(?:my|our|your|his|her|their)\s+(?:[^\W\d_]+\s+)?$", re.IGNORECASE)


class RulesError(ValueError):
    """The rules file cannot be used; the message names the file and what is wrong."""


def keyword_pattern(keywords: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern matching any of the phrases as whole words; None for no phrases."""
    phrases = [r"\s+".join(map(re.escape, k.split())) for k in keywords if k.strip()]
    return re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)", re.IGNORECASE) if phrases else None


@dataclass(frozen=True)
class Topic:
    """A subject recognised by keywords; ``reply`` is what to say instead of answering (never-answer topics)."""

    name: str
    keywords: tuple[str, ...]
    reply: str = ""

    def matches(self, text: str) -> bool:
        pattern = keyword_pattern(self.keywords)
        return bool(pattern and pattern.search(text))


@dataclass(frozen=True)
class SupportHours:
    """Opening hours per weekday (``None``: closed) in a time zone. A span that ends at or before its start is a shift
    past midnight ("17:00-09:00" on monday: from Monday 17:00 to Tuesday 09:00, sunday's into Monday)."""

    timezone: str = "UTC"
    label: str = ""  # how the zone is written in messages, e.g. "ET"
    hours: dict[str, tuple[time, time] | None] = field(default_factory=dict)

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_open(self, now: datetime) -> bool:
        """Whether ``now`` is in that day's span, or in the part after midnight of the day before's overnight shift."""
        local = now.astimezone(self.zone())
        today = self.hours.get(DAYS[local.weekday()])
        yesterday = self.hours.get(DAYS[(local.weekday() - 1) % 7])
        if today is not None and today[0] <= local.time() < (today[1] if today[0] < today[1] else time.max):
            return True
        return yesterday is not None and yesterday[1] <= yesterday[0] and local.time() < yesterday[1]

    def closed(self, now: datetime) -> bool:
        """Whether nobody is at work at ``now`` by these hours (False when no day has hours: people are said to be)."""
        return bool(self.hours) and not self.is_open(now)

    def next_opening(self, now: datetime) -> datetime | None:
        """When people are next at work after ``now`` (in the hours' zone); None if never."""
        local = now.astimezone(self.zone())
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            span = self.hours.get(DAYS[day.weekday()])
            if span is None:
                continue
            opening = datetime.combine(day, span[0], tzinfo=self.zone())
            if opening > local:
                return opening
        return None

    def describe(self, replies: Replies = DEFAULT_REPLIES) -> str:
        """E.g. 'Monday to Friday 08:00-20:00, Saturday 09:00-17:00 ET' (the day names and joining words of
        ``replies``: ``weekdays``, ``day_range``, ``day_pair``)."""
        groups: list[tuple[list[str], str]] = []
        for day in DAYS:
            span = self.hours.get(day)
            if span is None:
                continue
            text = f"{span[0]:%H:%M}-{span[1]:%H:%M}"
            if groups and groups[-1][1] == text and DAYS.index(groups[-1][0][-1]) == DAYS.index(day) - 1:
                groups[-1][0].append(day)
            else:
                groups.append(([day], text))
        parts = []
        for days, text in groups:
            first, last = (replies.weekdays[DAYS.index(d)] for d in (days[0], days[-1]))
            if len(days) > 2:
                named = replies.say("day_range", first=first, last=last)
            else:
                named = first if len(days) == 1 else replies.say("day_pair", first=first, second=last)
            parts.append(f"{named} {text}")
        return ", ".join(parts) + (f" {self.label or self.timezone}" if parts else "")


@dataclass(frozen=True)
class BusinessRules:
    """The rules the policies apply; an empty ``BusinessRules()`` applies none."""

    handoff_intents: tuple[str, ...] = ()
    handoff_topics: tuple[Topic, ...] = ()
    never_answer: tuple[Topic, ...] = ()
    out_of_scope_keywords: tuple[str, ...] = ()
    support_hours: SupportHours | None = None
    products: tuple[str, ...] = ()
    shop_subjects: tuple[str, ...] = ()
    shop_email: tuple[str, ...] = ()
    source: str = "<none>"

    def handoff_topic(self, text: str) -> Topic | None:
        return next((t for t in self.handoff_topics if t.matches(text)), None)

    def never_answer_topic(self, text: str) -> Topic | None:
        """The never-answer topic the message asks about: one of its keywords that is not only mentioned in a
        shop question (see ``_mentioned``)."""
        for topic in self.never_answer:
            pattern = keyword_pattern(topic.keywords)
            matches = list(pattern.finditer(text)) if pattern else []
            if matches and not all(self._mentioned(text, m, matches) for m in matches):
                return topic
        return None

    def out_of_scope(self, text: str) -> str | None:
        """The out-of-scope keyword the message contains, if any; none in a message that names a shop subject
        ("will bad weather delay my delivery?", "is this a joke? my refund still hasn't arrived")."""
        pattern = keyword_pattern(self.out_of_scope_keywords)
        matches = list(pattern.finditer(text)) if pattern else []
        if not matches or self.names_shop_subject(_blank(text, matches)):
            return None
        return matches[0].group(0)

    def names_shop_subject(self, text: str) -> bool:
        """Whether the text names the shop's business: one of ``shop_subjects`` or a product name."""
        pattern = keyword_pattern((*self.shop_subjects, *self.products))
        return bool(pattern and pattern.search(text))

    def names_product(self, text: str) -> bool:
        """Whether the text names one of the shop's ``products``."""
        pattern = keyword_pattern(self.products)
        return bool(pattern and pattern.search(text))

    def _mentioned(self, text: str, match: re.Match[str], matches: list[re.Match[str]]) -> bool:
        """Whether a never-answer keyword is only a mention in a shop question: the message (its keywords left
        out) names a shop subject, and the keyword is someone's ("my lawyer"), or stands in a clause that asks
        nothing while another clause asks ("I nearly injured myself, I want to return it"). When clauses ask, one
        of them must ask about a shop subject: "I was injured by the lamp I ordered, what should I do?" and "my son
        injured himself with the kettle I ordered, help" ask about the injury, not the order."""
        blanked = _blank(text, matches)
        if not self.names_shop_subject(blanked):
            return False
        clauses = [c for c in _CLAUSE.finditer(text) if c.group(0).strip()]
        asks = [c for c in clauses if _REQUEST.search(c.group(0))]
        if asks and not any(self.names_shop_subject(blanked[c.start() : c.end()]) for c in asks):
            return False
        if _SOMEONES.search(text[: match.start()]):
            return True
        own = next((c for c in clauses if c.start() <= match.start() < c.end()), None)
        return own is not None and own not in asks and bool(asks)

    def is_shop_email(self, address: str) -> bool:
        """Whether ``address`` is one of the shop's own (``shop_email``: whole addresses, or domains that
        every address of counts)."""
        address = address.strip().casefold()
        domain = address.rpartition("@")[2]
        for own in self.shop_email:
            own = own.strip().casefold()
            if address == own or domain == own.lstrip("@"):
                return True
        return False

    def handoff_note(self, now: datetime, replies: Replies = DEFAULT_REPLIES) -> str:
        """What to add to a handoff message at ``now``: empty within support hours, else when a person replies
        (the replies' ``outside_hours``, with ``opening`` and the weekday names in it)."""
        hours = self.support_hours
        if hours is None or not hours.closed(now):
            return ""
        opening = hours.next_opening(now)
        zone = hours.label or hours.timezone
        when = (
            replies.say("opening", day=replies.weekdays[opening.weekday()], time=f"{opening:%H:%M}", zone=zone)
            if opening else hours.describe(replies)
        )
        return replies.say("outside_hours", hours=hours.describe(replies), opening=when)


def _blank(text: str, matches: list[re.Match[str]]) -> str:
    """``text`` with the matched keywords blanked out."""
    for match in reversed(matches):
        text = text[: match.start()] + " " * (match.end() - match.start()) + text[match.end():]
    return text


def _known_keys(value: Mapping[Any, Any], known: tuple[str, ...], where: str) -> None:
    """RulesError for a key ``where`` does not have: a misspelt one (``intent:``) would otherwise be skipped."""
    unknown = set(map(str, value)) - set(known)
    if unknown:
        raise RulesError(f"{where}: {unknown_keys(unknown, known)}")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RulesError(f"{where} must be a list of non-empty strings")
    return tuple(value)


def _topics(value: Any, where: str, needs_reply: bool) -> tuple[Topic, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise RulesError(f"{where} must be a list of topics (each with 'topic' and 'keywords')")
    topics = []
    for number, item in enumerate(value, start=1):
        if not isinstance(item, Mapping) or not isinstance(item.get("topic"), str):
            raise RulesError(f"{where}[{number}] needs a 'topic' name")
        _known_keys(item, ("topic", "keywords", "reply") if needs_reply else ("topic", "keywords"), f"{where}[{number}]")
        keywords = _strings(item.get("keywords"), f"{where}[{number}].keywords")
        if not keywords:
            raise RulesError(f"{where}[{number}] ('{item['topic']}') needs at least one keyword")
        reply = item.get("reply", "")
        if needs_reply and (not isinstance(reply, str) or not reply.strip()):
            raise RulesError(f"{where}[{number}] ('{item['topic']}') needs a 'reply'")
        topics.append(Topic(item["topic"], keywords, str(reply).strip()))
    return tuple(topics)


def _span(value: Any, where: str) -> tuple[time, time] | None:
    if value is None or value is False or (isinstance(value, str) and value.strip().lower() == "closed"):
        return None
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", str(value))
    if not match:
        raise RulesError(f"{where} must be 'HH:MM-HH:MM' or 'closed', not {value!r}")
    h1, m1, h2, m2 = map(int, match.groups())
    if not (0 <= h1 < 24 and 0 <= h2 <= 24 and m1 < 60 and m2 < 60):
        raise RulesError(f"{where}: {value!r} is not a time range")
    start, end = time(h1, m1), (time(23, 59, 59) if h2 == 24 else time(h2, m2))
    if end == start:  # a whole day, or none: not a shift of 24 hours
        raise RulesError(f"{where}: {value!r} starts and ends at the same time; for the whole day write '00:00-24:00'")
    return start, end  # ending at or before it starts: a shift past midnight, into the next day


def _support_hours(value: Any) -> SupportHours | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise RulesError("support_hours must be a mapping with 'timezone' and 'hours'")
    _known_keys(value, ("timezone", "label", "hours"), "support_hours")
    if value.get("timezone") is None:  # not assumed: UTC would put a Portland shop's hours 8 hours off
        raise RulesError("support_hours needs a timezone, e.g. America/New_York (or UTC)")
    zone = str(value["timezone"])
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise RulesError(f"support_hours.timezone: unknown time zone {zone!r} (e.g. America/New_York)") from None
    hours = value.get("hours") or {}
    if not isinstance(hours, Mapping):
        raise RulesError("support_hours.hours must map weekdays (monday ... sunday) to 'HH:MM-HH:MM' or 'closed'")
    unknown = set(map(str, hours)) - set(DAYS)
    if unknown:
        raise RulesError(f"support_hours.hours: unknown day(s) {sorted(unknown)}; use monday ... sunday")
    spans = {day: _span(hours.get(day), f"support_hours.hours.{day}") for day in DAYS}
    if not any(spans.values()):  # every handoff would say "not working right now ()" and never when we open
        raise RulesError("support_hours.hours: no day has hours; give at least one day 'HH:MM-HH:MM', or leave support_hours out")
    return SupportHours(zone, str(value.get("label", "")), spans)


def _check_contradictions(rules: BusinessRules) -> None:
    """RulesError for a keyword listed where it would do different things: only the first would ever happen
    (handoff topics, then never-answer topics in their order, then out-of-scope keywords)."""
    places: list[tuple[str, str, str]] = []  # (where, what happens, keyword)
    places += [(f"handoff topic '{t.name}'", "handoff", k) for t in rules.handoff_topics for k in t.keywords]
    places += [(f"never_answer topic '{t.name}'", f"reply of '{t.name}'", k) for t in rules.never_answer for k in t.keywords]
    places += [("out_of_scope", "handoff", k) for k in rules.out_of_scope_keywords]
    first: dict[str, tuple[str, str]] = {}
    for where, outcome, keyword in places:
        key = " ".join(keyword.lower().split())
        if key not in first:
            first[key] = (where, outcome)
        elif first[key][1] != outcome:
            raise RulesError(
                f"the keyword {keyword!r} is in {first[key][0]} and in {where}, which do different things; "
                f"only the first would apply: keep it in one"
            )


def parse_rules(data: Any, source: str = "<rules>", lines: Mapping[str, int] | None = None) -> BusinessRules:
    """Rules from the parsed YAML; RulesError (naming ``source``, and the line of the section that is wrong when
    ``lines`` gives the sections' lines) when something is malformed."""
    if data is None:
        return BusinessRules(source=source)
    section = ""  # the section a mistake is in, named by its line
    try:
        if not isinstance(data, Mapping):
            raise RulesError("the file must be a mapping with sections " + ", ".join(_SECTIONS))
        unknown = [key for key in data if key not in _SECTIONS]
        if unknown:
            section = str(unknown[0])
            raise RulesError(unknown_keys(set(map(str, unknown)), _SECTIONS, what="section"))
        handoff = data.get("handoff") or {}
        if not isinstance(handoff, Mapping):
            raise RulesError("handoff must be a mapping with 'intents' and/or 'topics'")
        _known_keys(handoff, ("intents", "topics"), "handoff")
        out_of_scope = data.get("out_of_scope") or {}
        if not isinstance(out_of_scope, Mapping):
            raise RulesError("out_of_scope must be a mapping with 'keywords'")
        _known_keys(out_of_scope, ("keywords",), "out_of_scope")
        rules = BusinessRules(
            handoff_intents=_strings(handoff.get("intents"), "handoff.intents"),
            handoff_topics=_topics(handoff.get("topics"), "handoff.topics", needs_reply=False),
            never_answer=_topics(data.get("never_answer"), "never_answer", needs_reply=True),
            out_of_scope_keywords=_strings(out_of_scope.get("keywords"), "out_of_scope.keywords"),
            support_hours=_support_hours(data.get("support_hours")),
            products=_strings(data.get("products"), "products"),
            shop_subjects=_strings(data.get("shop_subjects"), "shop_subjects"),
            shop_email=_strings(data.get("shop_email"), "shop_email"),
            source=source,
        )
        _check_contradictions(rules)
        return rules
    except RulesError as error:
        named = re.match(r"\w+", str(error))  # "handoff.topics[2] needs ...": the section comes first
        section = section or (named.group(0) if named and named.group(0) in _SECTIONS else "")
        raise RulesError(f"{at_line(source, lines or {}, section) if section else source}: {error}") from None


def load_rules(path: Path) -> BusinessRules:
    """The rules in a YAML file; RulesError for a missing, unreadable or malformed file (naming the line of the
    section that is wrong)."""
    data, lines = read_yaml_with_lines(path, "rules file", RulesError)
    return parse_rules(data, str(path), lines)
