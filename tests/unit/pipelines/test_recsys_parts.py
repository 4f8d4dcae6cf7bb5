"""Pure parts of the recommender pipeline: cleaning events, windows, configuration and the
one-model-name-per-surface rule (the catalogue texts: test_search_texts.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest

from pipelines.recsys import data
from pipelines.recsys.config import RecsysConfig
from pipelines.recsys.train import _check_distinct
from pipelines.stages import PipelineError

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _events(rows: list[tuple[int, str, str | None, str | None, str | None]]) -> pa.Table:
    """(day, type, user, product, order) rows in the export's column names (+ extra)."""
    return pa.table({
        "occurred_at": pa.array([T0 + timedelta(days=d) for d, *_ in rows],
                                pa.timestamp("us", tz="UTC")),
        "type": [r[1] for r in rows], "user_id": [r[2] for r in rows],
        "product_id": [r[3] for r in rows], "order_id": [r[4] for r in rows],
        "date": ["x"] * len(rows),  # a hive partition column is dropped
    })  # fmt: skip


def test_cleaning_keeps_events_with_a_user_and_a_product_sorted_by_time() -> None:
    batch = _events([
        (3, "purchase", "u1", "p2", "o1"), (1, "view", "u1", "p1", None),
        (2, "view", None, "p1", None), (2, "search", "u2", None, None),
        (1, "view", "u0", "p9", None),
    ])  # fmt: skip

    table = data.sort_events([data.clean_events(batch)])
    log = data.event_log(table)

    assert table.column_names == ["occurred_at", "type", "user_id", "product_id", "order_id"]
    assert log.user_ids.tolist() == ["u0", "u1", "u1"]  # ties by user
    assert log.item_ids.tolist() == ["p9", "p1", "p2"]
    assert log.order_ids.tolist() == [None, None, "o1"]
    assert log.timestamps[0] == np.datetime64("2026-01-02T00:00:00", "us")


def test_windows_put_validation_right_before_the_test_window() -> None:
    rows = [(d, "purchase", f"u{d % 3}", f"p{d % 5}", f"o{d}") for d in range(60)]
    log = data.event_log(data.sort_events([data.clean_events(_events(rows))]))

    windows = data.windows_for(log, test_days=14, validation_days=14, target_kinds=["purchase"])
    again = data.Windows.from_dict(windows.as_dict())

    us = np.timedelta64(1, "us")
    day = np.timedelta64(1, "D")
    # test: the last 14 days up to the last event (day 59); validation: the 14 days up to
    # the last event before the test window (day 45)
    assert windows.test_cutoff == np.datetime64("2026-01-01", "us") + 45 * day + us
    assert windows.validation_cutoff == np.datetime64("2026-01-01", "us") + 31 * day + us
    assert again == windows
    test, validation = again.test(log), again.validation(log)
    assert len(test.train) == 46  # days 0..45
    assert len(validation.train) == 32  # days 0..31
    assert validation.end == windows.validation_cutoff + 14 * day
    assert validation.end <= test.cutoff


def test_the_config_never_shows_the_database_password() -> None:
    cfg = RecsysConfig(database_url="postgresql://agora:s3cret@db:5432/agora")
    assert "database_url" not in cfg.as_dict()
    assert cfg.source()["database"] == "postgresql://agora@db:5432/agora"
    assert RecsysConfig(database_url="sqlite:///x.db").source()["database"] == "sqlite:///x.db"
    assert cfg.metric == "recall@20"


def test_two_surfaces_may_not_register_the_same_model_name() -> None:
    chosen = {"user": ("item_knn", {}), "similar": ("item_knn", {}), "popular": ("x", {})}
    with pytest.raises(
        PipelineError, match="user and similar would both register model 'item_knn'"
    ):
        _check_distinct(chosen, embed=False)
    _check_distinct(chosen, embed=True)  # similar becomes the hybrid
