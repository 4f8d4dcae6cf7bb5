"""The events workers behind ``agora events ...``: the outbox relay, the consumer groups
(the webhook dispatcher and the marketplace's own consumers) and webhook delivery, alone or
together in one process.

Each loop runs until SIGINT/SIGTERM sets the shared stop event; ``once`` runs one round
of each and returns (for cron-style use and for checking a deployment by hand).
"""

from __future__ import annotations

import functools
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass

from marketplace.behaviour.services import PURCHASES, purchase_recorder
from marketplace.bootstrap import Marketplace
from marketplace.events import relay
from marketplace.events.consumers import Handler, consume, idempotent
from marketplace.events.services import (
    DISPATCHER,
    deliver_due,
    run_delivery_worker,
    webhook_dispatcher,
)
from marketplace.purchasing.services.budget_events import BUDGET_KEEPER, keep_budget
from marketplace.sourcing.listing_events import LISTINGS_KEEPER, refresh_product_offers

log = logging.getLogger("agora.events")


@dataclass(frozen=True)
class RoundResult:
    relayed: int = 0  # outbox rows appended to the stream
    dispatched: int = 0  # events the webhook dispatcher handled (with or without webhooks)
    attempted: int = 0  # webhook delivery attempts made


def stop_on_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM (call from the main thread)."""
    stop = threading.Event()

    def _stop(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    return stop


def relay_round(app: Marketplace) -> int:
    publisher = app.events.publisher
    if publisher is None:
        raise RuntimeError("no Redis configured (AGORA_REDIS_URL): there is nothing to relay to")
    return relay.relay_once(
        uow=app.uow(), publisher=publisher, batch_size=app.events.relay_batch_size
    )


def consumer_groups(app: Marketplace) -> list[tuple[str, Handler]]:
    """Every consumer group of the outbox's events, with its handler: webhooks fan-out and
    the marketplace's own reactions (each idempotent on the event id)."""
    uows = app.uow
    return [
        (DISPATCHER, webhook_dispatcher(uow_factory=uows)),
        (BUDGET_KEEPER, idempotent(BUDGET_KEEPER, keep_budget, uow_factory=uows)),
        (LISTINGS_KEEPER, idempotent(LISTINGS_KEEPER, refresh_product_offers, uow_factory=uows)),
        (PURCHASES, purchase_recorder(writer=app.behaviour, clock=app.clock)),
    ]


def dispatch_round(app: Marketplace) -> int:
    """One read of each consumer group; returns the events handled."""
    return sum(
        consume(group, handler, source=app.events.source, block_ms=0, max_batches=1,
                max_deliveries=app.events.max_deliveries)
        for group, handler in consumer_groups(app)
    )  # fmt: skip


def delivery_round(app: Marketplace) -> int:
    wiring = app.events
    return deliver_due(
        uow_factory=app.uow, sender=wiring.sender, policy=wiring.retry_policy,
        lease=wiring.delivery_lease,
    )  # fmt: skip


def run_once(app: Marketplace, *, relay_events: bool, dispatch: bool, deliver: bool) -> RoundResult:
    return RoundResult(
        relayed=relay_round(app) if relay_events else 0,
        dispatched=dispatch_round(app) if dispatch else 0,
        attempted=delivery_round(app) if deliver else 0,
    )


def run_forever(
    app: Marketplace,
    *,
    stop: threading.Event,
    relay_events: bool,
    dispatch: bool,
    deliver: bool,
    concurrency: int = 1,
) -> None:
    """Run the chosen loops in threads until ``stop`` is set."""
    wiring = app.events
    loops: list[Callable[[], object]] = []
    if relay_events and wiring.publisher is not None:
        publisher = wiring.publisher
        loops.append(lambda: relay.run_relay(
            uow_factory=app.uow, publisher=publisher, stop=stop,
            batch_size=wiring.relay_batch_size,
        ))  # fmt: skip
    for group, handler in consumer_groups(app) if dispatch else []:
        loops.append(functools.partial(
            consume, group, handler, source=wiring.source, stop=stop,
            max_deliveries=wiring.max_deliveries,
        ))  # fmt: skip
    for _ in range(concurrency if deliver else 0):
        loops.append(lambda: run_delivery_worker(
            uow_factory=app.uow, sender=wiring.sender, policy=wiring.retry_policy,
            stop=stop, lease=wiring.delivery_lease,
        ))  # fmt: skip
    threads = [threading.Thread(target=loop, daemon=True) for loop in loops]
    for thread in threads:
        thread.start()
    log.info("events workers running", extra={"threads": len(threads)})
    while not stop.wait(0.5):
        if not all(t.is_alive() for t in threads):
            log.error("an events worker thread died; stopping")
            stop.set()
    for thread in threads:
        thread.join(timeout=30)
