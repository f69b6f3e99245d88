"""The chat page's refusal of a message over the rate limits in the message's own language: a German customer over
the limit read "Too many messages in this conversation ..." on a page that answered them in German. A message too short
to tell its language gets the team's words."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from dialog.replies import Replies, with_translations
from ui.chat import ChatPage

DEMO = Path(__file__).resolve().parents[2] / "demo"
GERMAN = "Ich möchte gerne wissen, wie lange der Versand nach Österreich dauert und was er kostet."
SPANISH = "Quisiera saber cuánto tiempo tarda el envío a México y cuánto cuesta."


def page_over_its_limit(assistant, monkeypatch) -> tuple[ChatPage, list[str], str, list]:  # type: ignore[no-untyped-def]
    """A chat page with the demo's translations at hand, one message into a conversation limited to one a minute."""
    from assistant.api_security import Rate

    warnings: list[str] = []
    monkeypatch.setattr(gr, "Warning", lambda message, title: warnings.append(message))
    page = ChatPage(assistant.manager, per_session=Rate.parse("1/minute"))
    page.replies = with_translations(Replies(), DEMO)
    *_, (history, _, session_id) = page.respond("hello", [], None)
    return page, warnings, session_id, history


def test_a_german_message_over_the_limit_is_refused_in_german(assistant, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    page, warnings, session_id, history = page_over_its_limit(assistant, monkeypatch)

    *_, (after, box, _) = page.respond(GERMAN, history, session_id)

    assert box == GERMAN and after == history  # kept in the box, nothing sent
    assert len(warnings) == 1 and warnings[0].startswith("Zu viele Nachrichten in diesem Gespräch.")


def test_a_spanish_message_over_the_limit_is_refused_in_spanish(assistant, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    page, warnings, session_id, history = page_over_its_limit(assistant, monkeypatch)

    list(page.respond(SPANISH, history, session_id))

    assert len(warnings) == 1 and warnings[0].startswith("Demasiados mensajes en esta conversación. Inténtelo de nuevo en ")


def test_a_message_too_short_to_tell_is_refused_in_the_teams_words(assistant, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    page, warnings, session_id, history = page_over_its_limit(assistant, monkeypatch)

    list(page.respond("ok", history, session_id))

    assert len(warnings) == 1 and warnings[0].startswith("Too many messages in this conversation")
