"""Succeeded refunds of historical order lines, written as the refund path leaves them:
the refund row (source ``admin``, nothing restocked), its request and success
transactions, the payment's, order's and line's refunded figures (the order becomes
``refunded`` when all of it is), and the refund's ledger entry. The figures are updated
with the same guarded statements the repositories use, so a refund can never exceed what
was paid for its line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, case, select, update

from marketplace.importing.ids import child_id
from marketplace.importing.order_rows import account_rows, posting_rows
from marketplace.importing.records import RefundRecord
from marketplace.ordering.adapters.tables import order_lines, orders
from marketplace.payments.adapters.tables import payments
from marketplace.payments.services.refunds import funding_account
from marketplace.settlement.domain import MerchantShare
from marketplace.settlement.domain.ledger import refund_postings
from marketplace.shared.money import Money

Rows = dict[str, list[dict[str, Any]]]
Insert = Callable[[Connection, str, list[dict[str, Any]]], None]

_LINE = (
    select(order_lines.c.id.label("line_id"), order_lines.c.quantity,
           order_lines.c.line_total_minor, orders.c.id.label("order_id"), orders.c.merchant_id,
           orders.c.currency, orders.c.payment_id, payments.c.method)
    .join(orders, orders.c.id == order_lines.c.order_id)
    .join(payments, payments.c.id == orders.c.payment_id)
)  # fmt: skip


class RefundRejectedError(ValueError):
    """A refund record that does not fit its order (unknown line, more than was paid)."""


def refund_batch(conn: Connection, fresh: Sequence[RefundRecord], insert: Insert) -> Rows:
    """Apply ``fresh`` refunds one by one on ``conn``; returns the rows still to insert
    (none: each refund is written as it is applied, as later ones may read its figures)."""
    for rec in fresh:
        _apply(conn, rec, insert)
    return {}


def _apply(conn: Connection, rec: RefundRecord, insert: Insert) -> None:
    line = conn.execute(
        _LINE.where(orders.c.group_id == rec.group_id, order_lines.c.sku_id == rec.sku_id)
    ).first()
    if line is None:
        raise RefundRejectedError(
            f"refund {rec.id}: no paid line of {rec.sku_id} in {rec.group_id}"
        )
    amount = Money.of(rec.amount, line.currency)
    minor = amount.minor
    if not _add_line_refund(conn, line.line_id, rec.quantity, minor):
        raise RefundRejectedError(f"refund {rec.id} exceeds its line {line.line_id}")
    fully = _add_order_refund(conn, rec, line.order_id, minor)
    _add_payment_refund(conn, rec, line.payment_id, minor)
    gateway = str(line.method)
    insert(conn, "refunds", [{
        "id": rec.id, "payment_id": line.payment_id, "order_id": line.order_id,
        "merchant_id": line.merchant_id, "currency": line.currency, "amount_minor": minor,
        "commission_minor": 0, "status": "succeeded", "source": "admin",
        "reason": rec.reason.strip()[:300] or "-",
        "lines": [{"line_id": line.line_id, "quantity": rec.quantity, "amount_minor": minor}],
        "restock": "false", "kind": "refund_only", "note": None, "gateway_reference": rec.id,
        "failure": None, "created_at": rec.at, "updated_at": rec.at,
    }])  # fmt: skip
    tx = {"payment_id": line.payment_id, "kind": "refund", "amount_minor": minor,
          "currency": line.currency, "gateway": gateway, "refund_id": rec.id, "raw": {},
          "created_at": rec.at}  # fmt: skip
    insert(conn, "payment_transactions", [
        tx | {"phase": "request", "source": "api", "dedup_reference": rec.id,
              "dedup_type": "refund:request", "gateway_reference": None},
        tx | {"phase": "success", "source": "notification", "dedup_reference": rec.id,
              "dedup_type": "refund:success", "gateway_reference": rec.id},
    ])  # fmt: skip
    share = MerchantShare(line.merchant_id, line.order_id, amount, Money.zero(line.currency))
    postings = refund_postings(funding_account(gateway), [share])
    entry_id = child_id("je", rec.id, "refund", rec.at)
    insert(conn, "ledger_accounts", account_rows(postings, rec.at))
    insert(conn, "ledger_entries", [{
        "id": entry_id, "kind": "refund", "reference": rec.id, "payment_id": line.payment_id,
        "occurred_at": rec.at, "posted_at": rec.at, "memo": None,
    }])  # fmt: skip
    insert(conn, "ledger_postings", posting_rows(entry_id, postings))
    if fully:
        _mark_refunded(conn, rec, line.order_id, insert)


def _add_line_refund(conn: Connection, line_id: str, quantity: int, minor: int) -> bool:
    c = order_lines.c
    return bool(conn.execute(
        update(order_lines)
        .where(c.id == line_id, c.refunded_quantity + quantity <= c.quantity,
               c.refunded_minor + minor <= c.line_total_minor)
        .values(refunded_quantity=c.refunded_quantity + quantity,
                refunded_minor=c.refunded_minor + minor)
    ).rowcount)  # fmt: skip


def _add_order_refund(conn: Connection, rec: RefundRecord, order_id: str, minor: int) -> bool:
    """refunded += minor within the total; True when the order is now fully refunded."""
    c = orders.c
    done = conn.execute(
        update(orders)
        .where(c.id == order_id, c.refunded_minor + minor <= c.total_minor)
        .values(refunded_minor=c.refunded_minor + minor, updated_at=rec.at, version=c.version + 1)
        .returning(c.refunded_minor, c.total_minor)
    ).first()
    if done is None:
        raise RefundRejectedError(f"refund {rec.id} exceeds its order {order_id}")
    return bool(done.refunded_minor == done.total_minor)


def _add_payment_refund(conn: Connection, rec: RefundRecord, payment_id: str, minor: int) -> None:
    c = payments.c
    refunded = c.refunded_minor + minor
    conn.execute(
        update(payments)
        .where(c.id == payment_id, refunded <= c.captured_minor)
        .values(refunded_minor=refunded, version=c.version + 1, updated_at=rec.at,
                status=_status_after(refunded, c.captured_minor))
    )  # fmt: skip


def _status_after(refunded: Any, captured: Any) -> Any:
    return case((refunded >= captured, "refunded"), else_="partially_refunded")


def _mark_refunded(conn: Connection, rec: RefundRecord, order_id: str, insert: Insert) -> None:
    status = conn.execute(select(orders.c.status).where(orders.c.id == order_id)).scalar_one()
    conn.execute(
        update(orders).where(orders.c.id == order_id)
        .values(status="refunded", version=orders.c.version + 1, updated_at=rec.at)
    )  # fmt: skip
    insert(conn, "order_status_history", [{
        "order_id": order_id, "from_status": status, "to_status": "refunded",
        "actor": f"gateway:{_method(conn, order_id)}", "reason": f"refund {rec.id}",
        "created_at": rec.at,
    }])  # fmt: skip


def _method(conn: Connection, order_id: str) -> str:
    query = select(payments.c.method).join(orders, orders.c.payment_id == payments.c.id)
    return str(conn.execute(query.where(orders.c.id == order_id)).scalar_one())
