"""Read side of ordering: a buyer's or a merchant's orders, newest first, keyset pages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, literal, select, tuple_

from marketplace.ordering.adapters.tables import orders
from marketplace.ordering.domain import OrderStatus
from marketplace.shared.errors import ValidationError
from marketplace.shared.money import Money


class InvalidOrderQueryError(ValidationError):
    code = "invalid_order_query"


def list_orders(
    conn: Connection,
    *,
    buyer_id: str | None = None,
    merchant_id: str | None = None,
    status: str | None = None,
    after: Mapping[str, Any] | None = None,
    limit: int = 20,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """A page of order summaries and the key of the next page (None on the last)."""
    query = select(
        orders.c.id, orders.c.group_id, orders.c.buyer_id, orders.c.merchant_id,
        orders.c.status, orders.c.channel, orders.c.currency, orders.c.total_minor,
        orders.c.refunded_minor, orders.c.created_at, orders.c.paid_at,
    )  # fmt: skip
    if buyer_id is not None:
        query = query.where(orders.c.buyer_id == buyer_id)
    if merchant_id is not None:
        query = query.where(orders.c.merchant_id == merchant_id)
    if status is not None:
        if status not in {s.value for s in OrderStatus}:
            raise InvalidOrderQueryError(f"{status!r} is not an order status.")
        query = query.where(orders.c.status == status)
    if after is not None:
        try:
            at, last_id = datetime.fromisoformat(str(after["at"])), str(after["id"])
        except (KeyError, ValueError):
            raise InvalidOrderQueryError("Bad page key.", code="invalid_cursor") from None
        key = tuple_(literal(at, orders.c.created_at.type), literal(last_id))
        query = query.where(tuple_(orders.c.created_at, orders.c.id) < key)
    rows = conn.execute(
        query.order_by(orders.c.created_at.desc(), orders.c.id.desc()).limit(limit + 1)
    ).all()
    page = rows[:limit]
    items = [
        {
            "id": r.id, "group_id": r.group_id, "buyer_id": r.buyer_id,
            "merchant_id": r.merchant_id, "status": r.status, "channel": r.channel,
            "total": Money.from_minor(r.total_minor, r.currency).to_dict(),
            "refunded": Money.from_minor(r.refunded_minor, r.currency).to_dict(),
            "created_at": r.created_at.isoformat(),
            "paid_at": r.paid_at.isoformat() if r.paid_at else None,
        }
        for r in page
    ]  # fmt: skip
    more = len(rows) > limit and page
    next_key = {"at": page[-1].created_at.isoformat(), "id": page[-1].id} if more else None
    return items, next_key
