"""A business action's secret slots (``register(secrets=[...])``): the log, the decision record and the API keep
``[SECRET]``, the function gets the value.

A 2FA reset that asks for a backup code stored it in clear: "my backup code is 123456" was the message's text in the
log and the turn record, the reason said "ran reset_2fa(email=[EMAIL], backup_code=123456)", and the HTTP API's
``done.slots`` returned it. The redactor's ``secret`` kind only finds labelled secrets ("password: x"). Tested through
the real HTTP API on the real SQLite store, with PII redaction on and off (a declared secret is masked either way)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import datetime, timezone

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api_helpers import say
from assistant.api import create_router, install_api_guards
from assistant.api_security import ApiGuards
from assistant.app import Assistant
from assistant.config import load_settings
from conftest import HASH_MIN_SCORE
from dialog.business import ActionResult, BusinessActions, Say
from dialog.events import ActionExecuted, SlotSet, UserMessage
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.slot_memory import mask_secrets, secret_values
from retrieval.ingest import ingest

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
ACCOUNT, CODE = "ana@pixelforge-customer.example", "123456"


class Guesses:
    """A stand-in intent model: "reset my 2fa" asks for the action, the rest are questions."""

    name = "guesses"

    def understand(self, text: str) -> Understanding:
        intent = "reset_2fa" if text == "reset my 2fa" else "question"
        return Understanding(intent, 0.9, ranking=((intent, 0.9),), source="classifier")


def check_code(value: str) -> str | None:
    return None if re.fullmatch(r"\d{6}", value) else "A backup code has exactly 6 digits."


def two_factor(calls: list[tuple[str, str]], code_first: bool = False) -> BusinessActions:
    """The 2FA reset of the probe; ``code_first``: the backup code is asked before the address."""
    actions = BusinessActions()

    def reset_2fa(email: str, backup_code: str) -> ActionResult:
        calls.append((email, backup_code))
        if (email.lower(), backup_code) != (ACCOUNT, CODE):
            return ActionResult(Say("wrong"), ok=False, clear_slots=["backup_code"])
        return ActionResult(Say("done", email=email), {"email": email})

    def reset_code_first(backup_code: str, email: str) -> ActionResult:
        return reset_2fa(email, backup_code)

    reset_code_first.__name__ = "reset_2fa"
    actions.register(
        intents=["reset_2fa"],
        prompts={"email": "Which e-mail address is your account under?", "backup_code": "Please give me one of your backup codes."},
        checks={"backup_code": check_code},
        secrets=["backup_code"],
        texts={"done": "Two-factor authentication on {email} is reset.", "wrong": "That backup code does not match the account."},
    )(reset_code_first if code_first else reset_2fa)
    return actions


@pytest.fixture(params=[True, False], ids=["redacting", "not_redacting"])
def assistant(request: pytest.FixtureRequest, isolated, kb_dir) -> Assistant:  # type: ignore[no-untyped-def]
    """The test help centre on a SQLite file, with PII redaction on or off."""
    settings = load_settings(embedder="hash", generator="scripted", answer_mode="generative", min_retrieval_score=HASH_MIN_SCORE,
                             redact_pii=request.param)
    app = Assistant(settings)
    ingest([kb_dir], app.embedder, settings.index_dir)
    return app


def client_for(assistant: Assistant, actions: BusinessActions) -> tuple[TestClient, DialogManager]:
    manager = DialogManager(assistant.store, assistant.manager.answer_action, understander=Understander(Guesses()), actions=actions,
                            clock=lambda: MONDAY)
    app = FastAPI()
    app.include_router(create_router(manager))
    install_api_guards(app, ApiGuards())
    return TestClient(app), manager


def stored(assistant: Assistant, session: str) -> str:
    """Everything the store keeps of the conversation: its events and its turn records, as one text."""
    events = [asdict(e) for e in assistant.store.load_events(session)]
    turns = [{c.name: getattr(t, c.name) for c in t.__table__.columns} for t in assistant.store.turns(session)]
    return json.dumps([events, turns], default=str)


def test_a_backup_code_is_kept_as_secret_in_the_log_the_turn_record_and_the_api_and_the_function_gets_it(assistant: Assistant) -> None:
    calls: list[tuple[str, str]] = []
    client, manager = client_for(assistant, two_factor(calls))
    session = client.post("/api/sessions").json()["session_id"]

    say(client, session, "reset my 2fa")
    say(client, session, ACCOUNT)
    done = say(client, session, f"my backup code is {CODE}")

    assert calls == [(ACCOUNT, CODE)]  # the function gets the real value
    assert done["text"] == f"Two-factor authentication on {ACCOUNT} is reset."
    assert done["slots"]["backup_code"] == "[SECRET]" and CODE not in json.dumps(done)
    assert "backup_code=[SECRET]" in done["reason"]
    events = assistant.store.load_events(session)
    messages = [e.text for e in events if isinstance(e, UserMessage)]
    assert messages[-1] == "my backup code is [SECRET]"  # the value's text replaced, the rest kept
    assert [e.value for e in events if isinstance(e, SlotSet) and e.name == "backup_code"] == ["[SECRET]"]
    assert [e.arguments["backup_code"] for e in events if isinstance(e, ActionExecuted)] == ["[SECRET]"]
    turn = assistant.store.turns(session)[0]  # the latest first
    assert turn.user_text == "my backup code is [SECRET]" and "backup_code=[SECRET]" in turn.reason
    assert CODE not in stored(assistant, session)
    transcript = client.get(f"/api/sessions/{session}").json()
    assert CODE not in json.dumps(transcript)


def test_a_secret_given_before_another_slot_reaches_the_function_from_memory_and_wrong_ones_are_masked_too(assistant: Assistant) -> None:
    calls: list[tuple[str, str]] = []
    client, manager = client_for(assistant, two_factor(calls, code_first=True))
    session = client.post("/api/sessions").json()["session_id"]

    say(client, session, "reset my 2fa")
    short = say(client, session, "98765")  # refused by the check: not kept, but a secret all the same
    say(client, session, "654321")
    wrong = say(client, session, ACCOUNT)  # the code given a turn before comes from the server's memory
    say(client, session, CODE)  # asked again after the wrong one
    done = say(client, session, "reset my 2fa")

    assert short["requested_slot"] == "backup_code" and "6 digits" in short["text"]
    assert calls[0] == (ACCOUNT, "654321") and wrong["text"] == "That backup code does not match the account."
    assert (ACCOUNT, CODE) in calls
    log = stored(assistant, session)
    for secret in ("98765", "654321", CODE):
        assert secret not in log
        assert secret not in json.dumps([short, wrong, done])
    assert "[SECRET]" in log


def test_secrets_must_name_parameters() -> None:
    actions = BusinessActions()
    with pytest.raises(ValueError, match=r"secrets for \['code'\], which are not its parameters"):
        @actions.register(intents=["reset_2fa"], secrets=["code"])
        def reset_2fa(backup_code: str) -> ActionResult:
            return ActionResult("done")


def test_a_secret_value_is_replaced_where_it_stands_as_a_word_of_its_own_and_nowhere_else() -> None:
    run = ActionExecuted(name="unlock", arguments={"pin": "Ab12", "email": "x"}, result={"note": "pin ab12 used"}, ok=True)
    events = [UserMessage(text="PIN is ab12, not Ab123 or xAb12"), SlotSet(name="pin", value="Ab12"), SlotSet(name="pin", value=None), run]

    masked = mask_secrets(events, {"pin"}, secret_values({"pin"}, events, {}))

    assert masked[0].text == "PIN is [SECRET], not Ab123 or xAb12"
    assert [masked[1].value, masked[2].value] == ["[SECRET]", None]
    assert masked[3].arguments == {"pin": "[SECRET]", "email": "x"} and masked[3].result == {"note": "pin [SECRET] used"}
    assert events[0].text == "PIN is ab12, not Ab123 or xAb12"  # the events the turn keeps in memory are not changed
