"""Invoices of B2B credit terms, inside a unit of work (settling one is a ledger fact)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from marketplace.payments.adapters.tables import credit_accounts, invoices
from marketplace.shared.money import Money


@dataclass(frozen=True, slots=True)
class Invoice:
    id: str
    payment_id: str
    buyer_id: str
    amount: Money
    credited: Money  # refunds against it
    status: str  # open | paid | void
    due_at: datetime
    paid_at: datetime | None
    created_at: datetime

    @property
    def outstanding(self) -> Money:
        return self.amount - self.credited

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "payment_id": self.payment_id, "buyer_id": self.buyer_id,
            "amount": self.amount.to_dict(), "credited": self.credited.to_dict(),
            "outstanding": self.outstanding.to_dict(), "status": self.status,
            "due_at": self.due_at.isoformat(),
            "paid_at": self.paid_at.isoformat() if self.paid_at else None,
            "created_at": self.created_at.isoformat(),
        }  # fmt: skip


class SqlInvoiceRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, invoice_id: str) -> Invoice | None:
        row = self._conn.execute(select(invoices).where(invoices.c.id == invoice_id)).first()
        return _invoice(row) if row else None

    def of_buyer(self, buyer_id: str, *, status: str | None = None) -> list[Invoice]:
        query = select(invoices).where(invoices.c.buyer_id == buyer_id)
        if status:
            query = query.where(invoices.c.status == status)
        rows = self._conn.execute(query.order_by(invoices.c.due_at, invoices.c.id))
        return [_invoice(r) for r in rows]

    def mark_paid(self, invoice_id: str, *, now: datetime) -> Invoice | None:
        """open -> paid, once, freeing the buyer's credit of what was outstanding; None
        when it was not open (nothing changed)."""
        row = self._conn.execute(
            update(invoices)
            .where(invoices.c.id == invoice_id, invoices.c.status == "open")
            .values(status="paid", paid_at=now)
            .returning(*invoices.c)
        ).first()
        if row is None:
            return None
        invoice = _invoice(row)
        self._conn.execute(
            update(credit_accounts)
            .where(credit_accounts.c.buyer_id == invoice.buyer_id,
                   credit_accounts.c.currency == invoice.amount.currency.code)
            .values(used_minor=credit_accounts.c.used_minor - invoice.outstanding.minor,
                    updated_at=now)
        )  # fmt: skip
        return invoice


def _invoice(r: Any) -> Invoice:
    c = r.currency
    return Invoice(
        id=r.id, payment_id=r.payment_id, buyer_id=r.buyer_id,
        amount=Money.from_minor(r.amount_minor, c), credited=Money.from_minor(r.credited_minor, c),
        status=r.status, due_at=r.due_at, paid_at=r.paid_at, created_at=r.created_at,
    )  # fmt: skip
