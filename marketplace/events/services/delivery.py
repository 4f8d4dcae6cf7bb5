"""Delivery workers: claim due deliveries, POST each once, log the attempt, and schedule
the next one with backoff (or give up after the last attempt).

The claim is committed before any HTTP call, so no transaction stays open while a slow
endpoint answers. A worker that dies mid-send leaves the delivery ``delivering``; once
its lease has run out, another worker claims it again (the attempt counts).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from marketplace.events.ports import WebhookSender, WebhooksUnitOfWork
from marketplace.events.signing import signature_header
from marketplace.events.webhooks import (
    ClaimedDelivery,
    DeliveryAttempt,
    DeliveryStatus,
    RetryPolicy,
)

log = logging.getLogger("agora.events")

DEFAULT_LEASE = timedelta(seconds=60)


def deliver_due(
    *,
    uow_factory: Callable[[], WebhooksUnitOfWork],
    sender: WebhookSender,
    policy: RetryPolicy,
    limit: int = 20,
    lease: timedelta = DEFAULT_LEASE,
    rand: Callable[[], float] = random.random,
) -> int:
    """One round: claim up to ``limit`` due deliveries and attempt each; returns how many
    attempts were made. ``lease`` must exceed the sender's timeout."""
    uow = uow_factory()
    with uow:
        now = uow.clock.now()
        claimed = uow.webhooks.claim_due(now=now, lease_until=now + lease, limit=limit)
        uow.commit()
    for item in claimed:
        attempt_delivery(item, uow=uow_factory(), sender=sender, policy=policy, rand=rand)
    return len(claimed)


def attempt_delivery(
    claimed: ClaimedDelivery,
    *,
    uow: WebhooksUnitOfWork,
    sender: WebhookSender,
    policy: RetryPolicy,
    rand: Callable[[], float] = random.random,
) -> DeliveryAttempt:
    """Send a claimed delivery once and record the outcome."""
    delivery = claimed.delivery
    started = uow.clock.now()
    timestamp = int(started.timestamp())
    body = delivery.body.encode("utf-8")
    headers = {
        "Agora-Event-Id": delivery.event_id,
        "Agora-Topic": delivery.topic,
        "Agora-Delivery-Id": delivery.id,
        "Agora-Attempt": str(delivery.attempts),
        "Agora-Timestamp": str(timestamp),
        "Agora-Signature": signature_header(claimed.secrets, timestamp, body),
    }
    result = sender.send(claimed.url, body=body, headers=headers)
    attempt = DeliveryAttempt(
        delivery_id=delivery.id, attempt=delivery.attempts, started_at=started,
        status_code=result.status_code, duration_ms=result.duration_ms, error=result.error,
        response_excerpt=result.response_excerpt,
    )  # fmt: skip
    with uow:
        now = uow.clock.now()
        status, next_at = outcome(attempt, policy, now=now, rand=rand())
        if not uow.webhooks.finish_attempt(
            attempt, status=status, next_attempt_at=next_at, now=now
        ):
            # Our lease ran out and another worker took the delivery (or it was deleted).
            log.warning("webhook attempt outcome dropped", extra={"delivery_id": delivery.id})
        uow.commit()
    return attempt


def outcome(
    attempt: DeliveryAttempt, policy: RetryPolicy, *, now: datetime, rand: float
) -> tuple[DeliveryStatus, datetime | None]:
    """Succeeded on 2xx; otherwise pending until the next attempt, or failed after the last."""
    if attempt.succeeded:
        return DeliveryStatus.SUCCEEDED, None
    next_at = policy.next_attempt_at(attempt.attempt, now, rand)
    return (DeliveryStatus.PENDING if next_at else DeliveryStatus.FAILED), next_at


def run_delivery_worker(
    *,
    uow_factory: Callable[[], WebhooksUnitOfWork],
    sender: WebhookSender,
    policy: RetryPolicy,
    stop: threading.Event,
    limit: int = 20,
    lease: timedelta = DEFAULT_LEASE,
    idle_seconds: float = 1.0,
) -> int:
    """Deliver until ``stop`` is set; run several (threads or processes) to send more in
    parallel, the claim keeps them apart. Returns the number of attempts made."""
    made = 0
    while not stop.is_set():
        try:
            count = deliver_due(
                uow_factory=uow_factory, sender=sender, policy=policy, limit=limit, lease=lease
            )
        except Exception:
            log.exception("webhook delivery round failed")
            stop.wait(idle_seconds * 5)
            continue
        made += count
        if count < limit:
            stop.wait(idle_seconds)
    return made
