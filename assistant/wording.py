"""Small helpers for the words of command output."""

from __future__ import annotations


def counted(number: float, noun: str, plural: str | None = None) -> str:
    """``number`` and ``noun`` with the noun in the plural unless the number is one: "1 step", "3 steps",
    "1 epoch", "0.5 epochs". ``plural`` is for nouns that do not just take an s."""
    shown = f"{number:g}" if isinstance(number, float) else f"{number:,}"
    return f"{shown} {noun if number == 1 else plural or noun + 's'}"
