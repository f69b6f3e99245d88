"""The uvicorn server of `assistant serve`, which stops at once while chat pages are open.

Each open page (the chat page, the review pages) keeps a stream to its Gradio app open while it is shown
(``/gradio_api/heartbeat/…``), which carries nothing but "still here". uvicorn's graceful shutdown waits for
every response under way, so a stopped server waited the whole grace period for those streams and kept the
data folder's spool meanwhile: a new server started at once stopped on the spool lock. Gradio ends these
streams when its app's ``stop_event`` is set, which it does only at the very end (its lifespan's shutdown,
after the grace period). ``QuickStopServer`` sets it as the shutdown begins, so the grace period waits only
for what is really under way: a turn being answered (its ``/gradio_api/queue/data`` stream ends when the
answer is sent, after the turn is stored) and HTTP API requests.
"""

from __future__ import annotations

import logging
import socket

import uvicorn
from starlette.routing import Mount
from starlette.types import ASGIApp

log = logging.getLogger(__name__)


def gradio_apps(app: ASGIApp) -> list[object]:
    """The Gradio apps mounted on ``app`` (anything mounted with a ``stop_event``, as Gradio's ``App`` has)."""
    routes = getattr(app, "routes", None) or []
    return [route.app for route in routes if isinstance(route, Mount) and hasattr(route.app, "stop_event")]


def end_open_page_streams(app: ASGIApp) -> int:
    """Set the ``stop_event`` of each Gradio app on ``app`` (run in the server's event loop): the streams that
    open pages hold end now, with no turn under way cut short. How many apps were told."""
    apps = gradio_apps(app)
    for gradio_app in apps:
        gradio_app.stop_event.set()  # type: ignore[attr-defined]
    return len(apps)


class QuickStopServer(uvicorn.Server):
    """uvicorn's server, ending the open pages' streams as its shutdown begins (``end_open_page_streams``)."""

    def __init__(self, config: uvicorn.Config, web_app: ASGIApp) -> None:
        super().__init__(config)
        self.web_app = web_app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        told = end_open_page_streams(self.web_app)
        log.debug("ended the open pages' streams of %d Gradio app(s)", told)
        await super().shutdown(sockets)
