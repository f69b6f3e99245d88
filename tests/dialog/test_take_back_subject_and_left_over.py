"""What ``question_with_take_back`` strips around a take-back: the take-back's own subject before it ("I", "je"), in
time linear in the text, and left-over words ("thanks", "and", other languages' "e", "en") only as whole words."""

from __future__ import annotations

import random
import re

import pytest

from dialog import handoff_cancel
from dialog.handoff_cancel import TAKE_BACKS, question_with_take_back


@pytest.mark.parametrize(
    "text, question",
    [
        ("never mind, e-gift cards: can I send one?", "e-gift cards: can I send one?"),
        ("never mind. e-mail is fine, how do I reach you?", "e-mail is fine, how do I reach you?"),
        ("forget it, en-US or en-GB sizes, which do you use?", "en-US or en-GB sizes, which do you use?"),
        ("never mind, no-reply address: is it yours?", "no-reply address: is it yours?"),
        ("I don't need a person anymore, thanks. e-gift cards: can I send one?", "e-gift cards: can I send one?"),
    ],
)
def test_a_word_before_a_hyphen_is_no_left_over(text: str, question: str) -> None:
    assert question_with_take_back(text, staff_replied=False) == question


@pytest.mark.parametrize(
    "text, question",
    [
        ("never mind, and how much is shipping?", "how much is shipping?"),
        ("actually no, I'll just ask you. thanks, so how much is shipping?", "how much is shipping?"),
        ("oublie ça. merci, et la livraison coûte combien ?", "la livraison coûte combien ?"),
    ],
)
def test_left_over_words_are_still_stripped(text: str, question: str) -> None:
    assert question_with_take_back(text, staff_replied=False) == question


def test_a_long_run_of_subject_words_before_the_question() -> None:
    text = "I " * 1900 + "x, how much is shipping? I don't need a person anymore"

    assert question_with_take_back(text) == "I " * 1900 + "x, how much is shipping?"


def test_a_long_run_of_subject_words_before_the_take_back_is_stripped_whole() -> None:
    assert question_with_take_back("how much is shipping? " + "I " * 1900 + "don't need a person anymore") == (
        "how much is shipping?"
    )
    assert question_with_take_back("combien coûte la livraison ? " + "je " * 1300 + "n'ai plus besoin d'une personne") == (
        "combien coûte la livraison ?"
    )


class _Spy:
    """Stands in for a compiled pattern and records how it is applied."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern, self.calls = pattern, []

    def __getattr__(self, method: str):
        def call(text: str, *args):
            self.calls.append((method, text))
            return getattr(self.pattern, method)(text, *args)

        return call


def test_the_subject_pattern_is_tried_once_at_the_start_of_the_text_reversed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pattern anchored at the end ("(?:…)+$") with a search or sub is tried from every position of the text:
    quadratic in a run of subject words ("I I I … x"). Anchored at the start of the text reversed, it is tried once."""
    spy = _Spy(handoff_cancel._SUBJECT)
    monkeypatch.setattr(handoff_cancel, "_SUBJECT", spy)

    question = question_with_take_back("how much is shipping? we really don't need a person anymore")

    assert question == "how much is shipping?"
    assert spy.calls == [("match", "how much is shipping? we really "[::-1])]


def test_every_subject_is_a_plain_word() -> None:
    """The subject pattern spells them backwards, which only a plain word survives."""
    subjects = [word for words in TAKE_BACKS.values() for word in words.subject]

    assert subjects and all(re.fullmatch(r"\w+", word) for word in subjects)


def test_the_subject_stripped_is_the_one_the_end_anchored_pattern_strips() -> None:
    """Against the pattern as it was (``(?:…)+$`` with sub) on short texts of subject words, separators and others."""
    subjects = dict.fromkeys(word for words in TAKE_BACKS.values() for word in words.subject)
    end_anchored = re.compile(rf"(?:[\s,;:'’-]|\b(?:{'|'.join(subjects)})\b)+$", re.IGNORECASE)
    tokens = [*subjects, "I", "Wir", "x", "why", "ij", "eu?", " ", ",", "'", "’", "-", "?", "\n"]
    rng = random.Random(4)

    texts = ["".join(rng.choice(tokens) for _ in range(rng.randint(0, 8))) for _ in range(3000)]

    assert all(handoff_cancel._without_subject(text) == end_anchored.sub("", text) for text in texts)
