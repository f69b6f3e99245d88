"""The script added to the staff login page's <head>, and only there."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.testclient import TestClient

from ui.login_page import LOGIN_HEAD, MarkTheLoginPage

PAGE = "<!doctype html><html><head><meta charset='utf-8'></head><body>form</body></html>"


def marked_app() -> TestClient:
    app = FastAPI()
    app.get("/review/")(lambda: HTMLResponse(PAGE))
    app.get("/review/config")(lambda: JSONResponse({"head": "</head>"}))
    app.get("/")(lambda: HTMLResponse(PAGE))
    app.add_middleware(MarkTheLoginPage)
    return TestClient(app)


def test_the_review_page_gets_the_script_in_its_head_with_a_matching_length() -> None:
    response = marked_app().get("/review/")

    assert response.status_code == 200
    assert response.text == PAGE.replace("</head>", LOGIN_HEAD + "</head>")
    assert int(response.headers["content-length"]) == len(response.content)


def test_other_pages_and_answers_are_left_as_they_are() -> None:
    client = marked_app()

    assert client.get("/").text == PAGE
    assert client.get("/review/config").json() == {"head": "</head>"}
    assert client.post("/review/").status_code == 405
