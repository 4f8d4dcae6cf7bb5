"""Behaviour services over an in-memory ``BehaviourWriter`` (a fake of our own port)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from marketplace.behaviour import services
from marketplace.behaviour.domain import BehaviourEvent, EventSource, EventType
from marketplace.events.domain import DomainEvent, Topic
from marketplace.shared.clock import FixedClock
from marketplace.shared.errors import ValidationError

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


class MemoryWriter:
    def __init__(self) -> None:
        self.rows: dict[tuple[datetime, str], BehaviourEvent] = {}
        self.days: set[date] = set()
        self.sessions: dict[str, str] = {}
        self.inserts = 0

    def ensure_days(self, days: Iterable[date]) -> int:
        new = set(days) - self.days
        self.days |= new
        return len(new)

    def insert(self, events: Sequence[BehaviourEvent], *, received_at: datetime) -> int:
        self.inserts += 1
        assert all(e.occurred_at.date() in self.days for e in events), "partition first"
        before = len(self.rows)
        for e in events:
            self.rows.setdefault((e.occurred_at, e.id), e)
        return len(self.rows) - before

    def link_session(self, session_id: str, user_id: str, *, at: datetime) -> str:
        return self.sessions.setdefault(session_id, user_id)

    def drop_days_before(self, day: date) -> list[str]:
        old = sorted(d for d in self.days if d < day)
        self.days -= set(old)
        return [str(d) for d in old]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def _view(event_id: str | None, at: str = "2026-12-04T07:00:00Z") -> dict[str, object]:
    raw: dict[str, object] = {"type": "view", "occurred_at": at, "session_id": "sess_12345",
                              "product_id": "prod_1"}  # fmt: skip
    if event_id:
        raw["id"] = event_id
    return raw


def test_record_events_writes_good_ones_in_one_insert_and_counts(clock: FixedClock) -> None:
    writer = MemoryWriter()
    batch = [_view("a" * 16), _view("b" * 16, "2026-12-03T23:59:59Z"), {"type": "view"}]
    result = services.record_events(batch, user_id="usr_1", writer=writer, clock=clock)
    assert (result.accepted, result.duplicates, result.rejected) == (2, 0, 1)
    assert result.errors[0].index == 2
    assert writer.inserts == 1
    assert writer.days == {date(2026, 12, 3), date(2026, 12, 4)}
    assert {e.user_id for e in writer.rows.values()} == {"usr_1"}


def test_a_retried_batch_comes_back_as_duplicates(clock: FixedClock) -> None:
    writer = MemoryWriter()
    batch = [_view("a" * 16), _view("b" * 16)]
    services.record_events(batch, user_id=None, writer=writer, clock=clock)
    again = services.record_events(batch, user_id=None, writer=writer, clock=clock)
    assert (again.accepted, again.duplicates, again.rejected) == (0, 2, 0)
    assert len(writer.rows) == 2


def test_an_all_bad_batch_writes_nothing(clock: FixedClock) -> None:
    writer = MemoryWriter()
    result = services.record_events([{"type": "x"}], user_id=None, writer=writer, clock=clock)
    assert (result.accepted, result.rejected, writer.inserts, writer.days) == (0, 1, 0, set())


def test_link_session_first_user_keeps_it(clock: FixedClock) -> None:
    writer = MemoryWriter()
    assert services.link_session("sess_12345", "usr_a", writer=writer, clock=clock)
    assert services.link_session("sess_12345", "usr_a", writer=writer, clock=clock)  # again
    assert not services.link_session("sess_12345", "usr_b", writer=writer, clock=clock)
    with pytest.raises(services.InvalidSessionIdError):
        services.link_session("bad id", "usr_a", writer=writer, clock=clock)
    assert writer.sessions == {"sess_12345": "usr_a"}


def _paid(topic: Topic = Topic.ORDER_PAID) -> DomainEvent:
    payload = {
        "order_id": "ord_1", "group_id": "grp_0123456789", "buyer_id": "usr_b",
        "merchant_id": "mer_1", "status": "paid", "channel": "app",
        "total": {"amount": "52.00", "currency": "CNY"},
        "lines": [
            {"sku_id": "sku_1", "product_id": "prod_1", "quantity": 2,
             "unit_price": {"amount": "20.00", "currency": "CNY"}},
            {"sku_id": "sku_2", "product_id": "prod_2", "quantity": 1,
             "unit_price": {"amount": "12.00", "currency": "CNY"}},
        ],
    }  # fmt: skip
    return DomainEvent(topic, "ord_1", payload, NOW - timedelta(days=30), merchant_id="mer_1")


def test_a_paid_order_becomes_one_purchase_event_per_line_once(clock: FixedClock) -> None:
    writer = MemoryWriter()
    handle = services.purchase_recorder(writer=writer, clock=clock)
    handle(_paid())
    handle(_paid())  # delivered twice (another event id, same order): written once
    rows = sorted(writer.rows.values(), key=lambda e: e.sku_id or "")
    assert [(e.sku_id, e.quantity, e.price_minor, e.currency) for e in rows] == [
        ("sku_1", 2, 2000, "CNY"), ("sku_2", 1, 1200, "CNY"),
    ]  # fmt: skip
    first = rows[0]
    assert (first.type, first.source, first.user_id, first.order_id, first.channel) == (
        EventType.PURCHASE, EventSource.ORDER, "usr_b", "ord_1", "app",
    )  # fmt: skip
    assert first.occurred_at == NOW - timedelta(days=30)  # when it was paid, however late
    assert len({e.id for e in rows}) == 2


def test_other_topics_write_nothing(clock: FixedClock) -> None:
    writer = MemoryWriter()
    assert services.record_purchases(_paid(Topic.ORDER_CANCELLED), writer=writer,
                                     clock=clock) == 0  # fmt: skip
    assert writer.rows == {}
    assert writer.inserts == 0


def test_maintain_partitions_makes_ahead_and_drops_past_retention(clock: FixedClock) -> None:
    writer = MemoryWriter()
    writer.days = {date(2026, 11, 25), date(2026, 11, 26)}
    made, dropped = services.maintain_partitions(days_ahead=2, retention_days=8,
                                                 writer=writer, clock=clock)  # fmt: skip
    assert (made, dropped) == (3, ["2026-11-25"])  # kept: 8 days back and on
    assert writer.days == {date(2026, 11, 26)} | {date(2026, 12, d) for d in (4, 5, 6)}
    with pytest.raises(ValidationError) as info:
        services.maintain_partitions(days_ahead=2, retention_days=7, writer=writer, clock=clock)
    assert info.value.code == "invalid_partition_window"
    assert len(writer.days) == 4
