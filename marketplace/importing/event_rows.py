"""Rows of ``behaviour_events`` for event records (money as minor units there)."""

from __future__ import annotations

from typing import Any

from marketplace.importing.records import BehaviourEventRecord
from marketplace.shared.money import Money


def event_row(rec: BehaviourEventRecord) -> dict[str, Any]:
    price_minor = None
    if rec.price is not None:
        if rec.currency is None:
            raise ValueError(f"event {rec.id} has a price without a currency")
        price_minor = Money.of(rec.price, rec.currency).minor
    return {
        "id": rec.id, "occurred_at": rec.occurred_at,
        "received_at": rec.received_at or rec.occurred_at, "type": rec.type,
        "source": rec.source, "channel": rec.channel, "session_id": rec.session_id,
        "user_id": rec.user_id, "product_id": rec.product_id, "sku_id": rec.sku_id,
        "merchant_id": rec.merchant_id, "quantity": rec.quantity, "price_minor": price_minor,
        "currency": rec.currency, "order_id": rec.order_id, "query": rec.query,
        "results": list(rec.results) if rec.results is not None else None,
        "position": rec.position, "attribution_id": rec.attribution_id,
    }  # fmt: skip
