"""Settling the invoices of B2B credit terms (账期结算)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from marketplace.events.domain import DomainEvent, Topic
from marketplace.events.ports import RelayUnitOfWork
from marketplace.payments.adapters.invoices import Invoice
from marketplace.settlement.ports import SettlementUnitOfWork
from marketplace.settlement.services import post_invoice_settled
from marketplace.shared.errors import ConflictError, NotFoundError


class InvoiceRepository(Protocol):
    def get(self, invoice_id: str) -> Invoice | None: ...

    def mark_paid(self, invoice_id: str, *, now: datetime) -> Invoice | None: ...


class InvoicesUnitOfWork(SettlementUnitOfWork, RelayUnitOfWork, Protocol):
    @property
    def invoices(self) -> InvoiceRepository: ...


class InvoiceNotFoundError(NotFoundError):
    code = "invoice_not_found"


class InvoiceNotOpenError(ConflictError):
    code = "invoice_not_open"


def settle_invoice(invoice_id: str, *, uow: InvoicesUnitOfWork) -> Invoice:
    """The buyer paid the invoice (bank transfer received): it closes, the buyer's credit
    is freed, and the ledger turns the receivable into cash, all at once and once."""
    with uow:
        invoice = uow.invoices.get(invoice_id)
        if invoice is None:
            raise InvoiceNotFoundError("No such invoice.", invoice_id=invoice_id)
        now = uow.clock.now()
        paid = uow.invoices.mark_paid(invoice_id, now=now)
        if paid is None:
            raise InvoiceNotOpenError(f"The invoice is {invoice.status}.", invoice_id=invoice_id)
        if not paid.outstanding.is_zero:
            post_invoice_settled(uow=uow, invoice_id=paid.id, amount=paid.outstanding, at=now)
        uow.outbox.add(DomainEvent(
            Topic.INVOICE_SETTLED, paid.id,
            {"invoice_id": paid.id, "payment_id": paid.payment_id, "buyer_id": paid.buyer_id,
             "amount": paid.outstanding.to_dict()},
            now,
        ))  # fmt: skip
        uow.commit()
    return paid
