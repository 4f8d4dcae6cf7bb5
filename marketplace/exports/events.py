"""The behaviour events export: one row per event, split by UTC day into hive-style
``date=YYYY-MM-DD/part-0.parquet`` files, so a pipeline reads only the days it needs.

The log is never rewritten when an anonymous session is linked to a user at login, so the
user is resolved here: the event's own user, else the session's linked user.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, date
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import Boolean, Connection, Select, and_, func, select, type_coerce

from marketplace.behaviour.adapters.tables import behaviour_events, behaviour_sessions
from marketplace.exports.domain import Dataset, ExportRequest, WrittenFile
from marketplace.exports.writer import (
    PartWriter,
    Progress,
    dataset_schema,
    record_batch,
    stream,
)

_TS = pa.timestamp("us", tz="UTC")
SCHEMA = dataset_schema(
    Dataset.EVENTS,
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("occurred_at", _TS, nullable=False),
        pa.field("received_at", _TS, nullable=False),
        pa.field("type", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("session_id", pa.string(), nullable=False),
        pa.field("user_id", pa.string()),
        pa.field("user_from_session", pa.bool_(), nullable=False),
        pa.field("product_id", pa.string()),
        pa.field("sku_id", pa.string()),
        pa.field("merchant_id", pa.string()),
        pa.field("quantity", pa.int32()),
        pa.field("price_minor", pa.int64()),
        pa.field("currency", pa.string()),
        pa.field("order_id", pa.string()),
        pa.field("query", pa.string()),
        pa.field("results", pa.list_(pa.field("element", pa.string()))),
        pa.field("position", pa.int32()),
        pa.field("attribution_id", pa.string()),
    ],
)


def query(request: ExportRequest) -> Select[Any]:
    """The events of the window in (occurred_at, id) order, the primary key's order."""
    e, s = behaviour_events.c, behaviour_sessions.c
    from_session = type_coerce(and_(e.user_id.is_(None), s.user_id.is_not(None)), Boolean)
    columns = (
        e.id, e.occurred_at, e.received_at, e.type, e.source, e.channel, e.session_id,
        func.coalesce(e.user_id, s.user_id).label("user_id"),
        from_session.label("user_from_session"),
        e.product_id, e.sku_id, e.merchant_id, e.quantity, e.price_minor, e.currency,
        e.order_id, e.query, e.results, e.position, e.attribution_id,
    )  # fmt: skip
    stmt = (
        select(*columns)
        .select_from(behaviour_events.outerjoin(behaviour_sessions, s.session_id == e.session_id))
        .order_by(e.occurred_at, e.id)
    )
    if request.since is not None:
        stmt = stmt.where(e.occurred_at >= request.since)
    if request.until is not None:
        stmt = stmt.where(e.occurred_at < request.until)
    return stmt


_RESULTS = SCHEMA.get_field_index("results")


def _row(row: Sequence[Any]) -> tuple[Any, ...]:
    values = list(row)
    results = values[_RESULTS]
    # Search results are product ids; anything else a client sent is kept as text.
    values[_RESULTS] = None if results is None else [str(r) for r in results]
    return tuple(values)


def _day(row: Sequence[Any]) -> date:
    moment = row[1]
    day: date = moment.astimezone(UTC).date()
    return day


def write(
    conn: Connection, request: ExportRequest, root: Path, progress: Progress
) -> list[WrittenFile]:
    """Stream the window's events into one file per UTC day; no rows, no day files."""
    written: list[WrittenFile] = []
    part: PartWriter | None = None
    day: date | None = None
    total = 0
    try:
        for rows in stream(conn, query(request), request.batch_rows):
            # Rows come in time order, so a day's rows are contiguous across batches.
            for row_day, group in itertools.groupby(rows, key=_day):
                if part is None or row_day != day:
                    if part is not None:
                        written.append(part.close())
                    part = PartWriter(root, f"date={row_day.isoformat()}/part-0.parquet", SCHEMA)
                    day = row_day
                batch = record_batch(SCHEMA, [_row(r) for r in group])
                part.write(batch)
                total += batch.num_rows
            progress(total)
    finally:
        if part is not None:
            written.append(part.close())
    return written
