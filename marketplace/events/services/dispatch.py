"""The webhook dispatcher: a consumer that turns each merchant event into one delivery
per active subscription of that merchant to the event's topic."""

from __future__ import annotations

from collections.abc import Callable

from marketplace.events.codec import webhook_body
from marketplace.events.domain import DomainEvent
from marketplace.events.ports import WebhooksUnitOfWork
from marketplace.events.webhooks import DeliveryStatus, WebhookDelivery
from marketplace.shared.ids import new_id

DISPATCHER = "webhook-dispatcher"  # consumer group and consumed_events name


def dispatch_event(event: DomainEvent, *, uow: WebhooksUnitOfWork) -> int:
    """Create the event's deliveries (for subscriptions that existed when it occurred);
    returns how many were new.

    Idempotent twice over: the dispatcher records the event in ``consumed_events`` in the
    same transaction (a redelivered event does nothing, even for a subscription created
    since), and each delivery is unique per subscription and event. Events of merchants
    without a matching subscription (most stock changes) write nothing at all.
    """
    if event.merchant_id is None:
        return 0
    with uow:
        subscriptions = [
            s
            for s in uow.webhooks.active_for(event.merchant_id, event.topic)
            if s.wants(event.topic, event.occurred_at)
        ]
        if not subscriptions:
            return 0
        now = uow.clock.now()
        if not uow.consumed_events.record(DISPATCHER, event.id, at=now):
            return 0
        body = webhook_body(event)
        created = 0
        for subscription in subscriptions:
            delivery = WebhookDelivery(
                id=new_id("whd"), subscription_id=subscription.id,
                merchant_id=event.merchant_id, event_id=event.id, topic=event.topic.value,
                body=body, status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now,
                lease_expires_at=None, last_attempt_at=None, last_status_code=None,
                last_error=None, delivered_at=None, created_at=now, updated_at=now,
            )  # fmt: skip
            created += uow.webhooks.add_delivery(delivery)
        uow.commit()
    return created


def webhook_dispatcher(
    *, uow_factory: Callable[[], WebhooksUnitOfWork]
) -> Callable[[DomainEvent], None]:
    """The handler to pass to ``consume(DISPATCHER, ...)``."""

    def handle(event: DomainEvent) -> None:
        dispatch_event(event, uow=uow_factory())

    return handle
