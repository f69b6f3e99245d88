"""HTTP API, mounted with the web UI: sessions and messages (streamed as server-sent events),
transcripts, feedback, handoff, and an OpenAI-compatible ``/v1/chat/completions`` backed by the whole assistant.

API keys, rate limits and body-size limits are one middleware (``assistant.api_security``), installed by
``install_api_guards``; the reference for clients is ``docs/api.md``.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, HTTPException, Request, Security
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from fastapi.security import APIKeyHeader, HTTPBearer
from pydantic import BaseModel, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from assistant.api_security import API_PREFIXES, ApiGuardMiddleware, ApiGuards, error_body
from assistant.store.db import StoreUnavailable
from dialog.detached import finish_alone
from dialog.events import AgentMessage, BotAnswer, ClarificationAsked, UserMessage
from dialog.history import last_question
from dialog.manager import DialogManager, InvalidMessage, TurnResult
from dialog.replies import DEFAULT_REPLIES, Replies
from dialog.store import ConversationChanged, UnknownSession
from dialog.tracker import Tracker
from retrieval.chunking import count_words

MAX_BODY_BYTES = ApiGuards.max_body_bytes  # the default of the max_request_bytes setting
MODEL_NAME = "support-assistant"
MODEL = {"id": MODEL_NAME, "object": "model", "created": 0, "owned_by": "support-assistant"}  # as GET /v1/models lists it
# A streamed reply passes through caches and proxies as it is written (nginx buffers it unless told not to).
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
# Shown in the OpenAPI page (its "Authorize" button); the check itself is the middleware's.
_KEY_NOTE = "Needed only when the server has api_keys configured."
_bearer = HTTPBearer(auto_error=False, description=_KEY_NOTE)
_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description=_KEY_NOTE)


class EventStream(StreamingResponse):
    """A reply as server-sent events; named so, the OpenAPI schema gives ``text/event-stream`` for it."""

    media_type = "text/event-stream"


# The 200 of /v1/chat/completions: JSON, or with "stream": true events (added to the schema's JSON).
STREAMED_TOO = {200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}, "description": "JSON, or events when streamed."}}


class MessageIn(BaseModel):
    text: str = Field(description="The customer's message.")


class HandoffIn(BaseModel):
    reason: str = Field("requested through the API", max_length=500, description="Why, for staff; blank: the default.")

    @field_validator("reason")
    @classmethod
    def _blank_is_the_default(cls, value: str) -> str:
        """A blank reason showed in the Inbox and the staff notice as nothing ("waiting for a person ()")."""
        return value.strip() or "requested through the API"


class FeedbackIn(BaseModel):
    turn_no: int = Field(ge=1, description="Which turn of the conversation: 1 for the first (see `turn_no` in `done`).")
    rating: Literal[1, -1, 0] | None = Field(
        None, description="1 for thumbs up, -1 for thumbs down, 0 to take an earlier thumb back; it replaces an earlier one."
    )
    comment: str | None = Field(None, description="What was good or wrong.")

    @field_validator("rating", mode="before")
    @classmethod
    def _not_true_or_false(cls, value: Any) -> Any:
        """JSON true and false would pass as 1 and 0, and 0 takes a thumb back: a thumbs down sent as false was lost."""
        if isinstance(value, bool):
            raise ValueError("a rating is the number 1 (thumbs up), -1 (thumbs down) or 0 (take the thumb back), not true or false")
        return value


class ContentPart(BaseModel):
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "function", "developer"]  # "function": OpenAI's older tool role
    content: str | list[ContentPart] | None = None

    @property
    def text(self) -> str:
        """The content as text; of a list of parts (OpenAI's newer form), the text parts joined."""
        if isinstance(self.content, list):
            return "\n".join(part.text for part in self.content if part.type == "text" and part.text)
        return self.content or ""


class StreamOptions(BaseModel):
    include_usage: bool = False


class ChatCompletionIn(BaseModel):
    """OpenAI's request; fields not named here (temperature, max_tokens, tools, …) are accepted and ignored."""

    model: str = MODEL_NAME
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int | None = Field(None, description="Only 1: the assistant gives one reply per request.")
    session_id: str | None = Field(
        None,
        description="Continue this conversation (the `session_id` of an earlier response, or of `POST /api/sessions`): "
        "follow-ups are understood from it and staff review one conversation. Without it, each request is a new one.",
    )


def usage_counter(manager: DialogManager) -> Callable[[str], int]:
    """How ``/v1/chat/completions`` counts ``usage``: in the local generator's tokens (its own tokenizer) when a
    local generator writes the answers; else in whitespace-separated words (extractive answers, a remote
    generator, the tests' scripted one), as docs/api.md says. The local generator is the one that answers
    (`assistant serve` loads it at start), so counting loads nothing more."""
    count = getattr(getattr(manager.answer_action, "generator", None), "count_tokens", None)
    return count if callable(count) else count_words


def usage(count: Callable[[str], int], read: str, written: str) -> dict[str, int]:
    """OpenAI's ``usage``: ``read`` is the user message the assistant answered (the one it reads), ``written``
    the reply text sent; not the passages and instructions of the generator's own prompt."""
    prompt, completion = count(read), count(written)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


_MARKERS_AND_BLANKS = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]|\s+")


def only_tidied(draft: str, final: str) -> bool:
    """Whether the final reply is the streamed draft tidied (citations of passages the model was not given
    dropped, blanks evened out), not a reply in its place (a decline, the answer after a generator failed)."""
    return _MARKERS_AND_BLANKS.sub("", draft) == _MARKERS_AND_BLANKS.sub("", final)


def sse(data: Any, event: str | None = None) -> str:
    """One server-sent event; ``data`` is sent as JSON unless it is already a string."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return (f"event: {event}\n" if event else "") + f"data: {payload}\n\n"


def result_json(result: TurnResult) -> dict[str, Any]:
    payload = asdict(result)
    payload["sources"] = [] if result.abstained else result.cited_sources
    return payload


def support_status(manager: DialogManager) -> dict[str, Any]:
    """Whether people are at work now, as the chat's handoff reply says it: ``support_open`` (None without
    support hours in the rules), ``opens_at`` (when closed: the next opening, ISO 8601 in the hours' zone;
    else None) and ``note`` (the sentence the chat adds to its handoff message outside the hours; else empty)."""
    hours = manager.rules.support_hours
    if hours is None or not hours.hours:
        return {"support_open": None, "opens_at": None, "note": ""}
    now = manager.clock()
    is_open = hours.is_open(now)
    opening = None if is_open else hours.next_opening(now)
    return {
        "support_open": is_open,
        "opens_at": opening.isoformat() if opening is not None else None,
        "note": manager.rules.handoff_note(now, manager.replies),
    }


def install_api_guards(app: FastAPI, guards: ApiGuards | None = None) -> ApiGuards:
    """API keys, rate limits and body-size limits for ``/api/*`` and ``/v1/*`` (see ``assistant.api_security``),
    and clear messages for requests that do not validate. ``guards`` None: from the settings
    (file and environment). Returns what is enforced."""
    if guards is None:
        from assistant.config import load_settings

        guards = ApiGuards.from_settings(load_settings())
    app.add_middleware(ApiGuardMiddleware, guards=guards)
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _openai_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _server_error)
    return guards


SERVER_ERROR = "The server failed on this request (its log says why); try again later."


async def _server_error(request: Request, error: Exception) -> Response:
    """An unexpected failure: on the API a JSON 500 (OpenAI's shape on ``/v1``) that clients can read, not
    Starlette's plain text; elsewhere that plain text. The error is still raised to the server's log."""
    if not request.url.path.startswith(API_PREFIXES):
        return PlainTextResponse("Internal Server Error", status_code=500)
    return JSONResponse(error_body(request.url.path, 500, SERVER_ERROR), status_code=500)


ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def install_api_fallback(app: FastAPI) -> None:
    """JSON errors for paths under ``/api`` and ``/v1`` that no route serves: 405 with ``Allow`` when the path
    exists for other methods, else 404, each with a ``detail`` sentence (and on ``/v1`` OpenAI's ``error``
    object, once ``install_api_guards`` has run). Call it after the API's routes are included and before
    anything is mounted at ``/`` (the chat page would otherwise answer them with its own 404)."""

    async def no_such_endpoint(request: Request) -> None:
        routes = [  # the API's routes (included routers are wrapped: each is asked, not read)
            route for route in app.router.routes if not isinstance(route, Mount) and getattr(route, "endpoint", None) is not no_such_endpoint
        ]
        allowed = {
            candidate for candidate in ALL_METHODS
            if any(route.matches({**request.scope, "method": candidate})[0] is Match.FULL for route in routes)
        }
        path, method = request.url.path, request.method
        if allowed and method not in allowed:
            listed = ", ".join(sorted(allowed))
            raise HTTPException(405, f"{method} is not allowed on {path}; it takes {listed}.", headers={"Allow": listed})
        raise HTTPException(404, f"There is no API endpoint {method} {path}; the endpoints are listed at /api/docs.")

    for path in ("/api", "/api/{rest:path}", "/v1", "/v1/{rest:path}"):
        app.add_api_route(path, no_such_endpoint, methods=ALL_METHODS, include_in_schema=False)


def limit_body_size(app: FastAPI, max_bytes: int = MAX_BODY_BYTES) -> None:
    """Only the body-size limit (413), with no keys and no rate limits."""
    install_api_guards(app, ApiGuards(max_body_bytes=max_bytes))


def describe_validation_errors(errors: list[dict[str, Any]]) -> str:
    """Pydantic's errors as one sentence a client developer can act on."""
    parts = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part != "body"]
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "")
            at = f" at character {loc[0]}" if loc else ""
            parts.append(f"The request body is not valid JSON ({reason}{at}).".replace(" ()", ""))
        elif error.get("type") == "missing" and not loc:
            parts.append("The request needs a JSON body, sent with 'Content-Type: application/json'.")
        elif error.get("type") == "model_attributes_type" and not loc and isinstance(error.get("input"), (str, bytes)):
            # a body sent as a form or as text (curl -d without -H) arrives unparsed
            parts.append("The request body must be a JSON object, sent with 'Content-Type: application/json'.")
        else:
            message = str(error.get("msg", "invalid")).removeprefix("Value error, ")  # our own validators' words
            parts.append(f"{'.'.join(loc) or 'body'}: {message}")
    return " ".join(part if part.endswith(".") else part + "." for part in parts)


async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    """On the API: 422 with ``detail`` a sentence and ``errors`` the field-by-field list."""
    if not request.url.path.startswith(API_PREFIXES):
        return await request_validation_exception_handler(request, error)
    errors = finite(jsonable_encoder(error.errors()))
    body = error_body(request.url.path, 422, describe_validation_errors(errors)) | {"errors": errors}
    # ASCII JSON: an input echoed in ``errors`` may hold a lone surrogate ("\ud800"), which UTF-8 cannot encode
    return Response(json.dumps(body, allow_nan=False), status_code=422, media_type="application/json")


def finite(value: Any) -> Any:
    """``value`` with NaN and the infinities (an input such as ``1e400`` echoed back) as the strings "NaN",
    "Infinity" and "-Infinity": JSON has no such numbers, and browsers' JSON.parse refuses the whole body."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def unreadable_json(error: StarletteHTTPException) -> str | None:
    """For FastAPI's bare 400 "There was an error parsing the body" (a JSON body that is not UTF-8, nested
    too deeply for the parser, or with a number of more digits than Python reads), the sentence of the 422
    that an invalid JSON body gets; else None."""
    cause = error.__cause__
    if error.status_code != 400 or not isinstance(cause, (UnicodeDecodeError, RecursionError, ValueError)):
        return None
    if isinstance(cause, UnicodeDecodeError):
        why = "it is not UTF-8 text"
    elif isinstance(cause, RecursionError):
        why = "it is nested too deeply"
    elif "digits" in str(cause):  # Python's limit on the digits of an integer (4,300 by default)
        why = "a number in it has too many digits"
    else:
        why = " ".join(str(cause).split())[:200] or "it cannot be read"
    return f"The request body is not valid JSON ({why})."


async def _openai_http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    """On the API, an unreadable JSON body is 422 like any invalid one; on ``/v1`` errors are also in
    OpenAI's shape, so its client libraries show the message."""
    if request.url.path.startswith(API_PREFIXES) and (detail := unreadable_json(error)) is not None:
        error = StarletteHTTPException(422, detail)
    if not request.url.path.startswith("/v1/"):
        return await http_exception_handler(request, error)  # type: ignore[return-value]
    body = error_body(request.url.path, error.status_code, error.detail)
    return JSONResponse(body, status_code=error.status_code, headers=getattr(error, "headers", None))


SHOWN_ID_CHARS = 40  # ids are 22 characters; a longer one is shortened in an error, not echoed whole


def shown_id(session_id: str) -> str:
    """A conversation id as an error quotes it: whole (quoted) up to 40 characters, else its start and its length,
    so an error (and the log) never echoes kilobytes a client sent as an id."""
    if len(session_id) <= SHOWN_ID_CHARS:
        return repr(session_id)
    return f"{session_id[:SHOWN_ID_CHARS]!r}… ({len(session_id):,} characters; ids have 22)"


@contextmanager
def dialog_errors(replies: Replies = DEFAULT_REPLIES) -> Iterator[None]:
    """The dialog's refusals as HTTP errors with their sentence as the detail: a message or request it
    cannot take (InvalidMessage) is 422, an unknown conversation 404, a conversation that others kept
    changing while this request tried to change it 409 (try again), one the database cannot give while it
    is down (the replies' ``unavailable``) 503."""
    try:
        yield
    except StoreUnavailable:
        raise HTTPException(status_code=503, detail=replies.unavailable) from None
    except InvalidMessage as error:
        raise HTTPException(status_code=422, detail=str(error)) from None
    except UnknownSession as error:
        raise HTTPException(status_code=404, detail=f"No conversation with id {shown_id(str(error.args[0]))}.") from None
    except ConversationChanged as error:
        raise HTTPException(status_code=409, detail=str(error)) from None


def transcript_json(manager: DialogManager, session_id: str) -> dict[str, Any]:
    """A conversation's transcript as ``GET /api/sessions/{id}`` (and the staff API) give it: customer,
    assistant and staff messages with citations, ``handoff`` (a person has it) and ``agent`` (who wrote last)."""
    with dialog_errors(manager.replies):
        events = manager.store.load_events(session_id)
    messages: list[dict[str, Any]] = []
    options: list[str] = []  # a clarifying question's choices, given to the reply that asks it
    for event in events:
        if isinstance(event, ClarificationAsked):
            options = list(event.options)
        elif isinstance(event, UserMessage):
            messages.append({"role": "user", "text": event.text, "timestamp": event.timestamp})
        elif isinstance(event, BotAnswer):
            messages.append(
                {
                    "role": "assistant",
                    "text": event.text,
                    "action": event.action,
                    "citations": list(event.citations),
                    "abstained": event.abstained,
                    "options": options if event.action == "clarify" else [],
                    "timestamp": event.timestamp,
                }
            )
            options = []
        elif isinstance(event, AgentMessage):
            messages.append({"role": "agent", "author": event.author, "text": event.text, "timestamp": event.timestamp})
    tracker = Tracker.from_events(session_id, events)
    return {"session_id": session_id, "messages": messages, "handoff": tracker.with_person, "agent": tracker.agent}


def create_router(manager: DialogManager) -> APIRouter:
    """The API's routes around one DialogManager."""
    router = APIRouter(dependencies=[Security(_bearer), Security(_key_header)])

    def turn_stream(session_id: str | None, text: str, channel: str = "api", earlier_question: str | None = None) -> Iterator:  # type: ignore[type-arg]
        """Run the first step now, so a bad message or session is an HTTP error, not a broken stream.
        With ``session_id`` None, a session is started once the message has passed validation. The rest
        runs on in a thread of its own (``finish_alone``), so a client leaving mid-reply loses no turn."""
        with dialog_errors(manager.replies):
            turn = manager.stream(session_id, text, channel, earlier_question)
            first = next(turn)
        return itertools.chain([first], finish_alone(turn))

    @router.post("/api/sessions", status_code=201, tags=["conversations"])
    def start_session() -> dict[str, str]:
        """Start a conversation; the id is unguessable and is the only key to it."""
        return {"session_id": manager.start_session("api")}

    @router.post("/api/sessions/{session_id}/messages", tags=["conversations"], response_class=EventStream)
    def send_message(session_id: str, message: MessageIn) -> EventStream:
        """Send a message; the reply streams as events ``delta`` (new text) and ``done`` (the whole turn)."""
        updates = turn_stream(session_id, message.text)

        def events() -> Iterator[str]:
            sent = ""
            for update in updates:
                if update.done and update.result is not None:
                    yield sse(result_json(update.result), event="done")
                elif update.text.startswith(sent):
                    yield sse({"text": update.text[len(sent) :]}, event="delta")
                    sent = update.text

        return EventStream(events(), headers=SSE_HEADERS)

    @router.get("/api/sessions/{session_id}", tags=["conversations"])
    def transcript(session_id: str) -> dict[str, Any]:
        """The conversation so far: customer, assistant and staff messages, with citations; ``handoff`` is
        true while a person has the conversation (handed off, not handed back), ``agent`` names who wrote last."""
        return transcript_json(manager, session_id)

    @router.post("/api/sessions/{session_id}/feedback", status_code=201, tags=["conversations"])
    def give_feedback(session_id: str, feedback: FeedbackIn) -> dict[str, Any]:
        """Thumbs up or down and/or a comment on one turn of the conversation."""
        with dialog_errors(manager.replies):
            manager.give_feedback(session_id, feedback.turn_no, feedback.rating, feedback.comment)
        return {"session_id": session_id, "turn_no": feedback.turn_no, "recorded": True}

    @router.post("/api/sessions/{session_id}/handoff", tags=["conversations"])
    def request_handoff(session_id: str, body: HandoffIn | None = None) -> dict[str, Any]:
        """Hand the conversation to a human; nothing changes (and staff are not notified again) while a
        person already has it."""
        reason = body.reason if body else HandoffIn().reason
        with dialog_errors(manager.replies):
            manager.request_handoff(session_id, reason)
        return {"session_id": session_id, "handoff": True, **support_status(manager)}

    @router.delete("/api/sessions/{session_id}/handoff", tags=["conversations"])
    def cancel_handoff(session_id: str) -> dict[str, Any]:
        """The customer goes back to the assistant instead of waiting for a person; 422 when no person has it."""
        with dialog_errors(manager.replies):
            manager.hand_back(session_id, author="customer")
        return {"session_id": session_id, "handoff": False}

    @router.get("/v1/models", tags=["openai-compatible"])
    def list_models() -> dict[str, Any]:
        """The one model, for OpenAI clients and chat front-ends that list models before they chat."""
        return {"object": "list", "data": [MODEL]}

    @router.get("/v1/models/{model}", tags=["openai-compatible"])
    def get_model(model: str) -> dict[str, Any]:
        """The one model by its id (``support-assistant``); 404 for any other."""
        if model != MODEL_NAME:
            raise HTTPException(status_code=404, detail=f"There is no model {model!r}; the one model is {MODEL_NAME!r}.")
        return MODEL

    @router.post("/v1/chat/completions", tags=["openai-compatible"], responses=STREAMED_TOO)
    def chat_completions(request: ChatCompletionIn) -> Any:
        """OpenAI-compatible chat: the last user message goes through the whole assistant, in the conversation
        named by ``session_id`` (an extra field) or else a new one, where a follow-up is read with the question the
        request's earlier user messages end on (``dialog.history``; they are not replayed or stored).
        ``usage`` counts that message and the reply, in the local generator's tokens, or in words where no local
        generator writes the answers (docs/api.md)."""
        if request.n not in (None, 1):
            detail = f"n: the assistant gives one reply per request; send n=1 or leave n out (got {request.n})."
            raise HTTPException(status_code=422, detail=detail)
        users = [m for m in request.messages if m.role == "user"]
        if not users:
            raise HTTPException(status_code=422, detail="messages must contain a user message with text content.")
        if not users[-1].text:  # not an earlier message instead: that would answer a question already answered
            detail = "The last user message has no text content (of a list of parts, only the text parts are read)."
            raise HTTPException(status_code=422, detail=detail)
        # without session_id, the customer's earlier messages in the request say what a follow-up continues
        earlier = last_question(m.text for m in users[:-1]) if request.session_id is None else None
        updates = turn_stream(request.session_id, users[-1].text, channel="openai", earlier_question=earlier)
        count_usage = usage_counter(manager)  # the generator answering now (a reload may replace it)
        completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if not request.stream:
            result = next(u.result for u in updates if u.done)
            return {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": MODEL_NAME,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": result.text}, "finish_reason": "stop"}],
                "usage": usage(count_usage, users[-1].text, result.text),
                "session_id": result.session_id,
                "sources": result_json(result)["sources"],
            }

        header = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": MODEL_NAME}

        def chunk(delta: dict[str, str], finish: str | None = None, **extra: Any) -> str:
            return sse(header | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]} | extra)

        def events() -> Iterator[str]:
            yield chunk({"role": "assistant", "content": ""})
            sent, result = "", None
            for update in updates:
                text = update.text
                if update.done and not text.startswith(sent):  # chunks only add: a reply in the draft's place follows it
                    text = sent if only_tidied(sent, text) else sent + "\n\n" + text
                if text.startswith(sent) and len(text) > len(sent):
                    yield chunk({"content": text[len(sent) :]})
                    sent = text
                result = update.result or result
            # the last chunk carries what a non-streamed response has besides the text
            cited = {"session_id": result.session_id, "sources": result_json(result)["sources"]} if result else {}
            yield chunk({}, finish="stop", **cited)
            if request.stream_options and request.stream_options.include_usage:  # as OpenAI: no choices, the usage
                yield sse(header | {"choices": [], "usage": usage(count_usage, users[-1].text, sent)})
            yield sse("[DONE]")

        return EventStream(events(), headers=SSE_HEADERS)

    return router
