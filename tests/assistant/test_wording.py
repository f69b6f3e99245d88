"""Counts in command output take the singular for one ("1 step", not "1 steps"); lists read as a sentence."""

from __future__ import annotations

import numpy as np

from assistant.wording import counted, joined


def test_one_is_singular_and_other_numbers_plural() -> None:
    assert counted(1, "step") == "1 step"
    assert counted(0, "step") == "0 steps"
    assert counted(2, "example") == "2 examples"
    assert counted(1200, "example") == "1,200 examples"
    assert counted(1.0, "epoch") == "1 epoch"
    assert counted(0.5, "epoch") == "0.5 epochs"
    assert counted(np.int64(1), "step") == "1 step"
    assert counted(3, "entry", "entries") == "3 entries"


def test_joined_lists_names_as_a_sentence_does() -> None:
    assert joined([]) == ""
    assert joined(["English"]) == "English"
    assert joined(["English", "German"]) == "English and German"
    assert joined(["English", "German", "French"], "{first} und {second}") == "English, German und French"
