"""The outbox relay: committed outbox rows go to the stream, then are marked published.

At least once: the rows stay locked while they are appended, and are marked in the same
transaction afterwards. A relay that dies between the append and the commit leaves them
unpublished, so they are appended again later and consumers see a duplicate (they dedupe
on the event id). Two relays at once take different rows (``SKIP LOCKED``), so in the
normal case no row is published twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from marketplace.events.ports import RelayUnitOfWork, StreamPublisher

log = logging.getLogger("agora.events")

DEFAULT_BATCH_SIZE = 200


def relay_once(
    *, uow: RelayUnitOfWork, publisher: StreamPublisher, batch_size: int = DEFAULT_BATCH_SIZE
) -> int:
    """Publish up to ``batch_size`` of the oldest unpublished events; returns how many."""
    with uow:
        entries = uow.outbox.claim_unpublished(limit=batch_size)
        if not entries:
            return 0
        publisher.publish([entry.event for entry in entries])
        uow.outbox.mark_published([e.position for e in entries], at=uow.clock.now())
        uow.commit()
    return len(entries)


def run_relay(
    *,
    uow_factory: Callable[[], RelayUnitOfWork],
    publisher: StreamPublisher,
    stop: threading.Event,
    batch_size: int = DEFAULT_BATCH_SIZE,
    idle_seconds: float = 0.5,
    max_error_backoff_seconds: float = 30.0,
) -> int:
    """Relay until ``stop`` is set: full batches back to back, a pause when caught up, and
    a growing pause while the database or Redis is failing. Returns the total moved."""
    moved, failures = 0, 0
    while not stop.is_set():
        try:
            count = relay_once(uow=uow_factory(), publisher=publisher, batch_size=batch_size)
        except Exception:
            failures += 1
            log.exception("outbox relay failed", extra={"failures": failures})
            stop.wait(min(max_error_backoff_seconds, idle_seconds * 2**failures))
            continue
        failures = 0
        moved += count
        if count < batch_size:
            stop.wait(idle_seconds)
    return moved


def prune_published(*, uow: RelayUnitOfWork, older_than: timedelta, batch_size: int = 1000) -> int:
    """Delete outbox rows published more than ``older_than`` ago (the stream has them)."""
    deleted = 0
    with uow:
        before = uow.clock.now() - older_than
        while True:
            count = uow.outbox.delete_published(before=before, limit=batch_size)
            uow.commit()
            deleted += count
            if count < batch_size:
                return deleted
