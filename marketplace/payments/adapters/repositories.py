"""SQL repositories of payments, bound to one unit-of-work connection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row

from marketplace.payments.adapters.tables import (
    payment_notifications,
    payment_orders,
    payment_transactions,
    payments,
    refunds,
)
from marketplace.payments.domain import (
    Payment,
    PaymentMethod,
    PaymentState,
    PaymentStatus,
    Refund,
    RefundKind,
    RefundLine,
    RefundStatus,
    Transaction,
    TransactionKind,
    TransactionPhase,
)
from marketplace.shared.money import Money


class SqlPaymentRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, payment: Payment) -> None:
        self._conn.execute(_INSERT_PAYMENT, {
            "id": payment.id, "buyer_id": payment.buyer_id, "method": str(payment.method),
            "status": str(payment.status), "currency": payment.currency,
            "amount_minor": payment.amount.minor, "captured_minor": payment.captured.minor,
            "refunded_minor": payment.refunded.minor,
            "gateway_reference": payment.gateway_reference, "expires_at": payment.expires_at,
            "version": payment.version, "created_at": payment.created_at,
            "updated_at": payment.updated_at,
        })  # fmt: skip
        self._conn.execute(_INSERT_PAYMENT_ORDERS, [
            {"payment_id": payment.id, "order_id": order_id,
             "amount_minor": payment.order_amounts[order_id].minor}
            for order_id in payment.order_ids
        ])  # fmt: skip

    def get(self, payment_id: str, *, for_update: bool = False) -> Payment | None:
        locks = for_update and self._conn.dialect.name == "postgresql"
        params = {"b_id": payment_id}
        row = self._conn.execute(_PAYMENT_FOR_UPDATE if locks else _PAYMENT, params).first()
        if row is None:
            return None
        links = self._conn.execute(_LINKS, params).all()
        return _payment(row, links)

    def open_for_orders(self, order_ids: Sequence[str], method: str) -> str | None:
        """A pending payment by ``method`` over exactly these orders, if there is one."""
        wanted = sorted(order_ids)
        candidates = self._conn.execute(
            _OPEN_CANDIDATES, {"b_order": wanted[0], "b_method": method}
        ).scalars().all()  # fmt: skip
        for payment_id in candidates:
            covered = self._conn.execute(_COVERED, {"b_id": payment_id}).scalars().all()
            if sorted(covered) == wanted:
                return str(payment_id)
        return None

    def pending_ids(self, methods: Sequence[str], *, older_than: datetime, limit: int) -> list[str]:
        """Payments by these methods still pending since before ``older_than``."""
        return list(self._conn.execute(
            select(payments.c.id)
            .where(payments.c.status == PaymentStatus.PENDING.value,
                   payments.c.method.in_(list(methods)), payments.c.updated_at <= older_than)
            .order_by(payments.c.created_at).limit(limit)
        ).scalars())  # fmt: skip

    def record(self, tx: Transaction, *, gateway: str, dedup: tuple[str, str, str]) -> bool:
        """Append to the log; False (nothing written) when this dedup key exists."""
        _, reference, kind = dedup
        values = {
            "payment_id": tx.payment_id, "kind": str(tx.kind), "phase": str(tx.phase),
            "amount_minor": tx.amount.minor, "currency": tx.amount.currency.code,
            "source": tx.source, "gateway": gateway, "dedup_reference": reference[:120],
            "dedup_type": kind[:40], "gateway_reference": tx.gateway_reference,
            "refund_id": tx.refund_id, "raw": tx.raw, "created_at": tx.created_at,
        }  # fmt: skip
        stmt = _RECORD[self._conn.dialect.name == "postgresql"]
        # RETURNING, not rowcount: psycopg reports -1 for an INSERT that did nothing.
        return self._conn.execute(stmt, values).first() is not None

    def transactions(self, payment_id: str) -> list[Transaction]:
        rows = self._conn.execute(_TRANSACTIONS, {"b_id": payment_id})
        return [
            Transaction(
                payment_id=r.payment_id, kind=TransactionKind(r.kind),
                phase=TransactionPhase(r.phase),
                amount=Money.from_minor(r.amount_minor, r.currency),
                source=r.source, created_at=r.created_at, gateway_reference=r.gateway_reference,
                refund_id=r.refund_id, raw=dict(r.raw or {}), id=int(r.id),
            )
            for r in rows
        ]  # fmt: skip

    def save_state(
        self, payment_id: str, state: PaymentState, *, now: datetime,
        gateway_reference: str | None = None,
    ) -> None:  # fmt: skip
        params: dict[str, Any] = {
            "b_id": payment_id, "b_status": str(state.status),
            "b_captured": state.captured.minor, "b_refunded": state.refunded.minor, "b_now": now,
        }  # fmt: skip
        if gateway_reference:
            params["b_reference"] = gateway_reference
        self._conn.execute(_SAVE_STATE[bool(gateway_reference)], params)

    def log_notification(
        self, *, gateway: str, outcome: str, reason: str | None, payment_id: str | None,
        body: bytes, at: datetime,
    ) -> None:  # fmt: skip
        self._conn.execute(insert(payment_notifications).values(
            gateway=gateway[:20], outcome=outcome, reason=(reason or "")[:300] or None,
            payment_id=payment_id, body_excerpt=body[:2000].decode("utf-8", "replace"),
            received_at=at,
        ))  # fmt: skip


# Hot statements, built once: executed with parameters, their cache keys are memoized.
_INSERT_PAYMENT = insert(payments)
_INSERT_PAYMENT_ORDERS = insert(payment_orders)
_PAYMENT = select(payments).where(payments.c.id == bindparam("b_id"))
_PAYMENT_FOR_UPDATE = _PAYMENT.with_for_update()
_LINKS = (
    select(payment_orders.c.order_id, payment_orders.c.amount_minor)
    .where(payment_orders.c.payment_id == bindparam("b_id"))
    .order_by(payment_orders.c.order_id)
)
_OPEN_CANDIDATES = (
    select(payments.c.id)
    .join(payment_orders, payment_orders.c.payment_id == payments.c.id)
    .where(payment_orders.c.order_id == bindparam("b_order"),
           payments.c.method == bindparam("b_method"),
           payments.c.status == PaymentStatus.PENDING.value)
)  # fmt: skip
_COVERED = select(payment_orders.c.order_id).where(payment_orders.c.payment_id == bindparam("b_id"))
_RECORD = {  # by "is PostgreSQL": INSERT ... ON CONFLICT in each dialect's spelling
    is_pg: dialect.insert(payment_transactions)
    .on_conflict_do_nothing(index_elements=["gateway", "dedup_reference", "dedup_type"])
    .returning(payment_transactions.c.id)
    for is_pg, dialect in ((True, postgresql), (False, sqlite))
}
_TRANSACTIONS = (
    select(payment_transactions)
    .where(payment_transactions.c.payment_id == bindparam("b_id"))
    .order_by(payment_transactions.c.id)
)


def _save_state(with_reference: bool) -> Any:
    values: dict[str, Any] = {
        "status": bindparam("b_status"), "captured_minor": bindparam("b_captured"),
        "refunded_minor": bindparam("b_refunded"), "updated_at": bindparam("b_now"),
        "version": payments.c.version + 1,
    }  # fmt: skip
    if with_reference:
        values["gateway_reference"] = bindparam("b_reference")
    return update(payments).where(payments.c.id == bindparam("b_id")).values(values)


_SAVE_STATE = {flag: _save_state(flag) for flag in (False, True)}


def _payment(row: Row[Any], links: Sequence[Row[Any]]) -> Payment:
    c = row.currency
    return Payment(
        id=row.id, buyer_id=row.buyer_id, method=PaymentMethod(row.method),
        amount=Money.from_minor(row.amount_minor, c),
        order_ids=[link.order_id for link in links],
        order_amounts={link.order_id: Money.from_minor(link.amount_minor, c) for link in links},
        status=PaymentStatus(row.status), captured=Money.from_minor(row.captured_minor, c),
        refunded=Money.from_minor(row.refunded_minor, c), expires_at=row.expires_at,
        created_at=row.created_at, updated_at=row.updated_at,
        gateway_reference=row.gateway_reference, version=int(row.version),
    )  # fmt: skip


class SqlRefundRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, refund: Refund) -> None:
        c = refund.amount.currency.code
        self._conn.execute(insert(refunds).values(
            id=refund.id, payment_id=refund.payment_id, order_id=refund.order_id,
            merchant_id=refund.merchant_id, currency=c, amount_minor=refund.amount.minor,
            commission_minor=refund.commission.minor, status=str(refund.status),
            source=refund.source, reason=refund.reason[:300],
            lines=[{"line_id": x.line_id, "quantity": x.quantity,
                    "amount_minor": x.amount.minor} for x in refund.lines],
            restock="true" if refund.restock else "false", kind=str(refund.kind),
            note=refund.note,
            gateway_reference=refund.gateway_reference, failure=refund.failure,
            created_at=refund.created_at, updated_at=refund.updated_at,
        ))  # fmt: skip

    def get(self, refund_id: str) -> Refund | None:
        row = self._conn.execute(select(refunds).where(refunds.c.id == refund_id)).first()
        return _refund(row) if row else None

    def of_order(self, order_id: str) -> list[Refund]:
        rows = self._conn.execute(
            select(refunds).where(refunds.c.order_id == order_id).order_by(refunds.c.created_at)
        )
        return [_refund(r) for r in rows]

    def of_payment(self, payment_id: str) -> list[Refund]:
        rows = self._conn.execute(
            select(refunds).where(refunds.c.payment_id == payment_id)
            .order_by(refunds.c.created_at)
        )  # fmt: skip
        return [_refund(r) for r in rows]

    def finish(
        self, refund_id: str, status: RefundStatus, *, now: datetime,
        gateway_reference: str | None = None, failure: str | None = None,
    ) -> bool:  # fmt: skip
        """pending -> status, once; False when it was no longer pending. A failed refund
        may still become succeeded (the gateway did it after all)."""
        sources = [RefundStatus.PENDING.value]
        if status is RefundStatus.SUCCEEDED:
            sources.append(RefundStatus.FAILED.value)
        return bool(self._conn.execute(
            update(refunds)
            .where(refunds.c.id == refund_id, refunds.c.status.in_(sources))
            .values(status=str(status), updated_at=now, failure=failure,
                    gateway_reference=gateway_reference or refunds.c.gateway_reference)
        ).rowcount)  # fmt: skip

    def move(
        self, refund_id: str, *, expected: RefundStatus, target: RefundStatus, now: datetime,
        note: str | None = None, restock: bool | None = None,
    ) -> bool:  # fmt: skip
        """expected -> target, once (the merchant's decisions, a return received)."""
        values: dict[str, Any] = {"status": str(target), "updated_at": now}
        if note is not None:
            values["note"] = note[:300]
        if restock is not None:
            values["restock"] = "true" if restock else "false"
        return bool(self._conn.execute(
            update(refunds)
            .where(refunds.c.id == refund_id, refunds.c.status == str(expected))
            .values(values)
        ).rowcount)  # fmt: skip

    def retry(self, refund_id: str, *, now: datetime) -> bool:
        """failed -> pending, so that it is asked again."""
        return bool(self._conn.execute(
            update(refunds)
            .where(refunds.c.id == refund_id, refunds.c.status == RefundStatus.FAILED.value)
            .values(status=RefundStatus.PENDING.value, updated_at=now, failure=None)
        ).rowcount)  # fmt: skip

    def pending_ids(self, *, older_than: datetime, limit: int) -> list[str]:
        return list(self._conn.execute(
            select(refunds.c.id)
            .where(refunds.c.status == RefundStatus.PENDING.value,
                   refunds.c.updated_at <= older_than)
            .order_by(refunds.c.created_at).limit(limit)
        ).scalars())  # fmt: skip


def _refund(r: Row[Any]) -> Refund:
    c = r.currency
    return Refund(
        id=r.id, payment_id=r.payment_id, order_id=r.order_id, merchant_id=r.merchant_id,
        amount=Money.from_minor(r.amount_minor, c),
        commission=Money.from_minor(r.commission_minor, c), status=RefundStatus(r.status),
        source=r.source, reason=r.reason,
        lines=[RefundLine(x["line_id"], int(x["quantity"]), Money.from_minor(x["amount_minor"], c))
               for x in (r.lines or [])],
        restock=r.restock == "true", kind=RefundKind(r.kind), note=r.note,
        created_at=r.created_at, updated_at=r.updated_at,
        gateway_reference=r.gateway_reference, failure=r.failure,
    )  # fmt: skip
