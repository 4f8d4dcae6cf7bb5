"""Consumer groups on real Redis and on the outbox table: redelivery after a consumer
dies without acknowledging, idempotent handling, dead letters, and the table source's
ordering guarantee on PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
import redis
from sqlalchemy import Engine, func, select

from marketplace.db.uow import SqlUnitOfWork
from marketplace.events.adapters.redis_streams import (
    RedisStreamPublisher,
    RedisStreamSource,
    stream_key,
)
from marketplace.events.adapters.table_source import OutboxTableSource
from marketplace.events.adapters.tables import consumed_events
from marketplace.events.consumers import consume, handle_once, idempotent
from marketplace.events.domain import DomainEvent, Topic
from marketplace.shared.clock import FixedClock
from tests.integration.test_events_relay import add_events

GROUP = "projection"


def consumed(engine: Engine, consumer: str) -> int:
    with engine.connect() as conn:
        query = select(func.count()).where(consumed_events.c.consumer == consumer)
        return int(conn.execute(query.select_from(consumed_events)).scalar_one())


@pytest.fixture
def stream(redis_prefix: str) -> str:
    return stream_key(redis_prefix)


def publish(client: redis.Redis, stream: str, events: list[DomainEvent]) -> None:
    RedisStreamPublisher(client, stream=stream, maxlen=10_000).publish(events)


def test_a_consumer_that_dies_before_acking_has_its_events_claimed_by_another(
    pg_engine: Engine, clock: FixedClock, redis_client: redis.Redis, stream: str
) -> None:
    events = add_events(pg_engine, clock, 3)
    publish(redis_client, stream, events)
    dying = RedisStreamSource(redis_client, stream=stream, claim_idle_ms=100)
    taken = dying.read(GROUP, "consumer-a", count=10, block_ms=0)
    assert [r.event.id for r in taken] == [e.id for e in events]
    assert [r.attempt for r in taken] == [1, 1, 1]
    # consumer-a dies here: no handler ran, nothing was acknowledged.

    survivor = RedisStreamSource(redis_client, stream=stream, claim_idle_ms=100)
    assert survivor.read(GROUP, "consumer-b", count=10, block_ms=0) == []  # not idle yet
    time.sleep(0.15)
    applied: list[tuple[str, int]] = []
    received = survivor.read(GROUP, "consumer-b", count=10, block_ms=0)
    assert [(r.event.id, r.attempt) for r in received] == [(e.id, 2) for e in events]
    for item in received:
        handle_once(
            "projection", item.event, lambda e, uow: applied.append((e.id, 1)),
            uow=SqlUnitOfWork(pg_engine, clock=clock),
        )  # fmt: skip
        survivor.ack(GROUP, item)
    assert redis_client.xpending(stream, GROUP)["pending"] == 0
    # consumer-a comes back and finishes its old batch: the effects are not repeated.
    for item in taken:
        assert not handle_once(
            "projection", item.event, lambda e, uow: applied.append((e.id, 2)),
            uow=SqlUnitOfWork(pg_engine, clock=clock),
        )  # fmt: skip
    assert applied == [(e.id, 1) for e in events]
    assert consumed(pg_engine, "projection") == 3


def test_groups_are_independent_and_each_gets_every_event(
    redis_client: redis.Redis, stream: str, clock: FixedClock
) -> None:
    events = [DomainEvent(Topic.ORDER_PAID, f"o{i}", {}, clock.now()) for i in range(4)]
    publish(redis_client, stream, events)
    source = RedisStreamSource(redis_client, stream=stream)
    seen: dict[str, list[str]] = {"a": [], "b": []}
    for group in seen:
        consume(group, lambda e, g=group: seen[g].append(e.id), source=source,  # type: ignore[misc]
                block_ms=0, max_batches=2)  # fmt: skip
    assert seen["a"] == seen["b"] == [e.id for e in events]


def test_an_event_that_keeps_failing_is_dead_lettered(
    redis_client: redis.Redis, stream: str, clock: FixedClock
) -> None:
    poison, fine = (DomainEvent(Topic.ORDER_PAID, k, {}, clock.now()) for k in ("bad", "ok"))
    publish(redis_client, stream, [poison, fine])
    source = RedisStreamSource(redis_client, stream=stream, claim_idle_ms=20)
    handled: list[str] = []

    def handler(event: DomainEvent) -> None:
        if event.key == "bad":
            raise ValueError("cannot project this")
        handled.append(event.key)

    consume(GROUP, handler, source=source, block_ms=0, max_batches=1, max_deliveries=3)
    for _ in range(2):
        time.sleep(0.05)
        consume(GROUP, handler, source=source, block_ms=0, max_batches=1, max_deliveries=3)
    assert handled == ["ok"]
    assert redis_client.xpending(stream, GROUP)["pending"] == 0
    [(_, dead)] = redis_client.xrange(f"{stream}:dead")
    assert dead[b"id"] == poison.id.encode()
    assert dead[b"group"] == GROUP.encode()
    assert dead[b"error"] == b"ValueError: cannot project this"


def test_an_entry_that_is_not_an_event_goes_straight_to_the_dead_letters(
    redis_client: redis.Redis, stream: str, clock: FixedClock
) -> None:
    redis_client.xadd(stream, {"topic": "order.exploded", "id": "evt_x"})
    good = DomainEvent(Topic.ORDER_PAID, "ok", {}, clock.now())
    publish(redis_client, stream, [good])
    seen: list[str] = []
    source = RedisStreamSource(redis_client, stream=stream)
    assert consume(GROUP, lambda e: seen.append(e.id), source=source, block_ms=0,
                   max_batches=1) == 1  # fmt: skip
    assert seen == [good.id]
    assert redis_client.xlen(f"{stream}:dead") == 1
    assert redis_client.xpending(stream, GROUP)["pending"] == 0


def test_two_consumers_handling_one_event_at_once_apply_it_once(
    pg_engine: Engine, clock: FixedClock
) -> None:
    [event] = add_events(pg_engine, clock, 1)
    start = threading.Barrier(2)
    results: list[bool] = []

    def slow_effect(e: DomainEvent, uow: SqlUnitOfWork) -> None:
        uow.outbox.add(DomainEvent(Topic.ORDER_SHIPPED, e.key, {}, clock.now()))
        time.sleep(0.2)  # hold the transaction open while the twin tries

    def run() -> None:
        start.wait()
        results.append(
            handle_once("shipper", event, slow_effect, uow=SqlUnitOfWork(pg_engine, clock=clock))
        )

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert sorted(results) == [False, True]
    assert consumed(pg_engine, "shipper") == 1
    with SqlUnitOfWork(pg_engine) as uow:
        shipped = uow.outbox.claim_unpublished(limit=10)
    assert [e.event.topic for e in shipped].count(Topic.ORDER_SHIPPED) == 1


# -- the outbox table as the source (no Redis) -------------------------------------------
def test_the_table_source_hands_events_on_in_order_and_keeps_offsets_per_group(
    any_engine: Engine, clock: FixedClock
) -> None:
    events = add_events(any_engine, clock, 4)
    source = OutboxTableSource(any_engine, clock=clock)
    failing = {"left": 1}
    seen: list[str] = []

    def handler(event: DomainEvent) -> None:
        if event.id == events[1].id and failing["left"]:
            failing["left"] -= 1
            raise RuntimeError("transient")
        seen.append(event.id)

    assert consume("g1", handler, source=source, block_ms=0, max_batches=1) == 1
    assert seen == [events[0].id]  # the failure held back events 2-3
    assert consume("g1", handler, source=source, block_ms=0, max_batches=1) == 3
    assert seen == [e.id for e in events]
    assert consume("g1", handler, source=source, block_ms=0, max_batches=1) == 0
    other: list[str] = []
    assert consume("g2", lambda e: other.append(e.id), source=source, block_ms=0,
                   max_batches=1) == 4  # fmt: skip
    more = add_events(any_engine, clock, 1)
    assert consume("g1", handler, source=OutboxTableSource(any_engine), block_ms=0,
                   max_batches=1) == 1  # a new process resumes at the stored offset  # fmt: skip
    assert seen[-1] == more[0].id


def test_on_postgres_the_table_source_waits_for_an_earlier_uncommitted_insert(
    pg_engine: Engine, clock: FixedClock
) -> None:
    """Row 1 is inserted first but committed after row 2: a reader must not hand on row 2
    and move its offset past row 1, or row 1 would never be read."""
    inserted, release = threading.Event(), threading.Event()
    late = DomainEvent(Topic.ORDER_PAID, "late", {}, clock.now())

    def slow_writer() -> None:
        with SqlUnitOfWork(pg_engine, clock=clock) as uow:
            uow.outbox.add(late)
            # Events are written just before the commit; hold the window between open.
            uow.outbox.flush()
            inserted.set()
            release.wait(5)
            uow.commit()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    inserted.wait(5)
    [early] = add_events(pg_engine, clock, 1)  # id 2, committed first
    seen: list[str] = []
    reader = threading.Thread(
        target=lambda: consume(
            "g",
            lambda e: seen.append(e.id),
            block_ms=0,
            max_batches=1,
            source=OutboxTableSource(pg_engine),
        )
    )
    reader.start()
    time.sleep(0.3)
    assert seen == []  # blocked behind the open insert
    release.set()
    writer.join(5)
    reader.join(5)
    assert seen == [late.id, early.id]


def test_an_idempotent_handler_applies_each_event_once_even_when_replayed(
    any_engine: Engine, clock: FixedClock
) -> None:
    """``idempotent`` records (consumer, event) with the effects, in one transaction."""
    events = add_events(any_engine, clock, 2)
    applied: list[str] = []
    handler = idempotent("audit", lambda e, uow: applied.append(e.id),
                         uow_factory=lambda: SqlUnitOfWork(any_engine, clock=clock))  # fmt: skip
    source = OutboxTableSource(any_engine)
    assert consume("audit", handler, source=source, block_ms=0, max_batches=1) == 2
    # Offsets lost (a restored backup, say): everything is read again, applied once.
    assert consume("audit-replay", handler, source=source, block_ms=0, max_batches=1) == 2
    assert applied == [e.id for e in events]
    assert consumed(any_engine, "audit") == 2


def test_a_group_is_recreated_when_redis_lost_the_stream(
    redis_client: redis.Redis, stream: str, clock: FixedClock
) -> None:
    source = RedisStreamSource(redis_client, stream=stream)
    assert source.read(GROUP, "c", count=10, block_ms=0) == []  # creates the group
    redis_client.delete(stream)  # Redis flushed: the stream and its groups are gone
    event = DomainEvent(Topic.ORDER_PAID, "o", {}, clock.now())
    publish(redis_client, stream, [event])
    assert [r.event.id for r in source.read(GROUP, "c", count=10, block_ms=0)] == [event.id]
