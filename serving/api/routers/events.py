"""Behaviour events: shoppers' views, searches, clicks and carts, posted in batches."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from marketplace.behaviour import services
from marketplace.behaviour.domain import MAX_BATCH, is_session_id
from serving.api.deps import App
from serving.api.errors import ApiError
from serving.api.schemas.events import (
    EventBatchCreate,
    EventBatchRead,
    EventCreate,
    EventErrorRead,
)
from serving.api.security import ApiKeyNotAllowedError, OptionalUser

router = APIRouter(prefix="/events", tags=["events"])

_DESCRIPTION = f"""
Up to {MAX_BATCH} events in one request, signed in or anonymous (the `session_id` of each
event ties an anonymous visit to the user who later signs in with `X-Agora-Session`).
The signed-in user is attached to every event; a body cannot name a user.

The answer is **200** whenever the batch itself was readable: good events are written,
each bad one is listed in `errors` with its index and a stable `code`, and events that
were already written (a retried batch with the same event ids) count as `duplicates`.
problem+json is only for a request that is wrong as a whole: more than {MAX_BATCH}
events (413 `batch_too_large`), a body that is not `{{"events": [...]}}` (422), or an
API key (403 `api_key_not_allowed`).
"""


@router.post(
    "",
    summary="Record a batch of behaviour events",
    description=_DESCRIPTION,
    responses={
        403: {"description": "api_key_not_allowed (problem+json)"},
        413: {"description": "batch_too_large: nothing was written (problem+json)"},
        422: {"description": "The body is not a batch (problem+json)"},
    },
)
def record_events(
    body: EventBatchCreate, principal: OptionalUser, container: App
) -> EventBatchRead:
    if principal is not None and principal.is_api_key:
        raise ApiKeyNotAllowedError("Merchant API keys cannot post shopper events.")
    if len(body.events) > MAX_BATCH:
        raise ApiError(
            413, "batch_too_large", f"A batch holds at most {MAX_BATCH} events.",
            max_events=MAX_BATCH, events=len(body.events),
        )  # fmt: skip
    batch: list[Any] = [e.raw() if isinstance(e, EventCreate) else e for e in body.events]
    result = services.record_events(
        batch,
        user_id=principal.user_id if principal else None,
        writer=container.behaviour,
        clock=container.clock,
    )
    return EventBatchRead(
        accepted=result.accepted,
        duplicates=result.duplicates,
        rejected=result.rejected,
        errors=[
            EventErrorRead(index=e.index, code=e.code, field=e.field, detail=e.detail)
            for e in result.errors
        ],
    )


def link_login_session(container: App, access_token: str, session_id: str | None) -> None:
    """At login: the anonymous session (``X-Agora-Session``) becomes the user's. A missing
    or malformed header changes nothing, so login works the same without it."""
    if not session_id or not is_session_id(session_id):
        return
    claims = container.tokens.verify(access_token, now=container.clock.now())
    services.link_session(
        session_id, claims.user_id, writer=container.behaviour, clock=container.clock
    )
