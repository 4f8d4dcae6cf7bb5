"""Orders as JSON-safe dicts: for events, the API and the procurement agent."""

from __future__ import annotations

from typing import Any

from marketplace.ordering.domain import CheckoutGroup, Order, OrderLine, StatusChange


def line_dict(line: OrderLine) -> dict[str, Any]:
    return {
        "id": line.id, "sku_id": line.sku_id, "product_id": line.product_id,
        "title": line.title, "sku_code": line.sku_code,
        "sales_attributes": dict(line.sales_attributes), "quantity": line.quantity,
        "unit_price": line.unit_price.to_dict(), "list_price": line.list_price.to_dict(),
        "price_rule": line.price_rule, "line_total": line.line_total.to_dict(),
        "refunded_quantity": line.refunded_quantity,
        "refunded": line.refunded_amount.to_dict(),
        "allocations": [
            {"warehouse_id": a.warehouse_id, "quantity": a.quantity} for a in line.allocations
        ],
    }  # fmt: skip


def order_dict(order: Order, *, merchant_view: bool = False) -> dict[str, Any]:
    """The order as its buyer sees it; a merchant also sees the frozen commission."""
    data: dict[str, Any] = {
        "id": order.id, "group_id": order.group_id, "buyer_id": order.buyer_id,
        "merchant_id": order.merchant_id, "shop_id": order.shop_id,
        "channel": str(order.channel), "status": str(order.status),
        "currency": order.currency, "items_total": order.items_total.to_dict(),
        "shipping": order.shipping.to_dict(), "discount": order.discount.to_dict(),
        "tax": order.tax.to_dict(), "total": order.total.to_dict(),
        "refunded": order.refunded.to_dict(), "delivery_option": order.delivery_option,
        "address": order.address.to_dict(), "payment_id": order.payment_id,
        "expires_at": order.expires_at.isoformat(),
        "paid_at": order.paid_at.isoformat() if order.paid_at else None,
        "created_at": order.created_at.isoformat(),
        "updated_at": order.updated_at.isoformat(), "version": order.version,
        "lines": [line_dict(line) for line in order.lines],
    }  # fmt: skip
    if merchant_view:
        data["commission"] = order.commission.to_dict()
        for line, out in zip(order.lines, data["lines"], strict=True):
            out["commission"] = line.commission.to_dict()
            out["commission_rate"] = str(line.commission_rate)
    return data


def group_dict(group: CheckoutGroup) -> dict[str, Any]:
    return {
        "id": group.id, "buyer_id": group.buyer_id, "currency": group.currency,
        "channel": str(group.channel), "items_total": group.items_total.to_dict(),
        "shipping": group.shipping.to_dict(), "discount": group.discount.to_dict(),
        "tax": group.tax.to_dict(), "total": group.total.to_dict(),
        "delivery_option": group.delivery_option, "address": group.address.to_dict(),
        "expires_at": group.expires_at.isoformat(), "created_at": group.created_at.isoformat(),
        "orders": [order_dict(o) for o in group.orders],
    }  # fmt: skip


def history_dict(change: StatusChange) -> dict[str, Any]:
    return {
        "from": str(change.from_status) if change.from_status else None,
        "to": str(change.to_status), "actor": change.actor, "reason": change.reason,
        "at": change.at.isoformat(),
    }  # fmt: skip


def order_event_payload(order: Order) -> dict[str, Any]:
    """What an order event carries: enough for a webhook receiver and the ML pipelines."""
    return {
        "order_id": order.id, "group_id": order.group_id, "buyer_id": order.buyer_id,
        "merchant_id": order.merchant_id, "status": str(order.status),
        "channel": str(order.channel), "total": order.total.to_dict(),
        "lines": [
            {"sku_id": line.sku_id, "product_id": line.product_id,
             "quantity": line.quantity, "unit_price": line.unit_price.to_dict()}
            for line in order.lines
        ],
    }  # fmt: skip
