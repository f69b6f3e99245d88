"""Guards in front of the web pages (the chat page under ``/`` and the review pages under ``/review``); the
HTTP API has its own (``assistant.api_security``).

- **Request size.** Gradio reads a whole request body into memory before it looks at it (a 30 MB
  ``/gradio_api/queue/join`` was read and answered 200), so bodies are limited to ``max_bytes``: a declared
  ``Content-Length`` over it is refused with 413 before anything is read, a chunked body at the first byte past it.
  The review pages' own uploads (``/review/gradio_api/upload``, behind the staff login) are not limited here.
- **No uploads on the chat page.** It has no file input, yet Gradio's ``/gradio_api/upload`` took files of any
  size from anyone and kept them on disk; it answers 403.
- **No files from the chat page.** It shows none, yet its ``/gradio_api/file=PATH`` served, without a login,
  any file in Gradio's upload folder, which both pages share: the review pages' exports of customers'
  conversations, to whoever had the link. It answers 404; the review pages serve their files behind the login.
- **Failed staff logins are throttled** (``ui.login_throttle``; shared by all servers through Redis when
  ``rate_limit_redis_url`` is set): after ``failures`` failed logins within ``window`` seconds from one client
  address, or for one username, ``POST /review/login`` answers 429 with
  ``Retry-After`` until the oldest failure is ``window`` seconds old, without checking the password.
- **File inputs only from the upload folder.** A Gradio request names a file input by its path on the server,
  and Gradio checks that the path is in its upload folder only for a launched Blocks, not a mounted one: it
  copied any server file a request named into its cache and handed it to the function: without a login, a
  chat message whose history held a file message got a link to ``/etc/passwd`` or the conversation database
  back, and the knowledge-base upload indexed such a file and published it at ``/kb/``. A request whose JSON names a ``path`` outside
  ``gradio.utils.get_upload_folder()`` (after ``..`` and links) answers 403.
- **No requests to the review pages from other sites**: a browser's ``Sec-Fetch-Site`` says where a request
  comes from, and any but a page of this origin (``same-origin``) or the person themselves (``none``: typed,
  bookmarked) is refused with 403 for every request that changes something (not GET) and for ``/review/logout``,
  so another site can neither log a member of staff out nor in as someone else, nor post to the pages.
- **Login cookies are SameSite=Lax**, not Gradio's ``SameSite=None`` (the review pages are never framed, so no
  other site needs to send them), and a login over HTTPS sets only the ``Secure`` one: Gradio also sets a
  copy without ``Secure``, which a browser would send over plain HTTP.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from urllib.parse import parse_qs

import anyio
from gradio.utils import get_upload_folder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api_security import API_PREFIXES, read_body, replaying, send_json  # the API's own guard
from ui.login_throttle import FailedLogins, LoginThrottle

CHAT_UPLOAD = "/gradio_api/upload"
CHAT_FILES = ("/gradio_api/file=", "/gradio_api/file/", "/gradio_api/proxy=")  # the review pages': behind the login
REVIEW_UPLOAD = "/review/gradio_api/upload"
REVIEW_LOGIN = "/review/login"
REVIEW_LOGOUT = "/review/logout"
OWN_SITE = ("", "same-origin", "none")  # Sec-Fetch-Site of a request this site's pages (or the person) made
MAX_PAGE_REQUEST_BYTES = 1024 * 1024


class WebPageGuard:
    """The ASGI middleware (see the module docstring): ``app.add_middleware(WebPageGuard, ...)``."""

    def __init__(
        self, app: ASGIApp, max_bytes: int = MAX_PAGE_REQUEST_BYTES, throttle: FailedLogins | None = None,
        upload_folder: str | None = None,
    ) -> None:
        self.app, self.max_bytes = app, max_bytes
        self.throttle = throttle if throttle is not None else LoginThrottle()
        self.upload_folder = Path(os.path.realpath(upload_folder or get_upload_folder()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith("/review") and _from_another_site(scope, path):
            await _send_json(send, 403, "Requests from other sites are refused.")
            return
        if scope["type"] != "http" or path.startswith(API_PREFIXES) or path.rstrip("/") == REVIEW_UPLOAD:
            await self.app(scope, receive, send)
            return
        if path.rstrip("/") == CHAT_UPLOAD:
            await _send_json(send, 403, "The chat page takes no files.")
            return
        if path.startswith(CHAT_FILES):
            await _send_json(send, 404, "Not found.")
            return
        length = _header(scope, b"content-length")
        if length.isdigit() and int(length) > self.max_bytes:
            await _send_json(send, 413, f"Request body is {int(length):,} bytes; the limit is {self.max_bytes:,}.")
            return
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive, self.max_bytes)
        if body is None:  # the client went away
            return
        if len(body) > self.max_bytes:
            await _send_json(send, 413, f"Request body is larger than the limit of {self.max_bytes:,} bytes.")
            return
        if path.rstrip("/") == REVIEW_LOGIN:
            await self._login(scope, body, receive, send)
            return
        if "/gradio_api/" in path and _names_a_file_outside(body, self.upload_folder):
            await _send_json(send, 403, "Only files uploaded from this page can be used.")
            return
        await self.app(scope, replaying(body, receive), send)

    async def _login(self, scope: Scope, body: bytes, receive: Receive, send: Send) -> None:
        """Refuse while the address or the username has too many recent failures; count the outcome."""
        form = parse_qs(body.decode("utf-8", "replace"))
        username = (form.get("username") or [""])[0].strip()[:64]  # the longest a login can be: keys stay small
        client = scope.get("client")
        keys = [f"ip:{client[0] if client else 'unknown'}", f"user:{username}"]
        seconds = await anyio.to_thread.run_sync(self.throttle.wait, keys)  # Redis: off the event loop
        if seconds:
            minutes = math.ceil(seconds / 60)
            await _send_json(
                send, 429, f"Too many failed logins. Try again in {minutes} minute(s).", {"retry-after": str(seconds)}
            )
            return
        status = 0

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = _stricter_cookies(message.get("headers", []), https=scope.get("scheme") == "https")
            await send(message)

        await self.app(scope, replaying(body, receive), send_noting_status)
        if status == 200:  # not the address: one good login must not reset a guesser's count
            await anyio.to_thread.run_sync(self.throttle.succeeded, keys[1:])
        elif 400 <= status < 500:
            await anyio.to_thread.run_sync(self.throttle.failed, keys)


def _from_another_site(scope: Scope, path: str) -> bool:
    """A request to the review pages that changes something (or logs out), sent by another site's page."""
    changes = scope.get("method") not in ("GET", "HEAD") or path.rstrip("/") == REVIEW_LOGOUT
    return changes and _header(scope, b"sec-fetch-site") not in OWN_SITE


def _names_a_file_outside(body: bytes, folder: Path) -> bool:
    """Whether the JSON ``body`` holds an object with a ``path`` (a Gradio file) outside ``folder``."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return False  # not JSON: Gradio refuses it itself
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            named = value.get("path")
            if isinstance(named, str) and not Path(os.path.realpath(named)).is_relative_to(folder):
                return True
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def _stricter_cookies(headers: list[tuple[bytes, bytes]], https: bool) -> list[tuple[bytes, bytes]]:
    """The login response's headers with its cookies ``SameSite=Lax``, and without the copy that lacks
    ``Secure`` when the login came over HTTPS (the scheme a trusted proxy's X-Forwarded-Proto gives)."""
    kept = []
    for name, value in headers:
        if name.lower() == b"set-cookie":
            cookie = value.decode("latin-1")
            if https and "Secure" not in re.split(r";\s*", cookie):
                continue
            value = re.sub(r"(?i);\s*SameSite=None", "; SameSite=lax", cookie).encode("latin-1")
        kept.append((name, value))
    return kept


def _header(scope: Scope, name: bytes) -> str:
    return next((value.decode("latin-1") for key, value in scope.get("headers", []) if key.lower() == name), "")


async def _send_json(send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    await send_json(send, status, {"detail": detail}, headers)
