"""Small helpers for the words of command output and of the assistant's replies."""

from __future__ import annotations


def counted(number: float, noun: str, plural: str | None = None) -> str:
    """``number`` and ``noun`` with the noun in the plural unless the number is one: "1 step", "3 steps",
    "1 epoch", "0.5 epochs". ``plural`` is for nouns that do not just take an s."""
    shown = f"{number:g}" if isinstance(number, float) else f"{number:,}"
    return f"{shown} {noun if number == 1 else plural or noun + 's'}"


def joined(items: list[str], pair: str = "{first} and {second}") -> str:
    """``items`` as a sentence lists them: "English", "English and German", "English, German and French"; ``pair``
    joins the last two (in the words of the replies' language: "{first} und {second}")."""
    if len(items) < 2:
        return "".join(items)
    return pair.format(first=", ".join(items[:-1]), second=items[-1])
