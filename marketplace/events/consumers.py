"""Consumer groups over an ``EventSource``, and idempotent handling.

``consume(group, handler, source=...)`` hands every event to ``handler`` at least once
per group: an event is acknowledged only after the handler returned, so a consumer that
dies mid-way leaves it to be redelivered (to itself or, after the claim idle time, to
another consumer of the group). An event whose handler keeps failing is dead-lettered
after ``max_deliveries``.

At least once means a handler may see an event twice. ``idempotent(name, handler,
uow_factory=...)`` makes a handler's *database effects* happen once: it records
``(name, event id)`` in ``consumed_events`` in the same transaction as the effects, and
skips events already recorded. (Effects outside the database, such as an HTTP call, need
their own idempotency key; the event id is the natural one.)
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import TypeVar

from marketplace.events.domain import DomainEvent
from marketplace.events.ports import ConsumerUnitOfWork, EventSource, ReceivedEvent

log = logging.getLogger("agora.events")

U = TypeVar("U", bound=ConsumerUnitOfWork)
Handler = Callable[[DomainEvent], None]

DEFAULT_MAX_DELIVERIES = 5


def default_consumer_name() -> str:
    """Unique per process, stable for its lifetime (what XREADGROUP calls a consumer)."""
    return f"{socket.gethostname()}-{os.getpid()}"


def consume(
    group: str,
    handler: Handler,
    *,
    source: EventSource,
    consumer: str | None = None,
    batch_size: int = 100,
    block_ms: int = 1000,
    max_deliveries: int = DEFAULT_MAX_DELIVERIES,
    stop: threading.Event | None = None,
    max_batches: int | None = None,
) -> int:
    """Run ``handler`` on the group's events until ``stop`` is set (or ``max_batches``
    reads were made); returns how many events were handled successfully."""
    name = consumer or default_consumer_name()
    handled = batches = 0
    while not (stop is not None and stop.is_set()):
        if max_batches is not None and batches >= max_batches:
            break
        batches += 1
        try:
            received = source.read(group, name, count=batch_size, block_ms=block_ms)
        except Exception:
            log.exception("reading events failed", extra={"group": group})
            (stop or threading.Event()).wait(1.0)  # Redis or the database is down: pause
            continue
        handled += handle_batch(group, handler, received, source=source,
                                max_deliveries=max_deliveries)  # fmt: skip
    return handled


def handle_batch(
    group: str,
    handler: Handler,
    received: list[ReceivedEvent],
    *,
    source: EventSource,
    max_deliveries: int = DEFAULT_MAX_DELIVERIES,
) -> int:
    """Handle and acknowledge each event; a failure is left for redelivery (and, when the
    source keeps order, holds back the rest of the batch) or dead-lettered at the limit."""
    handled = 0
    for item in received:
        try:
            handler(item.event)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            if item.attempt >= max_deliveries:
                source.dead_letter(group, item, error)
                continue
            log.warning(
                "event handler failed; will be redelivered",
                extra={"group": group, "event_id": item.event.id, "attempt": item.attempt,
                       "error": error[:500]},
            )  # fmt: skip
            if source.preserves_order:
                break
            continue
        source.ack(group, item)
        handled += 1
    return handled


def handle_once(
    name: str, event: DomainEvent, handler: Callable[[DomainEvent, U], None], *, uow: U
) -> bool:
    """Run ``handler(event, uow)`` and record it as consumed by ``name``, in one
    transaction; False (and nothing done) when ``name`` had already consumed it."""
    with uow:
        if not uow.consumed_events.record(name, event.id, at=uow.clock.now()):
            return False
        handler(event, uow)
        uow.commit()
    return True


def idempotent(
    name: str, handler: Callable[[DomainEvent, U], None], *, uow_factory: Callable[[], U]
) -> Handler:
    """A ``consume`` handler whose database effects happen once per event."""

    def run(event: DomainEvent) -> None:
        handle_once(name, event, handler, uow=uow_factory())

    return run
