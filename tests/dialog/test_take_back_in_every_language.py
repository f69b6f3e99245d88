"""A handoff taken back in the customer's language: "laissez tomber", "olvídalo", "ya no necesito a una persona" were
relayed to staff (only English and German take-backs were known), though language identification and the demo's
replies files cover French and Spanish; so are Italian, Portuguese, Dutch and Norwegian ones.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from re import _parser  # type: ignore[attr-defined]  # the standard library's regular-expression parser

import pytest
import yaml

from dialog import handoff_cancel
from dialog.handoff_cancel import TAKE_BACKS, question_with_take_back, takes_back_handoff
from retrieval.languages import CANDIDATES

DEMO = Path(__file__).resolve().parents[2] / "demo"
MONDAY = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)  # within the demo's support hours

# said in so many words: a take-back before and after a staff reply
EXPLICIT = [
    "Je n'ai plus besoin d'une personne",
    "je n’ai plus besoin de parler à un conseiller, merci",
    "Finalement, pas besoin d'un agent",
    "Ya no necesito a una persona",
    "No necesito hablar con un agente",
    "Ich brauche keine Person mehr",
    "Non ho più bisogno di un operatore",
    "Não preciso mais de um atendente",
    "Ik heb geen medewerker meer nodig",
    "Jeg trenger ikke en person lenger",
    "I don't need a person anymore",
]
# a plain "never mind": a take-back only before any staff reply
PLAIN = [
    "laissez tomber",
    "Laisse tomber !",
    "pas besoin",
    "Non, merci",
    "Oh, tant pis.",
    "olvídalo",
    "Olvidalo",
    "no hace falta",
    "No, gracias",
    "Bueno, déjalo",
    "vergiss es",
    "nein danke",
    "lascia perdere",
    "deixa pra lá",
    "esquece",
    "laat maar",
    "Nee, bedankt",
    "glem det",
    "never mind",
]
NOT_TAKE_BACKS = [
    "Je veux parler à une personne",
    "Necesito hablar con una persona",
    "Ich brauche einen Mitarbeiter",
    "Non, ma commande n'est jamais arrivée",
    "No, mi pedido no ha llegado",
    "no quiero una persona que vea mis datos",
    "Je ne veux pas un agent qui lise ça",
    "Tout va bien ?",
    "Está bien",  # "all right": an acknowledgement, as "ok" is
    "Alles klar",
    "Ik wil een medewerker spreken",
]


@pytest.mark.parametrize("text", EXPLICIT)
def test_a_take_back_in_so_many_words_counts_before_and_after_staff_wrote(text: str) -> None:
    assert takes_back_handoff(text, staff_replied=False)
    assert takes_back_handoff(text, staff_replied=True)


@pytest.mark.parametrize("text", PLAIN)
def test_a_plain_take_back_counts_only_before_staff_wrote(text: str) -> None:
    assert takes_back_handoff(text, staff_replied=False)
    assert not takes_back_handoff(text, staff_replied=True)


@pytest.mark.parametrize("text", NOT_TAKE_BACKS)
def test_no_take_back(text: str) -> None:
    assert not takes_back_handoff(text, staff_replied=False)


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("Laissez tomber, combien coûte la livraison ?", "combien coûte la livraison ?"),
        ("Olvídalo. ¿Cuánto cuesta el envío?", "¿Cuánto cuesta el envío?"),
        ("Non, pas besoin. Vous livrez en Belgique ?", "Vous livrez en Belgique ?"),
        ("laat maar, hoeveel kost de verzending?", "hoeveel kost de verzending?"),
    ],
)
def test_a_plain_take_back_leading_a_question_gives_the_question(text: str, question: str) -> None:
    assert takes_back_handoff(text, staff_replied=False)
    assert question_with_take_back(text, staff_replied=False) == question
    assert question_with_take_back(text, staff_replied=True) is None


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("Ya no necesito a una persona, gracias. ¿Cuánto cuesta el envío?", "¿Cuánto cuesta el envío?"),
        ("Combien coûte la livraison ? Je n'ai plus besoin d'une personne", "Combien coûte la livraison ?"),
    ],
)
def test_an_explicit_take_back_with_a_question_gives_the_question(text: str, question: str) -> None:
    assert question_with_take_back(text, staff_replied=True) == question


def test_every_language_identification_tells_has_its_take_backs() -> None:
    assert set(TAKE_BACKS) == set(CANDIDATES)
    assert all(words.explicit and words.leading and words.openers for words in TAKE_BACKS.values())


@pytest.mark.parametrize(
    ("question", "yes", "never_mind", "name"),
    [
        ("Combien coûte la livraison ?", "oui", "Laissez tomber", "replies.fr.yaml"),
        ("¿Cuánto cuesta el envío?", "sí", "Ya no necesito a una persona", "replies.es.yaml"),
    ],
    ids=["fr", "es"],
)
def test_a_handoff_taken_back_in_french_or_spanish_is_handed_back_in_it(assistant, question, yes, never_mind, name) -> None:
    manager = assistant.manager  # the demo's replies files, a help centre in English only
    manager.clock = lambda: MONDAY
    first = manager.handle(None, question)
    taken = manager.handle(first.session_id, yes)

    back = manager.handle(first.session_id, never_mind)

    assert taken.handoff
    assert back.action == "hand_back" and not manager.tracker(first.session_id).with_person
    assert back.text == yaml.safe_load((DEMO / name).read_text(encoding="utf-8"))["handed_back"]


@pytest.mark.parametrize("text", ["annuler", "Cancelar", "annulla", "cancela", "annuleer", "avbryt", "cancel"])
def test_a_bare_cancel_may_mean_the_order_and_is_no_take_back(text: str) -> None:
    assert not takes_back_handoff(text, staff_replied=False)


def _branches(parsed) -> list[list]:
    """Every alternation (BRANCH) in a parsed regular expression, as the list of its alternatives."""
    found = []
    for op, value in parsed.data if hasattr(parsed, "data") else parsed:
        if op is _parser.BRANCH:
            found.append(value[1])
            for alternative in value[1]:
                found += _branches(alternative)
        elif op is _parser.SUBPATTERN:
            found += _branches(value[-1])
        elif op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT, _parser.POSSESSIVE_REPEAT):
            found += _branches(value[2])
        elif op in (_parser.ASSERT, _parser.ASSERT_NOT):
            found += _branches(value[1])
    return found


@pytest.mark.parametrize("name", ["_EXPLICIT", "_PLAIN", "_PLAIN_FIRST", "_LEFT_OVER", "_SUBJECT"])
def test_no_alternative_is_there_twice(name: str) -> None:
    """The languages' tables share words ("ok", "no", "sorry", "we"): an alternative twice in a repeated group made
    "ok ok ok ok ok ok ok ok x" take exponential time to fail (seconds at 6 words, years at 30)."""
    pattern = getattr(handoff_cancel, name)

    repeated = [[str(alt) for alt in branch] for branch in _branches(_parser.parse(pattern.pattern, pattern.flags))]

    assert repeated and all(len(set(alternatives)) == len(alternatives) for alternatives in repeated)
