"""Ports of events: the outbox, where relayed events go and come from, the idempotency
record of consumers, webhook storage and the HTTP sender."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from marketplace.events.domain import DomainEvent, Topic
from marketplace.events.webhooks import (
    ClaimedDelivery,
    DeliveryAttempt,
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from marketplace.shared.ports import UnitOfWork


class Outbox(Protocol):
    """Events written in the caller's transaction; published only if it commits."""

    def add(self, event: DomainEvent) -> None: ...


# -- relay ------------------------------------------------------------------------------
@dataclass(frozen=True)
class OutboxEntry:
    position: int  # the outbox row id: relay order
    event: DomainEvent


class OutboxStore(Outbox, Protocol):
    def claim_unpublished(self, *, limit: int) -> list[OutboxEntry]:
        """The oldest unpublished rows, locked for this transaction; rows another relay
        holds are skipped, not waited for."""
        ...

    def mark_published(self, positions: Sequence[int], *, at: datetime) -> int: ...

    def delete_published(self, *, before: datetime, limit: int) -> int: ...


class RelayUnitOfWork(UnitOfWork, Protocol):
    @property
    def outbox(self) -> OutboxStore: ...


class StreamPublisher(Protocol):
    def publish(self, events: Sequence[DomainEvent]) -> None:
        """Append the events to the stream; raises if any could not be appended."""
        ...


# -- consumers -------------------------------------------------------------------------
@dataclass(frozen=True)
class ReceivedEvent:
    event: DomainEvent
    receipt: str  # what the source needs to acknowledge it (stream id, outbox position)
    attempt: int  # 1 the first time this group gets it, more after redeliveries


class EventSource(Protocol):
    """Where a consumer group reads events: the Redis stream (with Redis) or the outbox
    table itself (the embedded build). Delivery is at least once either way."""

    @property
    def preserves_order(self) -> bool:
        """Whether an unacknowledged event holds back the ones after it (the outbox
        table); the stream hands later events on and redelivers the stuck one alone."""
        ...

    def read(self, group: str, consumer: str, *, count: int, block_ms: int) -> list[ReceivedEvent]:
        """Up to ``count`` events for the group, waiting up to ``block_ms`` for one."""
        ...

    def ack(self, group: str, received: ReceivedEvent) -> None: ...

    def dead_letter(self, group: str, received: ReceivedEvent, error: str) -> None:
        """Give up on an event for this group: keep it aside and acknowledge it."""
        ...


class ConsumedEvents(Protocol):
    def record(self, consumer: str, event_id: str, *, at: datetime) -> bool:
        """Note that ``consumer`` handled the event; False if it already had."""
        ...


class ConsumerUnitOfWork(UnitOfWork, Protocol):
    @property
    def consumed_events(self) -> ConsumedEvents: ...


# -- webhooks ---------------------------------------------------------------------------
class WebhookRepository(Protocol):
    def add(self, subscription: WebhookSubscription) -> None: ...

    def get(self, webhook_id: str, *, for_update: bool = False) -> WebhookSubscription | None: ...

    def update(self, subscription: WebhookSubscription) -> None: ...

    def delete(self, webhook_id: str) -> bool: ...

    def count_for_merchant(self, merchant_id: str) -> int: ...

    def active_for(self, merchant_id: str, topic: Topic) -> list[WebhookSubscription]: ...

    def add_delivery(self, delivery: WebhookDelivery) -> bool:
        """Insert unless the subscription already has a delivery of this event."""
        ...

    def get_delivery(self, delivery_id: str) -> WebhookDelivery | None: ...

    def claim_due(
        self, *, now: datetime, lease_until: datetime, limit: int
    ) -> list[ClaimedDelivery]:
        """Due pending deliveries (and ones whose worker's lease ran out) move to
        ``delivering`` with one more attempt counted; two workers never get the same."""
        ...

    def finish_attempt(
        self,
        attempt: DeliveryAttempt,
        *,
        status: DeliveryStatus,
        next_attempt_at: datetime | None,
        now: datetime,
    ) -> bool:
        """Record the attempt's outcome, only if the caller still holds the delivery."""
        ...

    def requeue(self, delivery_id: str, *, now: datetime) -> WebhookDelivery | None:
        """Make a delivery due now unless a worker holds it; None when one does."""
        ...


class MerchantLock(Protocol):
    def get(self, merchant_id: str, *, for_update: bool = False) -> object | None: ...


class WebhooksUnitOfWork(ConsumerUnitOfWork, Protocol):
    @property
    def webhooks(self) -> WebhookRepository: ...

    @property
    def merchants(self) -> MerchantLock: ...


@dataclass(frozen=True)
class SendResult:
    status_code: int | None  # None: no HTTP answer (timeout, refused, blocked)
    duration_ms: int
    error: str | None = None
    response_excerpt: str | None = None


class WebhookSender(Protocol):
    def send(self, url: str, *, body: bytes, headers: dict[str, str]) -> SendResult:
        """POST once; never raises for network trouble, reports it in the result."""
        ...
