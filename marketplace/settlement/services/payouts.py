"""Payouts: an admin pays a merchant's available balance out, then marks it paid or failed.

A payout is posted when created (Dr merchant_payable / Cr bank:payouts), under a lock on
the merchant's payable account taken before its balance is read: two payouts racing for
one merchant run one after the other, and the second sees the first's posting, so the
balance can never be overdrawn by payouts. A failed payout is reversed by a second entry.
"""

from __future__ import annotations

from marketplace.settlement.commands import CreatePayout, MovePayout
from marketplace.settlement.domain import (
    EntryKind,
    InsufficientPayableBalanceError,
    JournalEntry,
    MerchantNotFoundError,
    Payout,
    PayoutNotFoundError,
    PayoutStatus,
    PayoutTransitionError,
    merchant_payable,
)
from marketplace.settlement.domain.ledger import payout_postings, payout_reversal_postings
from marketplace.settlement.domain.payouts import ALLOWED_FROM
from marketplace.settlement.ports import SettlementUnitOfWork
from marketplace.shared.ids import new_id
from marketplace.shared.money import Money


def create_payout(cmd: CreatePayout, *, uow: SettlementUnitOfWork) -> Payout:
    """A pending payout of at most the merchant's available payable balance."""
    with uow:
        now = uow.clock.now()
        payout = Payout(
            id=new_id("po"), merchant_id=cmd.merchant_id, amount=cmd.amount,
            status=PayoutStatus.PENDING, created_at=now, updated_at=now,
            created_by=cmd.actor, memo=cmd.memo,
        )  # fmt: skip
        payout.validate()
        if not uow.payouts.merchant_exists(cmd.merchant_id):
            raise MerchantNotFoundError("No such merchant.", merchant_id=cmd.merchant_id)
        account = merchant_payable(cmd.merchant_id)
        uow.ledger.lock_account(account, now=now)
        # Credit-normal: what the platform owes the merchant is minus the debit balance.
        available = -uow.ledger.balance(account, cmd.amount.currency.code)
        if cmd.amount.minor > available:
            raise InsufficientPayableBalanceError(
                f"The merchant's available balance is {_money(available, cmd.amount)}.",
                available=str(_money(max(available, 0), cmd.amount).amount),
                currency=cmd.amount.currency.code,
            )
        uow.payouts.add(payout)
        uow.ledger.add(
            JournalEntry(
                id=new_id("je"), kind=EntryKind.PAYOUT, reference=payout.id, occurred_at=now,
                posted_at=now, postings=payout_postings(payout.merchant_id, payout.amount),
                memo=cmd.memo,
            )
        )  # fmt: skip
        uow.commit()
    return payout


def _money(minor: int, like: Money) -> Money:
    return Money.from_minor(minor, like.currency)


def mark_payout_processing(cmd: MovePayout, *, uow: SettlementUnitOfWork) -> Payout:
    """The transfer was handed to the bank or provider (with its reference, if any)."""
    return _move(cmd, PayoutStatus.PROCESSING, uow=uow)


def mark_payout_paid(cmd: MovePayout, *, uow: SettlementUnitOfWork) -> Payout:
    """The money arrived; the posting made at creation stands."""
    return _move(cmd, PayoutStatus.PAID, uow=uow)


def mark_payout_failed(cmd: MovePayout, *, uow: SettlementUnitOfWork) -> Payout:
    """The transfer failed: the payout's posting is reversed, the balance is back."""
    return _move(cmd, PayoutStatus.FAILED, uow=uow)


def _move(cmd: MovePayout, status: PayoutStatus, *, uow: SettlementUnitOfWork) -> Payout:
    """One conditional update of the status; marking the same state again is a no-op."""
    with uow:
        current = uow.payouts.get(cmd.payout_id)
        if current is None:
            raise PayoutNotFoundError("No such payout.", payout_id=cmd.payout_id)
        if current.status is status:
            return current
        now = uow.clock.now()
        moved = current.moved_to(
            status, now=now, external_reference=cmd.external_reference,
            failure_reason=cmd.failure_reason,
        )  # fmt: skip
        if not uow.payouts.move(moved, expected=ALLOWED_FROM[status]):
            latest = uow.payouts.get(cmd.payout_id)
            if latest is not None and latest.status is status:
                return latest  # a concurrent twin of this call won
            raise PayoutTransitionError(
                "The payout changed meanwhile.", payout_id=cmd.payout_id,
                payout_status=str(latest.status) if latest else None,
            )  # fmt: skip
        if status is PayoutStatus.FAILED:
            uow.ledger.add(
                JournalEntry(
                    id=new_id("je"), kind=EntryKind.PAYOUT_REVERSAL, reference=moved.id,
                    occurred_at=now, posted_at=now,
                    postings=payout_reversal_postings(moved.merchant_id, moved.amount),
                    memo=cmd.failure_reason,
                )
            )  # fmt: skip
        uow.commit()
    return moved
