"""Prompt building and citation checking (pure), and the scripted fake generator."""

from __future__ import annotations

import pytest

from assistant.lm.base import Generator, ScriptedGenerator, generate
from assistant.lm.prompts import DONT_KNOW, SYSTEM_PROMPT, PromptPassage, build_messages, check_answer, is_abstention

PASSAGES = [
    PromptPassage("Reset your password > How long the link works", "Reset links expire after 30 minutes.\n"),
    PromptPassage("Shipping costs > Express", "Express shipping costs $12.50."),
]


def test_build_messages_numbers_passages_and_ends_with_the_question() -> None:
    messages = build_messages("How long is the reset link valid?", PASSAGES)

    assert messages[0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert DONT_KNOW in SYSTEM_PROMPT
    assert messages[-1]["role"] == "user"
    prompt = messages[-1]["content"]
    assert "[1] Reset your password > How long the link works\nReset links expire after 30 minutes." in prompt
    assert "[2] Shipping costs > Express\nExpress shipping costs $12.50." in prompt
    assert prompt.index("[1] Reset") < prompt.index("[2] Shipping")
    assert "[3]" not in prompt
    assert prompt.endswith("How long is the reset link valid?")
    assert all(m["role"] in ("system", "user", "assistant") for m in messages)
    assert not any("Reset links expire" in m["content"] for m in messages[:-1])


def test_build_messages_keeps_only_recent_history_before_the_question() -> None:
    history = [("q1 older", "a1 older"), ("q2 recent", "a2 recent"), ("q3 latest", "a3 latest")]

    messages = build_messages("q4", PASSAGES, history=history, max_history_turns=2)

    assert [(m["role"], m["content"]) for m in messages[-5:-1]] == [
        ("user", "q2 recent"), ("assistant", "a2 recent"), ("user", "q3 latest"), ("assistant", "a3 latest"),
    ]
    assert not any("older" in m["content"] for m in messages)
    assert messages[-1]["content"].endswith("q4")
    without_history = build_messages("q4", PASSAGES)
    assert len(messages) == len(without_history) + 4


def test_check_answer_keeps_valid_citations() -> None:
    checked = check_answer("The link expires after 30 minutes [1]. Express costs $12.50 [2][1].", passage_count=2)

    assert checked.cited == (1, 2)
    assert checked.dropped == ()
    assert not checked.abstained
    assert checked.text == "The link expires after 30 minutes [1]. Express costs $12.50 [2][1]."


def test_check_answer_drops_out_of_range_citations() -> None:
    checked = check_answer("Links expire after 30 minutes [4]. Express costs $12.50 [0, 2].", passage_count=3)

    assert checked.text == "Links expire after 30 minutes. Express costs $12.50 [2]."
    assert checked.cited == (2,)
    assert checked.dropped == (4, 0)


@pytest.mark.parametrize(
    "answer",
    [
        "I don't know.",
        "I do not know the answer.",
        "That is not mentioned in the passages.",
        "The passages do not contain this information.",
        "Sorry, I cannot find that [1].",
        "",
    ],
)
def test_abstentions_are_detected(answer: str) -> None:
    assert check_answer(answer, passage_count=2).abstained
    assert is_abstention(answer)


def test_an_answer_is_not_an_abstention() -> None:
    assert not is_abstention("Standard shipping costs $4.95 [1].")


def test_scripted_generator_quotes_the_first_passage_with_a_citation() -> None:
    generator = ScriptedGenerator()
    messages = build_messages("How long?", PASSAGES)

    pieces = list(generator.stream(messages))

    assert "".join(pieces) == "Reset links expire after 30 minutes. [1]"
    assert len(pieces) > 1  # streamed word by word
    assert generator.calls == [messages]
    assert isinstance(generator, Generator)


def test_scripted_generator_fixed_reply_and_token_limit() -> None:
    generator = ScriptedGenerator(reply="one two three four")

    assert generate(generator, [{"role": "user", "content": "hi"}]) == "one two three four"
    assert generate(generator, [{"role": "user", "content": "hi"}], max_new_tokens=2) == "one two"
    assert ScriptedGenerator().stream([{"role": "user", "content": "no passages"}]).__next__() == "I"


def test_attribute_credits_the_passage_holding_the_answer_words() -> None:
    from assistant.lm.prompts import attribute

    passages = [
        "A new password needs at least 10 characters.",
        "Password reset links expire after 30 minutes and work only once.",
    ]
    assert attribute("The reset link expires after 30 minutes.", passages) == (2,)
    assert attribute("Our founder started the company in a garage.", passages) == ()
    assert attribute("", passages) == ()
    assert attribute("Anything at all.", []) == ()
