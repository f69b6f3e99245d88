"""API keys, rate limits and body-size limits in front of the HTTP API (assistant.api_security)."""

from __future__ import annotations

import asyncio
import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from assistant.api import create_router, install_api_guards
from assistant.api_security import ApiGuardMiddleware, ApiGuards, ApiKeys, Rate, RateLimiter, hash_key, key_digest, new_key
from assistant.api_security import main as api_security_main
from assistant.config import load_settings

KEY = "sa-test-key-0123456789abcdef"
OTHER_KEY = "sa-someone-elses-key-987654321"
QUESTION = {"text": "How much does express shipping cost?"}


def make_client(assistant, guards: ApiGuards, client_ip: str = "203.0.113.7") -> TestClient:  # type: ignore[no-untyped-def]
    app = FastAPI(docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")  # as ui.server.create_app
    app.include_router(create_router(assistant.manager))

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    install_api_guards(app, guards)
    return TestClient(app, client=(client_ip, 50000))


def new_session(client: TestClient, **headers: str) -> str:
    response = client.post("/api/sessions", headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["session_id"]


# -- keys -------------------------------------------------------------------------------------------------------


def test_keys_are_kept_as_digests_and_checked_whichever_form_was_configured() -> None:
    keys = ApiKeys([hash_key(KEY), "a-plain-key-of-enough-length"])

    assert keys.check(KEY) and keys.check("a-plain-key-of-enough-length")
    assert not keys.check(OTHER_KEY) and not keys.check("") and not keys.check(KEY + " ")
    assert not ApiKeys() and len(keys) == 2
    assert new_key() != new_key() and len(new_key()) >= 40


@pytest.mark.parametrize(
    ("entry", "message"), [("short", "at least 16"), ("sha256:abc", "64 hex digits"), ("sha256:" + "g" * 64, "64 hex digits")]
)
def test_bad_key_entries_say_how_to_fix_them(entry: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        key_digest(entry)


def test_settings_take_keys_from_the_environment_and_hold_only_digests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_API_KEYS", f"{hash_key(KEY)}, {OTHER_KEY}")

    settings = load_settings()

    assert settings.api_keys == [hash_key(KEY), hash_key(OTHER_KEY)]
    assert OTHER_KEY not in repr(settings)
    assert ApiGuards.from_settings(settings).keys.check(OTHER_KEY)


def test_the_key_maker_writes_the_staff_setting_when_asked_and_errors_name_their_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The staff API's 403 sent people to `python -m assistant.api_security`, which printed only an api_keys line:
    # pasted as it was, the key opened the customer API and the staff API stayed off.
    api_security_main(["--staff"])
    printed = capsys.readouterr().out
    key = printed.splitlines()[1].strip()
    monkeypatch.setenv("ASSISTANT_STAFF_API_KEYS", printed.split("ASSISTANT_STAFF_API_KEYS=")[1].strip())

    assert f'staff_api_keys = ["{hash_key(key)}"]' in printed and "api_keys = " not in printed.replace("staff_api_keys", "")
    assert ApiKeys(load_settings().staff_api_keys).check(key)
    monkeypatch.setenv("ASSISTANT_STAFF_API_KEYS", "short")
    with pytest.raises(ValidationError, match=r"staff_api_keys: a key must be at least 16 characters; make one with `python -m assistant.api_security --staff`"):
        load_settings()


def test_defaults_leave_the_api_open_with_rate_limits_on() -> None:
    guards = ApiGuards.from_settings(load_settings())

    assert not guards.keys
    assert guards.per_ip == Rate(60, 60) and guards.per_session == Rate(20, 60) and guards.max_body_bytes == 64 * 1024
    assert "open: no API keys configured" in guards.describe()


def test_no_key_is_401_with_how_to_send_one(assistant) -> None:  # type: ignore[no-untyped-def]
    client = make_client(assistant, ApiGuards(keys=ApiKeys([hash_key(KEY)])))

    response = client.post("/api/sessions")

    assert response.status_code == 401
    assert "Authorization: Bearer KEY" in response.json()["detail"] and "X-API-Key" in response.json()["detail"]
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "headers",
    [{"Authorization": f"Bearer {OTHER_KEY}"}, {"X-API-Key": OTHER_KEY}, {"Authorization": f"Basic {KEY}"}, {"Authorization": KEY}],
)
def test_a_wrong_key_is_401_and_reaches_nothing(assistant, headers: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    client = make_client(assistant, ApiGuards(keys=ApiKeys([hash_key(KEY)])))
    before = assistant.store.session_count()

    for method, path in [("POST", "/api/sessions"), ("GET", "/api/sessions/abc"), ("POST", "/v1/chat/completions")]:
        response = client.request(method, path, headers=headers, json={"messages": [{"role": "user", "content": "hi"}]})
        assert response.status_code == 401, (method, path)
    assert "API key" in response.json()["detail"]
    assert assistant.store.session_count() == before


def test_the_right_key_opens_every_endpoint_either_header(assistant) -> None:  # type: ignore[no-untyped-def]
    client = make_client(assistant, ApiGuards(keys=ApiKeys([hash_key(KEY), hash_key("a-second-key-for-rotation")])))

    session_id = new_session(client, Authorization=f"Bearer {KEY}")
    reply = client.post(f"/api/sessions/{session_id}/messages", json=QUESTION, headers={"X-API-Key": KEY})
    assert reply.status_code == 200 and "event: done" in reply.text
    second = {"Authorization": "bearer a-second-key-for-rotation"}  # the scheme is case-insensitive
    assert client.get(f"/api/sessions/{session_id}", headers=second).json()["messages"][0]["text"] == QUESTION["text"]


def test_docs_and_non_api_paths_need_no_key(assistant) -> None:  # type: ignore[no-untyped-def]
    client = make_client(assistant, ApiGuards(keys=ApiKeys([hash_key(KEY)])))

    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert {"HTTPBearer", "APIKeyHeader"} <= set(schema["components"]["securitySchemes"])
    assert client.get("/healthz").status_code == 200


def test_openai_client_with_the_key_works_and_with_a_wrong_one_is_refused(assistant) -> None:  # type: ignore[no-untyped-def]
    openai = pytest.importorskip("openai")
    client = make_client(assistant, ApiGuards(keys=ApiKeys([hash_key(KEY)])))
    question = [{"role": "user", "content": "How long do password reset links work?"}]

    api = openai.OpenAI(base_url="http://testserver/v1", api_key=KEY, http_client=client)
    assert "30 minutes" in api.chat.completions.create(model="support-assistant", messages=question).choices[0].message.content

    wrong = openai.OpenAI(base_url="http://testserver/v1", api_key=OTHER_KEY, http_client=client, max_retries=0)
    with pytest.raises(openai.AuthenticationError, match="not valid"):
        wrong.chat.completions.create(model="support-assistant", messages=question)


def test_the_browser_chat_page_needs_no_key_when_the_api_does(assistant, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The whole web app: the Gradio page and its own endpoints (/config, /gradio_api/…) are not under
    /api or /v1, so the customer's browser needs no key; the API does."""
    monkeypatch.setenv("ASSISTANT_API_KEYS", hash_key(KEY))
    from assistant.app import Assistant

    web = Assistant(load_settings(**assistant.settings.model_dump(exclude={"api_keys"}))).web_app()
    with TestClient(web) as client:
        assert client.get("/").status_code == 200
        assert client.get("/config").status_code == 200
        assert client.get("/gradio_api/info").status_code == 200
        assert client.post("/api/sessions").status_code == 401
        assert client.post("/api/sessions", headers={"Authorization": f"Bearer {KEY}"}).status_code == 201


# -- rate limits ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rate"),
    [("60/minute", Rate(60, 60)), ("5/second", Rate(5, 1)), ("1000 per hour", Rate(1000, 3600)), ("10/30s", Rate(10, 30)),
     ("2/days", Rate(2, 86400)), ("off", None), ("", None)],
)
def test_rate_parsing(text: str, rate: Rate | None) -> None:
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["60", "x/minute", "0/minute", "5/fortnight"])
def test_a_bad_rate_setting_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="COUNT/PERIOD"):
        load_settings(rate_limit_per_ip=text)


def test_token_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(Rate(3, 60), clock=lambda: now[0])  # one token every 20 s

    for _ in range(3):
        assert limiter.wait("a") == 0
        limiter.take("a")
    assert limiter.wait("a") == pytest.approx(20) and limiter.wait("b") == 0
    now[0] = 15.0
    assert limiter.wait("a") == pytest.approx(5)
    now[0] = 20.0
    assert limiter.wait("a") == 0
    limiter.take("a")
    now[0] = 1000.0  # a long pause fills the bucket only up to the burst
    for _ in range(3):
        limiter.take("a")
    assert limiter.wait("a") > 0


def test_token_bucket_keeps_a_bounded_number_of_keys() -> None:
    limiter = RateLimiter(Rate(1, 60), max_keys=100)

    for n in range(1000):
        limiter.take(f"guessed-id-{n}")

    assert len(limiter) <= 100
    assert limiter.wait("guessed-id-999") > 0  # the most recent are kept


def test_token_bucket_forgets_keys_whose_bucket_is_full_again() -> None:
    """A server that runs for weeks kept a bucket for each of the last 100,000 conversations and addresses
    (about 200 bytes each, per limiter); a full bucket is the same as none."""
    now = [0.0]
    limiter = RateLimiter(Rate(3, 60), clock=lambda: now[0])
    for n in range(500):  # yesterday's conversations, one message each
        limiter.take(f"conversation-{n}")
    limiter.take("busy")
    limiter.take("busy")
    limiter.take("busy")
    now[0] += 30  # half a minute later: "busy" has 1.5 tokens back, the one-message conversations are full

    limiter.take("new")

    assert len(limiter) == 2
    assert limiter.wait("busy") == 0 and limiter.wait("new") == 0
    limiter.take("busy")
    limiter.take("busy")
    assert limiter.wait("busy") > 0  # forgetting the full buckets changed no limit


def test_per_session_limit_is_429_with_retry_after_and_leaves_other_sessions_alone(assistant) -> None:  # type: ignore[no-untyped-def]
    client = make_client(assistant, ApiGuards(per_session=Rate(2, 60)))
    busy, quiet = new_session(client), new_session(client)

    statuses = [client.post(f"/api/sessions/{busy}/messages", json=QUESTION).status_code for _ in range(3)]
    refused = client.post(f"/api/sessions/{busy}/messages", json=QUESTION)

    assert statuses == [200, 200, 429] and refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 30
    assert "in this conversation" in refused.json()["detail"] and "2 per minute" in refused.json()["detail"]
    assert client.post(f"/api/sessions/{quiet}/messages", json=QUESTION).status_code == 200
    assert client.get(f"/api/sessions/{busy}").status_code == 200  # reading is not limited
    assert len(client.get(f"/api/sessions/{busy}").json()["messages"]) == 4  # the refused turns stored nothing


def test_handoff_requests_count_against_the_message_limits(assistant) -> None:  # type: ignore[no-untyped-def]
    client = make_client(assistant, ApiGuards(per_ip=Rate(2, 60)))
    opener = make_client(assistant, ApiGuards())  # starting conversations has a bucket of its own: not counted here
    sessions = [new_session(opener) for _ in range(3)]

    statuses = [client.post(f"/api/sessions/{session}/handoff").status_code for session in sessions]

    assert statuses == [200, 200, 429]  # calling staff is limited like sending a message


def test_per_ip_limit_counts_turns_across_sessions_and_completions(assistant) -> None:  # type: ignore[no-untyped-def]
    client = make_client(assistant, ApiGuards(per_ip=Rate(3, 60)))
    neighbour = make_client(assistant, ApiGuards(per_ip=Rate(3, 60)), client_ip="198.51.100.1")
    completion = {"messages": [{"role": "user", "content": "How long do password reset links work?"}]}

    statuses = [client.post(f"/api/sessions/{new_session(client)}/messages", json=QUESTION).status_code for _ in range(2)]
    statuses.append(client.post("/v1/chat/completions", json=completion).status_code)
    refused = client.post("/v1/chat/completions", json=completion)

    assert statuses == [200, 200, 200] and refused.status_code == 429
    assert "from this address" in refused.json()["detail"] and int(refused.headers["retry-after"]) >= 1
    assert neighbour.post("/v1/chat/completions", json=completion).status_code == 200  # its own app and bucket


def test_a_valid_key_skips_the_per_ip_limit_but_not_the_per_session_one(assistant) -> None:  # type: ignore[no-untyped-def]
    guards = ApiGuards(keys=ApiKeys([hash_key(KEY)]), per_ip=Rate(1, 60), per_session=Rate(3, 60))
    client = make_client(assistant, guards)
    auth = {"Authorization": f"Bearer {KEY}"}

    sessions = [new_session(client, **auth) for _ in range(3)]
    assert [client.post(f"/api/sessions/{s}/messages", json=QUESTION, headers=auth).status_code for s in sessions] == [200] * 3
    one = sessions[0]
    statuses = [client.post(f"/api/sessions/{one}/messages", json=QUESTION, headers=auth).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_starting_conversations_is_limited_per_address_by_the_same_setting(assistant, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ASSISTANT_RATE_LIMIT_PER_IP", "2/minute")
    client = make_client(assistant, ApiGuards.from_settings(load_settings()))
    neighbour = make_client(assistant, ApiGuards.from_settings(load_settings()), client_ip="198.51.100.1")

    statuses = [client.post("/api/sessions").status_code for _ in range(3)]
    refused = client.post("/api/sessions")

    assert statuses == [201, 201, 429] and refused.status_code == 429
    assert refused.headers["content-type"] == "application/json" and 1 <= int(refused.headers["retry-after"]) <= 60
    detail = refused.json()["detail"]
    assert detail.startswith("Too many new conversations from this address: the limit is 2 per minute. Try again in ")
    assert neighbour.post("/api/sessions").status_code == 201
    session = new_session(neighbour)  # conversations go on: starting them used up no messages
    assert client.post(f"/api/sessions/{session}/messages", json=QUESTION).status_code == 200
    assert client.get(f"/api/sessions/{session}").status_code == 200  # reading is not limited


def test_feedback_is_limited_per_address_in_a_bucket_of_its_own(assistant) -> None:  # type: ignore[no-untyped-def]
    client = make_client(assistant, ApiGuards(per_ip=Rate(2, 60)))
    opener = make_client(assistant, ApiGuards())
    session = new_session(opener)
    assert opener.post(f"/api/sessions/{session}/messages", json=QUESTION).status_code == 200
    rating = {"turn_no": 1, "rating": 1}

    statuses = [client.post(f"/api/sessions/{session}/feedback", json=rating).status_code for _ in range(3)]

    assert statuses == [201, 201, 429]
    refused = client.post(f"/api/sessions/{session}/feedback", json=rating)
    assert "Too many feedback requests from this address: the limit is 2 per minute" in refused.json()["detail"]
    assert int(refused.headers["retry-after"]) >= 1
    assert client.post(f"/api/sessions/{session}/messages", json=QUESTION).status_code == 200  # messages count apart


def test_cancelling_a_handoff_counts_as_a_message(assistant) -> None:  # type: ignore[no-untyped-def]
    client = make_client(assistant, ApiGuards(per_ip=Rate(2, 60)))
    session = new_session(make_client(assistant, ApiGuards()))

    statuses = [
        client.post(f"/api/sessions/{session}/handoff").status_code,
        client.delete(f"/api/sessions/{session}/handoff").status_code,
        client.post(f"/api/sessions/{session}/handoff").status_code,
    ]

    assert statuses == [200, 200, 429]


def test_a_valid_key_skips_the_per_address_limits_of_starting_and_feedback(assistant) -> None:  # type: ignore[no-untyped-def]
    client = make_client(assistant, ApiGuards(keys=ApiKeys([hash_key(KEY)]), per_ip=Rate(1, 60)))
    auth = {"Authorization": f"Bearer {KEY}"}

    sessions = [new_session(client, **auth) for _ in range(3)]  # a shop's backend, for many customers

    assert len(set(sessions)) == 3


def test_a_refused_message_is_in_the_words_of_the_replies_file(assistant) -> None:  # type: ignore[no-untyped-def]
    from dialog.replies import parse_replies

    replies = parse_replies(
        {"too_many_in_conversation": "Zu viele Nachrichten. Bitte warten Sie {seconds} Sekunde(n).",
         "too_many_from_address": "Zu viele Nachrichten von dieser Adresse ({limit})."}, "replies.yaml",
    )
    per_session = make_client(assistant, ApiGuards(per_session=Rate(1, 60), replies=replies))
    per_address = make_client(assistant, ApiGuards(per_ip=Rate(1, 60), replies=replies), client_ip="198.51.100.4")
    first, second = new_session(per_session), new_session(per_address)

    sent = [client.post(f"/api/sessions/{session}/messages", json=QUESTION) for client, session in [(per_session, first), (per_address, second)] * 2]

    assert [response.status_code for response in sent] == [200, 200, 429, 429]
    assert sent[2].json()["detail"].startswith("Zu viele Nachrichten. Bitte warten Sie ")
    assert sent[3].json()["detail"] == "Zu viele Nachrichten von dieser Adresse (1 per minute)."


def test_completions_over_the_limit_are_openai_rate_limit_errors(assistant) -> None:  # type: ignore[no-untyped-def]
    client = make_client(assistant, ApiGuards(per_ip=Rate(1, 60)))
    completion = {"messages": [{"role": "user", "content": "How long do password reset links work?"}]}

    assert client.post("/v1/chat/completions", json=completion).status_code == 200
    refused = client.post("/v1/chat/completions", json=completion)

    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"]["type"] == "rate_limit_error" and refused.json()["error"]["code"] == "rate_limit_exceeded"


# -- body size --------------------------------------------------------------------------------------------------


def test_declared_and_chunked_bodies_over_the_limit_are_413(assistant) -> None:  # type: ignore[no-untyped-def]
    client = make_client(assistant, ApiGuards(max_body_bytes=2048))
    url = f"/api/sessions/{new_session(client)}/messages"
    big = json.dumps({"text": "x" * 3000}).encode()

    declared = client.post(url, content=big, headers={"content-type": "application/json"})
    chunked = client.post(url, content=iter([big[:1000], big[1000:]]), headers={"content-type": "application/json"})
    small = client.post(url, content=iter([b'{"text": "How much does ', b'express shipping cost?"}']),
                        headers={"content-type": "application/json"})

    assert declared.status_code == 413 and "3,0" in declared.json()["detail"]
    assert chunked.status_code == 413 and "limit of 2,048 bytes" in chunked.json()["detail"]
    assert small.status_code == 200 and "event: done" in small.text


def test_a_body_in_many_pieces_is_counted_and_replayed() -> None:
    """Straight through the middleware: pieces are counted as they come and handed on as one body."""
    seen: list[bytes] = []

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        seen.append((await receive())["body"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def call(pieces: list[bytes]) -> int:
        messages = [{"type": "http.request", "body": p, "more_body": i < len(pieces) - 1} for i, p in enumerate(pieces)]
        sent: list[dict] = []

        async def receive():  # type: ignore[no-untyped-def]
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        async def send(message):  # type: ignore[no-untyped-def]
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/v1/chat/completions", "headers": [], "client": ("1.2.3.4", 1)}
        await ApiGuardMiddleware(app, ApiGuards(max_body_bytes=1024))(scope, receive, send)
        return sent[0]["status"]

    assert asyncio.run(call([b"a" * 500, b"b" * 500, b"c" * 24])) == 200 and seen == [b"a" * 500 + b"b" * 500 + b"c" * 24]
    assert asyncio.run(call([b"a" * 500, b"b" * 500, b"c" * 25])) == 413 and len(seen) == 1


@pytest.mark.parametrize(
    ("content", "headers", "message"),
    [
        (b'{"text": "hi"', {"content-type": "application/json"}, "not valid JSON"),
        (b"", {"content-type": "application/json"}, "needs a JSON body"),
        (b'{"text": 5}', {"content-type": "application/json"}, "text: Input should be a valid string"),
        (b'{"txt": "hi"}', {"content-type": "application/json"}, "text: Field required"),
    ],
)
def test_bodies_that_do_not_validate_get_one_clear_sentence(assistant, content: bytes, headers: dict, message: str) -> None:  # type: ignore[no-untyped-def]
    client = make_client(assistant, ApiGuards())
    response = client.post(f"/api/sessions/{new_session(client)}/messages", content=content, headers=headers)

    assert response.status_code == 422
    assert message in response.json()["detail"] and isinstance(response.json()["errors"], list)
