""""How long does it take?" asked in Spanish, French, Italian, Portuguese or Dutch: the sentence that says when something
is ready answers, not the one that says how long it then stays valid ("¿Cuánto tarda la exportación?" got only "el
enlace ... es válido durante 7 días": the rule that prefers a how-long-it-takes sentence knew only English)."""

from __future__ import annotations

import pytest

from assistant.lm.extractive import ExtractiveAnswerer
from tests.assistant.test_extractive_question_forms import SetSimilarity

# (question, heading, passage, the ready sentence's words, the validity sentence's words)
EXPORTS = {
    "es": ("¿Cuánto tarda la exportación de mis datos?", "Exportar tus datos > Cuándo está lista",
           "Tu exportación suele estar lista en 48 horas. Te enviamos un correo con un enlace de descarga, que es válido durante 7 días.",
           "48 horas", "válido"),
    "fr": ("Combien de temps prend l'export de mes données ?", "Exporter vos données > Quand est-il prêt",
           "Votre export est généralement prêt sous 48 heures. Nous vous envoyons un e-mail avec un lien de téléchargement, qui reste valable 7 jours.",
           "48 heures", "valable"),
    "it": ("Quanto ci vuole per l'esportazione dei miei dati?", "Esportare i tuoi dati > Quando è pronta",
           "La tua esportazione è di solito pronta entro 48 ore. Ti inviamo un'e-mail con un link di download, che è valido per 7 giorni.",
           "48 ore", "valido"),
    "pt": ("Quanto tempo demora a exportação dos meus dados?", "Exportar os seus dados > Quando está pronta",
           "A sua exportação fica normalmente pronta em 48 horas. Enviamos um e-mail com um link de download, que é válido durante 7 dias.",
           "48 horas", "válido"),
    "nl": ("Hoe lang duurt het exporteren van mijn gegevens?", "Je gegevens exporteren > Wanneer het klaar is",
           "Je export is meestal binnen 48 uur klaar. We sturen je een e-mail met een downloadlink, die 7 dagen geldig is.",
           "48 uur", "geldig"),
}


@pytest.mark.parametrize("language", list(EXPORTS))
def test_how_long_it_takes_is_when_it_is_ready_not_how_long_it_stays_valid(language: str) -> None:
    question, heading, passage, ready, valid = EXPORTS[language]
    # the validity sentence is the closer by cosine, as MiniLM finds it for the English export question
    answerer = ExtractiveAnswerer(SetSimilarity({valid: 0.6, ready: 0.45}))

    reply = answerer.answer(question, [passage], headings=[heading])

    assert reply.startswith(passage.split(". ")[0]), reply


@pytest.mark.parametrize("language", list(EXPORTS))
def test_how_long_it_stays_valid_is_still_the_validity(language: str) -> None:
    """Asked how long the link stays valid (not how long it takes), the validity sentence keeps its place."""
    validity = {
        "es": "¿Cuántos días es válido el enlace de descarga?",
        "fr": "Le lien de téléchargement est valable combien de jours ?",
        "it": "Per quanti giorni è valido il link di download?",
        "pt": "Quantos dias é válido o link de download?",
        "nl": "Hoeveel dagen is de downloadlink geldig?",
    }[language]
    _, heading, passage, ready, valid = EXPORTS[language]
    answerer = ExtractiveAnswerer(SetSimilarity({valid: 0.6, ready: 0.45}))

    reply = answerer.answer(validity, [passage], headings=[heading])

    assert reply.startswith(passage.split(". ")[1]), reply
