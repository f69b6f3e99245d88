"""A sentence whose subject is a pronoun is shown with the sentence before it, which says what the pronoun stands for
(probe P, item 9: "what time does the it desk open" got "It is open Monday to Friday 08:30 to 17:30." alone, from an FAQ
entry whose first sentence names the desk). Read with the demo's MiniLM."""

from __future__ import annotations

import pytest

from assistant.lm.extractive import ExtractiveAnswerer, answer_units

WHERE_IS_THE_DESK = (
    "The Help Point is on the first floor of the Riverside Library. It is open Monday to Friday 09:00 to 18:00. "
    "You can also call 01632 960 555 or log a ticket online."
)
LAB_HOURS = "Computer labs are open 24 hours during term time. During vacations labs close at 17:00 and are closed at weekends."


@pytest.fixture(scope="module")
def minilm() -> ExtractiveAnswerer:
    from assistant.models import get_spec, source_files
    from retrieval.embedders import SentenceTransformerEmbedder

    spec = get_spec("all-minilm-l6-v2")
    return ExtractiveAnswerer(SentenceTransformerEmbedder(spec.name, source_files(spec)[0].parent, spec.sha256))


def test_the_sentence_that_names_what_it_is_comes_before() -> None:
    from assistant.lm.extractive import with_referents

    units = answer_units(WHERE_IS_THE_DESK, 1)
    assert with_referents(units, [1]) == [0, 1]  # "It is open ..." brings "The Help Point is ..."
    assert with_referents(units, [0, 1]) == [0, 1]  # shown once
    assert with_referents(units, [2]) == [2]  # no pronoun subject
    assert with_referents(answer_units("Returns are free. It is possible to return by post.", 1), [1]) == [1]  # "it" stands for nothing


@pytest.mark.slow
def test_what_time_the_desk_opens_says_which_desk(minilm: ExtractiveAnswerer) -> None:
    headings = ["Where is the Help Point?", "Computer lab opening hours"]
    answer = minilm.answer("what time does the help point open", [WHERE_IS_THE_DESK, LAB_HOURS], headings=headings)
    assert "It is open Monday to Friday 09:00 to 18:00." in answer
    assert answer.startswith("The Help Point is on the first floor of the Riverside Library.")
