"""The behaviour events export: one hive-style file per UTC day, the user resolved from the
session link when the event has none, the window applied to occurred_at."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pyarrow.parquet as pq
from sqlalchemy import Engine, insert

from marketplace.behaviour.adapters.partitions import ensure_days
from marketplace.behaviour.adapters.tables import behaviour_events, behaviour_sessions
from marketplace.exports import events
from marketplace.exports.domain import Dataset, ExportRequest
from marketplace.exports.services import export_dataset

DAY = datetime(2026, 3, 2, tzinfo=UTC)


def _event(event_id: str, at: datetime, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": event_id, "occurred_at": at, "received_at": at + timedelta(seconds=2),
        "type": "view", "source": "client", "channel": "web", "session_id": "s-anon",
    }  # fmt: skip
    columns = [c.name for c in behaviour_events.columns]
    return dict.fromkeys(columns) | row | values


def _seed(engine: Engine) -> None:
    ensure_days(engine, [date(2026, 3, d) for d in range(1, 5)])
    rows = [
        _event("ev-old", DAY - timedelta(hours=1), user_id="usr_old"),  # before the window
        _event("ev-1", DAY + timedelta(hours=9), product_id="prd_1", sku_id="sku_1",
               merchant_id="mer_1", price_minor=1999, currency="CNY"),
        _event("ev-2", DAY + timedelta(hours=10), type="search", session_id="s-known",
               user_id="usr_v", query="茶杯", results=["prd_1", "prd_2"]),
        _event("ev-3", DAY + timedelta(hours=23, minutes=59), type="click", product_id="prd_2",
               position=1, attribution_id="rec_1"),
        _event("ev-4", DAY + timedelta(days=1, hours=1), type="add_to_cart", user_id="usr_w",
               sku_id="sku_1", quantity=2, price_minor=1999, currency="CNY"),
        _event("ev-5", DAY + timedelta(days=1, hours=2), session_id="s-stranger"),
        _event("ev-late", DAY + timedelta(days=2), user_id="usr_late"),  # at --until
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(behaviour_events), rows)
        conn.execute(insert(behaviour_sessions).values(
            session_id="s-anon", user_id="usr_u", linked_at=DAY + timedelta(hours=12)))  # fmt: skip


def _export(engine: Engine, out: Path, since: datetime, until: datetime) -> None:
    request = ExportRequest.of(
        Dataset.EVENTS, since=since, until=until, now=until + timedelta(hours=1), batch_rows=2
    )
    export_dataset(request, engine=engine, out_dir=out)


def test_events_split_by_day_with_the_session_user_resolved(any_engine: Engine, out: Path) -> None:
    _seed(any_engine)

    _export(any_engine, out, since=DAY, until=DAY + timedelta(days=2))

    root = out / "events"
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*.parquet")) == [
        "date=2026-03-02/part-0.parquet", "date=2026-03-03/part-0.parquet",
    ]  # fmt: skip
    first = pq.read_table(root / "date=2026-03-02" / "part-0.parquet")
    assert first.schema.equals(events.SCHEMA, check_metadata=True)
    table = ds.dataset(root, format="parquet", partitioning="hive").to_table()
    rows = sorted(table.to_pylist(), key=lambda r: r["occurred_at"])
    assert [
        (r["event_id"], r["session_id"], r["user_id"], r["user_from_session"], str(r["date"]))
        for r in rows
    ] == [
        ("ev-1", "s-anon", "usr_u", True, "2026-03-02"),
        ("ev-2", "s-known", "usr_v", False, "2026-03-02"),
        ("ev-3", "s-anon", "usr_u", True, "2026-03-02"),
        ("ev-4", "s-anon", "usr_w", False, "2026-03-03"),  # the event's own user wins
        ("ev-5", "s-stranger", None, False, "2026-03-03"),
    ]  # fmt: skip
    one, two, three, four, _ = rows
    assert one["occurred_at"] == DAY + timedelta(hours=9)
    assert one["received_at"] == DAY + timedelta(hours=9, seconds=2)
    assert (one["price_minor"], one["currency"], one["sku_id"]) == (1999, "CNY", "sku_1")
    assert (two["type"], two["query"], two["results"]) == ("search", "茶杯", ["prd_1", "prd_2"])
    assert (three["position"], three["attribution_id"], three["results"]) == (1, "rec_1", None)
    assert (four["quantity"], four["type"], four["source"]) == (2, "add_to_cart", "client")

    manifest = json.loads((root / "_manifest.json").read_text())
    assert manifest["rows"] == 5
    assert manifest["files"] == [
        {"path": "date=2026-03-02/part-0.parquet", "rows": 3},
        {"path": "date=2026-03-03/part-0.parquet", "rows": 2},
    ]
    assert manifest["time_range"] == {
        "column": "occurred_at", "since": DAY.isoformat(),
        "until": (DAY + timedelta(days=2)).isoformat(),
    }  # fmt: skip


def test_an_empty_window_has_the_schema_and_no_day_files(any_engine: Engine, out: Path) -> None:
    _seed(any_engine)

    _export(any_engine, out, since=DAY + timedelta(days=5), until=DAY + timedelta(days=6))

    root = out / "events"
    assert sorted(p.name for p in root.iterdir()) == ["_common_metadata", "_manifest.json"]
    empty = pq.read_table(root / "_common_metadata")
    assert empty.num_rows == 0
    assert empty.schema.equals(events.SCHEMA, check_metadata=True)
    manifest = json.loads((root / "_manifest.json").read_text())
    assert (manifest["rows"], manifest["files"]) == (0, [])
