"""Read side of settlement: rules, balances, payouts and statements. Lists use keyset
pagination: each takes the key of the last row seen and returns a ``Slice``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import Connection, Engine, and_, case, func, or_, select

from marketplace.settlement.adapters.commission_rules import rules_from_rows
from marketplace.settlement.adapters.ledger import account_balance, order_movements
from marketplace.settlement.adapters.ledger import payouts_between as _payouts_between
from marketplace.settlement.adapters.payouts import (
    load_lines,
    payout_from_row,
    statement_from_row,
)
from marketplace.settlement.adapters.tables import (
    commission_rules,
    ledger_postings,
    payouts,
    settlement_statements,
)
from marketplace.settlement.domain import (
    CommissionRule,
    CommissionScope,
    Payout,
    PayoutStatus,
    SettlementStatement,
    StatementPeriod,
    build_statement,
    merchant_payable,
)
from marketplace.shared.currency import get_currency
from marketplace.shared.money import Money

T = TypeVar("T")
MAX_PAGE = 200


@dataclass(frozen=True)
class Slice(Generic[T]):
    items: list[T]
    has_more: bool


@contextmanager
def _reading(engine: Engine) -> Iterator[Connection]:
    # Read-only: on SQLite this takes no write lock (see marketplace.db.engine).
    with engine.connect().execution_options(agora_readonly=True) as conn:
        yield conn


def _slice(rows: list[T], limit: int) -> Slice[T]:
    return Slice(items=rows[:limit], has_more=len(rows) > limit)


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE))


# -- commission rules -----------------------------------------------------------------------
def list_commission_rules(
    engine: Engine,
    *,
    scope: CommissionScope | None = None,
    scope_id: str | None = None,
    include_archived: bool = False,
    limit: int = 50,
    after: str | None = None,
) -> Slice[CommissionRule]:
    """Rules in creation order (ids sort by time); ``after`` is the last id seen."""
    limit, r = _limit(limit), commission_rules
    query = select(r)
    if scope is not None:
        query = query.where(r.c.scope == scope.value)
    if scope_id is not None:
        query = query.where(r.c.scope_id == scope_id)
    if not include_archived:
        query = query.where(r.c.archived_at.is_(None))
    if after is not None:
        query = query.where(r.c.id > after)
    with _reading(engine) as conn:
        rows = conn.execute(query.order_by(r.c.id).limit(limit + 1)).all()
        return _slice(rules_from_rows(conn, rows), limit)


def get_commission_rule(engine: Engine, rule_id: str) -> CommissionRule | None:
    """A rule by id, deleted (archived) ones included."""
    with _reading(engine) as conn:
        rows = conn.execute(select(commission_rules).where(commission_rules.c.id == rule_id)).all()
        return rules_from_rows(conn, rows)[0] if rows else None


# -- balances -------------------------------------------------------------------------------
def account_balances(engine: Engine, account: str) -> list[Money]:
    """An account's balance in each currency it holds (debit positive)."""
    p = ledger_postings
    query = (
        select(p.c.currency, func.sum(p.c.amount_minor))
        .where(p.c.account == account)
        .group_by(p.c.currency)
        .order_by(p.c.currency)
    )
    with _reading(engine) as conn:
        return [Money.from_minor(int(total), code) for code, total in conn.execute(query)]


@dataclass(frozen=True)
class MerchantBalance:
    """One currency of a merchant's settlement position."""

    currency: str
    available: Money  # the payable balance: owed to the merchant, free to pay out
    in_flight: Money  # payouts posted but not yet paid (pending or processing)
    paid_out: Money  # payouts marked paid


def merchant_balances(engine: Engine, merchant_id: str) -> list[MerchantBalance]:
    """What the platform owes the merchant, per currency, and where its payouts stand."""
    po = payouts
    flight = po.c.status.in_([PayoutStatus.PENDING.value, PayoutStatus.PROCESSING.value])
    by_status = (
        select(
            po.c.currency,
            func.sum(case((flight, po.c.amount_minor), else_=0)),
            func.sum(case((po.c.status == PayoutStatus.PAID.value, po.c.amount_minor), else_=0)),
        )
        .where(po.c.merchant_id == merchant_id)
        .group_by(po.c.currency)
    )
    payable = merchant_payable(merchant_id)
    with _reading(engine) as conn:
        moving = {code: (int(a), int(b)) for code, a, b in conn.execute(by_status)}
        held = conn.execute(
            select(ledger_postings.c.currency).where(ledger_postings.c.account == payable)
            .distinct()
        ).scalars()  # fmt: skip
        currencies = sorted(set(held) | set(moving))
        return [
            MerchantBalance(
                currency=code,
                available=Money.from_minor(-account_balance(conn, payable, code), code),
                in_flight=Money.from_minor(moving.get(code, (0, 0))[0], code),
                paid_out=Money.from_minor(moving.get(code, (0, 0))[1], code),
            )
            for code in currencies
        ]


# -- payouts --------------------------------------------------------------------------------
def list_payouts(
    engine: Engine,
    *,
    merchant_id: str | None = None,
    status: PayoutStatus | None = None,
    limit: int = 50,
    before: str | None = None,
) -> Slice[Payout]:
    """Newest first; ``before`` is the last id seen."""
    limit = _limit(limit)
    query = select(payouts)
    if merchant_id is not None:
        query = query.where(payouts.c.merchant_id == merchant_id)
    if status is not None:
        query = query.where(payouts.c.status == status.value)
    if before is not None:
        query = query.where(payouts.c.id < before)
    query = query.order_by(payouts.c.id.desc()).limit(limit + 1)
    with _reading(engine) as conn:
        return _slice([payout_from_row(row) for row in conn.execute(query)], limit)


def get_payout(engine: Engine, payout_id: str, *, merchant_id: str | None = None) -> Payout | None:
    """A payout; with ``merchant_id``, only one of that merchant's."""
    query = select(payouts).where(payouts.c.id == payout_id)
    if merchant_id is not None:
        query = query.where(payouts.c.merchant_id == merchant_id)
    with _reading(engine) as conn:
        row = conn.execute(query).first()
        return payout_from_row(row) if row else None


# -- statements -----------------------------------------------------------------------------
def list_statements(
    engine: Engine,
    merchant_id: str,
    *,
    currency: str | None = None,
    limit: int = 50,
    before: tuple[datetime, str] | None = None,
) -> Slice[SettlementStatement]:
    """Closed statements, latest period first, without lines; ``before`` is the last
    (period_start, id) seen."""
    limit, s = _limit(limit), settlement_statements
    query = select(s).where(s.c.merchant_id == merchant_id)
    if currency is not None:
        query = query.where(s.c.currency == get_currency(currency).code)
    if before is not None:
        query = query.where(
            or_(s.c.period_start < before[0],
                and_(s.c.period_start == before[0], s.c.id < before[1]))
        )  # fmt: skip
    query = query.order_by(s.c.period_start.desc(), s.c.id.desc()).limit(limit + 1)
    with _reading(engine) as conn:
        return _slice([statement_from_row(row) for row in conn.execute(query)], limit)


def get_statement(
    engine: Engine, statement_id: str, *, merchant_id: str | None = None
) -> SettlementStatement | None:
    """A closed statement with its lines; with ``merchant_id``, only that merchant's."""
    s = settlement_statements
    query = select(s).where(s.c.id == statement_id)
    if merchant_id is not None:
        query = query.where(s.c.merchant_id == merchant_id)
    with _reading(engine) as conn:
        row = conn.execute(query).first()
        if row is None:
            return None
        return statement_from_row(row, load_lines(conn, statement_id, row.currency))


def preview_statement(
    engine: Engine, merchant_id: str, currency: str, period: StatementPeriod
) -> SettlementStatement:
    """The statement the postings give for any period, closed or not (not persisted)."""
    code = get_currency(currency).code
    payable = merchant_payable(merchant_id)
    with _reading(engine) as conn:
        return build_statement(
            merchant_id=merchant_id,
            currency=code,
            period=period,
            opening_minor=-account_balance(conn, payable, code, before=period.start),
            orders=order_movements(conn, merchant_id, code, period.start, period.end),
            payouts_minor=_payouts_between(conn, merchant_id, code, period.start, period.end),
        )
