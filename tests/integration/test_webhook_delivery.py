"""Webhook dispatch and delivery against a real local HTTP receiver: fan-out to the
right subscriptions once, signed requests, retries until the attempts run out, leases,
the send-time SSRF guard, and two workers racing that still deliver each delivery once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from marketplace.db.uow import SqlUnitOfWork
from marketplace.events import queries
from marketplace.events.adapters.http_sender import HttpxWebhookSender
from marketplace.events.adapters.tables import (
    consumed_events,
    webhook_deliveries,
    webhook_delivery_attempts,
)
from marketplace.events.domain import DomainEvent, Topic
from marketplace.events.services import (
    RegisterWebhook,
    RetryDelivery,
    delete_webhook,
    deliver_due,
    dispatch_event,
    register_webhook,
    retry_delivery,
)
from marketplace.events.webhooks import (
    DeliveryAttempt,
    DeliveryStatus,
    RetryPolicy,
    WebhookSubscription,
)
from marketplace.shared.clock import FixedClock
from tests.integration.inventory_seed import seed_merchant
from tests.webhook_receiver import Receiver, running_receiver

POLICY = RetryPolicy(base_seconds=10, cap_seconds=3600, max_attempts=3, jitter=0.1)
LEASE = timedelta(seconds=40)


@dataclass
class World:
    engine: Engine
    clock: FixedClock
    receiver: Receiver
    sender: HttpxWebhookSender

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, clock=self.clock)

    def register(self, merchant_id: str, *topics: Topic, url: str | None = None,
                 is_active: bool = True) -> WebhookSubscription:  # fmt: skip
        cmd = RegisterWebhook(merchant_id, url or self.receiver.url,
                              tuple(t.value for t in topics), is_active=is_active)  # fmt: skip
        subscription = register_webhook(cmd, uow=self.uow(), allow_private_networks=True)
        self.receiver.secrets.append(subscription.secret)
        return subscription

    def event(self, merchant_id: str | None, topic: Topic = Topic.ORDER_PAID) -> DomainEvent:
        return DomainEvent(topic, "ord_1", {"total": "1.00"}, self.clock.now(), merchant_id)

    def deliver(self, sender: HttpxWebhookSender | None = None) -> int:
        return deliver_due(uow_factory=self.uow, sender=sender or self.sender, policy=POLICY,
                           lease=LEASE, rand=lambda: 0.0)  # fmt: skip

    def deliveries(self) -> list[dict[str, object]]:
        with self.engine.connect() as conn:
            query = select(webhook_deliveries).order_by(webhook_deliveries.c.id)
            return [dict(r) for r in conn.execute(query).mappings()]

    def log(self, delivery_id: str) -> list[DeliveryAttempt]:
        subscription = str(self.deliveries()[0]["subscription_id"])
        merchant = str(self.deliveries()[0]["merchant_id"])
        found = queries.get_delivery(self.engine, merchant_id=merchant, webhook_id=subscription,
                                     delivery_id=delivery_id)  # fmt: skip
        assert found is not None
        return found.attempts


@pytest.fixture(params=["sqlite", "postgres"])
def world(request: pytest.FixtureRequest, clock: FixedClock) -> Iterator[World]:
    engine: Engine = request.getfixturevalue(
        f"{'pg' if request.param == 'postgres' else 'sqlite'}_engine"
    )
    receiver = Receiver(now=lambda: clock.now().timestamp())
    sender = HttpxWebhookSender(timeout_seconds=2, allow_private_networks=True)
    with running_receiver(receiver):
        yield World(engine, clock, receiver, sender)
    sender.close()


def count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_an_event_fans_out_once_to_the_merchants_matching_active_subscriptions(
    world: World,
) -> None:
    a, b = seed_merchant(world.engine), seed_merchant(world.engine)
    paid = world.register(a, Topic.ORDER_PAID, Topic.ORDER_SHIPPED)
    world.register(a, Topic.STOCK_CHANGED)
    world.register(a, Topic.ORDER_PAID, is_active=False)
    world.register(b, Topic.ORDER_PAID)
    event = world.event(a)
    assert dispatch_event(event, uow=world.uow()) == 1
    assert dispatch_event(event, uow=world.uow()) == 0  # redelivered: nothing new
    [delivery] = world.deliveries()
    assert (delivery["subscription_id"], delivery["event_id"]) == (paid.id, event.id)
    assert (delivery["status"], delivery["attempts"]) == ("pending", 0)
    assert dispatch_event(world.event(None), uow=world.uow()) == 0  # platform event
    assert dispatch_event(world.event(a, Topic.PRICE_CHANGED), uow=world.uow()) == 0
    backlog = DomainEvent(Topic.ORDER_PAID, "o", {}, world.clock.now() - timedelta(seconds=1), a)
    assert dispatch_event(backlog, uow=world.uow()) == 0  # from before the webhook existed
    assert count(world.engine, consumed_events) == 1  # unmatched events write nothing


def test_a_delivery_is_signed_sent_once_and_logged(world: World) -> None:
    merchant = seed_merchant(world.engine)
    world.register(merchant, Topic.ORDER_PAID)
    event = world.event(merchant)
    dispatch_event(event, uow=world.uow())
    assert world.deliver() == 1
    assert world.deliver() == 0
    [request] = world.receiver.requests
    assert request.verified
    assert request.headers["agora-event-id"] == event.id
    assert request.headers["agora-topic"] == "order.paid"
    assert request.headers["agora-timestamp"] == str(int(world.clock.now().timestamp()))
    assert request.headers["content-type"] == "application/json"
    assert request.headers["host"] == world.receiver.url.split("/")[2]
    [delivery] = world.deliveries()
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == (
        "succeeded", 1, 200,
    )  # fmt: skip
    assert delivery["delivered_at"] == world.clock.now()
    [attempt] = world.log(str(delivery["id"]))
    assert (attempt.attempt, attempt.status_code, attempt.error) == (1, 200, None)
    assert attempt.response_excerpt == '{"ok":true}'
    assert attempt.duration_ms >= 0


def test_failures_back_off_then_fail_and_a_manual_retry_sends_once_more(world: World) -> None:
    merchant = seed_merchant(world.engine)
    subscription = world.register(merchant, Topic.ORDER_PAID)
    world.receiver.fail_first = 99
    dispatch_event(world.event(merchant), uow=world.uow())
    schedule = []
    for _ in range(3):
        assert world.deliver() == 1
        [d] = world.deliveries()
        schedule.append((d["status"], d["next_attempt_at"]))
        if d["next_attempt_at"] is not None:
            world.clock.advance(d["next_attempt_at"] - world.clock.now() - timedelta(seconds=1))  # type: ignore[operator]
            assert world.deliver() == 0  # not due yet
            world.clock.advance(timedelta(seconds=1))
    t0 = world.clock.now() - timedelta(seconds=20 + 40)
    assert schedule == [
        ("pending", t0 + timedelta(seconds=20)),
        ("pending", t0 + timedelta(seconds=60)),
        ("failed", None),
    ]
    [d] = world.deliveries()
    log = world.log(str(d["id"]))
    assert [(a.attempt, a.status_code, a.error) for a in log] == [
        (n, 500, "HTTP 500") for n in (1, 2, 3)
    ]
    assert all(a.response_excerpt and len(a.response_excerpt) == 1000 for a in log)
    world.receiver.fail_first = 0
    world.receiver.requests.clear()
    retried = retry_delivery(RetryDelivery(merchant, subscription.id, str(d["id"])),
                             uow=world.uow())  # fmt: skip
    assert retried.status is DeliveryStatus.PENDING
    assert world.deliver() == 1
    [d] = world.deliveries()
    assert (d["status"], d["attempts"]) == ("succeeded", 4)
    assert [r.answered for r in world.receiver.requests] == [200]


def test_a_worker_that_dies_mid_send_loses_its_claim_after_the_lease(world: World) -> None:
    merchant = seed_merchant(world.engine)
    world.register(merchant, Topic.ORDER_PAID)
    dispatch_event(world.event(merchant), uow=world.uow())
    with world.uow() as uow:  # a worker claims, then dies before sending
        now = world.clock.now()
        [claimed] = uow.webhooks.claim_due(now=now, lease_until=now + LEASE, limit=10)
        uow.commit()
    assert world.deliver() == 0  # still leased
    world.clock.advance(LEASE)
    assert world.deliver() == 1
    [d] = world.deliveries()
    assert (d["status"], d["attempts"]) == ("succeeded", 2)
    with world.uow() as uow:  # the dead worker wakes up: its outcome is refused
        stale = DeliveryAttempt(claimed.delivery.id, 1, now, 500, 5, "HTTP 500", None)
        assert not uow.webhooks.finish_attempt(
            stale, status=DeliveryStatus.PENDING, next_attempt_at=None, now=world.clock.now()
        )
        uow.commit()
    assert [a.attempt for a in world.log(str(d["id"]))] == [2]
    assert world.deliveries()[0]["status"] == "succeeded"


def test_the_send_time_guard_blocks_private_targets_and_logs_why(world: World) -> None:
    merchant = seed_merchant(world.engine)
    world.register(
        merchant, Topic.ORDER_PAID, url=world.receiver.url.replace("127.0.0.1", "localhost")
    )
    dispatch_event(world.event(merchant), uow=world.uow())
    guarded = HttpxWebhookSender(timeout_seconds=2, allow_private_networks=False)
    try:
        assert world.deliver(guarded) == 1
    finally:
        guarded.close()
    assert world.receiver.requests == []
    [d] = world.deliveries()
    [attempt] = world.log(str(d["id"]))
    assert attempt.status_code is None
    assert attempt.error is not None
    assert attempt.error.startswith("blocked: localhost resolves to a non-public address")
    assert d["status"] == "pending"


def test_a_paused_webhook_keeps_its_deliveries_until_resumed_and_delete_removes_all(
    world: World,
) -> None:
    merchant = seed_merchant(world.engine)
    subscription = world.register(merchant, Topic.ORDER_PAID)
    dispatch_event(world.event(merchant), uow=world.uow())
    with world.uow() as uow:
        uow.webhooks.update(WebhookSubscription(**{**subscription.__dict__, "is_active": False}))
        uow.commit()
    assert world.deliver() == 0
    with world.uow() as uow:
        uow.webhooks.update(subscription)
        uow.commit()
    assert world.deliver() == 1
    delete_webhook(merchant, subscription.id, uow=world.uow())
    assert count(world.engine, webhook_deliveries) == 0
    assert count(world.engine, webhook_delivery_attempts) == 0


def test_two_workers_racing_deliver_each_delivery_exactly_once(
    pg_engine: Engine, clock: FixedClock
) -> None:
    receiver = Receiver(now=lambda: clock.now().timestamp(), delay_seconds=0.01)
    sender = HttpxWebhookSender(timeout_seconds=5, allow_private_networks=True)
    with running_receiver(receiver):
        world = World(pg_engine, clock, receiver, sender)
        merchant = seed_merchant(pg_engine)
        for _ in range(3):
            world.register(merchant, Topic.ORDER_PAID)
        for i in range(15):
            dispatch_event(DomainEvent(Topic.ORDER_PAID, f"o{i}", {}, clock.now(), merchant),
                           uow=world.uow())  # fmt: skip
        start = threading.Barrier(2)
        made: list[int] = []

        def work() -> None:
            start.wait()
            total = 0
            while n := deliver_due(uow_factory=world.uow, sender=sender, policy=POLICY,
                                   limit=4, lease=LEASE):  # fmt: skip
                total += n
            made.append(total)

        threads = [threading.Thread(target=work) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    sender.close()
    ids = receiver.delivery_ids()
    assert len(ids) == 45
    assert len(set(ids)) == 45  # no delivery sent twice
    assert sum(made) == 45
    assert all(r.verified for r in receiver.requests)
    assert {(d["status"], d["attempts"]) for d in world.deliveries()} == {("succeeded", 1)}
