"""SQL repository of webhook subscriptions, deliveries and attempts.

Claiming is one ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING``:
on PostgreSQL two workers skip each other's rows, and on both databases the status
condition is repeated in the UPDATE, so a row that is no longer due is never taken.
Finishing an attempt is conditional on the delivery still being ``delivering`` at the
attempt number the worker claimed: a worker whose lease ran out cannot overwrite a newer
attempt's outcome.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping

from marketplace.db.sql import dialect_insert
from marketplace.events.adapters.tables import (
    webhook_deliveries,
    webhook_delivery_attempts,
    webhook_subscriptions,
)
from marketplace.events.domain import Topic
from marketplace.events.webhooks import (
    ClaimedDelivery,
    DeliveryAttempt,
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
)

_S, _D = webhook_subscriptions, webhook_deliveries


def subscription_from_row(row: RowMapping) -> WebhookSubscription:
    return WebhookSubscription(
        id=row["id"], merchant_id=row["merchant_id"], url=row["url"],
        topics=tuple(Topic(t) for t in row["topics"] if t in Topic._value2member_map_),
        description=row["description"], secret=row["secret"],
        previous_secret=row["previous_secret"],
        previous_secret_expires_at=row["previous_secret_expires_at"],
        is_active=bool(row["is_active"]), created_at=row["created_at"],
        updated_at=row["updated_at"],
    )  # fmt: skip


def delivery_from_row(row: RowMapping) -> WebhookDelivery:
    return WebhookDelivery(
        id=row["id"], subscription_id=row["subscription_id"], merchant_id=row["merchant_id"],
        event_id=row["event_id"], topic=row["topic"], body=row["body"],
        status=DeliveryStatus(row["status"]), attempts=int(row["attempts"]),
        next_attempt_at=row["next_attempt_at"], lease_expires_at=row["lease_expires_at"],
        last_attempt_at=row["last_attempt_at"], last_status_code=row["last_status_code"],
        last_error=row["last_error"], delivered_at=row["delivered_at"],
        created_at=row["created_at"], updated_at=row["updated_at"],
    )  # fmt: skip


def _subscription_values(s: WebhookSubscription) -> dict[str, Any]:
    return {
        "merchant_id": s.merchant_id,
        "url": s.url,
        "topics": [t.value for t in s.topics],
        "description": s.description,
        "secret": s.secret,
        "previous_secret": s.previous_secret,
        "previous_secret_expires_at": s.previous_secret_expires_at,
        "is_active": s.is_active,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    }


class SqlWebhookRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    # -- subscriptions ---------------------------------------------------------------
    def add(self, subscription: WebhookSubscription) -> None:
        values = _subscription_values(subscription)
        self._conn.execute(insert(_S).values(id=subscription.id, **values))

    def get(self, webhook_id: str, *, for_update: bool = False) -> WebhookSubscription | None:
        query = select(_S).where(_S.c.id == webhook_id)
        if for_update:
            query = query.with_for_update()
        row = self._conn.execute(query).mappings().first()
        return subscription_from_row(row) if row else None

    def update(self, subscription: WebhookSubscription) -> None:
        values = _subscription_values(subscription)
        del values["merchant_id"], values["created_at"]
        self._conn.execute(update(_S).where(_S.c.id == subscription.id).values(**values))

    def delete(self, webhook_id: str) -> bool:
        return bool(self._conn.execute(delete(_S).where(_S.c.id == webhook_id)).rowcount)

    def count_for_merchant(self, merchant_id: str) -> int:
        query = select(func.count()).select_from(_S).where(_S.c.merchant_id == merchant_id)
        return int(self._conn.execute(query).scalar_one())

    def active_for(self, merchant_id: str, topic: Topic) -> list[WebhookSubscription]:
        # At most a handful per merchant: filter the topic list here, the same on both
        # databases, rather than with dialect-specific JSON operators.
        query = select(_S).where(_S.c.merchant_id == merchant_id, _S.c.is_active.is_(True))
        found = [subscription_from_row(r) for r in self._conn.execute(query).mappings()]
        return [s for s in found if s.is_subscribed(topic)]

    # -- deliveries ------------------------------------------------------------------
    def add_delivery(self, delivery: WebhookDelivery) -> bool:
        stmt = (
            dialect_insert(self._conn, _D)
            .values(
                id=delivery.id,
                subscription_id=delivery.subscription_id,
                merchant_id=delivery.merchant_id,
                event_id=delivery.event_id,
                topic=delivery.topic,
                body=delivery.body,
                status=delivery.status.value,
                attempts=delivery.attempts,
                next_attempt_at=delivery.next_attempt_at,
                created_at=delivery.created_at,
                updated_at=delivery.updated_at,
            )
            .on_conflict_do_nothing(index_elements=["subscription_id", "event_id"])
            .returning(_D.c.id)
        )
        return self._conn.execute(stmt).first() is not None

    def get_delivery(self, delivery_id: str) -> WebhookDelivery | None:
        row = self._conn.execute(select(_D).where(_D.c.id == delivery_id)).mappings().first()
        return delivery_from_row(row) if row else None

    def claim_due(
        self, *, now: datetime, lease_until: datetime, limit: int
    ) -> list[ClaimedDelivery]:
        due = or_(
            and_(_D.c.status == DeliveryStatus.PENDING.value, _D.c.next_attempt_at <= now),
            and_(_D.c.status == DeliveryStatus.DELIVERING.value, _D.c.lease_expires_at <= now),
        )
        # A paused subscription's deliveries wait (they go out once it is active again).
        is_active = exists().where(_S.c.id == _D.c.subscription_id, _S.c.is_active.is_(True))
        candidates = (
            select(_D.c.id)
            .where(due, is_active)
            .order_by(_D.c.next_attempt_at, _D.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        stmt = (
            update(_D)
            .where(_D.c.id.in_(candidates), due)
            .values(
                status=DeliveryStatus.DELIVERING.value,
                attempts=_D.c.attempts + 1,
                lease_expires_at=lease_until,
                last_attempt_at=now,
                updated_at=now,
            )
            .returning(*_D.c)
        )
        claimed = [delivery_from_row(r) for r in self._conn.execute(stmt).mappings()]
        if not claimed:
            return []
        ids = {d.subscription_id for d in claimed}
        rows = self._conn.execute(select(_S).where(_S.c.id.in_(ids))).mappings()
        subscriptions = {r["id"]: subscription_from_row(r) for r in rows}
        return [
            ClaimedDelivery(d, subscriptions[d.subscription_id].url,
                            tuple(subscriptions[d.subscription_id].signing_secrets(now)))
            for d in sorted(claimed, key=lambda d: (d.next_attempt_at or now, d.id))
        ]  # fmt: skip

    def finish_attempt(
        self,
        attempt: DeliveryAttempt,
        *,
        status: DeliveryStatus,
        next_attempt_at: datetime | None,
        now: datetime,
    ) -> bool:
        result = self._conn.execute(
            update(_D)
            .where(
                _D.c.id == attempt.delivery_id,
                _D.c.status == DeliveryStatus.DELIVERING.value,
                _D.c.attempts == attempt.attempt,
            )
            .values(
                status=status.value,
                next_attempt_at=next_attempt_at,
                lease_expires_at=None,
                last_status_code=attempt.status_code,
                last_error=attempt.error[:500] if attempt.error else None,
                delivered_at=now if status is DeliveryStatus.SUCCEEDED else _D.c.delivered_at,
                updated_at=now,
            )
        )
        if not result.rowcount:
            return False
        self._conn.execute(
            insert(webhook_delivery_attempts).values(
                delivery_id=attempt.delivery_id, attempt=attempt.attempt,
                started_at=attempt.started_at, status_code=attempt.status_code,
                duration_ms=attempt.duration_ms,
                error=attempt.error[:500] if attempt.error else None,
                response_excerpt=attempt.response_excerpt[:1000]
                if attempt.response_excerpt else None,
            )
        )  # fmt: skip
        return True

    def requeue(self, delivery_id: str, *, now: datetime) -> WebhookDelivery | None:
        stmt = (
            update(_D)
            .where(_D.c.id == delivery_id, _D.c.status != DeliveryStatus.DELIVERING.value)
            .values(
                status=DeliveryStatus.PENDING.value,
                next_attempt_at=now,
                lease_expires_at=None,
                updated_at=now,
            )
            .returning(*_D.c)
        )
        row = self._conn.execute(stmt).mappings().first()
        return delivery_from_row(row) if row else None
