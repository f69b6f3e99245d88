"""The review pages while the database cannot be reached.

Logins, and everything on the review pages, live in the database. Without it a login form can log nobody in
(Gradio's form would show nothing at all), and a request would end in a server error. Instead:

- ``ReviewNeedsTheDatabase`` (middleware): opening the review page (``GET /review/``) asks the database first
  and, while it cannot be reached, answers 503 with a page that says so and reloads itself every 30 s;
- ``answer_outages_with_503`` (on the mounted review app): any other request that meets the outage (a login,
  a page already open) gets 503 with the same words, as JSON, instead of a server error.

Customers' conversations go on meanwhile: their writes wait in the spool (see ``assistant/store/spool.py``).
"""

from __future__ import annotations

import html
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.store.db import CONNECTION_ERRORS, StoreUnavailable

OUTAGE_MESSAGE = (
    "The staff pages need the database, which cannot be reached right now. Customers can still chat: their "
    "conversations are kept and stored once it is back. Try again in a minute."
)
RETRY_SECONDS = 30
OUTAGE_ERRORS = (*CONNECTION_ERRORS, StoreUnavailable)

OUTAGE_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{RETRY_SECONDS}">
<title>Staff pages unavailable</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; color: #1f2937; }}
h1 {{ font-size: 1.4rem; }}
</style>
</head>
<body>
<main>
<h1>Staff pages unavailable</h1>
<p role="status">{html.escape(OUTAGE_MESSAGE)}</p>
<p>This page reloads itself every {RETRY_SECONDS} seconds.</p>
</main>
</body>
</html>
"""


def outage_response(as_page: bool) -> Response:
    """503 with ``Retry-After``: the outage page, or the message as JSON (``detail``, as FastAPI's errors)."""
    headers = {"retry-after": str(RETRY_SECONDS), "cache-control": "no-store"}
    if as_page:
        return HTMLResponse(OUTAGE_PAGE, status_code=503, headers=headers)
    return JSONResponse({"detail": OUTAGE_MESSAGE}, status_code=503, headers=headers)


class ReviewNeedsTheDatabase:
    """ASGI middleware: ``GET {path}/`` answers the outage page while ``database_up()`` is False (see the module
    docstring). ``database_up`` may block (it asks the database): it runs in a worker thread."""

    def __init__(self, app: ASGIApp, database_up: Callable[[], bool], path: str = "/review") -> None:
        self.app, self.database_up, self.page = app, database_up, path.rstrip("/") + "/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        opens_the_page = scope["type"] == "http" and scope.get("method") in ("GET", "HEAD") and scope.get("path") == self.page
        if opens_the_page and not await run_in_threadpool(self.database_up):
            await outage_response(as_page=True)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def answer_outages_with_503(review_app: FastAPI) -> None:
    """Make ``review_app`` (the mounted Gradio app) answer 503 to a request that meets a database outage."""

    async def on_outage(request: Request, error: Exception) -> Response:
        return outage_response(as_page=request.method == "GET" and "text/html" in request.headers.get("accept", ""))

    for error_class in OUTAGE_ERRORS:
        review_app.add_exception_handler(error_class, on_outage)
