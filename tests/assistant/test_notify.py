"""Handoff notices reach a real HTTP webhook; a webhook that fails or is down loses no turn."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from assistant.app import Assistant
from assistant.config import load_settings
from assistant.notify import MESSAGE_CHARS, QUEUE_SIZE, HandoffNotifier, forget_notices, notices_folder
from retrieval.ingest import ingest
from conftest import HASH_MIN_SCORE


class Webhook(ThreadingHTTPServer):
    """Records the JSON bodies it is sent; answers ``statuses`` in turn (then 200)."""

    def __init__(self, statuses: list[int]) -> None:
        super().__init__(("127.0.0.1", 0), WebhookHandler)
        self.statuses = list(statuses)
        self.bodies: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/support"


class WebhookHandler(BaseHTTPRequestHandler):
    server: Webhook

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers["content-length"])
        self.server.bodies.append(json.loads(self.rfile.read(length)))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(status)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


@pytest.fixture
def webhook(request: pytest.FixtureRequest) -> Iterator[Webhook]:
    server = Webhook(getattr(request, "param", []))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def assistant_with_webhook(url: str, kb_dir, public_url: str = "") -> Assistant:  # type: ignore[no-untyped-def]
    settings = load_settings(
        embedder="hash", generator="scripted", answer_mode="generative", min_retrieval_score=HASH_MIN_SCORE,
        handoff_webhook_url=url, public_url=public_url,
    )
    app = Assistant(settings)
    ingest([kb_dir], app.embedder, settings.index_dir)
    return app


def wait_for_notices(app: Assistant) -> None:
    app.store.notifier.wait_until_sent()  # the redacting store passes this on to the notifying store it wraps


def test_a_handoff_posts_one_notice_with_the_customers_message_redacted(webhook: Webhook, kb_dir) -> None:
    app = assistant_with_webhook(webhook.url, kb_dir)

    answered = app.manager.handle(None, "How long is a password reset link valid?")
    handed = app.manager.handle(None, "I want to talk to a human, call me on +44 7700 900123")
    wait_for_notices(app)

    assert answered.session_id not in json.dumps(webhook.bodies)
    [body] = webhook.bodies
    assert body["session_id"] == handed.session_id and body["reason"] == "the customer asked for a human"
    assert "+44 7700 900123" not in body["customer_message"] and "talk to a human" in body["customer_message"]
    assert body["text"].startswith("A customer is waiting for a person") and handed.session_id in body["text"]


def test_staff_taking_over_themselves_sends_no_notice(webhook: Webhook, kb_dir) -> None:
    app = assistant_with_webhook(webhook.url, kb_dir)
    session_id = app.manager.handle(None, "How long is a password reset link valid?").session_id

    app.manager.reply_as_staff(session_id, "I'm joining to help.", author="ana")
    wait_for_notices(app)

    assert webhook.bodies == []
    assert app.manager.tracker(session_id).with_person


def test_staff_hear_who_replied_first_and_when_it_went_back_to_the_assistant_with_a_link_each(webhook: Webhook, kb_dir) -> None:
    # Before, only the handoff was told: the channel could not see which customers already had a person.
    app = assistant_with_webhook(webhook.url, kb_dir, public_url="https://support.example.com/")
    session_id = app.manager.handle(None, "I want to talk to a human").session_id

    app.manager.reply_as_staff(session_id, "Ana here, how can I help?", author="ana")
    app.manager.reply_as_staff(session_id, "Still there?", author="bo")  # not the first reply: no notice
    app.manager.hand_back(session_id, author="bo")
    wait_for_notices(app)

    handoff, taken, back = webhook.bodies
    link = f"https://support.example.com/review/?conversation={session_id}"
    assert [body["kind"] for body in webhook.bodies] == ["handoff", "taken", "handed_back"]
    assert all(body["session_id"] == session_id and body["conversation_url"] == link for body in webhook.bodies)
    assert link in handoff["text"] and link in back["text"]
    assert taken["author"] == "ana" and taken["text"].startswith("ana is replying to conversation")
    assert back["author"] == "bo" and "back with the assistant" in back["text"]
    assert len({body["notice_id"] for body in webhook.bodies}) == 3


def test_a_taken_over_conversation_sends_no_notice_when_it_is_handed_back(webhook: Webhook, kb_dir) -> None:
    app = assistant_with_webhook(webhook.url, kb_dir)
    session_id = app.manager.handle(None, "How long is a password reset link valid?").session_id

    app.manager.reply_as_staff(session_id, "I'm joining to help.", author="ana")
    app.manager.reply_as_staff(session_id, "Anything else?", author="ana")
    app.manager.hand_back(session_id, author="ana")
    app.manager.request_handoff(session_id, "asked again")  # a new handoff after it is told, with no link
    wait_for_notices(app)

    [body] = webhook.bodies
    assert body["kind"] == "handoff" and body["reason"] == "asked again" and body["conversation_url"] is None


@pytest.mark.parametrize("webhook", [[503, 429, 502]], indirect=True)
def test_a_failing_webhook_is_tried_again_until_it_takes_the_notice(webhook: Webhook) -> None:
    # It was tried once more after 1 s: a helpdesk restarting for a few seconds lost the notice for good.
    notifier = HandoffNotifier(webhook.url, retry_delays_s=(0.01, 0.01, 0.01, 0.01))

    assert notifier.send(notifier.notice("abc", "asked for a person", "x" * (MESSAGE_CHARS + 50)))

    assert len(webhook.bodies) == 4  # 503, 429, 502, then taken
    assert len({body["notice_id"] for body in webhook.bodies}) == 1  # one id on every try: a receiver drops copies
    assert webhook.bodies[3]["customer_message"] == "x" * MESSAGE_CHARS + "…"


def test_a_webhook_down_for_a_while_still_gets_the_notice_with_its_idempotency_key() -> None:
    tries: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        tries.append(request)
        if len(tries) < 3:
            raise httpx.ConnectError("Connection refused", request=request)
        return httpx.Response(200)

    notifier = HandoffNotifier("http://helpdesk.example/hook", retry_delays_s=(0.01,) * 4, transport=httpx.MockTransport(receiver))
    body = notifier.notice("abc", "asked for a person", "hello")

    assert notifier.send(body) is True and len(tries) == 3
    assert {request.headers["idempotency-key"] for request in tries} == {body["notice_id"]}


@pytest.mark.parametrize("webhook", [[404]], indirect=True)
def test_a_webhook_that_refuses_the_notice_is_not_tried_again(webhook: Webhook, caplog: pytest.LogCaptureFixture) -> None:
    notifier = HandoffNotifier(webhook.url, retry_delays_s=(0.01, 0.01))

    with caplog.at_level(logging.WARNING, logger="assistant.notify"):
        assert notifier.send(notifier.notice("abc", "asked for a person", None)) is False

    assert len(webhook.bodies) == 1 and "HTTP 404" in caplog.text


def test_a_handoff_through_the_api_quotes_what_the_customer_wrote_before(webhook: Webhook, kb_dir) -> None:
    # The notice of a handoff outside a turn quoted nothing ("customer_message": null), though the customer had written.
    app = assistant_with_webhook(webhook.url, kb_dir)
    session_id = app.manager.handle(None, "How long is a password reset link valid? Mail me at ann@example.com").session_id

    app.manager.request_handoff(session_id, "wants a refund exception")
    wait_for_notices(app)

    [body] = webhook.bodies
    assert body["reason"] == "wants a refund exception"
    assert body["customer_message"].startswith("How long is a password reset link valid?")
    assert "ann@example.com" not in body["customer_message"]  # as stored: redacted


def test_a_webhook_that_is_down_is_logged_and_the_turn_is_kept(kb_dir, caplog: pytest.LogCaptureFixture) -> None:
    app = assistant_with_webhook("http://127.0.0.1:9/hooks/support", kb_dir)  # nothing listens on port 9
    app.store.notifier.retry_delays_s, app.store.notifier.max_age_s = (0.01,), 0.05

    with caplog.at_level(logging.WARNING, logger="assistant.notify"):
        result = app.manager.handle(None, "I want to talk to a human")
        wait_for_notices(app)

    assert result.action == "handoff"
    assert [t.action for t in app.sql_store.turns(result.session_id)] == ["handoff"]
    assert "not delivered to the webhook" in caplog.text and result.session_id in caplog.text


def test_a_handoff_in_an_openai_compatible_request_sends_a_notice(webhook: Webhook, kb_dir) -> None:
    # The Inbox lists /v1/chat/completions handoffs (the client reads staff replies with the response's
    # session_id), so staff are told of them like any other.
    app = assistant_with_webhook(webhook.url, kb_dir)

    one_off = app.manager.handle(None, "I want to talk to a human", channel="openai")
    in_chat = app.manager.handle(None, "I want to talk to a human", channel="api")
    wait_for_notices(app)

    assert one_off.handoff and in_chat.handoff
    assert sorted(body["session_id"] for body in webhook.bodies) == sorted([one_off.session_id, in_chat.session_id])


def test_customer_words_cannot_ping_the_channel_or_disguise_a_link() -> None:
    body = HandoffNotifier.notice("abc", "asked <!channel>", "see <https://evil.example|Refund form> & <!here>")

    assert "<!channel>" not in body["text"] and "<!here>" not in body["text"] and "<https://" not in body["text"]
    assert "&lt;!channel&gt;" in body["text"] and "&amp;" in body["text"]
    assert body["customer_message"] == "see <https://evil.example|Refund form> & <!here>"  # the raw field is data


def test_notices_queue_for_one_worker_and_a_full_queue_drops_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    release = threading.Event()

    class Stalled(HandoffNotifier):
        def send(self, body, given_at=None, path=None, **worker):  # type: ignore[no-untyped-def]
            release.wait(timeout=30)
            return True

    notifier = Stalled("http://127.0.0.1:9/unused")
    threads_before = threading.active_count()
    with caplog.at_level(logging.WARNING, logger="assistant.notify"):
        accepted = [notifier.send_later({"session_id": f"s{n}"}) for n in range(QUEUE_SIZE + 5)]

    assert threading.active_count() - threads_before <= 1  # one worker, however many handoffs
    assert accepted.count(False) >= 4 and "dropped" in caplog.text
    release.set()
    notifier.wait_until_sent()


def test_closing_waits_for_queued_notices_then_gives_up_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    """The worker is a daemon thread: without this, a notice queued when the server stops (or when
    `assistant ask` ends) died with the process."""
    release = threading.Event()
    sent: list[dict] = []

    class Slow(HandoffNotifier):
        def send(self, body, given_at=None, path=None, **worker):  # type: ignore[no-untyped-def]
            release.wait(timeout=30)
            sent.append(body)
            return True

    notifier = Slow("http://127.0.0.1:9/unused")
    notifier.send_later({"session_id": "s1"})
    with caplog.at_level(logging.WARNING, logger="assistant.notify"):
        assert notifier.close(timeout_s=0.1) is False  # still stuck: given up on, and said so
    assert "1 handoff notice(s) not sent before exit" in caplog.text
    release.set()
    assert notifier.close() is True and sent == [{"session_id": "s1"}]


def test_ask_sends_the_handoff_notice_before_it_ends(webhook: Webhook, kb_dir, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app as cli_app

    app = assistant_with_webhook(webhook.url, kb_dir)  # ingests the knowledge base into the test's data folder
    monkeypatch.setenv("ASSISTANT_HANDOFF_WEBHOOK_URL", webhook.url)
    result = CliRunner().invoke(
        cli_app, ["--embedder", "hash", "--generator", "scripted", "--answer-mode", "generative", "ask", "I want to talk to a human"]
    )

    assert result.exit_code == 0, result.output
    assert [body["customer_message"] for body in webhook.bodies] == ["I want to talk to a human"]
    app.close()


@pytest.mark.parametrize("webhook", [[503]], indirect=True)
def test_a_server_stopped_by_sigterm_sends_its_queued_notice_first(webhook: Webhook, kb_dir, isolated) -> None:
    """uvicorn ends the process with the SIGTERM it handled; the notice being retried (a 503 first, the
    retry a second later) went with it. `assistant serve` now lets queued notices go out before it exits."""
    import signal
    import urllib.request

    from cli_helpers import serve_process

    assistant_with_webhook(webhook.url, kb_dir).close()  # the knowledge base indexed into the data folder
    options = ("--embedder", "hash", "--generator", "scripted", "--answer-mode", "generative")
    with serve_process(*options, env={"ASSISTANT_HANDOFF_WEBHOOK_URL": webhook.url}) as (server, base):
        session = json.load(urllib.request.urlopen(urllib.request.Request(f"{base}/api/sessions", method="POST")))["session_id"]
        message = urllib.request.Request(
            f"{base}/api/sessions/{session}/messages", data=json.dumps({"text": "I want to talk to a human"}).encode(),
            headers={"content-type": "application/json"}, method="POST",
        )
        assert b"event: done" in urllib.request.urlopen(message).read()
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode()
    assert server.returncode == 0, output
    assert len(webhook.bodies) == 2 and webhook.bodies[1]["session_id"] == session  # the retry went out before the exit


def test_the_webhook_url_is_not_logged_with_verbose_logging(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """A chat webhook's URL is its secret (Slack: https://hooks.slack.com/services/T…/B…/token)."""
    import httpx
    from typer.testing import CliRunner

    from assistant.cli import app

    monkeypatch.setattr(logging.getLogger("httpx"), "level", logging.NOTSET)  # restored after the test
    assert CliRunner().invoke(app, ["--verbose", "models", "list"]).exit_code == 0  # sets up logging as `serve -v` does
    caplog.set_level(logging.INFO)
    url = "https://hooks.example.com/services/T0000/B0000/s3cretT0ken"
    notifier = HandoffNotifier(url, transport=httpx.MockTransport(lambda request: httpx.Response(200)))

    assert notifier.send(HandoffNotifier.notice("s1", "asked for a person", "hello"))
    assert "s3cretT0ken" not in caplog.text


@pytest.mark.parametrize("webhook", [[200, 503, 200, 503]], indirect=True)
def test_inbox_reply_and_hand_back_send_their_notices_before_they_end(webhook: Webhook, kb_dir, monkeypatch: pytest.MonkeyPatch) -> None:
    """The staff commands ended with their notice still queued (its retry a second later): the "taken" and
    "handed_back" notices of `assistant inbox reply` and `hand-back` were lost with the process."""
    from typer.testing import CliRunner

    from assistant.cli import app as cli_app

    assistant_with_webhook(webhook.url, kb_dir).close()  # the knowledge base indexed into the test's data folder
    monkeypatch.setenv("ASSISTANT_HANDOFF_WEBHOOK_URL", webhook.url)
    options = ["--embedder", "hash", "--generator", "scripted", "--answer-mode", "generative"]
    asked = CliRunner().invoke(cli_app, [*options, "ask", "--json", "I want to talk to a human"])
    session_id = json.loads(asked.stdout)["session_id"]

    replied = CliRunner().invoke(cli_app, [*options, "inbox", "reply", session_id, "Hi, Ana here.", "--as", "ana"])
    taken = [body["kind"] for body in webhook.bodies]
    back = CliRunner().invoke(cli_app, [*options, "inbox", "hand-back", session_id, "--as", "ana"])

    assert replied.exit_code == 0 and back.exit_code == 0, replied.output + back.output
    assert taken == ["handoff", "taken", "taken"]  # the first try refused (503), the retry went out before the end
    assert [body["kind"] for body in webhook.bodies] == ["handoff", "taken", "taken", "handed_back", "handed_back"]


def failing_then_taking(failures: int, tries: list[httpx.Request]) -> httpx.MockTransport:
    """A webhook that is down for ``failures`` tries, then takes every notice; ``tries`` records each."""

    def receiver(request: httpx.Request) -> httpx.Response:
        tries.append(request)
        if len(tries) <= failures:
            raise httpx.ConnectError("Connection refused", request=request)
        return httpx.Response(200)

    return httpx.MockTransport(receiver)


def test_a_webhook_down_longer_than_the_first_retries_still_gets_the_notice() -> None:
    # It was given up on after 1, 5, 30 and 120 s: a chat tool down for three minutes lost the notice.
    tries: list[httpx.Request] = []
    notifier = HandoffNotifier(
        "http://helpdesk.example/hook", retry_delays_s=(0.01,), retry_every_s=0.01, transport=failing_then_taking(12, tries)
    )

    assert notifier.send(notifier.notice("abc", "asked for a person", "hello")) is True
    assert len(tries) == 13


def test_a_notice_the_webhook_keeps_failing_on_does_not_hold_up_the_others(caplog: pytest.LogCaptureFixture) -> None:
    # Notices went out strictly in order: a receiver that answered 500 to one notice (say, a bug about something
    # in it) held up every later handoff's notice for the 6 hours that notice was retried.
    tries: list[dict] = []
    fixed = threading.Event()

    def receiver(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        tries.append(body)
        return httpx.Response(500 if body["session_id"] == "poison" and not fixed.is_set() else 200)

    notifier = HandoffNotifier(
        "http://helpdesk.example/hook", retry_delays_s=(0.01, 0.01), retry_every_s=0.05, transport=httpx.MockTransport(receiver)
    )
    first = notifier.notice("poison", "asked for a person", "a message the receiver cannot take")
    with caplog.at_level(logging.WARNING, logger="assistant.notify"):
        notifier.send_later(first)
        notifier.send_later(others := notifier.notice("other", "asked for a person", "hello"))
        time.sleep(0.02)  # the later notice of the same conversation is given after the first
        notifier.send_later(later := notifier.taken_notice("poison", "sam"))
        deadline = time.monotonic() + 10
        while others not in tries and time.monotonic() < deadline:
            time.sleep(0.01)

    assert others in tries  # went out while the first was still being retried
    assert later not in tries  # its conversation's order is kept: not before the notice ahead of it
    assert "the webhook fails (HTTP 500)" in caplog.text
    fixed.set()
    notifier.wait_until_sent()
    delivered = [body["notice_id"] for body in tries[tries.index(first, tries.index(others)):]]
    assert delivered[-2:] == [first["notice_id"], later["notice_id"]]


def test_a_notice_is_given_up_on_when_it_is_too_old(caplog: pytest.LogCaptureFixture) -> None:
    tries: list[httpx.Request] = []
    notifier = HandoffNotifier(
        "http://helpdesk.example/hook", retry_delays_s=(0.01,), retry_every_s=0.01, max_age_s=0.2,
        transport=failing_then_taking(10_000, tries),
    )

    with caplog.at_level(logging.WARNING, logger="assistant.notify"):
        assert notifier.send(notifier.notice("abc", "asked for a person", "hello")) is False

    assert 2 <= len(tries) < 100 and "not delivered to the webhook" in caplog.text


def test_notices_left_when_a_process_stopped_are_sent_in_order_by_the_next(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    # The queue was in memory only: notices still waiting at a stop (the webhook down) were gone.
    outbox = tmp_path / "notices"
    down = HandoffNotifier("http://helpdesk.example/hook", outbox=outbox, transport=failing_then_taking(10_000, []))
    bodies = [HandoffNotifier.notice(f"s{n}", "asked for a person", f"message {n}") for n in range(3)]
    for body in bodies:
        down.send_later(body)
    with caplog.at_level(logging.WARNING, logger="assistant.notify"):
        assert down.close(timeout_s=0.2) is False
    assert str(outbox) in caplog.text and len(list(outbox.glob("*.json"))) == 3

    tries: list[httpx.Request] = []
    later = HandoffNotifier("http://helpdesk.example/hook", outbox=outbox, transport=failing_then_taking(0, tries))
    assert later.send_left_over() == 3
    later.wait_until_sent()

    assert [json.loads(request.content) for request in tries] == bodies  # the same notices (ids too), in order
    assert list(outbox.iterdir()) == []


def test_an_unreadable_notice_file_is_set_aside_and_the_others_are_sent(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    outbox = tmp_path / "notices"
    outbox.mkdir()
    (outbox / "00000000000000000001.abc.s1.json").write_text("{not json")
    tries: list[httpx.Request] = []
    notifier = HandoffNotifier("http://helpdesk.example/hook", outbox=outbox, transport=failing_then_taking(0, tries))
    notifier.send_later(HandoffNotifier.notice("s2", "asked for a person", None))
    notifier.wait_until_sent()

    with caplog.at_level(logging.WARNING, logger="assistant.notify"):
        assert notifier.send_left_over() == 0
    assert [path.name for path in outbox.iterdir()] == ["00000000000000000001.abc.s1.json.broken"]
    assert "cannot be read" in caplog.text and len(tries) == 1


def test_a_server_sends_the_notices_an_earlier_one_left_on_its_data_folder(webhook: Webhook, kb_dir) -> None:
    release = threading.Event()

    class Stopped(HandoffNotifier):  # a server that stopped while its notice waited for the webhook
        def send(self, body, given_at=None, path=None, **worker):  # type: ignore[no-untyped-def]
            release.wait(timeout=30)
            return False

    app = assistant_with_webhook(webhook.url, kb_dir)
    earlier = Stopped(webhook.url, outbox=notices_folder(app.settings.data_dir))
    body = HandoffNotifier.notice("left-over", "asked for a person", "hello")
    earlier.send_later(body)
    earlier.close(timeout_s=0)  # it stops (its outbox files are no longer its own to send)

    app.store  # a server (holding the data folder's spool) starts: it sends what the earlier one left
    wait_for_notices(app)
    release.set()

    assert webhook.bodies == [body]
    app.close()


@pytest.mark.parametrize("webhook", [[503]], indirect=True)
def test_erasing_a_conversation_removes_its_notice_waiting_for_the_webhook(webhook: Webhook, kb_dir) -> None:
    """A notice quotes the customer; `logs delete` erased the conversation but its notice still went out later."""
    from typer.testing import CliRunner

    from assistant.cli import app as cli_app

    app = assistant_with_webhook(webhook.url, kb_dir)
    app.store.notifier.retry_delays_s = (3.0,)  # the first try is refused (503); the retry would come 3 s later
    session_id = app.manager.handle(None, "I want to talk to a human").session_id
    outbox = notices_folder(app.settings.data_dir)
    assert [path.name.split(".")[2] for path in outbox.glob("*.json")] == [session_id]

    deleted = CliRunner().invoke(cli_app, ["logs", "delete", session_id])
    wait_for_notices(app)

    assert deleted.exit_code == 0, deleted.output
    assert "1 handoff notice(s) waiting for the webhook" in " ".join(deleted.output.split())
    assert len(webhook.bodies) == 1 and list(outbox.glob("*.json")) == []  # the refused try only: no retry
    app.close()


def test_a_notice_left_by_a_server_stopped_longer_than_its_age_limit_is_given_up_on(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    """A notice is tried until it is 6 hours old; one left in the outbox by a server stopped for a weekend was
    still sent once at the next start ("a customer is waiting" for a conversation of days before)."""
    outbox = tmp_path / "notices"
    stopped = HandoffNotifier("http://helpdesk.example/hook", outbox=outbox, transport=failing_then_taking(10_000, []))
    stopped.send_later(HandoffNotifier.notice("weekend", "asked for a person", "hello"))
    stopped.close(timeout_s=0.1)
    [left] = outbox.glob("*.json")
    days_ago = time.time_ns() - 2 * 24 * 3600 * 10**9
    left.rename(outbox / f"{days_ago:020d}.{left.name.split('.', 1)[1]}")  # as if written two days ago
    tries: list[httpx.Request] = []
    later = HandoffNotifier("http://helpdesk.example/hook", outbox=outbox, transport=failing_then_taking(0, tries))

    with caplog.at_level(logging.WARNING, logger="assistant.notify"):
        assert later.send_left_over() == 1
        later.wait_until_sent()

    assert tries == [] and list(outbox.iterdir()) == []
    assert "weekend not delivered to the webhook" in caplog.text


def test_a_notice_the_outbox_cannot_take_leaves_no_partial_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that failed half-way (a full disk) left its ``.tmp`` file, with the customer's words, for ever."""
    import assistant.notify as notify

    def full_disk(source, target):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(notify.os, "replace", full_disk)
    outbox = tmp_path / "notices"
    tries: list[httpx.Request] = []
    notifier = HandoffNotifier("http://helpdesk.example/hook", outbox=outbox, transport=failing_then_taking(0, tries))

    assert notifier.send_later(HandoffNotifier.notice("s1", "asked for a person", "my card ends 4242")) is True
    notifier.wait_until_sent()

    assert len(tries) == 1 and list(outbox.iterdir()) == []  # sent from memory, nothing left on disk


def test_erasing_a_conversation_removes_its_notice_file_set_aside_as_broken(tmp_path) -> None:
    outbox = tmp_path / "notices"
    outbox.mkdir()
    (outbox / "00000000000000000001.abc.erased.json.broken").write_text('{"customer_message": "my add')
    (outbox / "00000000000000000002.abd.other.json.broken").write_text("{")

    assert forget_notices(outbox, ["erased"]) == 1
    assert [path.name for path in outbox.iterdir()] == ["00000000000000000002.abd.other.json.broken"]


def wait_until(condition, seconds: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return bool(condition())


def test_a_notice_the_webhook_failed_on_waits_for_its_retry_aside_while_the_others_go_out() -> None:
    # The worker slept through a failing notice's first retries (1 + 5 + 30 s) before setting it aside, and every
    # other conversation's notice waited behind it for those 36 s.
    tries: list[dict] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        tries.append(body)
        return httpx.Response(500 if body["session_id"] == "poison" else 200)

    notifier = HandoffNotifier(
        "http://helpdesk.example/hook", retry_delays_s=(60.0, 60.0, 60.0, 60.0), transport=httpx.MockTransport(receiver)
    )
    notifier.send_later(first := notifier.notice("poison", "asked for a person", "a message the receiver cannot take"))
    notifier.send_later(other := notifier.notice("other", "asked for a person", "hello"))

    assert wait_until(lambda: other in tries)  # not after the failing one's retries (a minute away here)
    assert tries == [first, other]
    notifier.close(timeout_s=0)


def test_failing_notices_beyond_the_set_aside_bound_are_parked_on_disk_and_all_sent_later(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    # The notices set aside for their next try were a list in memory with no bound of its own: a webhook down for
    # hours kept every notice given meanwhile in memory.
    outbox = tmp_path / "notices"
    down = threading.Event()
    down.set()
    taken: list[str] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        if down.is_set():
            return httpx.Response(503)
        taken.append(json.loads(request.content)["notice_id"])
        return httpx.Response(200)

    notifier = HandoffNotifier(
        "http://helpdesk.example/hook", outbox=outbox, retry_delays_s=(0.05,), retry_every_s=0.05, set_aside_max=2,
        transport=httpx.MockTransport(receiver),
    )
    bodies = [HandoffNotifier.notice(name, "asked for a person", "hello") for name in ("a", "b", "c", "d")]
    bodies.append(HandoffNotifier.taken_notice("c", "sam"))  # c's second notice, after its first
    with caplog.at_level(logging.WARNING, logger="assistant.notify"):
        for body in bodies:
            notifier.send_later(body)
            time.sleep(0.002)  # given one after the other
        assert wait_until(lambda: len(list(outbox.glob("*.json.parked"))) == 3)

    assert "parked as" in caplog.text and "2 notices are already set aside in memory" in caplog.text
    assert wait_until(lambda: notifier.status()["handoff_notices_waiting"] == 5)  # 2 set aside, 3 parked
    down.clear()  # the webhook is back
    notifier.wait_until_sent()

    assert sorted(taken) == sorted(body["notice_id"] for body in bodies)  # each one sent, once it was taken
    assert taken.index(bodies[2]["notice_id"]) < taken.index(bodies[4]["notice_id"])  # c's notices in their order
    assert list(outbox.iterdir()) == [] and notifier.status() == {"handoff_notices_waiting": 0}


def test_parked_notices_left_by_a_stopped_server_are_sent_by_the_next(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    outbox = tmp_path / "notices"
    stopped = HandoffNotifier(
        "http://helpdesk.example/hook", outbox=outbox, retry_delays_s=(30.0,), set_aside_max=1,
        transport=failing_then_taking(10_000, []),
    )
    bodies = [HandoffNotifier.notice(f"s{n}", "asked for a person", None) for n in range(3)]
    for body in bodies:
        stopped.send_later(body)
    assert wait_until(lambda: len(list(outbox.glob("*.json.parked"))) == 2)
    with caplog.at_level(logging.WARNING, logger="assistant.notify"):
        assert stopped.close(timeout_s=0) is False
    assert "3 handoff notice(s) not sent before exit" in caplog.text and "(2 of them parked there)" in caplog.text

    tries: list[httpx.Request] = []
    later = HandoffNotifier("http://helpdesk.example/hook", outbox=outbox, transport=failing_then_taking(0, tries))
    assert later.send_left_over() == 3
    later.wait_until_sent()

    assert [json.loads(request.content) for request in tries] == bodies and list(outbox.iterdir()) == []


@pytest.mark.parametrize("webhook", [[503] * 10_000], indirect=True)
def test_a_notice_the_outbox_cannot_take_shows_in_the_health_status_and_is_written_there_once_it_can(
    webhook: Webhook, kb_dir, caplog: pytest.LogCaptureFixture
) -> None:
    # A notice the outbox could not take (a full disk) was held in memory for all its retries, with one log line
    # and nothing in /healthz, and lost if the server stopped meanwhile, though the disk had room again.
    app = assistant_with_webhook(webhook.url, kb_dir)
    store = app.store
    store.notifier.retry_delays_s, store.notifier.retry_every_s = (0.05,), 0.05
    outbox = notices_folder(app.settings.data_dir)
    outbox.parent.mkdir(parents=True, exist_ok=True)
    outbox.write_text("")  # in the way: no notice file can be written there, as on a full disk
    with caplog.at_level(logging.WARNING, logger="assistant.notify"):
        session_id = app.manager.handle(None, "I want to talk to a human").session_id
    assert "kept in memory only" in caplog.text

    status = store.status()  # what /healthz and /readyz report
    assert status["database"] == "up" and status["handoff_notices_waiting"] == 1
    assert status["handoff_notices_error"].startswith("1 notice(s) held in memory only")

    outbox.unlink()  # room again
    assert wait_until(lambda: outbox.is_dir() and len(list(outbox.glob("*.json"))) == 1)
    [written] = outbox.glob("*.json")
    assert json.loads(written.read_text())["session_id"] == session_id
    assert "handoff_notices_error" not in store.status()

    webhook.statuses.clear()  # the webhook takes it
    wait_for_notices(app)
    assert webhook.bodies[-1]["session_id"] == session_id and list(outbox.iterdir()) == []
    app.close()


def test_a_parked_notice_is_tried_again_on_its_own_while_the_one_set_aside_keeps_failing(tmp_path) -> None:
    # Parked notices were queued again only when another notice finished: behind a notice the receiver kept
    # failing on (set aside and tried again and again for up to 6 hours), a parked one was never tried, though
    # the webhook would have taken it.
    outbox = tmp_path / "notices"
    down = threading.Event()
    down.set()
    taken: list[str] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if down.is_set() or body["session_id"] == "poison":
            return httpx.Response(503)
        taken.append(body["session_id"])
        return httpx.Response(200)

    notifier = HandoffNotifier(
        "http://helpdesk.example/hook", outbox=outbox, retry_delays_s=(0.05,), retry_every_s=0.05, set_aside_max=1,
        transport=httpx.MockTransport(receiver),
    )
    notifier.send_later(HandoffNotifier.notice("poison", "asked for a person", "a message the receiver fails on"))
    notifier.send_later(HandoffNotifier.notice("waiting", "asked for a person", "hello"))
    assert wait_until(lambda: len(list(outbox.glob("*.json.parked"))) == 1)  # the one slot in memory is taken
    down.clear()  # the webhook is back, but still fails on the first notice

    assert wait_until(lambda: taken == ["waiting"])
    # its file goes once the webhook's answer is back, a moment after the receiver took it
    assert wait_until(lambda: [path.name.split(".")[2] for path in outbox.glob("*.json")] == ["poison"])  # still set aside
    notifier.close(timeout_s=0)


LIVE_SENDER = """
import sys
from pathlib import Path
from assistant.notify import HandoffNotifier

notifier = HandoffNotifier("http://127.0.0.1:9/hook", outbox=Path(sys.argv[1]), retry_delays_s=(3600.0,))
notifier.send_later(HandoffNotifier.notice("theirs", "asked for a person", "hello"))
print("queued", flush=True)
sys.stdin.read()  # runs until the test closes its stdin
"""


def test_left_over_notices_are_only_those_of_processes_that_are_gone(tmp_path) -> None:
    # send_left_over took every file in the outbox, those of a process still running beside the server too (an
    # `assistant chat` or `inbox reply` on the same data folder): renamed, queued and sent by both.
    import subprocess
    import sys
    from pathlib import Path

    outbox = tmp_path / "notices"
    live = subprocess.Popen(
        [sys.executable, "-c", LIVE_SENDER, str(outbox)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    try:
        assert live.stdout is not None and live.stdout.readline() == b"queued\n"
        [theirs] = outbox.glob("*.json")
        tries: list[httpx.Request] = []
        server = HandoffNotifier("http://helpdesk.example/hook", outbox=outbox, transport=failing_then_taking(0, tries))

        assert server.send_left_over() == 0  # the other process still runs: its notice is its own to send
        assert list(outbox.glob("*.json*")) == [theirs]

        live.stdin.close()  # type: ignore[union-attr]
        assert live.wait(timeout=60) == 0  # it stopped before its notice went out
        assert server.send_left_over() == 1
        server.wait_until_sent()
    finally:
        live.kill()
    assert [json.loads(request.content)["session_id"] for request in tries] == ["theirs"]
    assert list(outbox.iterdir()) == []


def test_stopped_processes_leave_no_owner_lock_files(tmp_path) -> None:
    # each process's lock file in notices.owners/ stayed after it stopped: one more file per `assistant chat` or server start
    outbox = tmp_path / "notices"
    for _ in range(5):
        notifier = HandoffNotifier("http://helpdesk.example/hook", outbox=outbox, transport=failing_then_taking(0, []))
        notifier.send_left_over()
        notifier.send_later(HandoffNotifier.notice("s1", "asked for a person", None))
        notifier.wait_until_sent()
        notifier.close(timeout_s=0.2)

    owners = outbox.with_name("notices.owners")
    assert not owners.exists() or list(owners.iterdir()) == []
