"""Rows of a historical checkout: the group, one order per merchant with its lines and
status history, and (unless it was cancelled) the captured payment with its transactions
and the ledger entry of the capture, as checkout, payment and settlement write them.

Stock is not touched: no reservations, allocations or stock movements are written, since
the goods left the warehouse long before the import (see docs/data/importers.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from marketplace.cart.pricing import SkuSnapshot
from marketplace.importing.ids import child_id, order_id_of, payment_id_of
from marketplace.importing.records import HistoricalOrderRecord, OrderLineRecord
from marketplace.payments.services.refunds import funding_account
from marketplace.settlement.domain import MerchantShare
from marketplace.settlement.domain.ledger import capture_postings, payable_merchant
from marketplace.shared.money import Money

Row = dict[str, Any]
# The moves after payment, in the only order the state machine allows.
_AFTER_PAID = ("shipped", "delivered", "completed")


def _minor(amount: Decimal, currency: str) -> int:
    return Money.of(amount, currency).minor


def _history(order_id: str, rec: HistoricalOrderRecord, paid_at: datetime | None) -> list[Row]:
    steps: list[tuple[str | None, str, str, str, datetime]] = [
        (None, "pending_payment", f"user:{rec.buyer_id}", "placed", rec.placed_at)
    ]
    actor = f"import:{rec.source}"
    if rec.status == "cancelled" or paid_at is None:
        steps.append(("pending_payment", "cancelled", actor, "cancelled", rec.placed_at))
    else:
        steps.append(("pending_payment", "paid", f"gateway:{rec.payment_method}", "payment",
                      paid_at))  # fmt: skip
        last = "paid"
        reached = _AFTER_PAID.index(rec.status) + 1 if rec.status in _AFTER_PAID else 0
        for target in _AFTER_PAID[:reached]:
            steps.append((last, target, actor, target, paid_at))
            last = target
    return [
        {"order_id": order_id, "from_status": a, "to_status": b, "actor": who, "reason": why,
         "created_at": at}
        for a, b, who, why, at in steps
    ]  # fmt: skip


def _line_row(
    order_id: str, position: int, line: OrderLineRecord, snap: SkuSnapshot,
    rec: HistoricalOrderRecord,
) -> Row:  # fmt: skip
    unit = _minor(line.unit_price, rec.currency)
    listed = _minor(line.list_price, rec.currency) if line.list_price is not None else unit
    return {
        "id": child_id("oln", order_id, line.sku_id, rec.placed_at), "order_id": order_id,
        "position": position, "sku_id": line.sku_id, "product_id": snap.product_id,
        "category_id": snap.category_id, "title": snap.title[:300], "sku_code": snap.sku_code,
        "sales_attributes": dict(snap.sales_attributes), "quantity": line.quantity,
        "unit_price_minor": unit, "list_price_minor": listed, "price_rule": line.price_rule,
        "line_total_minor": unit * line.quantity, "commission_rule_id": None,
        "commission_rate": Decimal(0), "commission_minor": 0, "refunded_quantity": 0,
        "refunded_minor": 0,
    }  # fmt: skip


def order_rows(
    rec: HistoricalOrderRecord, snapshots: Mapping[str, SkuSnapshot], *, payment_ttl: timedelta
) -> dict[str, list[Row]]:
    """Every row of one historical checkout; ``snapshots`` must hold each line's SKU."""
    out: dict[str, list[Row]] = defaultdict(list)
    paid_at = None if rec.status == "cancelled" else (rec.paid_at or rec.placed_at)
    expires_at = rec.placed_at + payment_ttl
    by_merchant: dict[str, list[OrderLineRecord]] = defaultdict(list)
    for line in rec.lines:
        by_merchant[snapshots[line.sku_id].merchant_id].append(line)
    payment_id = payment_id_of(rec.id, paid_at) if paid_at else None
    shares, items_sum, shipping_sum = [], 0, 0
    for merchant_id, lines in by_merchant.items():
        order_id = order_id_of(rec.id, merchant_id, rec.placed_at)
        rows = [_line_row(order_id, i, ln, snapshots[ln.sku_id], rec) for i, ln in enumerate(lines)]
        items = sum(r["line_total_minor"] for r in rows)
        shipping = _minor(rec.shipping.get(merchant_id, Decimal(0)), rec.currency)
        history = _history(order_id, rec, paid_at)
        out["order_lines"] += rows
        out["order_status_history"] += history
        out["orders"].append({
            "id": order_id, "group_id": rec.id, "buyer_id": rec.buyer_id,
            "merchant_id": merchant_id, "shop_id": snapshots[lines[0].sku_id].shop_id,
            "channel": rec.channel, "status": history[-1]["to_status"], "currency": rec.currency,
            "items_total_minor": items, "shipping_minor": shipping, "discount_minor": 0,
            "tax_minor": 0, "total_minor": items + shipping, "commission_minor": 0,
            "refunded_minor": 0, "delivery_option": "standard", "address": dict(rec.address),
            "payment_id": payment_id, "expires_at": expires_at, "paid_at": paid_at,
            "version": len(history), "created_at": rec.placed_at,
            "updated_at": history[-1]["created_at"], "company_id": rec.company_id,
        })  # fmt: skip
        items_sum, shipping_sum = items_sum + items, shipping_sum + shipping
        shares.append(MerchantShare(merchant_id, order_id, Money.from_minor(items + shipping,
                      rec.currency), Money.zero(rec.currency)))  # fmt: skip
    out["checkout_groups"].append({
        "id": rec.id, "buyer_id": rec.buyer_id, "currency": rec.currency, "channel": rec.channel,
        "items_total_minor": items_sum, "shipping_minor": shipping_sum, "discount_minor": 0,
        "tax_minor": 0, "total_minor": items_sum + shipping_sum, "address": dict(rec.address),
        "delivery_option": "standard", "idempotency_key": None, "expires_at": expires_at,
        "created_at": rec.placed_at, "company_id": rec.company_id,
    })  # fmt: skip
    if payment_id and paid_at:
        _payment_rows(out, rec, payment_id, paid_at, expires_at, shares)
    return out


def _payment_rows(
    out: dict[str, list[Row]], rec: HistoricalOrderRecord, payment_id: str, paid_at: datetime,
    expires_at: datetime, shares: list[MerchantShare],
) -> None:  # fmt: skip
    total = sum(s.gross.minor for s in shares)
    method, reference = rec.payment_method, rec.gateway_reference or payment_id
    out["payments"].append({
        "id": payment_id, "buyer_id": rec.buyer_id, "method": method, "status": "captured",
        "currency": rec.currency, "amount_minor": total, "captured_minor": total,
        "refunded_minor": 0, "gateway_reference": reference, "expires_at": expires_at,
        "version": 2, "created_at": paid_at, "updated_at": paid_at,
    })  # fmt: skip
    out["payment_orders"] += [
        {"payment_id": payment_id, "order_id": s.order_id, "amount_minor": s.gross.minor}
        for s in shares
    ]
    tx = {"payment_id": payment_id, "kind": "capture", "amount_minor": total,
          "currency": rec.currency, "gateway": method, "refund_id": None, "raw": {},
          "created_at": paid_at}  # fmt: skip
    out["payment_transactions"] += [
        tx | {"phase": "request", "source": "api", "dedup_reference": payment_id,
              "dedup_type": "capture:request", "gateway_reference": None},
        tx | {"phase": "success", "source": "notification", "dedup_reference": reference,
              "dedup_type": "capture:success", "gateway_reference": reference},
    ]  # fmt: skip
    entry_id = child_id("je", payment_id, "payment_captured", paid_at)
    out["ledger_entries"].append({
        "id": entry_id, "kind": "payment_captured", "reference": payment_id,
        "payment_id": payment_id, "occurred_at": paid_at, "posted_at": paid_at, "memo": None,
    })  # fmt: skip
    postings = capture_postings(funding_account(method), shares)
    out["ledger_postings"] += posting_rows(entry_id, postings)
    out["ledger_accounts"] += account_rows(postings, paid_at)


def posting_rows(entry_id: str, postings: Any) -> list[Row]:
    return [
        {"entry_id": entry_id, "account": p.account, "merchant_id": p.merchant_id,
         "order_id": p.order_id, "amount_minor": p.amount.minor,
         "currency": p.amount.currency.code}
        for p in postings
    ]  # fmt: skip


def account_rows(postings: Any, at: datetime) -> list[Row]:
    return [
        {"code": p.account, "merchant_id": payable_merchant(p.account), "created_at": at}
        for p in postings
    ]
