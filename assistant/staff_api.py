"""The staff API (``/api/staff``): the Inbox for a helpdesk bridge or a script on another machine.

It always needs a key of its own (setting ``staff_api_keys``, sent as ``Authorization: Bearer KEY`` or
``X-API-Key``): a customer API key does not open it, and with no staff key configured it is off (403).
The request-size limit of the rest of the API applies (``assistant.api_security``).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPBearer
from pydantic import AfterValidator, BaseModel, Field, StringConstraints
from sqlalchemy import Engine

from assistant.api import dialog_errors, transcript_json
from assistant.api_security import ApiKeys, presented_keys
from assistant.store.inbox import INBOX_LIMIT, conversations_with_a_person, count_with_a_person
from dialog.manager import DialogManager

log = logging.getLogger(__name__)

def _not_blank(name: str) -> str:
    """``name`` (stripped already); a ValueError, worded for the 422, when nothing is left."""
    if not name:
        raise ValueError("the name is blank: give the name the customer sees")
    return name


# A name to show the customer: blanks around it dropped, so "   " is refused rather than shown as nothing.
StaffName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64), AfterValidator(_not_blank)]
# Shown in the OpenAPI page as schemes of their own, so its "Authorize" button sends a staff key to these
# routes only (Swagger UI drops a header parameter named Authorization); the check itself is staff_key's.
_STAFF_NOTE = "A staff key (setting staff_api_keys); a customer API key does not open the staff API."
_staff_bearer = HTTPBearer(auto_error=False, scheme_name="StaffBearer", description=_STAFF_NOTE)
_staff_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="StaffKey", description=_STAFF_NOTE)
STAFF_OFF = "The staff API is off: add a key to the staff_api_keys setting (`python -m assistant.api_security --staff` makes one)."


def key_login(digest: str) -> str:
    """What a reply through the staff API records as its login: ``staff-api:`` and the first 12 hex digits of
    the key's ``sha256:`` line in ``staff_api_keys`` (enough to tell the configured keys apart, never the key).
    A review-page login cannot look like it (usernames have no ``:``)."""
    return "staff-api:" + digest[: len("sha256:") + 12]


class ReplyIn(BaseModel):
    text: str = Field(description="What to tell the customer.")
    author: StaffName = Field(description="The name the customer sees under the reply.")


class HandBackIn(BaseModel):
    author: StaffName = Field(description="Who hands the conversation back (for the logs).")


def create_staff_router(manager: DialogManager, engine: Engine, keys: ApiKeys) -> APIRouter:
    """The staff routes over ``manager`` (replies, hand-backs) and ``engine`` (the inbox), behind ``keys``."""

    def staff_key(
        request: Request, authorization: str = Header("", include_in_schema=False), x_api_key: str = Header("", include_in_schema=False)
    ) -> str:
        """The login of the staff key the request sends (``key_login``); 403 when the API is off, 401 without a valid key."""
        if not keys:
            raise HTTPException(status_code=403, detail=STAFF_OFF)
        presented = presented_keys(authorization, x_api_key)
        matched = next((digest for digest in map(keys.match, presented) if digest), None)
        if matched is None:
            if presented:  # as the customer API does: the address, never the key
                client = request.client.host if request.client else "?"
                log.warning("refused an invalid staff key from %s for %s", client, request.url.path)
            raise HTTPException(
                status_code=401,
                detail="The staff API needs a staff key ('Authorization: Bearer KEY' or 'X-API-Key'); this one is missing or not valid.",
                headers={"www-authenticate": 'Bearer realm="staff"'},
            )
        return key_login(matched)

    router = APIRouter(
        prefix="/api/staff", tags=["staff"], dependencies=[Depends(staff_key), Security(_staff_bearer), Security(_staff_key_header)]
    )

    @router.get("/inbox")
    def inbox() -> dict[str, Any]:
        """Conversations a person has: awaiting a staff reply first, longest waiting first; at most
        ``INBOX_LIMIT`` (200) of the longest waiting, and ``total``: how many there are."""
        items = conversations_with_a_person(engine, INBOX_LIMIT)
        total = len(items) if len(items) < INBOX_LIMIT else count_with_a_person(engine)
        return {
            "total": total,
            "conversations": [
                {
                    "session_id": item.session_id,
                    "title": item.title,
                    "handed_off_at": item.handed_off_at.isoformat(),
                    "last_activity": item.last_activity.isoformat(),
                    "reason": item.reason,
                    "agent": item.agent,
                    "awaiting_reply": item.awaiting_reply,
                    "assigned_to": item.assigned_to,  # the review login that has taken it (the Inbox's Assigned to)
                }
                for item in items
            ]
        }

    @router.get("/sessions/{session_id}")
    def transcript(session_id: str) -> dict[str, Any]:
        """The conversation's transcript, as ``GET /api/sessions/{id}`` gives it: what the customer, the
        assistant and staff wrote; ``handoff`` is true while a person has it."""
        return transcript_json(manager, session_id)

    @router.post("/sessions/{session_id}/replies", status_code=201)
    def reply(session_id: str, body: ReplyIn, login: str = Depends(staff_key)) -> dict[str, Any]:
        """Write to the customer; a conversation not handed off yet is taken over first. The reply is stored
        with the staff key that sent it (``staff-api:sha256:`` and the start of its digest) beside ``author``."""
        with dialog_errors():
            manager.reply_as_staff(session_id, body.text, author=body.author, login=login)
        return {"session_id": session_id, "sent": True}

    @router.post("/sessions/{session_id}/hand-back")
    def hand_back(session_id: str, body: HandBackIn) -> dict[str, Any]:
        """Give the conversation back to the assistant, which answers the customer's next message."""
        with dialog_errors():
            manager.hand_back(session_id, author=body.author)
        return {"session_id": session_id, "handed_back": True}

    return router
