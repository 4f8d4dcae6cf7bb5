"""The SQL outbox and the consumers' idempotency record, bound to one unit-of-work
connection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.engine import RowMapping

from marketplace.db.sql import dialect_insert
from marketplace.events.adapters.tables import consumed_events, outbox_events
from marketplace.events.domain import DomainEvent, Topic
from marketplace.events.ports import OutboxEntry

MAX_KEY_LENGTH = 200


def event_from_row(row: RowMapping) -> DomainEvent:
    return DomainEvent(
        topic=Topic(row["topic"]),
        key=row["key"],
        payload=dict(row["payload"]),
        occurred_at=row["occurred_at"],
        merchant_id=row["merchant_id"],
        id=row["event_id"],
    )


_INSERT_EVENTS = insert(outbox_events)  # built once: its cache key is memoized


class SqlOutbox:
    """``uow.outbox``: services add events; the relay claims and marks them."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        self._pending: list[dict[str, object]] = []

    def add(self, event: DomainEvent) -> None:
        """Buffered, and written by ``flush`` in the same transaction just before it
        commits (the unit of work calls it): one multi-row INSERT per transaction instead
        of one round trip per event."""
        if len(event.key) > MAX_KEY_LENGTH:
            raise ValueError(f"an event key has at most {MAX_KEY_LENGTH} characters")
        self._pending.append(
            {
                "event_id": event.id,
                "topic": event.topic.value,
                "key": event.key,
                "merchant_id": event.merchant_id,
                "payload": event.payload,
                "occurred_at": event.occurred_at,
                "published_at": None,
            }
        )

    def flush(self) -> None:
        """Write the buffered events (the unit of work calls this before committing)."""
        if self._pending:
            rows, self._pending = self._pending, []
            self._conn.execute(_INSERT_EVENTS, rows)

    def discard(self) -> None:
        self._pending = []

    def claim_unpublished(self, *, limit: int) -> list[OutboxEntry]:
        # SKIP LOCKED: a second relay takes the next rows instead of waiting for these
        # (PostgreSQL). SQLite ignores it; there the transaction holds the write lock.
        query = (
            select(outbox_events)
            .where(outbox_events.c.published_at.is_(None))
            .order_by(outbox_events.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = self._conn.execute(query).mappings().all()
        return [OutboxEntry(position=int(row["id"]), event=event_from_row(row)) for row in rows]

    def mark_published(self, positions: Sequence[int], *, at: datetime) -> int:
        if not positions:
            return 0
        result = self._conn.execute(
            update(outbox_events)
            .where(outbox_events.c.id.in_(list(positions)), outbox_events.c.published_at.is_(None))
            .values(published_at=at)
        )
        return result.rowcount

    def delete_published(self, *, before: datetime, limit: int) -> int:
        oldest = (
            select(outbox_events.c.id)
            .where(outbox_events.c.published_at < before)
            .order_by(outbox_events.c.published_at)
            .limit(limit)
        )
        result = self._conn.execute(delete(outbox_events).where(outbox_events.c.id.in_(oldest)))
        return result.rowcount


class SqlConsumedEvents:
    """``uow.consumed_events``: one row per (consumer, event) in the consumer's transaction."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def record(self, consumer: str, event_id: str, *, at: datetime) -> bool:
        # ON CONFLICT DO NOTHING waits for a concurrent twin's transaction: if it commits,
        # this one records nothing and the caller skips the event.
        stmt = (
            dialect_insert(self._conn, consumed_events)
            .values(consumer=consumer, event_id=event_id, consumed_at=at)
            .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
            .returning(consumed_events.c.event_id)
        )
        # RETURNING, not rowcount: psycopg reports -1 for an INSERT ... ON CONFLICT.
        return self._conn.execute(stmt).first() is not None
