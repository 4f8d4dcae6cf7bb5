"""``BehaviourWriter`` over SQLAlchemy: bulk, idempotent inserts into ``behaviour_events``
(partitioned by day on PostgreSQL) and first-wins session links."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Engine, delete, distinct, func, select

from marketplace.behaviour.adapters import partitions
from marketplace.behaviour.adapters.tables import behaviour_events, behaviour_sessions
from marketplace.behaviour.domain import BehaviourEvent
from marketplace.db.sql import dialect_insert

_COLUMNS = (
    "id", "occurred_at", "type", "source", "channel", "session_id", "user_id", "product_id",
    "sku_id", "merchant_id", "quantity", "price_minor", "currency", "order_id", "query",
    "position", "attribution_id",
)  # fmt: skip


def event_row(event: BehaviourEvent, *, received_at: datetime) -> dict[str, Any]:
    row = {name: getattr(event, name) for name in _COLUMNS}
    row["type"], row["source"] = str(event.type), str(event.source)
    row["results"] = list(event.results) if event.results is not None else None
    row["received_at"] = received_at
    return row


class SqlBehaviourWriter:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def ensure_days(self, days: Iterable[date]) -> int:
        return partitions.ensure_days(self._engine, days)

    def insert(self, events: Sequence[BehaviourEvent], *, received_at: datetime) -> int:
        if not events:
            return 0
        # Key order: two writers of overlapping batches take row locks in the same order,
        # so a retried batch racing its first try waits instead of deadlocking.
        ordered = sorted(events, key=lambda e: (e.occurred_at, e.id))
        rows = [event_row(e, received_at=received_at) for e in ordered]
        with self._engine.begin() as conn:
            stmt = (
                dialect_insert(conn, behaviour_events)
                .on_conflict_do_nothing()
                .returning(behaviour_events.c.id)
            )
            # One executemany: SQLAlchemy sends it as multi-row INSERTs ("insertmanyvalues"),
            # and RETURNING names the rows that were new (duplicates return nothing).
            return len(conn.execute(stmt, rows).all())

    def link_session(self, session_id: str, user_id: str, *, at: datetime) -> str:
        s = behaviour_sessions.c
        with self._engine.begin() as conn:
            stmt = dialect_insert(conn, behaviour_sessions).values(
                session_id=session_id, user_id=user_id, linked_at=at
            )
            conn.execute(stmt.on_conflict_do_nothing(index_elements=[s.session_id]))
            owner = conn.execute(select(s.user_id).where(s.session_id == session_id))
            return str(owner.scalar_one())

    def drop_days_before(self, day: date) -> list[str]:
        if self._engine.dialect.name == "postgresql":
            return partitions.drop_before(self._engine, day)
        # SQLite keeps one table: delete the rows instead of dropping partitions.
        cutoff = datetime.combine(day, time(), tzinfo=UTC)
        e = behaviour_events.c
        with self._engine.begin() as conn:
            old_days = conn.execute(
                select(distinct(func.date(e.occurred_at))).where(e.occurred_at < cutoff)
            ).scalars()
            dropped = sorted(str(d) for d in old_days)
            conn.execute(delete(behaviour_events).where(e.occurred_at < cutoff))
        return dropped
