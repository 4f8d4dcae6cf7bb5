"""Background jobs of the transaction path, run by ``agora orders work`` (or once by a
test): expire unpaid orders, sweep overdue reservations, ask again for pending refunds,
expire undecided purchase requests, and finish B2B placements (purchase requests and the
agent's confirmed drafts) that a crash left half-way.

Each job is safe to run on several machines at once (conditional status changes), so
scaling out is starting more workers.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from marketplace.bootstrap import Marketplace
from marketplace.inventory.services import expire_reservations
from marketplace.ordering.services import expire_orders
from marketplace.payments.services import finish_collected_payments, retry_pending_refunds
from marketplace.procurement.services import resume_draft_placements
from marketplace.purchasing.services import expire_requests, resume_placements

log = logging.getLogger("agora.jobs")


@dataclass(frozen=True, slots=True)
class JobRun:
    orders_expired: int
    reservations_expired: int
    refunds_finished: int
    payments_finished: int
    purchase_requests_expired: int = 0
    purchase_placements_resumed: int = 0
    agent_placements_resumed: int = 0


def run_once(container: Marketplace) -> JobRun:
    """One pass of every job."""
    now = container.clock.now()
    run = JobRun(
        orders_expired=expire_orders(now, uow=container.uow()),
        reservations_expired=expire_reservations(now, uow=container.uow()),
        refunds_finished=retry_pending_refunds(uow=container.uow(), gateways=container.gateways),
        payments_finished=finish_collected_payments(
            uow=container.uow(), gateways=container.gateways
        ),
        purchase_requests_expired=expire_requests(uow=container.uow()),
        purchase_placements_resumed=resume_placements(
            uow=container.uow(), placement=container.placement
        ),
        agent_placements_resumed=resume_draft_placements(
            uow=container.uow(), placement=container.placement
        ),
    )
    if any(dataclasses.astuple(run)):
        log.info("jobs ran", extra=dataclasses.asdict(run))
    return run


def start_jobs_thread(container: Marketplace, interval_seconds: float) -> Callable[[], None]:
    """Run the jobs in a daemon thread of the API process (the embedded demo has no
    separate worker); returns the function that stops it. 0 seconds: no thread."""
    if interval_seconds <= 0:
        return lambda: None
    stop = threading.Event()

    def loop() -> None:
        from serving import events_worker

        while not stop.wait(interval_seconds):
            try:
                run_once(container)
                # The embedded demo has no events worker either: relay (with Redis),
                # fan events out to webhooks and deliver them, in the same thread.
                events_worker.run_once(container, relay_events=container.events.has_stream,
                                       dispatch=True, deliver=True)  # fmt: skip
            except Exception:  # logged; the next pass tries again
                log.exception("jobs pass failed")

    thread = threading.Thread(target=loop, name="agora-jobs", daemon=True)
    thread.start()

    def stop_thread() -> None:
        stop.set()
        thread.join(timeout=interval_seconds + 5)

    return stop_thread


def run_forever(container: Marketplace, *, interval_seconds: float) -> None:
    """Repeat ``run_once``; an error is logged and the loop goes on."""
    while True:
        try:
            run_once(container)
        except Exception:  # a worker must outlive one bad pass; the error is logged
            log.exception("jobs pass failed")
        time.sleep(interval_seconds)
