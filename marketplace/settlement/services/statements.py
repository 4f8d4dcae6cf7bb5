"""Settlement statements: computed from postings, persisted when an admin closes a period.

A period may be closed once it ended at least ``CLOSE_GRACE`` ago: entries are dated by
the time the ledger recorded them, so after that no transaction still in flight can add
one to the period, and the closed statement stays equal to what the postings say. Closing
the same period again returns the first statement; a period overlapping a closed one is
refused. Closings of one merchant are serialised by the lock payouts take.
"""

from __future__ import annotations

from datetime import timedelta

from marketplace.settlement.commands import CloseStatement
from marketplace.settlement.domain import (
    MerchantNotFoundError,
    SettlementStatement,
    StatementPeriod,
    StatementPeriodNotEndedError,
    StatementPeriodOverlapError,
    build_statement,
    merchant_payable,
)
from marketplace.settlement.ports import SettlementUnitOfWork
from marketplace.shared.currency import get_currency
from marketplace.shared.ids import new_id

CLOSE_GRACE = timedelta(minutes=5)


def compute_statement(
    *, uow: SettlementUnitOfWork, merchant_id: str, currency: str, period: StatementPeriod
) -> SettlementStatement:
    """The statement of [start, end) from the postings, inside an open unit of work."""
    account = merchant_payable(merchant_id)
    code = get_currency(currency).code
    return build_statement(
        merchant_id=merchant_id,
        currency=code,
        period=period,
        opening_minor=-uow.ledger.balance(account, code, before=period.start),
        orders=uow.ledger.order_movements(merchant_id, code, period.start, period.end),
        payouts_minor=uow.ledger.payouts_between(merchant_id, code, period.start, period.end),
    )


def close_statement(
    cmd: CloseStatement, *, uow: SettlementUnitOfWork
) -> tuple[SettlementStatement, bool]:
    """The closed statement of the period, and whether this call closed it."""
    period = StatementPeriod(cmd.start, cmd.end)
    currency = get_currency(cmd.currency).code
    with uow:
        now = uow.clock.now()
        if period.end > now - CLOSE_GRACE:
            raise StatementPeriodNotEndedError(
                f"A period can be closed {CLOSE_GRACE} after it ends.",
                period_end=period.end.isoformat(),
            )
        if not uow.payouts.merchant_exists(cmd.merchant_id):
            raise MerchantNotFoundError("No such merchant.", merchant_id=cmd.merchant_id)
        uow.ledger.lock_account(merchant_payable(cmd.merchant_id), now=now)
        statements = uow.settlement_statements
        existing = statements.find(cmd.merchant_id, currency, period.start, period.end)
        if existing is not None:
            return existing, False
        if statements.overlaps(cmd.merchant_id, currency, period.start, period.end):
            raise StatementPeriodOverlapError(
                "The period overlaps a closed statement of this merchant."
            )
        statement = compute_statement(
            uow=uow, merchant_id=cmd.merchant_id, currency=currency, period=period
        ).closed(new_id("stmt"), at=now, by=cmd.actor)
        statements.add(statement)
        uow.commit()
    return statement, True
