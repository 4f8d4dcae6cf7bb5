"""Merchant webhooks: endpoints that receive the merchant's events, signed, with a log of
every delivery attempt. Configuration (create, change, delete, rotate the secret) is for
the owner; members may read and re-send deliveries."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from marketplace.events import queries, services
from marketplace.events.webhooks import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookDeliveryNotFoundError,
    WebhookNotFoundError,
    WebhookSubscription,
)
from serving.api.deps import App
from serving.api.pagination import decode_cursor, encode_cursor, invalid_cursor
from serving.api.schemas.webhooks import (
    DeliveryAttemptRead,
    DeliveryDetailRead,
    DeliveryPage,
    DeliveryRead,
    WebhookCreate,
    WebhookPage,
    WebhookRead,
    WebhookRotate,
    WebhookUpdate,
    WebhookWithSecretRead,
)
from serving.api.security import MerchantOwnerScope, MerchantScope

_Responses = dict[int | str, dict[str, Any]]

router = APIRouter(tags=["webhooks"])

BASE = "/merchants/{merchant_id}/webhooks"
_SCOPED: _Responses = {
    401: {"description": "not_authenticated"},
    403: {"description": "merchant_access_denied"},
    404: {"description": "merchant_not_found / webhook_not_found"},
}
_OWNER: _Responses = {
    **_SCOPED,
    403: {"description": "merchant_access_denied / merchant_owner_required"},
}
_INVALID: _Responses = {
    422: {"description": "invalid_webhook_url / invalid_webhook_topics / invalid_webhook"}
}

Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size")]


def _page_key(listing: str, cursor: str | None, name: str) -> str | None:
    """The id inside a cursor this router made for ``listing``."""
    payload = decode_cursor(cursor)
    if payload is None:
        return None
    if payload.get("list") != listing or not isinstance(payload.get(name), str):
        raise invalid_cursor()
    return str(payload[name])


def _read(s: WebhookSubscription) -> WebhookRead:
    return WebhookRead(
        id=s.id, merchant_id=s.merchant_id, url=s.url, topics=[t.value for t in s.topics],
        description=s.description, is_active=s.is_active,
        previous_secret_expires_at=s.previous_secret_expires_at,
        created_at=s.created_at, updated_at=s.updated_at,
    )  # fmt: skip


def _with_secret(s: WebhookSubscription) -> WebhookWithSecretRead:
    return WebhookWithSecretRead(**_read(s).model_dump(), secret=s.secret)


def _delivery(d: WebhookDelivery) -> DeliveryRead:
    return DeliveryRead(
        id=d.id, webhook_id=d.subscription_id, event_id=d.event_id, topic=d.topic,
        status=d.status, attempts=d.attempts, next_attempt_at=d.next_attempt_at,
        last_attempt_at=d.last_attempt_at, last_status_code=d.last_status_code,
        last_error=d.last_error, delivered_at=d.delivered_at, created_at=d.created_at,
    )  # fmt: skip


# -- subscriptions ------------------------------------------------------------------------
@router.post(
    BASE,
    status_code=status.HTTP_201_CREATED,
    summary="Register a webhook endpoint (the signing secret is in this answer only)",
    responses={**_OWNER, **_INVALID, 409: {"description": "webhook_limit_reached"}},
)
def create_webhook(
    body: WebhookCreate, scope: MerchantOwnerScope, container: App
) -> WebhookWithSecretRead:
    cmd = services.RegisterWebhook(
        merchant_id=scope.merchant_id, url=body.url, topics=tuple(body.topics),
        description=body.description, is_active=body.is_active,
    )  # fmt: skip
    allow = container.settings.webhook_allow_private_networks
    created = services.register_webhook(cmd, uow=container.uow(), allow_private_networks=allow)
    return _with_secret(created)


@router.get(BASE, summary="The merchant's webhooks", responses=_SCOPED)
def list_webhooks(
    scope: MerchantScope, container: App, cursor: Cursor = None, limit: Limit = 50
) -> WebhookPage:
    page = queries.list_webhooks(
        container.engine,
        merchant_id=scope.merchant_id,
        limit=limit,
        after_id=_page_key("whk", cursor, "after"),
    )
    last = page.items[-1] if page.has_more else None
    return WebhookPage(
        items=[_read(s) for s in page.items],
        next_cursor=encode_cursor({"list": "whk", "after": last.id}) if last else None,
    )


@router.get(f"{BASE}/{{webhook_id}}", summary="One webhook", responses=_SCOPED)
def get_webhook(webhook_id: str, scope: MerchantScope, container: App) -> WebhookRead:
    found = queries.get_webhook(
        container.engine, merchant_id=scope.merchant_id, webhook_id=webhook_id
    )
    if found is None:
        raise WebhookNotFoundError("No such webhook.", webhook_id=webhook_id)
    return _read(found)


@router.patch(
    f"{BASE}/{{webhook_id}}",
    summary="Change the URL, topics, description, or pause it (is_active=false)",
    responses={**_OWNER, **_INVALID},
)
def update_webhook(
    webhook_id: str, body: WebhookUpdate, scope: MerchantOwnerScope, container: App
) -> WebhookRead:
    cmd = services.UpdateWebhook(scope.merchant_id, webhook_id, body.model_dump(exclude_unset=True))
    allow = container.settings.webhook_allow_private_networks
    return _read(services.update_webhook(cmd, uow=container.uow(), allow_private_networks=allow))


@router.delete(
    f"{BASE}/{{webhook_id}}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a webhook with its deliveries and their log",
    responses=_OWNER,
)
def delete_webhook(webhook_id: str, scope: MerchantOwnerScope, container: App) -> Response:
    services.delete_webhook(scope.merchant_id, webhook_id, uow=container.uow())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    f"{BASE}/{{webhook_id}}/rotate-secret",
    summary="A new signing secret (in this answer only); the old one may sign a while longer",
    responses={**_OWNER, **_INVALID},
)
def rotate_webhook_secret(
    webhook_id: str,
    scope: MerchantOwnerScope,
    container: App,
    body: WebhookRotate | None = None,
) -> WebhookWithSecretRead:
    grace = (body or WebhookRotate()).previous_secret_valid_seconds
    cmd = services.RotateWebhookSecret(scope.merchant_id, webhook_id, grace)
    return _with_secret(services.rotate_webhook_secret(cmd, uow=container.uow()))


# -- deliveries ---------------------------------------------------------------------------
@router.get(
    f"{BASE}/{{webhook_id}}/deliveries",
    summary="Deliveries of a webhook, newest first",
    responses=_SCOPED,
)
def list_deliveries(
    webhook_id: str,
    scope: MerchantScope,
    container: App,
    delivery_status: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> DeliveryPage:
    get_webhook(webhook_id, scope, container)  # 404 for another merchant's webhook
    page = queries.list_deliveries(
        container.engine,
        merchant_id=scope.merchant_id,
        webhook_id=webhook_id,
        status=delivery_status,
        limit=limit,
        before_id=_page_key("whd", cursor, "before"),
    )
    last = page.items[-1] if page.has_more else None
    return DeliveryPage(
        items=[_delivery(d) for d in page.items],
        next_cursor=encode_cursor({"list": "whd", "before": last.id}) if last else None,
    )


@router.get(
    f"{BASE}/{{webhook_id}}/deliveries/{{delivery_id}}",
    summary="One delivery with the body sent and the log of its attempts",
    responses={**_SCOPED, 404: {"description": "webhook_delivery_not_found"}},
)
def get_delivery(
    webhook_id: str, delivery_id: str, scope: MerchantScope, container: App
) -> DeliveryDetailRead:
    found = queries.get_delivery(
        container.engine,
        merchant_id=scope.merchant_id,
        webhook_id=webhook_id,
        delivery_id=delivery_id,
    )
    if found is None:
        raise WebhookDeliveryNotFoundError("No such delivery.", delivery_id=delivery_id)
    return DeliveryDetailRead(
        **_delivery(found.delivery).model_dump(),
        body=json.loads(found.delivery.body),
        attempt_log=[
            DeliveryAttemptRead.model_validate(a, from_attributes=True) for a in found.attempts
        ],
    )


@router.post(
    f"{BASE}/{{webhook_id}}/deliveries/{{delivery_id}}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a delivery again now (a failed one gets one more attempt)",
    responses={
        **_SCOPED,
        404: {"description": "webhook_not_found / webhook_delivery_not_found"},
        409: {"description": "webhook_delivery_in_progress"},
    },
)
def retry_delivery(
    webhook_id: str, delivery_id: str, scope: MerchantScope, container: App
) -> DeliveryRead:
    cmd = services.RetryDelivery(scope.merchant_id, webhook_id, delivery_id)
    return _delivery(services.retry_delivery(cmd, uow=container.uow()))
