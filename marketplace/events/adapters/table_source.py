"""The outbox table as an event source, for the embedded build without Redis.

Each consumer group keeps an offset (the last outbox id it acknowledged) in
``event_consumer_offsets`` and reads the rows after it, in id order. That is only correct
if no row with a smaller id can still appear after a larger one was read:

- SQLite: writers are serialised (``BEGIN IMMEDIATE``), so ids become visible in order.
- PostgreSQL: sequence values are taken at insert time but committed in any order, so
  the read takes ``LOCK TABLE outbox_events IN SHARE MODE`` first. That lock waits for
  every transaction still inserting into the outbox and holds new inserts back for the
  few milliseconds of the read. Acceptable for a fallback; with Redis, the relay is used.

Events are handed on in order: the consumer loop stops a batch at a failed event, which
is read again (its ``attempt`` counted in memory) until it succeeds or is dead-lettered
(logged and skipped).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import Engine, select, text

from marketplace.db.sql import dialect_insert
from marketplace.events.adapters.outbox import event_from_row
from marketplace.events.adapters.tables import event_consumer_offsets, outbox_events
from marketplace.events.ports import ReceivedEvent
from marketplace.shared.clock import Clock, SystemClock

log = logging.getLogger("agora.events")


class OutboxTableSource:
    """``EventSource`` that reads the outbox table directly."""

    preserves_order = True

    def __init__(
        self, engine: Engine, *, clock: Clock | None = None, poll_interval_ms: int = 500
    ) -> None:
        self._engine = engine
        self._clock = clock or SystemClock()
        self.poll_interval_ms = poll_interval_ms
        self._attempts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def read(self, group: str, consumer: str, *, count: int, block_ms: int) -> list[ReceivedEvent]:
        rows = self._fetch(group, count)
        if not rows and block_ms > 0:
            time.sleep(min(block_ms, self.poll_interval_ms) / 1000)
            rows = self._fetch(group, count)
        return [self._received(group, row) for row in rows]

    def _fetch(self, group: str, count: int) -> list[Any]:
        is_postgres = self._engine.dialect.name == "postgresql"
        options = {} if is_postgres else {"agora_readonly": True}
        with self._engine.connect().execution_options(**options) as conn, conn.begin():
            if is_postgres:
                conn.execute(text("LOCK TABLE outbox_events IN SHARE MODE"))
            offset = conn.execute(
                select(event_consumer_offsets.c.last_outbox_id).where(
                    event_consumer_offsets.c.consumer_group == group
                )
            ).scalar_one_or_none()
            query = (
                select(outbox_events)
                .where(outbox_events.c.id > (offset or 0))
                .order_by(outbox_events.c.id)
                .limit(count)
            )
            return list(conn.execute(query).mappings())

    def _received(self, group: str, row: Any) -> ReceivedEvent:
        position = int(row["id"])
        with self._lock:
            attempt = self._attempts.get((group, position), 0) + 1
            self._attempts[(group, position)] = attempt
        return ReceivedEvent(event_from_row(row), str(position), attempt)

    def ack(self, group: str, received: ReceivedEvent) -> None:
        position = int(received.receipt)
        with self._engine.begin() as conn:
            stmt = dialect_insert(conn, event_consumer_offsets).values(
                consumer_group=group, last_outbox_id=position, updated_at=self._clock.now()
            )
            # Offsets only move forward, whoever acknowledges last.
            stmt = stmt.on_conflict_do_update(
                index_elements=[event_consumer_offsets.c.consumer_group],
                set_={
                    "last_outbox_id": stmt.excluded.last_outbox_id,
                    "updated_at": stmt.excluded.updated_at,
                },
                where=event_consumer_offsets.c.last_outbox_id < stmt.excluded.last_outbox_id,
            )
            conn.execute(stmt)
        with self._lock:
            self._attempts.pop((group, position), None)

    def dead_letter(self, group: str, received: ReceivedEvent, error: str) -> None:
        log.error(
            "event dead-lettered",
            extra={"group": group, "event_id": received.event.id, "error": error[:500]},
        )
        self.ack(group, received)
