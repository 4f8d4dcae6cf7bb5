"""Webhook use cases: merchants manage subscriptions; the dispatcher turns events into
deliveries; delivery workers send them, retry with backoff and log every attempt."""

from marketplace.events.commands import (
    RegisterWebhook,
    RetryDelivery,
    RotateWebhookSecret,
    UpdateWebhook,
)
from marketplace.events.services.delivery import deliver_due, run_delivery_worker
from marketplace.events.services.dispatch import DISPATCHER, dispatch_event, webhook_dispatcher
from marketplace.events.services.subscriptions import (
    delete_webhook,
    register_webhook,
    retry_delivery,
    rotate_webhook_secret,
    update_webhook,
)

__all__ = [
    "DISPATCHER",
    "RegisterWebhook",
    "RetryDelivery",
    "RotateWebhookSecret",
    "UpdateWebhook",
    "delete_webhook",
    "deliver_due",
    "dispatch_event",
    "register_webhook",
    "retry_delivery",
    "rotate_webhook_secret",
    "run_delivery_worker",
    "update_webhook",
    "webhook_dispatcher",
]
