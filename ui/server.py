"""The web server: the chat page plus read-only pages for the knowledge-base articles it cites."""

from __future__ import annotations

import html
import logging
import os
import re
from collections.abc import Callable, MutableMapping
from pathlib import Path

import gradio as gr
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi_offline import FastAPIOffline
from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api import create_router, install_api_fallback, install_api_guards
from assistant.api_security import API_PREFIXES, ApiGuards, error_body
from dialog.detached import finish_running_turns
from dialog.manager import DialogManager
from dialog.replies import DEFAULT_REPLIES, Replies
from retrieval.errors import UnreadableFile
from retrieval.loaders import FAQ_COLUMNS, resolve_faq_id
from retrieval.retriever import Retriever
from ui.articles import render_document
from ui.chat import CSS, PAGE_HEAD, THEME, chat_log_name_script, notice_css, page_language_script
from ui.embed import loading_words, widget_script
from ui.help_centre import HelpCentre
from ui.html_rewrite import RewriteHtmlPage
from ui.login_page import MarkTheLoginPage
from ui.review_style import REVIEW_CSS, REVIEW_JS, REVIEW_THEME
from ui.staff_outage import ReviewNeedsTheDatabase, answer_outages_with_503
from ui.login_throttle import login_throttle
from ui.page_sessions import forget_idle_tabs
from ui.web_guards import WebPageGuard

DOCS_ASSETS = "/api-docs-assets"  # Swagger UI's files for /api/docs
REVIEW_LOGIN_MESSAGE = "Staff only. Logins are managed with <code>assistant users add NAME</code>."

PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.55;overflow-wrap:anywhere}}
h2{{margin-top:1.6rem}} :target{{background:#fff6d5}} .note{{color:#555}}
ul.inline{{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3rem 1.2rem}} [aria-current]{{font-weight:bold}}</style></head>
<body><nav><p><a href="/">&larr; {back}</a>{home}</p></nav><main>{body}</main></body></html>"""

log = logging.getLogger(__name__)


# An article is text from the help centre, escaped: it runs no script, even one an escaping mistake let through
ARTICLE_HEADERS = {
    "Content-Security-Policy": "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
}


def home_link(name: str) -> str:
    """The link to the help centre's home page (``/kb/``) beside an article page's link back to the chat."""
    return f' · <a href="/kb/">{html.escape(name)}</a>'


def article_page(
    retriever: Retriever, doc_id: str, faq_columns: tuple[str, str] = FAQ_COLUMNS, replies: Replies = DEFAULT_REPLIES
) -> HTMLResponse:
    """An indexed document as HTML: the text its loader extracts (``ui.articles``), for documents in the
    index only, under a link back to the chat (``replies``' words, in their ``page_language``). An FAQ file's
    id (or one entry's) shows all its entries.
    With ``search_filters``, only documents (and FAQ entries) that pass them are shown: the others are a 404."""
    documents = retriever.index.documents
    shown = retriever.served_documents()
    if shown is not None:  # a server with search_filters shows only what its searches can find (another brand's not)
        documents = {key: info for key, info in documents.items() if key in shown}
    doc_id = resolve_faq_id(documents, doc_id, faq_columns) or doc_id  # an FAQ entry's id of before: the same entry
    source = documents.get(doc_id, {}).get("source")
    if source is None:  # an FAQ file: its entries are indexed as "<file id>#<entry>"
        source = next((info["source"] for key, info in documents.items() if key.startswith(f"{doc_id}#")), None)
    if source is None:
        raise HTTPException(status_code=404, detail=f"No article {doc_id!r} in the knowledge base.")
    if not Path(source).is_file():  # deleted since the ingest: the index still holds it until the next one
        raise HTTPException(status_code=404, detail=replies.article_removed)
    try:
        body = render_document(Path(source), doc_id.partition("#")[0], faq_columns, only=shown)
    except (UnreadableFile, OSError):
        raise HTTPException(status_code=404, detail=f"The article {doc_id!r} cannot be read at the moment.") from None
    page = page_html(page_title(body, doc_id), body, replies, home=True)
    return HTMLResponse(page, headers=ARTICLE_HEADERS)


def missing_article_page(reason: str, replies: Replies = DEFAULT_REPLIES) -> HTMLResponse:
    """The 404 of an article page, for the customer who followed a citation: ``reason`` as the page's heading,
    under the link back to the chat (it was FastAPI's JSON ``{"detail": ...}``)."""
    body = f"<h1>{html.escape(reason)}</h1>"
    return HTMLResponse(page_html(html.escape(reason), body, replies, home=True), status_code=404, headers=ARTICLE_HEADERS)


def page_html(title: str, body: str, replies: Replies, home: bool) -> str:
    """A help-centre page: ``title`` and ``body`` (HTML) under the link back to the chat (and to ``/kb/`` when
    ``home``), marked as written in the replies' ``page_language``."""
    return PAGE.format(
        lang=html.escape(replies.page_language), title=title, body=body, back=html.escape(replies.article_back),
        home=home_link(replies.help_centre_title) if home else "",
    )


def page_title(body: str, doc_id: str) -> str:
    """The browser tab's (and a screen reader's first) name for an article page: its h1, else its id."""
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.DOTALL)
    name = re.sub(r"<[^>]+>", "", heading.group(1)).strip() if heading else ""  # already escaped text
    return name or html.escape(doc_id)


class NoFramingOfStaffPages:
    """The review pages may not be framed by any site (``frame-ancestors 'none'``, ``X-Frame-Options: DENY``),
    so none can trick a logged-in member of staff into clicking in them ("clickjacking"). The chat page
    stays frameable: the widget frames it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/review"):
            await self.app(scope, receive, send)
            return

        async def send_unframeable(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = "frame-ancestors 'none'"
                headers["X-Frame-Options"] = "DENY"
            await send(message)

        await self.app(scope, receive, send_unframeable)


CROSS_SITE_REFUSED = (
    "Requests from another site's pages may not change anything here: call the API from your server, "
    "or put the chat on your pages with the widget (docs/embedding.md)."
)
_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def from_another_site(headers: dict[str, str]) -> bool:
    """Whether a browser sent the request from another site's page: ``Sec-Fetch-Site`` (every current browser
    sends it) says ``cross-site`` or ``same-site``; without it, an ``Origin`` that is not this host's (or
    ``null``). Servers, curl and the OpenAI clients send neither, and the server's own pages (the API
    reference's "Try it out") are ``same-origin``."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site in ("cross-site", "same-site")
    origin = headers.get("origin")
    if origin is None:
        return False
    host = origin.partition("://")[2]
    return origin == "null" or not host or host.lower() != headers.get("host", "").lower()


class NoCrossSiteWrites:
    """The API allows no other origin to read it (CORS), but a simple cross-site POST (no body, or text/plain)
    needs no preflight: any page could make its visitors' browsers start conversations on an open server,
    using up their addresses' rate limits. Such writes to ``/api`` and ``/v1`` are refused with 403 before
    keys and limits are counted; reads stay unreadable to other sites as before."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in _UNSAFE_METHODS
            and scope["path"].startswith(API_PREFIXES)
            and from_another_site({k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])})
        ):
            response = JSONResponse(error_body(scope["path"], 403, CROSS_SITE_REFUSED), status_code=403)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


# Shown at the chat page's first paint, before Gradio's scripts (some 700 kB: 14-16 s of white screen on a slow phone
# connection) have drawn anything; hidden by CSS alone once the question box is there. Browsers without :has()
# (which could not hide it) do not show it.
LOADING_STYLE = b"""<style>#chat-loading{display:none}
@supports selector(:has(*)){#chat-loading{display:block;margin:0;padding:3rem 1rem;text-align:center;
font:1rem/1.5 system-ui,sans-serif}body:has(#question) #chat-loading{display:none}}</style>"""


def loading_notice(replies: Replies = DEFAULT_REPLIES) -> bytes:
    """The chat page's text that says it is loading (``ui.embed.loading_words``), marked with its language."""
    text, language = loading_words(replies)
    return f'<div id="chat-loading" lang="{html.escape(language)}">{html.escape(text)}</div>'.encode()


class ShowLoadingAtOnce(RewriteHtmlPage):
    """ASGI middleware: the chat page (``GET /``, Gradio's HTML) says at once that it is loading: ``LOADING_STYLE`` in
    its head, ``loading_notice`` before Gradio's ``<gradio-app>``. Gradio's own ``head`` is of no use here: its
    scripts add it to the page, after they have loaded."""

    def __init__(self, app: ASGIApp, replies: Replies = DEFAULT_REPLIES) -> None:
        super().__init__(app, "/")
        self.notice = loading_notice(replies)

    def rewrite(self, body: bytes) -> bytes:
        return body.replace(b"</head>", LOADING_STYLE + b"</head>", 1).replace(b"<gradio-app", self.notice + b"<gradio-app", 1)


REVIEW_COOKIE_ID = "support-assistant-review"  # the login cookie's name is access-token-<this>


def mounted_app(app: FastAPI, path: str) -> ASGIApp:
    """The app mounted at ``path`` (a Gradio app, for instance)."""
    return next(route.app for route in app.routes if isinstance(route, Mount) and route.path == path)


def keep_logins_in(app: FastAPI, path: str, sessions: MutableMapping[str, str]) -> None:
    """Keep the logins of the Gradio app mounted at ``path`` in ``sessions`` (e.g. ``StaffSessions``, in the
    database) instead of the process's memory, under a cookie name that every server gives it (Gradio picks a
    random one per process): then a restarted server, or another behind the same load balancer, accepts them.
    Gradio reads and writes its ``tokens`` mapping (token -> username) on login, on each request and on logout."""
    mounted = mounted_app(app, path)
    mounted.tokens = sessions  # type: ignore[attr-defined]
    mounted.cookie_id = REVIEW_COOKIE_ID  # type: ignore[attr-defined]


def keep_gradio_files_in(folder: Path) -> Path:
    """Have Gradio keep the files it serves and takes (the review pages' downloads: exports and conversation tests of
    customers' conversations; their uploads) in ``folder``, private to the server's user (0700), instead of its default
    /tmp/gradio (folders 0755, files 0644, outside the data folder, where an erasure does not look). Call it before
    the pages are made: Gradio reads GRADIO_TEMP_DIR when it makes each component, when it mounts an app (the folder
    it serves files from) and in its upload checks, and so do ``WebPageGuard`` and ``KnowledgeBaseAdmin``. The
    folder, resolved."""
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    earlier = os.environ.get("GRADIO_TEMP_DIR")
    if earlier and Path(earlier).resolve() != folder:
        log.warning("GRADIO_TEMP_DIR=%s is replaced by %s: the server keeps Gradio's files in its data folder, where "
                    "`assistant logs delete` removes an erased conversation's copies", earlier, folder)
    os.environ["GRADIO_TEMP_DIR"] = str(folder)
    return folder


def create_app(
    page: gr.Blocks,
    retriever: Retriever,
    manager: DialogManager | None = None,
    review: gr.Blocks | None = None,
    login: Callable[[str, str], bool] | None = None,
    guards: ApiGuards | None = None,
    staff_api: APIRouter | None = None,
    faq_columns: tuple[str, str] = FAQ_COLUMNS,
    staff_sessions: MutableMapping[str, str] | None = None,
    database_up: Callable[[], bool] | None = None,
) -> FastAPI:
    """FastAPI app with ``/kb/{doc_id}`` article pages, the HTTP API (with ``manager``; docs at
    ``/api/docs``; keys, rate and size limits from ``guards``, or the settings when None), the review
    pages at ``/review`` (with ``review``, behind ``login``; logins kept in ``staff_sessions`` when given; while
    ``database_up()`` is False they answer a page that says the database is down), the staff API (``staff_api``,
    behind its own keys) and the Gradio chat mounted at ``/``. ``faq_columns`` as in ingest, for FAQ article pages.
    Where Gradio keeps the files it serves is set before the pages are made (``keep_gradio_files_in``)."""
    replies = manager.replies if manager is not None else DEFAULT_REPLIES  # the widget's and article pages' words
    # Swagger UI's script and styles come from the fastapi-offline package (outside /api/, so no API key
    # is asked for them): the reference page works where browsers cannot reach a CDN.
    app = FastAPIOffline(
        title="Support assistant", docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json",
        static_url=DOCS_ASSETS,
    )
    # a stopping server lets the turns that run on without their client (dialog.detached) be stored first
    app.router.on_shutdown.append(finish_running_turns)
    # No cross-origin reads. Without a CORS middleware here, Gradio's own lets every origin read with
    # credentials once the host is not localhost, so any site a logged-in member of staff visits could
    # read and drive /review with their cookie (SameSite=None). The widget needs none: its frame is same-origin.
    app.add_middleware(CORSMiddleware, allow_origins=[])
    app.add_middleware(NoFramingOfStaffPages)
    # page request sizes, no uploads to the chat, staff login throttling (counted with the rate limits' Redis, if any)
    app.add_middleware(WebPageGuard, throttle=login_throttle(guards.redis_url if guards is not None else ""))
    enforced = None
    if manager is not None:
        app.include_router(create_router(manager))
        if staff_api is not None:
            app.include_router(staff_api)
        enforced = install_api_guards(app, guards)  # API keys, rate limits, body size (docs/api.md)
    install_api_fallback(app)  # unknown /api and /v1 paths: JSON 404 or 405, not the chat page's 404
    app.add_middleware(NoCrossSiteWrites)  # outermost: before keys and rate limits are counted

    help_centre = HelpCentre(retriever, replies)

    @app.get("/kb", include_in_schema=False)
    def kb_without_slash(request: Request) -> RedirectResponse:
        return _with_slash("/kb/", request)

    @app.get("/kb/", response_class=HTMLResponse)
    def kb_home(section: str = "", page: str = "1") -> HTMLResponse:
        """The help centre's home page: its articles by folder, a page at a time (``ui.help_centre``)."""
        # a number of more digits than any page could have is no page (int() refuses 4,300 digits and more)
        found = help_centre.page(section, int(page)) if page.isascii() and page.isdigit() and len(page) <= 9 else None
        if found is None:
            return missing_article_page(replies.help_centre_missing, replies)
        title, body = found
        return HTMLResponse(page_html(title, body, replies, home=False), headers=ARTICLE_HEADERS)

    @app.get("/kb/{doc_id:path}", response_class=HTMLResponse)
    def kb_article(doc_id: str) -> HTMLResponse:
        try:
            return article_page(retriever, doc_id, faq_columns, replies)
        except HTTPException as error:  # a cited article removed or unreadable since: a page saying so, not JSON
            return missing_article_page(str(error.detail), replies)

    widget = widget_script(replies)

    @app.get("/embed.js", include_in_schema=False)
    def embed_script() -> Response:
        """The chat widget for other websites (docs/embedding.md)."""
        return Response(widget, media_type="text/javascript", headers={"Cache-Control": "public, max-age=3600"})

    def health_body(check: bool = False) -> dict[str, object]:
        index = retriever.index  # reloaded here too when it changed on disk
        body: dict[str, object] = {"status": "ok", "chunks": len(index), "index_version": index.updated_at}
        status = getattr(manager.store, "status", None) if manager is not None else None
        if callable(status):
            body.update(status(check=check))
        if enforced is not None:  # the rate limits' Redis: up, or down (the limits are then not enforced)
            body.update(enforced.status())
        return body

    app.state.health = health_body  # what /healthz says, for /metrics (assistant.metrics)

    @app.get("/healthz")
    def health() -> dict[str, object]:
        """Up (200) while the server answers, the database too or not: turns still work while it is down
        (their writes wait in the spool). ``index_version``: when the index this server searches was written
        (its manifest's ``updated_at``), to check that every server has a new one. ``database``: ``up``, ``down`` or ``error`` (it answers but cannot
        be used; ``database_error`` says why); ``spooled_writes``: writes waiting in this server's spool (``spool_error``:
        how many of them are in memory only, and why, when the spool file cannot be written: a full disk);
        ``rate_limit_redis``: ``up`` or ``down`` where the rate limits are shared through Redis (down: not enforced);
        the rest: docs/operations.md, Monitoring."""
        return health_body()

    @app.get("/readyz")
    def ready() -> JSONResponse:
        """200 when the database is up as well (its schema checked, no outage known to this server, and it
        answers a query now), else 503 with the same body as /healthz: for monitoring and deployments, not for
        taking a server out of a load balancer (during an outage every server would be out, though each still
        answers)."""
        body = health_body(check=True)
        up = body.get("database", "up") == "up"
        return JSONResponse(body, status_code=200 if up else 503)

    if review is not None:
        if login is None:
            raise ValueError("the review pages need a login check")
        @app.get("/review", include_in_schema=False)
        def review_without_slash(request: Request) -> RedirectResponse:
            """The pages live under /review/ (the address the docs give, and where logging out lands)."""
            return _with_slash("/review/", request)

        # mounted before "/", which would otherwise take every path; its own login, cookie and queue
        gr.mount_gradio_app(
            app, review, path="/review", auth=login, auth_message=REVIEW_LOGIN_MESSAGE,
            css=REVIEW_CSS, js=REVIEW_JS, footer_links=[], theme=REVIEW_THEME, run_history=False,
        )
        if staff_sessions is not None:
            keep_logins_in(app, "/review", staff_sessions)
        answer_outages_with_503(mounted_app(app, "/review"))  # type: ignore[arg-type]
        forget_idle_tabs(mounted_app(app, "/review"))
        if database_up is not None:
            app.add_middleware(ReviewNeedsTheDatabase, database_up=database_up)
        app.add_middleware(MarkTheLoginPage)
    # run_history off: Gradio would keep every call's inputs and outputs (customers' conversations) in the
    # browser's storage, past the retention and erasure of the logs and for the next user of a shared computer
    gr.mount_gradio_app(
        app, page, path="/", css=CSS + notice_css(replies),
        head=PAGE_HEAD + page_language_script(replies.page_language) + chat_log_name_script(replies.page_title),
        footer_links=[], theme=THEME, run_history=False,
    )
    app.add_middleware(ShowLoadingAtOnce, replies=replies)  # a slow phone connection saw a white page for 15 s
    forget_idle_tabs(mounted_app(app, ""))  # every visitor's tab had its state kept until 10,000 more came (ui/page_sessions.py)
    return app


def _with_slash(path: str, request: Request) -> RedirectResponse:
    """A redirect to ``path`` keeping the query: ``/review?conversation=ID`` opens that conversation too."""
    query = request.url.query
    return RedirectResponse(f"{path}?{query}" if query else path)
