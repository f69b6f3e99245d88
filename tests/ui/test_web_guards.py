"""The web pages' guards (ui/web_guards.py) through the whole served app: request sizes, no uploads to the
chat page, throttled staff logins; and no run history kept in the browser."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from assistant.app import Assistant
from ui.web_guards import MAX_PAGE_REQUEST_BYTES

PASSWORD = "a long enough password"


@pytest.fixture
def client(assistant: Assistant) -> TestClient:
    assistant.staff.set("ana", PASSWORD)
    with TestClient(assistant.web_app()) as test_client:
        yield test_client


def join(client: TestClient, prefix: str, body: bytes, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(f"{prefix}/gradio_api/queue/join", content=body, headers={"content-type": "application/json", **headers})


def test_an_oversized_request_to_the_pages_is_refused_before_it_is_read(client: TestClient) -> None:
    """Gradio read a 30 MB queue request into memory and answered 200."""
    huge = json.dumps({"data": ["A" * MAX_PAGE_REQUEST_BYTES, [], None], "fn_index": 0, "session_hash": "s"}).encode()

    for prefix in ("", "/review"):
        refused = join(client, prefix, huge)
        assert refused.status_code == 413 and "limit" in refused.json()["detail"]

    def chunks():  # no Content-Length: counted as it arrives
        for start in range(0, len(huge), 65536):
            yield huge[start : start + 65536]

    assert client.post("/gradio_api/queue/join", content=chunks(), headers={"content-type": "application/json"}).status_code == 413
    assert client.post("/review/login", data={"username": "ana", "password": "x" * MAX_PAGE_REQUEST_BYTES}).status_code == 413


def test_ordinary_page_requests_still_pass(client: TestClient) -> None:
    small = json.dumps({"data": [], "fn_index": 0, "session_hash": "s"}).encode()

    assert join(client, "", small).status_code == 200  # the chat's own queue
    assert join(client, "/review", small).status_code == 401  # the staff pages: their login, as before
    assert client.get("/config").status_code == 200


def test_the_chat_page_takes_no_uploads(client: TestClient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Anyone could store files of any size through the chat's /gradio_api/upload."""
    refused = client.post("/gradio_api/upload", files={"files": ("big.bin", b"\0" * 4096)})
    staff_only = client.post("/review/gradio_api/upload", files={"files": ("notes.md", b"# Notes")})

    assert refused.status_code == 403 and refused.json() == {"detail": "The chat page takes no files."}
    assert staff_only.status_code == 401  # the staff pages' upload stays behind their login


def test_failed_logins_are_throttled_per_address_and_per_username(assistant: Assistant) -> None:
    """Any number of guesses were checked, and a right password after them let the guesser in."""
    assistant.staff.set("ana", PASSWORD)
    assistant.staff.set("ben", PASSWORD)
    app = assistant.web_app()
    with TestClient(app, client=("203.0.113.7", 5000)) as guesser, TestClient(app, client=("198.51.100.2", 5000)) as other:
        for n in range(10):
            assert guesser.post("/review/login", data={"username": "ana", "password": f"guess {n}"}).status_code == 400

        locked = guesser.post("/review/login", data={"username": "ana", "password": PASSWORD})
        other_user = guesser.post("/review/login", data={"username": "ben", "password": PASSWORD})
        other_address = other.post("/review/login", data={"username": "ana", "password": PASSWORD})
        ben_elsewhere = other.post("/review/login", data={"username": "ben", "password": PASSWORD})

    assert locked.status_code == 429 and "Too many failed logins" in locked.json()["detail"]
    assert 1 <= int(locked.headers["retry-after"]) <= 15 * 60
    assert other_user.status_code == 429  # this address is locked, whichever name it tries
    assert other_address.status_code == 429  # and so is this username, from anywhere
    assert ben_elsewhere.status_code == 200 and "access-token" in ben_elsewhere.headers["set-cookie"]


def test_no_run_history_is_kept_in_the_browser(client: TestClient) -> None:
    """Gradio kept each call's inputs and outputs (the conversation, its session id) in localStorage."""
    assert client.get("/config").json()["run_history"] is False
    client.post("/review/login", data={"username": "ana", "password": PASSWORD})
    assert client.get("/review/config").json()["run_history"] is False


def test_login_cookies_are_samesite_lax_and_only_secure_over_https(assistant: Assistant) -> None:
    """Gradio set the token SameSite=None (sent with other sites' requests) and, over HTTPS too, a copy
    without Secure (sent over plain HTTP)."""
    assistant.staff.set("ana", PASSWORD)
    app = assistant.web_app()
    with TestClient(app) as plain, TestClient(app, base_url="https://testserver") as secure:
        over_http = plain.post("/review/login", data={"username": "ana", "password": PASSWORD})
        over_https = secure.post("/review/login", data={"username": "ana", "password": PASSWORD})
        pages = secure.get("/review/config")

    for response in (over_http, over_https):
        cookies = response.headers.get_list("set-cookie")
        assert cookies and all("samesite=lax" in c.lower() and "httponly" in c.lower() for c in cookies), cookies
    assert len(over_http.headers.get_list("set-cookie")) == 2  # plain HTTP still needs the copy without Secure
    [only] = over_https.headers.get_list("set-cookie")
    assert "Secure" in only and "-unsecure-" not in only
    assert pages.status_code == 200  # the Secure cookie alone opens the pages



def call_review_function(client: TestClient, api_name: str, data: list):  # type: ignore[no-untyped-def,type-arg]
    """Run one of the review pages' functions as the page does: the queue's answer to joining, and the
    event that ends the call (None when joining was refused)."""
    config = client.get("/review/config").json()
    fn_index = next(n for n, dependency in enumerate(config["dependencies"]) if dependency.get("api_name") == api_name)
    joined = client.post("/review/gradio_api/queue/join", json={"data": data, "fn_index": fn_index, "session_hash": "s1"})
    if joined.status_code != 200:
        return joined, None
    with client.stream("GET", "/review/gradio_api/queue/data?session_hash=s1") as events:
        for line in events.iter_lines():
            message = json.loads(line.removeprefix("data: ")) if line.startswith("data: ") else {}
            if message.get("msg") == "process_completed":
                return joined, message
    raise AssertionError("no process_completed event")


def file_data(path: str) -> dict:  # type: ignore[type-arg]
    return {"path": path, "orig_name": path.rsplit("/", 1)[-1], "meta": {"_type": "gradio.FileData"}}


def test_a_knowledge_base_upload_naming_a_server_file_is_refused(assistant: Assistant, client: TestClient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Reproduced on the served app: a logged-in request naming /any/file.txt as the upload indexed that
    file and published it at /kb/ (a mounted Blocks skips Gradio's upload-folder check)."""
    secret = tmp_path / "server-notes.txt"
    secret.write_text("Internal: the database password is hunter2.\n")
    assert client.post("/review/login", data={"username": "ana", "password": PASSWORD}).status_code == 200

    joined, _ = call_review_function(client, "index_uploads", [[file_data(str(secret))]])
    called = client.post("/review/gradio_api/call/index_uploads", json={"data": [[file_data(str(secret))]]})
    [uploaded] = client.post("/review/gradio_api/upload", files={"files": ("returns.md", b"# Returns\n\nLabels are free.\n")}).json()
    sneaky = uploaded.rsplit("/", 2)[0] + "/../../" + str(secret).lstrip("/")  # inside the folder only as written
    dotted, _ = call_review_function(client, "index_uploads", [[file_data(sneaky)]])
    _, done = call_review_function(client, "index_uploads", [[file_data(uploaded)]])

    for refused in (joined, called, dotted):
        assert refused.status_code == 403 and refused.json() == {"detail": "Only files uploaded from this page can be used."}
    assert "server-notes" not in assistant.retriever.index.documents and client.get("/kb/server-notes").status_code == 404
    assert done["success"] is True and "returns" in assistant.retriever.index.documents  # the page's own uploads work


def test_the_review_pages_exports_are_not_served_by_the_chat_page(assistant: Assistant, client: TestClient) -> None:
    """A staff export lies in Gradio's upload folder, which both pages share; the chat page's file route
    served it to anyone with the link, without a login."""
    assistant.manager.handle(None, "How long is a password reset link valid?")
    assert client.post("/review/login", data={"username": "ana", "password": PASSWORD}).status_code == 200
    _, done = call_review_function(client, "export", ["csv", *[""] * 4, "any", "any", "any", "any", "", "", "any"])
    export = done["output"]["data"][0]["path"]

    with TestClient(client.app) as stranger:  # no login
        assert stranger.get(f"/gradio_api/file={export}").status_code == 404
        assert stranger.get(f"/gradio_api/file/{export}").status_code == 404
        assert stranger.get(f"/review/gradio_api/file={export}").status_code == 401


def test_article_pages_may_run_no_script(client: TestClient) -> None:
    """Defence in depth for the /kb/ pages: their text is escaped, and a script would not run anyway."""
    page = client.get("/kb/accounts/reset-password")

    assert page.status_code == 200
    assert "script-src 'none'" in page.headers["content-security-policy"] and page.headers["x-content-type-options"] == "nosniff"


def test_other_sites_cannot_log_staff_in_or_out_or_post_to_the_review_pages(client: TestClient) -> None:
    """A link or form on another site could log a member of staff out (GET /review/logout) or into an
    account of the site's choosing (POST /review/login)."""
    login = {"username": "ana", "password": PASSWORD}
    elsewhere = {"sec-fetch-site": "cross-site"}

    assert client.post("/review/login", data=login, headers=elsewhere).status_code == 403
    assert client.post("/review/login", data=login, headers={"sec-fetch-site": "same-site"}).status_code == 403
    assert client.post("/review/login", data=login, headers={"sec-fetch-site": "same-origin"}).status_code == 200
    assert client.post("/review/gradio_api/upload", files={"files": ("a.md", b"# A")}, headers=elsewhere).status_code == 403
    assert client.get("/review/logout", headers=elsewhere, follow_redirects=False).status_code == 403
    assert client.get("/review/config").status_code == 200  # still logged in
    assert client.get("/review/logout", headers={"sec-fetch-site": "none"}, follow_redirects=False).status_code == 302
    assert client.get("/review/config").status_code == 401
    assert client.get("/", headers=elsewhere).status_code == 200  # the chat page, in another site's widget, as before


def test_nobody_can_read_a_server_file_through_the_chat_page(assistant: Assistant, client: TestClient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Reproduced without a login: a chat message whose history named a file message at any server path
    (/etc/passwd, the SQLite database of the conversations) made Gradio copy that file into its cache and
    answer with a link to it, which the chat page's file route then served."""
    secret = tmp_path / "conversations.db"
    secret.write_bytes(b"SQLite format 3\0 every customer's conversation")
    respond = next(
        n for n, dependency in enumerate(client.get("/config").json()["dependencies"]) if dependency.get("api_name") == "respond_and_remember"
    )
    history = [{"role": "user", "content": [{"type": "file", "file": {"path": str(secret), "meta": {"_type": "gradio.FileData"}}}]}]

    joined = client.post("/gradio_api/queue/join", json={"data": ["hello", history, None], "fn_index": respond, "session_hash": "x"})

    assert joined.status_code == 403 and joined.json() == {"detail": "Only files uploaded from this page can be used."}
    assert client.get(f"/gradio_api/file={secret}").status_code == 404


def test_a_path_written_with_json_escapes_or_as_a_url_is_refused_too(client: TestClient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """JSON may spell the key "path" as "\\u0070ath"; Gradio also fetches a path that is a web address."""
    for named in (str(tmp_path / "db.sqlite"), "http://169.254.169.254/latest/meta-data/"):
        history = json.dumps([{"role": "user", "content": [{"type": "file", "file": {"path": named, "meta": {"_type": "gradio.FileData"}}}]}])
        body = '{"data": ["hello", %s, null], "fn_index": 2, "session_hash": "x"}' % history.replace('"path"', '"\\u0070ath"')
        assert "\\u0070ath" in body and '"path"' not in body
        assert join(client, "", body.encode()).status_code == 403
