"""The outbox relay against real Redis: each committed event reaches the stream once,
in outbox order; two relays take different rows; a relay that dies after appending
republishes, and an idempotent consumer still applies each event once."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest
import redis
from sqlalchemy import Engine, select

from marketplace.db.uow import SqlUnitOfWork
from marketplace.events.adapters.redis_streams import (
    RedisStreamPublisher,
    RedisStreamSource,
    stream_key,
)
from marketplace.events.adapters.tables import outbox_events
from marketplace.events.codec import decode_fields
from marketplace.events.consumers import consume, idempotent
from marketplace.events.domain import DomainEvent, Topic
from marketplace.events.relay import relay_once
from marketplace.shared.clock import FixedClock


def add_events(engine: Engine, clock: FixedClock, n: int) -> list[DomainEvent]:
    events = [
        DomainEvent(Topic.ORDER_PLACED, f"ord_{i}", {"n": i}, clock.now(), merchant_id="mer_1")
        for i in range(n)
    ]
    with SqlUnitOfWork(engine, clock=clock) as uow:
        for event in events:
            uow.outbox.add(event)
        uow.commit()
    return events


def stream_ids(client: redis.Redis, stream: str) -> list[str]:
    return [decode_fields(fields).id for _, fields in client.xrange(stream)]


def unpublished(engine: Engine) -> int:
    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox_events.c.id).where(outbox_events.c.published_at.is_(None))
        ).all()
    return len(rows)


@pytest.fixture
def stream(redis_prefix: str) -> str:
    return stream_key(redis_prefix)


@pytest.fixture
def publisher(redis_client: redis.Redis, stream: str) -> RedisStreamPublisher:
    return RedisStreamPublisher(redis_client, stream=stream, maxlen=100_000)


def test_each_committed_event_is_published_once_in_order(
    any_engine: Engine,
    clock: FixedClock,
    redis_client: redis.Redis,
    stream: str,
    publisher: RedisStreamPublisher,
) -> None:
    events = add_events(any_engine, clock, 5)
    uow = SqlUnitOfWork(any_engine, clock=clock)
    assert relay_once(uow=uow, publisher=publisher, batch_size=2) == 2
    assert relay_once(uow=uow, publisher=publisher, batch_size=10) == 3
    assert relay_once(uow=uow, publisher=publisher, batch_size=10) == 0  # twice-run relay
    assert stream_ids(redis_client, stream) == [e.id for e in events]
    assert unpublished(any_engine) == 0
    _, fields = redis_client.xrange(stream, count=1)[0]
    assert decode_fields(fields) == events[0]
    assert fields[b"merchant_id"] == b"mer_1"


def test_the_stream_is_trimmed_approximately_to_maxlen(
    pg_engine: Engine, clock: FixedClock, redis_client: redis.Redis, stream: str
) -> None:
    add_events(pg_engine, clock, 1500)
    small = RedisStreamPublisher(redis_client, stream=stream, maxlen=200)
    while relay_once(uow=SqlUnitOfWork(pg_engine, clock=clock), publisher=small, batch_size=500):
        pass
    length = redis_client.xlen(stream)
    assert 200 <= length < 1500  # "~": whole macro nodes are dropped, never too many


def test_a_second_relay_skips_the_rows_the_first_holds(
    pg_engine: Engine, clock: FixedClock
) -> None:
    add_events(pg_engine, clock, 5)
    with SqlUnitOfWork(pg_engine, clock=clock) as first:
        held = first.outbox.claim_unpublished(limit=3)
        with SqlUnitOfWork(pg_engine, clock=clock) as second:
            rest = second.outbox.claim_unpublished(limit=10)  # does not wait for `first`
    assert [e.position for e in held] == [1, 2, 3]
    assert [e.position for e in rest] == [4, 5]


class SlowPublisher:
    """The real publisher, slowed so that two relays overlap while holding their rows."""

    def __init__(self, inner: RedisStreamPublisher, by: dict[str, int], name: str) -> None:
        self.inner, self.by, self.name = inner, by, name

    def publish(self, events: Sequence[DomainEvent]) -> None:
        threading.Event().wait(0.005)
        self.inner.publish(events)
        self.by[self.name] += len(events)


def test_two_relays_racing_publish_every_event_exactly_once(
    pg_engine: Engine,
    clock: FixedClock,
    redis_client: redis.Redis,
    stream: str,
    publisher: RedisStreamPublisher,
) -> None:
    events = add_events(pg_engine, clock, 300)
    by = {"a": 0, "b": 0}
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(name: str) -> None:
        slow = SlowPublisher(publisher, by, name)
        start.wait()
        try:
            while relay_once(uow=SqlUnitOfWork(pg_engine, clock=clock), publisher=slow,
                             batch_size=7):  # fmt: skip
                pass
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in by]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    published = stream_ids(redis_client, stream)
    assert sorted(published) == sorted(e.id for e in events)  # none missing, none twice
    assert by["a"] + by["b"] == 300
    assert unpublished(pg_engine) == 0


class DiesAfterAppending:
    """The real publisher, then the relay process 'dies' before it marks the rows."""

    def __init__(self, inner: RedisStreamPublisher) -> None:
        self.inner = inner

    def publish(self, events: Sequence[DomainEvent]) -> None:
        self.inner.publish(events)
        raise ConnectionError("relay killed between XADD and the mark")


def test_a_relay_dying_after_xadd_republishes_and_consumers_dedupe(
    any_engine: Engine,
    clock: FixedClock,
    redis_client: redis.Redis,
    stream: str,
    publisher: RedisStreamPublisher,
) -> None:
    events = add_events(any_engine, clock, 3)
    with pytest.raises(ConnectionError):
        relay_once(uow=SqlUnitOfWork(any_engine, clock=clock),
                   publisher=DiesAfterAppending(publisher))  # fmt: skip
    assert unpublished(any_engine) == 3  # the mark was rolled back with the transaction
    assert relay_once(uow=SqlUnitOfWork(any_engine, clock=clock), publisher=publisher) == 3
    assert stream_ids(redis_client, stream) == [e.id for e in events] * 2  # at least once

    applied: list[str] = []
    handler = idempotent(
        "test-projection",
        lambda event, uow: applied.append(event.id),
        uow_factory=lambda: SqlUnitOfWork(any_engine, clock=clock),
    )
    source = RedisStreamSource(redis_client, stream=stream)
    handled = consume("projection", handler, source=source, block_ms=0, max_batches=2)
    assert handled == 6  # every entry acknowledged...
    assert applied == [e.id for e in events]  # ...each event applied once
    assert redis_client.xpending(stream, "projection")["pending"] == 0
