"""Day partitions of ``behaviour_events`` on PostgreSQL (SQLite keeps one plain table).

Writers call ``ensure_days`` with the days of the rows they are about to write, outside
their own transaction: creating a partition locks the parent table, so it is done once per
day in a short transaction of its own, under an advisory lock so that two writers do not
race to create the same one. There is no default partition: a row for a day without a
partition fails loudly instead of piling up where a later partition could not be made.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, Engine, text

from marketplace.behaviour.adapters.tables import PARTITION_PREFIX

# Arbitrary but fixed: the advisory lock that serializes partition DDL.
_LOCK_KEY = 0x6265_6861_7669_6F72  # "behavior"
_known: dict[str, set[date]] = {}
_guard = threading.Lock()


def partition_name(day: date) -> str:
    return f"{PARTITION_PREFIX}{day:%Y%m%d}"


def day_of(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def ensure_days(engine: Engine, days: Iterable[date]) -> int:
    """Make the partitions for ``days`` that do not exist yet; returns how many were made."""
    if engine.dialect.name != "postgresql":
        return 0
    key = engine.url.render_as_string(hide_password=True)
    with _guard:
        known = _known.setdefault(key, set())
        wanted = sorted(set(days) - known)
    if not wanted:
        return 0
    made = 0
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        existing = set(existing_partitions(conn))
        for day in wanted:
            if partition_name(day) in existing:
                continue
            start = datetime.combine(day, time(), tzinfo=UTC)
            end = start + timedelta(days=1)
            conn.execute(
                text(
                    f'CREATE TABLE "{partition_name(day)}" PARTITION OF behaviour_events '
                    f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
                )
            )
            made += 1
    with _guard:
        known.update(wanted)
    return made


def existing_partitions(conn: Connection) -> list[str]:
    """Names of the day partitions, oldest first."""
    rows = conn.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'behaviour_events' "
            "ORDER BY c.relname"
        )
    )
    return [row[0] for row in rows]


def drop_before(engine: Engine, day: date) -> list[str]:
    """Drop the partitions of days before ``day`` (retention); returns their names."""
    if engine.dialect.name != "postgresql":
        return []
    cutoff = partition_name(day)
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        old = [name for name in existing_partitions(conn) if name < cutoff]
        for name in old:
            conn.execute(text(f'DROP TABLE "{name}"'))
    key = engine.url.render_as_string(hide_password=True)
    with _guard:
        _known.pop(key, None)
    return old
