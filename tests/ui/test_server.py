"""The web server: article pages, escaping, 404 and health, through FastAPI's test client."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.app import Assistant
from retrieval.ingest import ingest
from ui.chat import ChatPage, format_sources
from ui.server import create_app


@pytest.fixture
def client(assistant: Assistant, kb_dir: Path) -> TestClient:
    (kb_dir / "notes" / "unsafe.md").parent.mkdir()
    (kb_dir / "notes" / "unsafe.md").write_text(
        "# Unsafe article\n\nHello <script>alert('x')</script> world.\n\n<img src=x onerror=alert(1)>\n"
    )
    ingest([kb_dir], assistant.embedder, assistant.settings.index_dir)
    app = create_app(ChatPage(assistant.manager).build(), assistant.retriever)
    with TestClient(app) as test_client:
        yield test_client


def test_article_page_renders_markdown(client: TestClient) -> None:
    response = client.get("/kb/accounts/reset-password")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>Reset your password</title>" in response.text  # its h1, not its id
    assert "<h1>Reset your password</h1>" in response.text
    assert "<h2 id=\"how-long-the-link-works\">How long the link works</h2>" in response.text
    assert "expire after 30 minutes" in response.text


def test_article_page_is_in_english_with_its_text_in_a_main_landmark(client: TestClient) -> None:
    # screen readers jump to <main> past the link back; the language gives them the right voice
    text = client.get("/kb/accounts/reset-password").text

    assert '<html lang="en">' in text
    assert '<nav><p><a href="/">' in text
    assert text.index("<main><h1>Reset your password</h1>") < text.index("30 minutes") < text.index("</main>")


def test_the_chat_page_passes_escape_on_to_the_embed_widget(client: TestClient) -> None:
    # keys typed in the chat stay in the widget's frame: the page itself tells the widget to close
    from ui.embed import CLOSE_MESSAGE, EMBED_JS

    head = client.get("/config").json()["head"]  # what Gradio adds to the page's <head>

    assert f'window.parent.postMessage("{CLOSE_MESSAGE}", "*")' in head
    assert f'event.data === "{CLOSE_MESSAGE}"' in EMBED_JS


def test_raw_html_in_an_article_is_escaped(client: TestClient) -> None:
    response = client.get("/kb/notes/unsafe")

    assert response.status_code == 200
    assert "<script>" not in response.text
    assert "&lt;script&gt;alert(" in response.text
    assert "<img" not in response.text


def test_faq_page_has_an_anchor_for_every_cited_entry(assistant: Assistant, client: TestClient) -> None:
    result = assistant.manager.handle(assistant.manager.start_session(), "Do you offer gift wrapping?")
    link = format_sources(result).split("](")[1].split(")")[0]
    assert link == "/kb/faq#do-you-offer-gift-wrapping"

    response = client.get(link.split("#")[0])

    assert response.status_code == 200
    assert '<h2 id="do-you-offer-gift-wrapping">Do you offer gift wrapping?</h2>' in response.text
    assert "$3.99 per item" in response.text


@pytest.mark.parametrize("path", ["/kb/accounts/nope", "/kb/faq%23missing-entry", "/kb/../pyproject"])
def test_unknown_article_is_404(client: TestClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404


def test_a_cited_article_that_is_gone_is_a_page_with_the_way_back_not_json(client: TestClient) -> None:
    # a customer following a citation of an article removed since got FastAPI's {"detail": ...}
    response = client.get("/kb/accounts/<removed>")

    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in response.text and '<a href="/">&larr; Back to the assistant</a>' in response.text
    assert "<h1>No article &#x27;accounts/&lt;removed&gt;&#x27; in the knowledge base.</h1>" in response.text
    assert response.headers["content-security-policy"].startswith("script-src 'none'")


def test_healthz(client: TestClient, assistant: Assistant) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "chunks": 10, "index_version": assistant.retriever.index.updated_at}


def test_healthz_names_the_index_version_so_a_rollout_to_several_servers_can_be_checked(
    client: TestClient, assistant: Assistant, kb_dir: Path
) -> None:
    before = client.get("/healthz").json()["index_version"]
    manifest = assistant.settings.index_dir / "manifest.json"
    written = json.loads(manifest.read_text())
    (kb_dir / "loyalty.md").write_text("# Loyalty\n\nLoyalty points expire after 18 months.\n")
    time.sleep(1.1)  # updated_at counts whole seconds
    ingest([kb_dir], assistant.embedder, assistant.settings.index_dir)

    after = client.get("/healthz").json()

    assert before == written["updated_at"] and after["index_version"] == json.loads(manifest.read_text())["updated_at"]
    assert after["index_version"] != before and after["chunks"] == 11


def test_healthz_counts_the_writes_waiting_for_the_database(assistant: Assistant, monkeypatch) -> None:
    from assistant.store import SpoolingStore

    app = create_app(ChatPage(assistant.manager).build(), assistant.retriever, assistant.manager)
    with TestClient(app) as client:
        assert client.get("/healthz").json()["spooled_writes"] == 0
        monkeypatch.setattr(SpoolingStore, "pending", lambda self: 3)  # as during a database outage
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["spooled_writes"] == 3  # turns still work: up


def test_chat_page_is_mounted_at_root(client: TestClient) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert "Help centre assistant" in response.text


def test_api_is_mounted_beside_the_chat_page_with_its_docs(assistant: Assistant) -> None:
    app = create_app(ChatPage(assistant.manager).build(), assistant.retriever, assistant.manager)
    with TestClient(app) as web:
        assert web.post("/api/sessions").status_code == 201
        docs = web.get("/api/docs")
        assert docs.status_code == 200 and "cdn" not in docs.text  # Swagger UI is served from here, offline
        for asset in re.findall(r'(?:src|href)="(/api-docs-assets/[^"]+)"', docs.text):
            assert web.get(asset).status_code == 200, asset
        assert len(re.findall(r'(?:src|href)="(/api-docs-assets/[^"]+)"', docs.text)) >= 2  # script and styles
        paths = web.get("/api/openapi.json").json()["paths"]
        assert {"/api/sessions", "/api/sessions/{session_id}/messages", "/v1/chat/completions"} <= set(paths)
        assert web.get("/").status_code == 200  # the chat page is still there


@pytest.mark.parametrize("path", ["/api/nope", "/api/sessions/abc/nope", "/api", "/api/", "/api/staff/nope"])
def test_an_unknown_api_path_is_a_json_404_not_the_chat_pages(assistant: Assistant, path: str) -> None:
    app = create_app(ChatPage(assistant.manager).build(), assistant.retriever, assistant.manager)
    with TestClient(app) as web:
        for method in ("GET", "POST", "DELETE"):
            response = web.request(method, path)
            assert response.status_code == 404 and response.headers["content-type"] == "application/json"
            assert response.json() == {"detail": f"There is no API endpoint {method} {path}; the endpoints are listed at /api/docs."}


def test_an_unknown_v1_path_is_an_openai_style_404(assistant: Assistant) -> None:
    app = create_app(ChatPage(assistant.manager).build(), assistant.retriever, assistant.manager)
    with TestClient(app) as web:
        response = web.post("/v1/completions", json={"prompt": "hi"})  # the legacy endpoint, which this server has not

    assert response.status_code == 404
    body = response.json()
    assert body["detail"] == "There is no API endpoint POST /v1/completions; the endpoints are listed at /api/docs."
    assert body["error"] == {"message": body["detail"], "type": "invalid_request_error", "param": None, "code": "not_found"}


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/api/sessions", "POST"),
        ("PUT", "/api/sessions/abc", "GET"),
        ("GET", "/api/sessions/abc/messages", "POST"),
        ("PATCH", "/api/sessions/abc/handoff", "DELETE, POST"),
        ("GET", "/v1/chat/completions", "POST"),
        ("POST", "/v1/models", "GET"),
        ("POST", "/api/openapi.json", "GET, HEAD"),
    ],
)
def test_a_wrong_method_is_a_json_405_with_allow(assistant: Assistant, method: str, path: str, allow: str) -> None:
    app = create_app(ChatPage(assistant.manager).build(), assistant.retriever, assistant.manager)
    with TestClient(app) as web:
        response = web.request(method, path)

    assert response.status_code == 405 and response.headers["allow"] == allow
    assert response.json()["detail"] == f"{method} is not allowed on {path}; it takes {allow}."
    if path.startswith("/v1/"):
        assert response.json()["error"]["code"] == "method_not_allowed"


def test_the_json_errors_leave_the_other_pages_and_the_api_alone(assistant: Assistant) -> None:
    app = create_app(ChatPage(assistant.manager).build(), assistant.retriever, assistant.manager)
    with TestClient(app) as web:
        assert web.get("/").status_code == 200 and web.get("/config").status_code == 200  # the chat page
        assert web.get("/kb/accounts/reset-password").status_code == 200 and web.get("/healthz").status_code == 200
        assert web.get("/api/docs").status_code == 200 and web.get("/v1/models").status_code == 200
        assert web.get("/api/sessions/abc").json() == {"detail": "No conversation with id 'abc'."}
        assert web.get("/apiary").status_code == 404  # not under /api/: the chat page's own 404
        paths = web.get("/api/openapi.json").json()["paths"]
        assert not any("{rest}" in path or path in ("/api", "/v1") for path in paths)  # the catch-all is not documented


def test_unknown_api_paths_need_a_key_like_the_rest_when_keys_are_set(assistant: Assistant) -> None:
    from assistant.api_security import ApiGuards, ApiKeys, hash_key

    key = "sa-test-key-0123456789abcdef"
    guards = ApiGuards(keys=ApiKeys([hash_key(key)]))
    app = create_app(ChatPage(assistant.manager).build(), assistant.retriever, assistant.manager, guards=guards)
    with TestClient(app) as web:
        assert web.get("/api/nope").status_code == 401  # nothing about the API's paths is told without a key
        assert web.get("/api/nope", headers={"X-API-Key": key}).status_code == 404


def test_no_other_site_may_read_the_pages_or_the_api_with_the_staff_cookie(assistant: Assistant) -> None:
    # Gradio's own CORS rule allowed every origin, with credentials, on a host other than localhost:
    # a page anywhere could read the review pages with a logged-in member of staff's cookie.
    assistant.staff.set("ana", "a long password")
    with TestClient(assistant.web_app(), base_url="https://help.example.com") as web:
        assert web.post("/review/login", data={"username": "ana", "password": "a long password"}).status_code == 200
        evil = {"Origin": "https://evil.example"}
        preflight = web.options(
            "/review/config", headers=evil | {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "content-type"}
        )
        reads = [web.get(path, headers=evil) for path in ("/review/config", "/config", "/api/openapi.json")]

        assert reads[0].status_code == 200  # the cookie went with it; the browser must not hand the page the answer
        for response in [preflight, *reads]:
            assert "access-control-allow-origin" not in response.headers
            assert "access-control-allow-credentials" not in response.headers
        assert web.get("/").status_code == 200 and web.get("/review/config").status_code == 200  # same origin as ever


def test_the_review_pages_may_not_be_framed_and_the_chat_page_may(assistant: Assistant) -> None:
    with TestClient(assistant.web_app()) as web:
        review, chat = web.get("/review/"), web.get("/?embed=1")

    assert review.headers["content-security-policy"] == "frame-ancestors 'none'" and review.headers["x-frame-options"] == "DENY"
    assert "x-frame-options" not in chat.headers and "content-security-policy" not in chat.headers


def test_healthz_says_when_the_rate_limits_redis_cannot_be_reached(assistant: Assistant) -> None:
    """Two servers sharing rate limits through Redis: while it cannot be reached the limits are not enforced, and
    /healthz says so (it said nothing; the first sign was a warning at the first message)."""
    from assistant.api_security import ApiGuards, Rate

    guards = ApiGuards(per_ip=Rate(60, 60), redis_url="redis://127.0.0.1:9/0")  # nothing listens on port 9
    app = create_app(ChatPage(assistant.manager).build(), assistant.retriever, assistant.manager, guards=guards)
    with TestClient(app) as web:
        body = web.get("/healthz").json()

    # refused at once, or (a busy machine) not answered within the client's connect timeout
    assert body["rate_limit_redis"] == "down" and any(kind in body["rate_limit_redis_error"] for kind in ("ConnectionError", "TimeoutError"))
