"""Read side of webhooks: a merchant's subscriptions, their deliveries (newest first)
and one delivery with its attempt log. Every query is scoped by merchant, so another
merchant's rows are never returned. Keyset pagination on the time-sortable ids."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Connection, Engine, select

from marketplace.events.adapters.tables import (
    webhook_deliveries,
    webhook_delivery_attempts,
    webhook_subscriptions,
)
from marketplace.events.adapters.webhooks import delivery_from_row, subscription_from_row
from marketplace.events.webhooks import (
    DeliveryAttempt,
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
)

T = TypeVar("T")
MAX_PAGE = 200


@dataclass(frozen=True)
class Slice(Generic[T]):
    items: list[T]
    has_more: bool


@dataclass(frozen=True)
class DeliveryDetail:
    delivery: WebhookDelivery
    attempts: list[DeliveryAttempt]


@contextmanager
def _reading(engine: Engine) -> Iterator[Connection]:
    with engine.connect().execution_options(agora_readonly=True) as conn:
        yield conn


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE))


def list_webhooks(
    engine: Engine, *, merchant_id: str, limit: int = 50, after_id: str | None = None
) -> Slice[WebhookSubscription]:
    limit = _limit(limit)
    s = webhook_subscriptions
    query = select(s).where(s.c.merchant_id == merchant_id)
    if after_id is not None:
        query = query.where(s.c.id > after_id)
    with _reading(engine) as conn:
        rows = conn.execute(query.order_by(s.c.id).limit(limit + 1)).mappings().all()
    items = [subscription_from_row(r) for r in rows]
    return Slice(items[:limit], len(items) > limit)


def get_webhook(engine: Engine, *, merchant_id: str, webhook_id: str) -> WebhookSubscription | None:
    s = webhook_subscriptions
    query = select(s).where(s.c.id == webhook_id, s.c.merchant_id == merchant_id)
    with _reading(engine) as conn:
        row = conn.execute(query).mappings().first()
    return subscription_from_row(row) if row else None


def list_deliveries(
    engine: Engine,
    *,
    merchant_id: str,
    webhook_id: str,
    status: DeliveryStatus | None = None,
    limit: int = 50,
    before_id: str | None = None,
) -> Slice[WebhookDelivery]:
    """Newest first (ids sort by creation time)."""
    limit = _limit(limit)
    d = webhook_deliveries
    query = select(d).where(d.c.subscription_id == webhook_id, d.c.merchant_id == merchant_id)
    if status is not None:
        query = query.where(d.c.status == status.value)
    if before_id is not None:
        query = query.where(d.c.id < before_id)
    with _reading(engine) as conn:
        rows = conn.execute(query.order_by(d.c.id.desc()).limit(limit + 1)).mappings().all()
    items = [delivery_from_row(r) for r in rows]
    return Slice(items[:limit], len(items) > limit)


def get_delivery(
    engine: Engine, *, merchant_id: str, webhook_id: str, delivery_id: str
) -> DeliveryDetail | None:
    d, a = webhook_deliveries, webhook_delivery_attempts
    query = select(d).where(
        d.c.id == delivery_id, d.c.subscription_id == webhook_id, d.c.merchant_id == merchant_id
    )
    with _reading(engine) as conn:
        row = conn.execute(query).mappings().first()
        if row is None:
            return None
        attempts = conn.execute(
            select(a).where(a.c.delivery_id == delivery_id).order_by(a.c.attempt)
        ).mappings()
        log = [
            DeliveryAttempt(
                delivery_id=r["delivery_id"],
                attempt=int(r["attempt"]),
                started_at=r["started_at"],
                status_code=r["status_code"],
                duration_ms=int(r["duration_ms"]),
                error=r["error"],
                response_excerpt=r["response_excerpt"],
            )
            for r in attempts
        ]
    return DeliveryDetail(delivery_from_row(row), log)
