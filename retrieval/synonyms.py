"""Synonyms: a customer's words for what the help centre calls otherwise ("amex" for "American Express").

A knowledge-base folder may hold ``synonyms.txt`` at its top (not indexed as an article). ``assistant ingest``
reads it into the index (its manifest), so every server and command that loads the index searches with it, and
a question's words are rewritten before it is searched and answered. The format is Solr's, one rule a line:

- ``amex, american express => American Express credit card``: any word or phrase on the left is read as the
  text on the right (put the help centre's own words there, with what they are: an embedder reads "American
  Express" as a kind of shipping unless it says "card");
- ``parcel, package, shipment``: the terms are the same thing: a question naming one is searched with the others
  added in brackets ("track my parcel (package, shipment)"), so the keyword search finds the article's own word;
- ``#`` starts a comment; blank lines are ignored. Terms match whole words, in any case.

A rewrite is applied once: a question that already holds a rule's right-hand side, or every term of a group, is
left as it is, so rewriting a rewritten question changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

SYNONYMS_FILE = "synonyms.txt"
MAX_BYTES = 1_000_000  # a synonyms file is a list of words, not a document


@dataclass(frozen=True)
class Rule:
    """One line of a synonyms file: ``terms`` read as ``to`` (a one-way rule), or, with ``to`` None, as each other."""

    terms: tuple[str, ...]
    to: str | None = None

    def as_list(self) -> list:
        """The rule as the manifest stores it: ``[terms, to]``."""
        return [list(self.terms), self.to]


def _terms(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(" ".join(term.split()) for term in text.split(",") if term.strip()))


def parse_rules(text: str) -> tuple[list[Rule], list[tuple[int, str]]]:
    """The rules of a synonyms file's text, and (line number, what is wrong) for each line left out."""
    rules: list[Rule] = []
    problems: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=>" in line:
            left, _, right = line.partition("=>")
            terms, to = _terms(left), " ".join(right.split())
            if not terms or not to or "=>" in right:
                problems.append((number, "a rule is 'term, term => replacement', with terms on the left and one text on the right"))
                continue
            rules.append(Rule(terms, to))
        else:
            terms = _terms(line)
            if len(terms) < 2:
                problems.append((number, "a group needs two or more terms separated by commas"))
                continue
            rules.append(Rule(terms))
    return rules, problems


def read_rules(folders: Iterable[Path]) -> tuple[list[Rule], list[tuple[str, str]]]:
    """The rules of the ``synonyms.txt`` at the top of each folder (files and missing folders have none), and
    (file and line, what is wrong) for the lines and files left out, as ingest notes."""
    rules: list[Rule] = []
    notes: list[tuple[str, str]] = []
    for folder in folders:
        path = Path(folder) / SYNONYMS_FILE
        if not path.is_file():
            continue
        try:
            if path.stat().st_size > MAX_BYTES:
                notes.append((str(path), f"over {MAX_BYTES // 1_000_000} MB; synonyms not read"))
                continue
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            notes.append((str(path), f"cannot be read ({error}); synonyms not read; save it as UTF-8 text"))
            continue
        found, problems = parse_rules(text)
        rules += [rule for rule in found if rule not in rules]
        notes += [(f"{path} (line {number})", f"{problem}; line ignored") for number, problem in problems]
    return rules, notes


def _pattern(terms: Iterable[str]) -> re.Pattern[str]:
    """Any of ``terms`` as whole words, longest first, spaces matching any run of spaces, in any case."""
    alternatives = sorted(terms, key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(word) for word in term.split()) for term in alternatives)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


class Synonyms:
    """The rules of a knowledge base, compiled once; ``expand`` rewrites a question with them."""

    def __init__(self, rules: Sequence[Rule] = ()) -> None:
        self.rules = list(rules)
        self._compiled = [(rule, _pattern(rule.terms), _pattern([rule.to]) if rule.to else None) for rule in self.rules]
        self.words = frozenset(word.lower() for rule in self.rules for term in (*rule.terms, rule.to or "") for word in re.findall(r"\w+", term))

    @classmethod
    def from_lists(cls, stored: Iterable[Sequence]) -> Synonyms:
        """From the manifest's ``[terms, to]`` pairs."""
        return cls([Rule(tuple(terms), to) for terms, to in stored])

    def __bool__(self) -> bool:
        return bool(self.rules)

    def expand(self, question: str) -> str:
        """``question`` with each one-way rule's terms replaced by its text, and each group named in it added in
        brackets ("track my parcel (package, shipment)"); unchanged when no rule applies."""
        added: list[str] = []
        for rule, terms, target in self._compiled:
            if target is not None:
                if not target.search(question):
                    question = terms.sub(lambda _match, to=str(rule.to): to, question)  # the text as written, backslashes too
            elif terms.search(question):
                added += [term for term in rule.terms if not _pattern([term]).search(question) and term not in added]
        return f"{question} ({', '.join(added)})" if added else question
