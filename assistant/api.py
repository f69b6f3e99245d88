"""HTTP API, mounted with the web UI: sessions and messages (streamed as server-sent events),
transcripts, feedback, handoff, and an OpenAI-compatible ``/v1/chat/completions`` backed by the whole assistant.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from dialog.events import BotAnswer, HandoffRequested, UserMessage
from dialog.manager import DialogManager, InvalidMessage, TurnResult
from dialog.store import UnknownSession

MAX_BODY_BYTES = 64 * 1024
MODEL_NAME = "support-assistant"


class MessageIn(BaseModel):
    text: str = Field(description="The customer's message.")


class HandoffIn(BaseModel):
    reason: str = Field("requested through the API", max_length=500)


class FeedbackIn(BaseModel):
    turn_no: int = Field(ge=1, description="Which turn of the conversation: 1 for the first (see `turn_no` in `done`).")
    rating: Literal[1, -1] | None = Field(None, description="1 for thumbs up, -1 for thumbs down.")
    comment: str | None = Field(None, description="What was good or wrong.")


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | None = None


class ChatCompletionIn(BaseModel):
    model: str = MODEL_NAME
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False


def sse(data: Any, event: str | None = None) -> str:
    """One server-sent event; ``data`` is sent as JSON unless it is already a string."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return (f"event: {event}\n" if event else "") + f"data: {payload}\n\n"


def result_json(result: TurnResult) -> dict[str, Any]:
    payload = asdict(result)
    payload["sources"] = [] if result.abstained else result.cited_sources
    return payload


def limit_body_size(app: FastAPI, max_bytes: int = MAX_BODY_BYTES) -> None:
    """Refuse API requests whose declared body is larger than ``max_bytes`` with 413."""

    @app.middleware("http")
    async def _limit(request: Request, call_next):  # type: ignore[no-untyped-def]
        is_api = request.url.path.startswith(("/api/", "/v1/"))
        length = request.headers.get("content-length")
        if is_api and length and length.isdigit() and int(length) > max_bytes:
            return JSONResponse({"detail": f"request body is {length} bytes; the limit is {max_bytes}"}, status_code=413)
        return await call_next(request)


def create_router(manager: DialogManager) -> APIRouter:
    """The API's routes around one DialogManager."""
    router = APIRouter()

    def turn_stream(session_id: str | None, text: str, channel: str = "api") -> Iterator:  # type: ignore[type-arg]
        """Run the first step now, so a bad message or session is an HTTP error, not a broken stream.
        With ``session_id`` None, a session is started once the message has passed validation."""
        try:
            turn = manager.stream(session_id, text, channel)
            first = next(turn)
        except InvalidMessage as error:
            raise HTTPException(status_code=422, detail=str(error)) from None
        except UnknownSession as error:
            raise HTTPException(status_code=404, detail=str(error)) from None

        def replay() -> Iterator:  # type: ignore[type-arg]
            yield first
            yield from turn

        return replay()

    @router.post("/api/sessions", status_code=201, tags=["conversations"])
    def start_session() -> dict[str, str]:
        """Start a conversation; the id is unguessable and is the only key to it."""
        return {"session_id": manager.start_session("api")}

    @router.post("/api/sessions/{session_id}/messages", tags=["conversations"])
    def send_message(session_id: str, message: MessageIn) -> StreamingResponse:
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

        return StreamingResponse(events(), media_type="text/event-stream")

    @router.get("/api/sessions/{session_id}", tags=["conversations"])
    def transcript(session_id: str) -> dict[str, Any]:
        """The conversation so far: customer and assistant messages, with citations and handoffs."""
        try:
            events = manager.store.load_events(session_id)
        except UnknownSession as error:
            raise HTTPException(status_code=404, detail=str(error)) from None
        messages: list[dict[str, Any]] = []
        for event in events:
            if isinstance(event, UserMessage):
                messages.append({"role": "user", "text": event.text, "timestamp": event.timestamp})
            elif isinstance(event, BotAnswer):
                messages.append(
                    {
                        "role": "assistant",
                        "text": event.text,
                        "action": event.action,
                        "citations": list(event.citations),
                        "abstained": event.abstained,
                        "timestamp": event.timestamp,
                    }
                )
        handoff = any(isinstance(event, HandoffRequested) for event in events)
        return {"session_id": session_id, "messages": messages, "handoff": handoff}

    @router.post("/api/sessions/{session_id}/feedback", status_code=201, tags=["conversations"])
    def give_feedback(session_id: str, feedback: FeedbackIn) -> dict[str, Any]:
        """Thumbs up or down and/or a comment on one turn of the conversation."""
        try:
            manager.give_feedback(session_id, feedback.turn_no, feedback.rating, feedback.comment)
        except InvalidMessage as error:
            raise HTTPException(status_code=422, detail=str(error)) from None
        except UnknownSession as error:
            raise HTTPException(status_code=404, detail=str(error)) from None
        return {"session_id": session_id, "turn_no": feedback.turn_no, "recorded": True}

    @router.post("/api/sessions/{session_id}/handoff", tags=["conversations"])
    def request_handoff(session_id: str, body: HandoffIn | None = None) -> dict[str, Any]:
        """Hand the conversation to a human."""
        reason = body.reason if body else HandoffIn().reason
        try:
            manager.store.append(session_id, [HandoffRequested(reason=reason)])
        except UnknownSession as error:
            raise HTTPException(status_code=404, detail=str(error)) from None
        return {"session_id": session_id, "handoff": True}

    @router.post("/v1/chat/completions", tags=["openai-compatible"])
    def chat_completions(request: ChatCompletionIn) -> Any:
        """OpenAI-compatible chat: the last user message goes through the whole assistant (a new
        conversation per request); earlier messages in the request are not replayed."""
        user_texts = [m.content for m in request.messages if m.role == "user" and m.content]
        if not user_texts:
            raise HTTPException(status_code=422, detail="messages must contain a user message with content")
        updates = turn_stream(None, user_texts[-1], channel="openai")
        completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if not request.stream:
            result = next(u.result for u in updates if u.done)
            return {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": MODEL_NAME,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": result.text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                "session_id": result.session_id,
                "sources": result_json(result)["sources"],
            }

        def chunk(delta: dict[str, str], finish: str | None = None) -> str:
            body = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": MODEL_NAME,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            return sse(body)

        def events() -> Iterator[str]:
            yield chunk({"role": "assistant", "content": ""})
            sent = ""
            for update in updates:
                text = update.text
                if update.done and not text.startswith(sent):  # the final reply replaced the draft
                    text = sent + "\n\n" + text
                if text.startswith(sent) and len(text) > len(sent):
                    yield chunk({"content": text[len(sent) :]})
                    sent = text
            yield chunk({}, finish="stop")
            yield sse("[DONE]")

        return StreamingResponse(events(), media_type="text/event-stream")

    return router
