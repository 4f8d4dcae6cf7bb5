"""Reading an events export (in the exporter's own schema) and the evaluation command."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from marketplace.exports.events import SCHEMA
from recsys import schema
from recsys.evaluation import run
from tests.ml.recsys.conftest import synthetic_events

NAMES = [
    schema.EVENT_ID,
    schema.OCCURRED_AT,
    schema.TYPE,
    schema.SOURCE,
    schema.SESSION_ID,
    schema.USER_ID,
    schema.PRODUCT_ID,
    schema.SKU_ID,
    schema.MERCHANT_ID,
    schema.QUANTITY,
    schema.ORDER_ID,
    schema.ATTRIBUTION_ID,
]


def write_export(root: Path, rows: list[dict]) -> Path:
    """Hive-style day files plus _common_metadata, as `agora export events` writes them."""
    events = root / "events"
    events.mkdir(parents=True)
    pq.write_metadata(SCHEMA, events / "_common_metadata")
    by_day: dict[str, list[dict]] = {}
    for row in rows:
        by_day.setdefault(row["occurred_at"].date().isoformat(), []).append(row)
    for day, day_rows in by_day.items():
        full = [{f.name: r.get(f.name) for f in SCHEMA} for r in day_rows]
        (events / f"date={day}").mkdir()
        pq.write_table(
            pa.Table.from_pylist(full, schema=SCHEMA), events / f"date={day}" / "part-0.parquet"
        )
    return root


def row(
    n: int, user: str | None, product: str | None, kind: str, at: datetime, order: str | None = None
) -> dict:
    return {
        "event_id": f"e{n}",
        "occurred_at": at,
        "received_at": at,
        "type": kind,
        "source": "synthetic",
        "channel": "web",
        "session_id": f"s-{user}",
        "user_id": user,
        "user_from_session": False,
        "product_id": product,
        "order_id": order,
    }


def test_column_names_are_the_exports() -> None:
    assert set(NAMES) <= set(SCHEMA.names)


def test_load_events_reads_the_export_in_time_order(tmp_path: Path) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    write_export(
        tmp_path,
        [
            row(1, "usr_b", "prd_2", "purchase", t0 + timedelta(days=1), "ord_1"),
            row(2, "usr_a", "prd_1", "view", t0),
            row(3, None, "prd_1", "view", t0 + timedelta(hours=1)),  # anonymous
            row(4, "usr_a", None, "search", t0 + timedelta(hours=2)),  # no product
        ],
    )
    log = schema.load_events(tmp_path)
    assert log.user_ids.tolist() == ["usr_a", "usr_b"]
    assert log.item_ids.tolist() == ["prd_1", "prd_2"]
    assert log.kinds.tolist() == ["view", "purchase"]
    assert log.order_ids.tolist() == [None, "ord_1"]
    assert log.timestamps[0] == np.datetime64("2026-01-01T00:00:00", "us")
    with_sessions = schema.load_events(tmp_path / "events", anonymous_sessions=True)
    assert with_sessions.user_ids.tolist() == ["usr_a", "session:s-None", "usr_b"]


def test_evaluation_command_writes_a_report_for_every_model(tmp_path: Path) -> None:
    e = synthetic_events(seed=3, n_users=80, n_items=40, n=3000)
    rows = [
        row(n, str(u), str(i), str(k), datetime.fromisoformat(str(t)).replace(tzinfo=UTC), str(b))
        for n, (u, i, k, t, b) in enumerate(
            zip(
                e["user_ids"],
                e["item_ids"],
                e["kinds"],
                e["timestamps"],
                e["basket_ids"],
                strict=True,
            )
        )
    ]
    write_export(tmp_path / "export", rows)
    out = tmp_path / "report"
    run.main(
        [
            "--events",
            str(tmp_path / "export"),
            "--out",
            str(out),
            "--test-days",
            "14",
            "--targets",
            "purchase,add_to_cart",
            "--n-boot",
            "50",
            "--threads",
            "1",
            "--params",
            '{"als": {"factors": 8}, "bpr": {"factors": 8, "iterations": 20}}',
        ]
    )
    report = json.loads((out / "report.json").read_text())
    assert set(report["models"]) == set(run.factory.names())
    assert report["warm_users"] > 0
    for result in report["models"].values():
        recall = result["metrics"]["recall@20"]
        assert 0 <= recall["low"] <= recall["value"] <= recall["high"] <= 1
        assert result["fit_seconds"] >= 0
    assert (
        report["models"]["recent_popularity"]["relative_recall_vs_recent_popularity"]["value"] == 0
    )
    assert report["verdict"]["serve_default"] in report["models"]
    assert "| als |" in (out / "report.md").read_text()


def test_evaluation_refuses_an_empty_export(tmp_path: Path) -> None:
    write_export(tmp_path, [])
    with pytest.raises(ValueError, match="no events"):
        run.main(["--events", str(tmp_path), "--out", str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()
