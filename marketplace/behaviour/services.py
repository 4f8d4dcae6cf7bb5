"""Behaviour use cases: ingest a client batch, link an anonymous session at login, write
purchase events when an order is paid, keep the day partitions ahead and prune old ones."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, date, timedelta

from marketplace.behaviour.domain import (
    MAX_CLIENT_AGE,
    BehaviourEvent,
    EventSource,
    EventType,
    IngestResult,
    check_batch,
    is_session_id,
)
from marketplace.behaviour.ports import BehaviourWriter
from marketplace.events.domain import DomainEvent, Topic
from marketplace.shared.clock import Clock
from marketplace.shared.errors import ValidationError
from marketplace.shared.money import Money

PURCHASES = "behaviour-purchases"  # consumer group of the order path's purchase events


def _days(events: Sequence[BehaviourEvent]) -> set[date]:
    return {e.occurred_at.astimezone(UTC).date() for e in events}


def record_events(
    batch: Sequence[object], *, user_id: str | None, writer: BehaviourWriter, clock: Clock
) -> IngestResult:
    """Validate a client batch and write its good events in one statement.

    ``user_id`` is the signed-in caller (None: anonymous, the session id alone). A retried
    batch with client event ids is written once: its events come back as duplicates.
    """
    now = clock.now()
    events, errors = check_batch(batch, now=now, user_id=user_id)
    accepted = 0
    if events:
        # Partitions first, in their own transaction: DDL locks the parent table.
        writer.ensure_days(_days(events))
        accepted = writer.insert(events, received_at=now)
    return IngestResult(
        accepted=accepted,
        duplicates=len(events) - accepted,
        rejected=len(errors),
        errors=tuple(errors),
    )


class InvalidSessionIdError(ValidationError):
    code = "invalid_session_id"


def link_session(session_id: str, user_id: str, *, writer: BehaviourWriter, clock: Clock) -> bool:
    """Give an anonymous session to the user who just signed in. The first user keeps it
    (a shared device does not move history between people); True when ``user_id`` owns it."""
    if not is_session_id(session_id):
        raise InvalidSessionIdError("A session id is 8-64 letters, digits, '_' or '-'.")
    return writer.link_session(session_id, user_id, at=clock.now()) == user_id


# -- the order path -------------------------------------------------------------------
def _purchase_id(order_id: str, sku_id: str) -> str:
    """Derived from the order line's key (one line per SKU in an order), so a redelivered
    ``order.paid`` writes the same rows again and they are skipped."""
    digest = hashlib.blake2b(f"{order_id}/{sku_id}".encode(), digest_size=16).hexdigest()
    return f"bev_o_{digest}"


def purchase_events(event: DomainEvent) -> list[BehaviourEvent]:
    """One purchase event per line of a paid order (``order.paid``); none for others."""
    if event.topic is not Topic.ORDER_PAID:
        return []
    p = event.payload
    out = []
    for line in p["lines"]:
        price = Money.of(line["unit_price"]["amount"], line["unit_price"]["currency"])
        out.append(BehaviourEvent(
            id=_purchase_id(p["order_id"], line["sku_id"]), type=EventType.PURCHASE,
            occurred_at=event.occurred_at.astimezone(UTC), source=EventSource.ORDER,
            channel=p["channel"], session_id=p["group_id"], user_id=p["buyer_id"],
            product_id=line["product_id"], sku_id=line["sku_id"],
            merchant_id=p["merchant_id"], quantity=line["quantity"],
            price_minor=price.minor, currency=price.currency.code, order_id=p["order_id"],
        ))  # fmt: skip
    return out


def record_purchases(event: DomainEvent, *, writer: BehaviourWriter, clock: Clock) -> int:
    """Write the purchase events of a paid order; returns how many were new."""
    events = purchase_events(event)
    if not events:
        return 0
    writer.ensure_days(_days(events))
    return writer.insert(events, received_at=clock.now())


def purchase_recorder(*, writer: BehaviourWriter, clock: Clock) -> Callable[[DomainEvent], None]:
    """The handler to pass to ``consume(PURCHASES, ...)``; idempotent by event ids."""

    def handle(event: DomainEvent) -> None:
        record_purchases(event, writer=writer, clock=clock)

    return handle


# -- partitions -----------------------------------------------------------------------
def maintain_partitions(
    *, days_ahead: int, retention_days: int, writer: BehaviourWriter, clock: Clock
) -> tuple[int, list[str]]:
    """Make today's and the next ``days_ahead`` days' partitions; drop days older than
    ``retention_days``. Returns (partitions made, days dropped)."""
    # Client events may be a week old: a shorter retention would drop days still being
    # written (and another process would not know its partition was gone).
    if days_ahead < 0 or retention_days <= MAX_CLIENT_AGE.days:
        raise ValidationError(
            f"days_ahead must be 0 or more, retention_days more than {MAX_CLIENT_AGE.days}.",
            code="invalid_partition_window",
        )
    today = clock.now().astimezone(UTC).date()
    made = writer.ensure_days(today + timedelta(days=n) for n in range(days_ahead + 1))
    dropped = writer.drop_days_before(today - timedelta(days=retention_days))
    return made, dropped
