"""ASGI middleware that changes the HTML page one path answers, before it is sent (``RewriteHtmlPage``)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RewriteHtmlPage:
    """The answer to ``GET path`` passed through ``rewrite`` (the whole body, bytes to bytes) when it is HTML and not
    compressed; every other request and answer goes through untouched. Subclasses set ``path`` and ``rewrite``."""

    def __init__(self, app: ASGIApp, path: str) -> None:
        self.app, self.path = app, path

    def rewrite(self, body: bytes) -> bytes:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or scope.get("path") != self.path:
            await self.app(scope, receive, send)
            return
        start: Message = {}
        parts: list[bytes] = []

        async def rewritten(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            parts.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(parts)
            headers = MutableHeaders(scope=start)
            if headers.get("content-type", "").startswith("text/html") and "content-encoding" not in headers:
                body = self.rewrite(body)
                headers["content-length"] = str(len(body))
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, rewritten)
