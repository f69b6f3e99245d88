"""The Generator protocol and a deterministic fake for tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol, runtime_checkable

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": ...}


@runtime_checkable
class Generator(Protocol):
    """Anything that writes a reply to chat messages, token by token."""

    name: str

    def stream(self, messages: list[Message], max_new_tokens: int = 160) -> Iterator[str]:
        """Yield pieces of the reply as they are produced."""
        ...


def generate(generator: Generator, messages: list[Message], max_new_tokens: int = 160) -> str:
    """The whole reply at once."""
    return "".join(generator.stream(messages, max_new_tokens))


class ScriptedGenerator:
    """Fake generator: replies with a fixed text, or quotes the first passage of the prompt with [1].

    Deterministic and instant, so the code around a generator can be tested without a model.
    """

    name = "scripted"

    def __init__(self, reply: str | None = None) -> None:
        self.reply = reply
        self.calls: list[list[Message]] = []

    def stream(self, messages: list[Message], max_new_tokens: int = 160) -> Iterator[str]:
        self.calls.append(messages)
        text = self.reply
        if text is None:
            prompt = messages[-1]["content"]
            match = re.search(r"^\[1\][^\n]*\n(.+?)(?:\n\n|\n\[2\]|$)", prompt, flags=re.MULTILINE | re.DOTALL)
            text = f"{match.group(1).strip()} [1]" if match else "I don't know."
        words = text.split(" ")
        for position, word in enumerate(words[:max_new_tokens]):
            yield word if position == 0 else " " + word
