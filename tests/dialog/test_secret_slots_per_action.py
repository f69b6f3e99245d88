"""Secret slots belong to the action that declares them (``register(secrets=[...])``).

Once one action declared ``code`` secret (a 2FA code), a voucher action's ``code`` was kept as ``[SECRET]`` too: the
message, the run's arguments, the decision record and the API's slots hid which voucher the customer used. A turn now
masks the secrets of its own actions (the one whose question the last reply asked, those it asks for or runs), and a
value given to a secret slot stays masked in the turns after it. Through the real HTTP API on the real SQLite store.

A reply to a secret slot's question that its check refuses ("wait, it is on my other phone") is stored whole
as ``[SECRET]``: it may hold a mistyped code, so the whole text is kept out of the log (documented in docs/dialog.md)."""

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
from dialog.business import ActionResult, BusinessActions
from dialog.actions import turn_secrets
from dialog.events import ActionExecuted, SlotRequested, SlotSet, UserMessage
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.tracker import Tracker
from retrieval.ingest import ingest

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
TWO_FA_CODE, VOUCHER = "482913", "SAVE10"
REQUESTS = {"verify me": "verify_identity", "apply my voucher": "apply_voucher"}


class Guesses:
    """A stand-in intent model: the requests of ``REQUESTS``, the rest are questions."""

    name = "guesses"

    def understand(self, text: str) -> Understanding:
        intent = REQUESTS.get(text, "question")
        return Understanding(intent, 0.9, ranking=((intent, 0.9),), source="classifier")


def shop(calls: list[tuple[str, str]]) -> BusinessActions:
    """A 2FA check whose ``code`` is secret, and a voucher whose ``code`` is not."""
    actions = BusinessActions()

    @actions.register(intents=["verify_identity"], prompts={"code": "Please give me the 6-digit code from your app."},
                      checks={"code": lambda value: None if re.fullmatch(r"\d{6}", value) else "A code has 6 digits."},
                      secrets=["code"])
    def verify_identity(code: str) -> ActionResult:
        calls.append(("verify_identity", code))
        return ActionResult("You're verified.")  # the code stays in the conversation's slots

    @actions.register(intents=["apply_voucher"], prompts={"code": "Which voucher code would you like to use?"})
    def apply_voucher(code: str) -> ActionResult:
        calls.append(("apply_voucher", code))
        return ActionResult(f"Voucher {code} is applied.", {"voucher": code})

    return actions


@pytest.fixture
def assistant(isolated, kb_dir) -> Assistant:  # type: ignore[no-untyped-def]
    settings = load_settings(embedder="hash", generator="scripted", answer_mode="generative", min_retrieval_score=HASH_MIN_SCORE)
    app = Assistant(settings)
    ingest([kb_dir], app.embedder, settings.index_dir)
    return app


def client_for(assistant: Assistant, actions: BusinessActions) -> TestClient:
    manager = DialogManager(assistant.store, assistant.manager.answer_action, understander=Understander(Guesses()), actions=actions,
                            clock=lambda: MONDAY)
    app = FastAPI()
    app.include_router(create_router(manager))
    install_api_guards(app, ApiGuards())
    return TestClient(app)


def stored(assistant: Assistant, session: str) -> str:
    """Everything the store keeps of the conversation: its events and its turn records, as one text."""
    events = [asdict(e) for e in assistant.store.load_events(session)]
    turns = [{c.name: getattr(t, c.name) for c in t.__table__.columns} for t in assistant.store.turns(session)]
    return json.dumps([events, turns], default=str)


def test_another_actions_slot_of_the_same_name_is_not_secret(assistant: Assistant) -> None:
    calls: list[tuple[str, str]] = []
    client = client_for(assistant, shop(calls))
    session = client.post("/api/sessions").json()["session_id"]

    say(client, session, "apply my voucher")
    applied = say(client, session, VOUCHER)

    assert calls == [("apply_voucher", VOUCHER)] and applied["text"] == f"Voucher {VOUCHER} is applied."
    # before: "[SECRET]" in each, as verify_identity declares its code secret
    assert applied["slots"]["code"] == VOUCHER and f"code={VOUCHER}" in applied["reason"]
    events = assistant.store.load_events(session)
    assert [e.text for e in events if isinstance(e, UserMessage)][-1] == VOUCHER
    assert [e.arguments for e in events if isinstance(e, ActionExecuted)] == [{"code": VOUCHER}]


def test_a_secret_stays_secret_in_the_turns_after_it_whatever_action_comes_next(assistant: Assistant) -> None:
    """Guard: the 2FA code is masked where it was given, and in a later turn of the voucher action, to which the
    conversation's slots carry it."""
    calls: list[tuple[str, str]] = []
    client = client_for(assistant, shop(calls))
    session = client.post("/api/sessions").json()["session_id"]

    say(client, session, "verify me")
    refused = say(client, session, "wait, it is on my other phone")
    verified = say(client, session, TWO_FA_CODE)
    later = say(client, session, "apply my voucher")

    assert ("verify_identity", TWO_FA_CODE) in calls and verified["text"] == "You're verified."
    assert ("apply_voucher", TWO_FA_CODE) in calls  # the slots are the conversation's: the code came along
    log = stored(assistant, session)
    assert TWO_FA_CODE not in log
    # the API's text is the reply the customer reads, as written ("Voucher 482913 is applied."); the rest is masked
    assert TWO_FA_CODE not in json.dumps([{k: v for k, v in turn.items() if k != "text"} for turn in (refused, verified, later)])
    # a reply its check refuses is kept whole as [SECRET] (it may hold a mistyped code): safer, and documented
    messages = [e.text for e in assistant.store.load_events(session) if isinstance(e, UserMessage)]
    assert messages[1] == "[SECRET]"


def test_a_turn_masks_the_secrets_of_its_own_actions_and_the_values_kept_secret() -> None:
    actions = shop([])
    voucher_turn = [SlotSet(name="code", value=VOUCHER), ActionExecuted(name="apply_voucher", arguments={"code": VOUCHER}, result={}, ok=True)]
    asked_for_the_2fa_code = Tracker.from_events("s", [SlotRequested(action="verify_identity", slot="code")])
    carried = Tracker.from_events("s", [SlotSet(name="code", value="[SECRET]")])  # given to verify_identity earlier

    assert turn_secrets(actions, Tracker.from_events("s", []), voucher_turn) == frozenset()
    assert turn_secrets(actions, asked_for_the_2fa_code, [SlotSet(name="code", value=TWO_FA_CODE)]) == {"code"}
    assert turn_secrets(actions, carried, voucher_turn) == {"code"}
    assert actions.secret_slots() == {"code"} and actions.secret_slots(["apply_voucher"]) == frozenset()


def test_a_secret_given_with_the_request_of_an_action_that_asks_to_confirm_is_masked(assistant: Assistant) -> None:
    """An action with ``confirm=True`` whose secret slot the first message fills ("verify me with 482913"): that turn
    has no SlotRequested nor ActionExecuted, only the confirmation question, and the code was stored and returned in
    clear (found by a review: the turn's secrets came only from those two events)."""
    request = f"verify me with {TWO_FA_CODE}"
    REQUESTS[request] = "verify_identity"
    calls: list[str] = []
    actions = BusinessActions()

    @actions.register(intents=["verify_identity"], prompts={"code": "Please give me the 6-digit code from your app."},
                      patterns={"code": r"\b\d{6}\b"}, secrets=["code"], confirm=True)
    def verify_identity(code: str) -> ActionResult:
        calls.append(code)
        return ActionResult("You're verified.")

    client = client_for(assistant, actions)
    session = client.post("/api/sessions").json()["session_id"]
    try:
        asked = say(client, session, request)
        assert asked["slots"].get("code") == "[SECRET]" and TWO_FA_CODE not in stored(assistant, session)
        say(client, session, "yes")
    finally:
        del REQUESTS[request]

    assert calls == [TWO_FA_CODE]  # the function had the real value
    assert TWO_FA_CODE not in stored(assistant, session)
