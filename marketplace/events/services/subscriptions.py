"""Merchants' webhook subscriptions: register, change, delete, rotate the secret, and
send a delivery again. Another merchant's webhook is simply not found."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from marketplace.events.commands import (
    RegisterWebhook,
    RetryDelivery,
    RotateWebhookSecret,
    UpdateWebhook,
)
from marketplace.events.ports import WebhooksUnitOfWork
from marketplace.events.webhooks import (
    MAX_PREVIOUS_SECRET_TTL,
    MAX_WEBHOOKS_PER_MERCHANT,
    InvalidWebhookError,
    WebhookDelivery,
    WebhookDeliveryInProgressError,
    WebhookDeliveryNotFoundError,
    WebhookLimitReachedError,
    WebhookNotFoundError,
    WebhookSubscription,
    clean_description,
    clean_topics,
    new_secret,
    validate_webhook_url,
)
from marketplace.shared.errors import NotFoundError
from marketplace.shared.ids import new_id

_CHANGEABLE = frozenset({"url", "topics", "description", "is_active"})


def register_webhook(
    cmd: RegisterWebhook, *, uow: WebhooksUnitOfWork, allow_private_networks: bool = False
) -> WebhookSubscription:
    """A new endpoint; the result carries the secret, which is shown only this once."""
    url = validate_webhook_url(cmd.url, allow_private_networks=allow_private_networks)
    topics = clean_topics(cmd.topics)
    description = clean_description(cmd.description)
    with uow:
        # The merchant row lock serialises registrations, so the limit holds under races.
        if uow.merchants.get(cmd.merchant_id, for_update=True) is None:
            raise NotFoundError("No such merchant.", code="merchant_not_found")
        if uow.webhooks.count_for_merchant(cmd.merchant_id) >= MAX_WEBHOOKS_PER_MERCHANT:
            raise WebhookLimitReachedError(
                f"A merchant has at most {MAX_WEBHOOKS_PER_MERCHANT} webhooks.",
                limit=MAX_WEBHOOKS_PER_MERCHANT,
            )
        now = uow.clock.now()
        subscription = WebhookSubscription(
            id=new_id("whk"), merchant_id=cmd.merchant_id, url=url, topics=topics,
            description=description, secret=new_secret(), previous_secret=None,
            previous_secret_expires_at=None, is_active=cmd.is_active,
            created_at=now, updated_at=now,
        )  # fmt: skip
        uow.webhooks.add(subscription)
        uow.commit()
    return subscription


def update_webhook(
    cmd: UpdateWebhook, *, uow: WebhooksUnitOfWork, allow_private_networks: bool = False
) -> WebhookSubscription:
    """Change the URL, topics, description or active flag (pausing stops deliveries)."""
    values = _clean_changes(cmd.changes, allow_private_networks=allow_private_networks)
    with uow:
        current = _own(uow, cmd.merchant_id, cmd.webhook_id, for_update=True)
        updated = dataclasses.replace(current, **values, updated_at=uow.clock.now())
        uow.webhooks.update(updated)
        uow.commit()
    return updated


def _clean_changes(changes: dict[str, Any], *, allow_private_networks: bool) -> dict[str, Any]:
    unknown = set(changes) - _CHANGEABLE
    if unknown:
        raise InvalidWebhookError(f"Cannot change {', '.join(sorted(unknown))}.")
    values: dict[str, Any] = {}
    if "url" in changes:
        values["url"] = validate_webhook_url(
            str(changes["url"]), allow_private_networks=allow_private_networks
        )
    if "topics" in changes:
        values["topics"] = clean_topics(list(changes["topics"] or []))
    if "description" in changes:
        values["description"] = clean_description(changes["description"])
    if "is_active" in changes:
        if not isinstance(changes["is_active"], bool):
            raise InvalidWebhookError("is_active is true or false.")
        values["is_active"] = changes["is_active"]
    return values


def delete_webhook(merchant_id: str, webhook_id: str, *, uow: WebhooksUnitOfWork) -> None:
    """Remove the endpoint with its deliveries and their log."""
    with uow:
        _own(uow, merchant_id, webhook_id, for_update=True)
        uow.webhooks.delete(webhook_id)
        uow.commit()


def rotate_webhook_secret(
    cmd: RotateWebhookSecret, *, uow: WebhooksUnitOfWork
) -> WebhookSubscription:
    """A new secret (shown once). The old one keeps signing, beside the new, for
    ``previous_valid_seconds`` (0: stop at once), so the receiver can switch without
    rejecting deliveries in between."""
    grace = timedelta(seconds=cmd.previous_valid_seconds)
    if grace < timedelta(0) or grace > MAX_PREVIOUS_SECRET_TTL:
        raise InvalidWebhookError("previous_valid_seconds is between 0 and 7 days.")
    with uow:
        current = _own(uow, cmd.merchant_id, cmd.webhook_id, for_update=True)
        now = uow.clock.now()
        rotated = dataclasses.replace(
            current,
            secret=new_secret(),
            previous_secret=current.secret if grace else None,
            previous_secret_expires_at=now + grace if grace else None,
            updated_at=now,
        )
        uow.webhooks.update(rotated)
        uow.commit()
    return rotated


def retry_delivery(cmd: RetryDelivery, *, uow: WebhooksUnitOfWork) -> WebhookDelivery:
    """Send a delivery again now (a failed one gets one more attempt); refused while a
    worker is sending it."""
    with uow:
        _own(uow, cmd.merchant_id, cmd.webhook_id)
        delivery = uow.webhooks.get_delivery(cmd.delivery_id)
        if delivery is None or delivery.subscription_id != cmd.webhook_id:
            raise WebhookDeliveryNotFoundError("No such delivery.", delivery_id=cmd.delivery_id)
        requeued = uow.webhooks.requeue(delivery.id, now=uow.clock.now())
        if requeued is None:
            raise WebhookDeliveryInProgressError(
                "The delivery is being sent right now; try again in a moment.",
                delivery_id=delivery.id,
            )
        uow.commit()
    return requeued


def _own(
    uow: WebhooksUnitOfWork, merchant_id: str, webhook_id: str, *, for_update: bool = False
) -> WebhookSubscription:
    subscription = uow.webhooks.get(webhook_id, for_update=for_update)
    if subscription is None or subscription.merchant_id != merchant_id:
        raise WebhookNotFoundError("No such webhook.", webhook_id=webhook_id)
    return subscription
