"""Posting payment captures and refunds to the ledger.

These run inside the caller's open unit of work (the payment capture or refund), write
in its transaction and never commit: the ledger moves if and only if the payment does.
Each is idempotent on its reference: posting the same capture or refund id again returns
the first entry and writes nothing (the same id with other postings is a conflict).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from marketplace.settlement.domain import (
    EntryKind,
    InvalidShareError,
    JournalEntry,
    LedgerReferenceReusedError,
    MerchantShare,
    PaymentNotCapturedError,
    RefundExceedsCaptureError,
    ShareTotals,
    refundable_commission,
)
from marketplace.settlement.domain.ledger import (
    capture_postings,
    invoice_settled_postings,
    refund_postings,
)
from marketplace.settlement.domain.refunds import ShareKey, check_refund, share_totals
from marketplace.settlement.ports import SettlementUnitOfWork
from marketplace.shared.ids import new_id
from marketplace.shared.money import Money


def post_payment_captured(
    *,
    uow: SettlementUnitOfWork,
    payment_id: str,
    funding_account: str,
    shares: Sequence[MerchantShare],
    at: datetime,
    memo: str | None = None,
) -> JournalEntry:
    """Dr funding (total) / Cr each merchant's payable (gross - commission) / Cr
    platform:commission (commission)."""
    entry = JournalEntry(
        id=new_id("je"), kind=EntryKind.PAYMENT_CAPTURED, reference=payment_id,
        occurred_at=at, posted_at=uow.clock.now(),
        postings=capture_postings(funding_account, shares), payment_id=payment_id, memo=memo,
    )  # fmt: skip
    return _post_once(uow, entry)


def post_refund(
    *,
    uow: SettlementUnitOfWork,
    refund_id: str,
    payment_id: str,
    funding_account: str,
    shares: Sequence[MerchantShare],
    at: datetime,
    memo: str | None = None,
) -> JournalEntry:
    """The reverse of the capture for the refunded part of each order.

    Refused when the payment was never captured, when an order's refunds would exceed
    what was captured for it, when its commission refunds would exceed its commission, or
    when a refund completes an order's gross without completing its commission. Refunds
    of one payment are serialised by a lock on the capture entry.
    """
    entry = JournalEntry(
        id=new_id("je"), kind=EntryKind.REFUND, reference=refund_id, occurred_at=at,
        posted_at=uow.clock.now(), postings=refund_postings(funding_account, shares),
        payment_id=payment_id, memo=memo,
    )  # fmt: skip
    capture = uow.ledger.lock(EntryKind.PAYMENT_CAPTURED, payment_id)
    if capture is None:
        raise PaymentNotCapturedError(f"Payment {payment_id} has no capture in the ledger.")
    existing = uow.ledger.get(EntryKind.REFUND, refund_id)
    if existing is not None:
        return _same_or_conflict(existing, entry)
    if set(capture.debits()) != {shares[0].gross.currency.code}:
        raise InvalidShareError("A refund is in the currency of its payment.",
                                code="mixed_currencies")  # fmt: skip
    refunded = share_totals(uow.ledger.for_payment(payment_id, EntryKind.REFUND))
    check_refund(shares, captured=share_totals([capture]), refunded=refunded)
    return _post_once(uow, entry)


def plan_refund_shares(
    *,
    uow: SettlementUnitOfWork,
    payment_id: str,
    amounts: Mapping[ShareKey, Money],
) -> list[MerchantShare]:
    """Shares for refunding ``amounts`` ((merchant, order) -> gross) of a captured
    payment, each with its proportional commission worked out from what the ledger holds.
    Call it in the unit of work that then calls ``post_refund``."""
    capture = uow.ledger.lock(EntryKind.PAYMENT_CAPTURED, payment_id)
    if capture is None:
        raise PaymentNotCapturedError(f"Payment {payment_id} has no capture in the ledger.")
    captured = share_totals([capture])
    refunded = share_totals(uow.ledger.for_payment(payment_id, EntryKind.REFUND))
    shares = []
    for (merchant_id, order_id), refund in amounts.items():
        cap = captured.get((merchant_id, order_id))
        if cap is None:
            raise RefundExceedsCaptureError(f"Order {order_id} was not captured in {payment_id}.")
        done = refunded.get((merchant_id, order_id), ShareTotals())
        commission = _commission_refund(cap, done, refund)
        shares.append(MerchantShare(merchant_id, order_id, refund, commission))
    return shares


def _commission_refund(captured: ShareTotals, done: ShareTotals, refund: Money) -> Money:
    currency = refund.currency
    return refundable_commission(
        commission=Money.from_minor(captured.commission, currency),
        gross=Money.from_minor(captured.gross, currency),
        refund=refund,
        already_refunded_commission=Money.from_minor(done.commission, currency),
        already_refunded=Money.from_minor(done.gross, currency),
    )


def post_invoice_settled(
    *, uow: SettlementUnitOfWork, invoice_id: str, amount: Money, at: datetime
) -> JournalEntry:
    """A B2B buyer paid an invoice of credit terms (once per invoice): the receivable
    becomes cash. Runs inside the caller's unit of work."""
    now = uow.clock.now()
    entry = JournalEntry(
        id=new_id("je"), kind=EntryKind.INVOICE_SETTLED, reference=invoice_id,
        occurred_at=at, posted_at=now, postings=invoice_settled_postings(amount),
    )  # fmt: skip
    return _post_once(uow, entry)


def _post_once(uow: SettlementUnitOfWork, entry: JournalEntry) -> JournalEntry:
    if uow.ledger.add(entry):
        return entry
    existing = uow.ledger.get(entry.kind, entry.reference)
    assert existing is not None  # the insert found it; rows are never deleted
    return _same_or_conflict(existing, entry)


def _same_or_conflict(existing: JournalEntry, entry: JournalEntry) -> JournalEntry:
    if existing.payment_id != entry.payment_id or not existing.same_postings(entry.postings):
        raise LedgerReferenceReusedError(
            f"{entry.kind} {entry.reference} was posted before with other amounts.",
            reference=entry.reference,
        )
    return existing
