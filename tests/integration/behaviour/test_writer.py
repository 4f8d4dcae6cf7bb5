"""Behaviour events written through the SQL writer: bulk, idempotent, partitioned by day on
PostgreSQL (a plain table on SQLite), sessions linked first-wins, concurrent retries."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from marketplace.behaviour import services
from marketplace.behaviour.adapters import partitions
from marketplace.behaviour.adapters.tables import behaviour_events, behaviour_sessions
from marketplace.behaviour.adapters.writer import SqlBehaviourWriter
from marketplace.shared.clock import FixedClock

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _batch(n: int = 6, *, prefix: str = "evt") -> list[dict[str, Any]]:
    """Mixed events over two days (the 9th and the 10th), each with a client id."""
    kinds: list[dict[str, Any]] = [
        {"type": "view", "product_id": "prod_1", "unit_price": "9.90", "currency": "CNY"},
        {"type": "search", "query": "tea", "results": ["prod_1", "prod_2"], "attribution_id": "s1"},
        {"type": "click", "product_id": "prod_2", "position": 1, "attribution_id": "s1"},
        {"type": "add_to_cart", "sku_id": "sku_2", "quantity": 2},
        {"type": "remove_from_cart", "sku_id": "sku_2", "quantity": 1},
        {"type": "purchase", "order_id": "ord_1", "sku_id": "sku_2", "quantity": 1,
         "unit_price": "25.00", "currency": "CNY"},
    ]  # fmt: skip
    return [
        {**kinds[i % len(kinds)], "id": f"{prefix}-{i:012d}", "session_id": "sess_abcdef",
         "occurred_at": (NOW - timedelta(hours=3 * (i % 6) + 1, seconds=i)).isoformat()}
        for i in range(n)
    ]  # fmt: skip


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(behaviour_events)).scalar_one())


def test_a_batch_is_written_with_every_field(any_engine: Engine) -> None:
    writer, clock = SqlBehaviourWriter(any_engine), FixedClock(NOW)
    result = services.record_events(_batch(), user_id="usr_1", writer=writer, clock=clock)
    assert (result.accepted, result.duplicates, result.rejected) == (6, 0, 0)
    with any_engine.connect() as conn:
        rows = {r.type: r for r in conn.execute(select(behaviour_events))}
    assert set(rows) == {"view", "search", "click", "add_to_cart", "remove_from_cart", "purchase"}
    assert rows["search"].results == ["prod_1", "prod_2"]
    assert rows["search"].query == "tea"
    assert (rows["purchase"].price_minor, rows["purchase"].currency) == (2500, "CNY")
    assert rows["click"].position == 1
    assert rows["click"].attribution_id == "s1"
    assert rows["view"].occurred_at == NOW - timedelta(hours=1)
    assert rows["view"].received_at == NOW
    assert {r.user_id for r in rows.values()} == {"usr_1"}
    assert {r.source for r in rows.values()} == {"client"}


def test_a_retried_batch_is_written_once(any_engine: Engine) -> None:
    writer, clock = SqlBehaviourWriter(any_engine), FixedClock(NOW)
    services.record_events(_batch(), user_id=None, writer=writer, clock=clock)
    clock.advance(timedelta(seconds=30))
    retry = _batch() + _batch(2, prefix="new")
    again = services.record_events(retry, user_id=None, writer=writer, clock=clock)
    assert (again.accepted, again.duplicates, again.rejected) == (2, 6, 0)
    assert _count(any_engine) == 8


def test_postgres_makes_a_partition_per_day_before_writing(pg_engine: Engine) -> None:
    writer, clock = SqlBehaviourWriter(pg_engine), FixedClock(NOW)
    services.record_events(_batch(), user_id=None, writer=writer, clock=clock)
    with pg_engine.connect() as conn:
        names = partitions.existing_partitions(conn)
        per_part: dict[str, int] = dict(conn.execute(text(
            "SELECT tableoid::regclass::text, count(*) FROM behaviour_events GROUP BY 1"
        )).tuples().all())  # fmt: skip
    assert {"behaviour_events_p20260309", "behaviour_events_p20260310"} <= set(names)
    assert per_part == {"behaviour_events_p20260310": 4, "behaviour_events_p20260309": 2}


def test_partitions_ahead_and_retention(any_engine: Engine) -> None:
    writer, clock = SqlBehaviourWriter(any_engine), FixedClock(datetime(2001, 2, 1, tzinfo=UTC))
    old = [{**e, "occurred_at": "2001-01-02T10:00:00Z"} for e in _batch(2, prefix="old")]
    services.record_events(old, user_id=None, writer=SqlBehaviourWriter(any_engine),
                           clock=FixedClock(datetime(2001, 1, 3, tzinfo=UTC)))  # fmt: skip
    made, dropped = services.maintain_partitions(days_ahead=2, retention_days=8,
                                                 writer=writer, clock=clock)  # fmt: skip
    assert _count(any_engine) == 0
    if any_engine.dialect.name == "postgresql":
        assert made == 3
        assert dropped == ["behaviour_events_p20010102"]
        with any_engine.connect() as conn:
            names = partitions.existing_partitions(conn)
        assert {f"behaviour_events_p200102{d:02d}" for d in (1, 2, 3)} <= set(names)
        assert "behaviour_events_p20010102" not in names
    else:
        assert (made, dropped) == (0, ["2001-01-02"])


def test_link_session_first_user_wins(any_engine: Engine) -> None:
    writer, clock = SqlBehaviourWriter(any_engine), FixedClock(NOW)
    assert services.link_session("sess_shared1", "usr_a", writer=writer, clock=clock)
    clock.advance(timedelta(minutes=5))
    assert not services.link_session("sess_shared1", "usr_b", writer=writer, clock=clock)
    assert services.link_session("sess_shared1", "usr_a", writer=writer, clock=clock)
    with any_engine.connect() as conn:
        rows = conn.execute(select(behaviour_sessions)).all()
    assert [(r.session_id, r.user_id, r.linked_at) for r in rows] == [
        ("sess_shared1", "usr_a", NOW)
    ]


def test_concurrent_retries_of_one_batch_write_it_once(any_engine: Engine) -> None:
    batch = _batch(60)
    results: list[Any] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def post() -> None:
        try:
            barrier.wait()
            results.append(services.record_events(
                batch, user_id=None, writer=SqlBehaviourWriter(any_engine), clock=FixedClock(NOW)
            ))  # fmt: skip
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.accepted for r in results) == 60
    assert sum(r.duplicates for r in results) == 60 * 5
    assert _count(any_engine) == 60


@pytest.mark.parametrize("day", [date(2026, 3, 9)])
def test_ensure_days_is_idempotent(pg_engine: Engine, day: date) -> None:
    writer = SqlBehaviourWriter(pg_engine)
    writer.ensure_days([day])
    assert writer.ensure_days([day]) == 0
