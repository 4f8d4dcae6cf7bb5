"""What an event is. Standard library only.

A service records an event in the same transaction as the change it describes
(``uow.outbox.add(event)``); a relay publishes it after commit (at least once), and every
consumer is idempotent on ``DomainEvent.id``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from marketplace.shared.ids import new_id


class Topic(StrEnum):
    ORDER_PLACED = "order.placed"
    ORDER_PAID = "order.paid"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_SHIPPED = "order.shipped"
    ORDER_DELIVERED = "order.delivered"
    ORDER_COMPLETED = "order.completed"
    ORDER_REFUNDED = "order.refunded"
    PAYMENT_CAPTURED = "payment.captured"
    PAYMENT_REFUNDED = "payment.refunded"
    INVOICE_SETTLED = "invoice.settled"  # credit terms: the buyer paid its invoice
    STOCK_CHANGED = "stock.changed"
    PRICE_CHANGED = "price.changed"
    PRODUCT_UPDATED = "product.updated"  # details, status or a SKU changed
    RFQ_SENT = "rfq.sent"  # to each invited supplier
    RFQ_CANCELLED = "rfq.cancelled"
    QUOTE_SUBMITTED = "quote.submitted"
    QUOTE_ACCEPTED = "quote.accepted"
    QUOTE_DECLINED = "quote.declined"
    PRICE_SUGGESTION_DECIDED = "price_suggestion.decided"  # accepted or rejected by the merchant


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """One fact, as it will be published. ``payload`` must be JSON-safe (str, int, bool,
    None, lists and dicts of them; money as ``{"amount": "12.30", "currency": "CNY"}``)."""

    topic: Topic
    key: str  # the aggregate it is about (order id, SKU id...): consumers may order by it
    payload: dict[str, Any]
    occurred_at: datetime
    merchant_id: str | None = None  # the merchant it concerns: who may get it by webhook
    id: str = field(default_factory=lambda: new_id("evt"))
