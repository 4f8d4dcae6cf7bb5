"""The procurement agent over HTTP (issue 9): a buyer's conversations, each turn answered
as Server-Sent Events (``text/event-stream``).

Events: ``step`` (a tool call: tool, read/write, arguments), ``tool_result`` (compact),
``token`` (the reply in pieces), ``message`` (the whole reply), ``confirmation_required``
(the frozen draft to confirm: draft id, content hash, suppliers, lines, total, deadline,
budget check), ``outcome`` (after a confirm: ordered or submitted for approval, with the
purchase request and orders), ``error`` (a problem+json body) and ``done`` last.

``POST .../confirm`` and ``.../reject`` stream the same events. Errors found before the
first event (not the conversation's buyer: 403 ``not_your_conversation``; nothing to
confirm: 409 ``confirmation_not_pending``; the hash is not the frozen content's: 409
``confirmation_hash_mismatch``) are plain problem+json responses.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from marketplace.shared.errors import DomainError
from serving.agent.chat import Event, ProcurementChat
from serving.api.errors import status_for
from serving.api.schemas.procurement_chat import (
    ConfirmationIn,
    ConversationCreate,
    MessageCreate,
    RejectionIn,
)
from serving.api.security import CurrentUser

router = APIRouter(prefix="/procurement/conversations", tags=["procurement agent"])
log = logging.getLogger("agora.agent")
_lock = threading.Lock()
_STREAMED: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"},
    403: {"description": "not_your_conversation"},
    404: {"description": "conversation_not_found"},
}


def chat_of(request: Request) -> ProcurementChat:
    """The process's chat service (built on first use: it opens the checkpointer)."""
    state = request.app.state
    with _lock:
        if getattr(state, "procurement_chat", None) is None:
            state.procurement_chat = ProcurementChat(state.marketplace)
        chat: ProcurementChat = state.procurement_chat
    return chat


def _user(user: CurrentUser) -> str:
    assert user.user_id is not None  # CurrentUser refuses API keys for these routes
    return user.user_id


@router.post("", status_code=status.HTTP_201_CREATED,
             summary="Start a conversation with the procurement agent")  # fmt: skip
def create(body: ConversationCreate, user: CurrentUser, request: Request) -> dict[str, Any]:
    conversation = chat_of(request).start(body.company_id, _user(user), body.locale)
    return {
        "id": conversation.id, "company_id": conversation.company_id,
        "locale": conversation.locale, "created_at": conversation.created_at.isoformat(),
    }  # fmt: skip


@router.get("/{conversation_id}", summary="The conversation: messages and the pending confirmation")
def read(conversation_id: str, user: CurrentUser, request: Request) -> dict[str, Any]:
    return chat_of(request).view(conversation_id, _user(user))


@router.post("/{conversation_id}/messages", responses=_STREAMED,
             summary="Send a buyer turn; the agent answers as Server-Sent Events")  # fmt: skip
async def message(
    conversation_id: str, body: MessageCreate, user: CurrentUser, request: Request
) -> StreamingResponse:
    return await _stream(chat_of(request).say(conversation_id, _user(user), body.text))


@router.post(
    "/{conversation_id}/confirm", responses=_STREAMED,
    summary="Confirm the frozen draft (its content hash); the order is placed",
)  # fmt: skip
async def confirm(
    conversation_id: str, body: ConfirmationIn, user: CurrentUser, request: Request
) -> StreamingResponse:
    chat = chat_of(request)
    return await _stream(chat.confirm(conversation_id, _user(user), body.draft_id,
                                      body.content_hash))  # fmt: skip


@router.post("/{conversation_id}/reject", responses=_STREAMED,
             summary="Reject the frozen draft; nothing is ordered")  # fmt: skip
async def reject(
    conversation_id: str, body: RejectionIn, user: CurrentUser, request: Request
) -> StreamingResponse:
    chat = chat_of(request)
    return await _stream(chat.reject(conversation_id, _user(user), body.draft_id, body.reason))


async def _stream(events: Iterator[Event]) -> StreamingResponse:
    """Run to the first event here, so errors before it are plain problem+json; the rest
    streams, a later error as an ``error`` event."""
    first = await run_in_threadpool(next, events)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(_sse(first, events), media_type="text/event-stream", headers=headers)


def _sse(first: Event, rest: Iterator[Event]) -> Iterator[str]:
    yield _frame(first.name, first.data)
    try:
        for event in rest:
            yield _frame(event.name, event.data)
    except DomainError as exc:
        body = {"type": f"https://agora.dev/problems/{exc.code.replace('_', '-')}",
                "status": status_for(exc), "code": exc.code, "detail": exc.message}  # fmt: skip
        yield _frame("error", body)
        yield _frame("done", {})
    except Exception:
        log.exception("procurement agent turn failed")
        body = {"type": "https://agora.dev/problems/internal-error", "status": 500,
                "code": "internal_error", "detail": "The agent failed; try again."}  # fmt: skip
        yield _frame("error", body)
        yield _frame("done", {})


def _frame(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"
