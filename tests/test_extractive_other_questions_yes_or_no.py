"""An FAQ entry's "Yes"/"No" answers its own question, not another one the customer asks (probe F, fault F6): "do you
sell bike helmets?" got "No, we only sell second-hand bikes." from "Do you sell new bikes?", and "can I ride it to
Belgium?" got "Yes, with a bicycle day ticket ..." from the train entry. Such a question about something no passage
names is declined (with the offer of a person); one the entry's words do cover is answered without the yes or no.
The help centre is a bike shop's (tests/bike_shop: second-hand bikes for sale, city bikes and e-bikes for rent,
repairs), read with the demo's MiniLM."""

from __future__ import annotations

import pytest

from assistant.app import Assistant
from assistant.lm.extractive import ExtractiveAnswerer, unheard_words, without_yes_or_no
from tests.bike_shop_help_centre import bike_shop_assistant

NEW_BIKES = "No, we only sell second-hand bikes."
OUR_BIKES = "Every bike we sell is second-hand and checked in our workshop before sale. Prices start at 150 euros for a city bike."
KEY_BOX = "Yes, there is a key drop box at the rental desk door. The bike must be locked to the rack in front of the shop."
HEADINGS = ["Do you sell new bikes?", "Buying a second-hand bike > Our bikes", "Can I return the rental bike outside opening hours?"]


def test_the_yes_or_no_is_taken_off_and_the_next_word_capitalised() -> None:
    assert without_yes_or_no(NEW_BIKES) == "We only sell second-hand bikes."
    assert without_yes_or_no("No. You can use one promo code per order.") == "You can use one promo code per order."
    assert without_yes_or_no("Yes.") == "Yes."  # nothing would be left
    assert without_yes_or_no("Nobody asks.") == "Nobody asks."


def test_the_words_no_passage_holds() -> None:
    passages = [NEW_BIKES, OUR_BIKES]
    assert unheard_words("do you sell bike helmets?", passages, HEADINGS[:2]) == {"helmet"}
    assert unheard_words("do you sell second hand bicycles?", passages) == {"bicycle"}  # "second-hand" holds "second", "hand"
    assert unheard_words("can I rent 2 bikes?", passages) == {"rent"}  # a figure is no word to look for
    assert unheard_words("do you offer phone support?", ["Yes. Call 1-800-555-0142 during our support hours."], ["Can I call you on the phone?"]) == set()


@pytest.fixture(scope="module")
def minilm() -> ExtractiveAnswerer:
    from assistant.models import get_spec, source_files
    from retrieval.embedders import SentenceTransformerEmbedder

    spec = get_spec("all-minilm-l6-v2")
    return ExtractiveAnswerer(SentenceTransformerEmbedder(spec.name, source_files(spec)[0].parent, spec.sha256))


@pytest.mark.slow  # the packaged MiniLM, as the demo answers
def test_an_entrys_no_is_no_answer_to_a_question_about_something_it_does_not_name(minilm: ExtractiveAnswerer) -> None:
    # was "No, we only sell second-hand bikes. [1]": the help centre says nothing of helmets
    assert minilm.answer("do you sell bike helmets?", [NEW_BIKES, OUR_BIKES], headings=HEADINGS[:2]) == ""


@pytest.mark.slow
def test_an_entrys_no_is_left_out_of_the_answer_to_another_question_it_covers(minilm: ExtractiveAnswerer) -> None:
    used = minilm.answer("are all your bikes used?", [NEW_BIKES], headings=HEADINGS[:1])  # 0.68 to the entry's question
    key_box = minilm.answer("do you have a key box for returning bikes?", [KEY_BOX], headings=HEADINGS[2:])

    assert used == "We only sell second-hand bikes. [1]"  # "No" would say that some are new
    assert key_box.startswith("There is a key drop box at the rental desk door. [1]"), key_box


@pytest.mark.slow
def test_the_entrys_own_question_keeps_its_no(minilm: ExtractiveAnswerer) -> None:
    assert minilm.answer("Do you sell new bikes?", [NEW_BIKES, OUR_BIKES], headings=HEADINGS[:2]).startswith(NEW_BIKES)
    assert minilm.answer("do you sell new e-bikes?", [NEW_BIKES, OUR_BIKES], headings=HEADINGS[:2]).startswith(NEW_BIKES)  # 0.89


@pytest.fixture(scope="module")
def bike_shop(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return bike_shop_assistant(tmp_path_factory.mktemp("bike-shop"))


@pytest.mark.slow
@pytest.mark.parametrize("question", ["do you sell bike helmets?", "can I ride it to Belgium?"])
def test_the_bike_shop_declines_what_its_help_centre_does_not_say(bike_shop: Assistant, question: str) -> None:
    # were "No, we only sell second-hand bikes." and "Yes, with a bicycle day ticket from NS ..."
    reply = bike_shop.manager.handle(None, question)

    assert reply.abstained and reply.text == bike_shop.manager.replies.not_found, reply.text


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "opening"),
    [
        ("Do you sell new bikes?", "No, we only sell second-hand bikes."),
        ("can I take the bike on the train?", "Yes, with a bicycle day ticket from NS"),
        ("Can I return the bike after you close?", "Yes, there is a key drop box"),
    ],
)
def test_the_bike_shop_still_answers_its_own_questions_yes_or_no(bike_shop: Assistant, question: str, opening: str) -> None:
    reply = bike_shop.manager.handle(None, question)

    assert not reply.abstained and reply.text.startswith(opening), reply.text
