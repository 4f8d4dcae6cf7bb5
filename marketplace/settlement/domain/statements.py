"""Settlement statements: what a merchant earned, was charged and was paid in a period.
Standard library only.

A statement covers ``[start, end)`` in UTC for one merchant and one currency, by the time
the ledger recorded each entry (``posted_at``), so a period that has ended can receive no
new entries and a closed statement stays true. Figures, from the merchant's side:

    net     = gross - commission - refunds + commission_refunded
    closing = opening + net - payouts

``opening`` and ``closing`` are the merchant's payable balance (what the platform owes
it) at ``start`` and ``end``; ``payouts`` are payouts posted in the period less those
reversed in it. Lines break the sales figures down by order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from marketplace.settlement.domain.errors import InvalidStatementPeriodError
from marketplace.shared.money import Money, sum_money

MAX_PERIOD = timedelta(days=366)


@dataclass(frozen=True)
class StatementPeriod:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidStatementPeriodError("A period's bounds need a time zone.")
        if self.end <= self.start:
            raise InvalidStatementPeriodError("A period ends after it starts.")
        if self.end - self.start > MAX_PERIOD:
            raise InvalidStatementPeriodError("A period is at most 366 days long.")
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))


@dataclass(frozen=True)
class OrderMovements:
    """Minor units moved for one order in a period, as positive numbers."""

    captured_net: int = 0  # credited to the merchant's payable by captures
    captured_commission: int = 0  # credited to the platform by captures
    refunded_net: int = 0  # debited from the merchant's payable by refunds
    refunded_commission: int = 0  # given back by the platform with refunds


@dataclass(frozen=True)
class StatementLine:
    order_id: str
    gross: Money
    commission: Money
    refunds: Money
    commission_refunded: Money

    @property
    def net(self) -> Money:
        return self.gross - self.commission - self.refunds + self.commission_refunded

    @classmethod
    def of(cls, order_id: str, moved: OrderMovements, currency: str) -> StatementLine:
        def money(minor: int) -> Money:
            return Money.from_minor(minor, currency)

        return cls(
            order_id=order_id,
            gross=money(moved.captured_net + moved.captured_commission),
            commission=money(moved.captured_commission),
            refunds=money(moved.refunded_net + moved.refunded_commission),
            commission_refunded=money(moved.refunded_commission),
        )


@dataclass(frozen=True)
class SettlementStatement:
    """A statement; ``id`` and ``closed_at`` are None until an admin closes the period."""

    id: str | None
    merchant_id: str
    currency: str
    period_start: datetime
    period_end: datetime
    opening: Money
    gross: Money
    commission: Money
    refunds: Money
    commission_refunded: Money
    net: Money
    payouts: Money
    closing: Money
    lines: tuple[StatementLine, ...] = ()  # empty in lists, where lines are not loaded
    closed_at: datetime | None = None
    closed_by: str | None = None

    def __post_init__(self) -> None:
        net = self.gross - self.commission - self.refunds + self.commission_refunded
        if net != self.net or self.opening + self.net - self.payouts != self.closing:
            raise ValueError("A statement's figures do not add up.")  # a bug, never input

    def closed(self, statement_id: str, *, at: datetime, by: str | None) -> SettlementStatement:
        return replace(self, id=statement_id, closed_at=at, closed_by=by)


def build_statement(
    *,
    merchant_id: str,
    currency: str,
    period: StatementPeriod,
    opening_minor: int,
    orders: Mapping[str, OrderMovements],
    payouts_minor: int,
) -> SettlementStatement:
    """The statement from the ledger's figures (see the module docstring)."""
    lines = tuple(StatementLine.of(o, orders[o], currency) for o in sorted(orders))

    def total(name: str) -> Money:
        return sum_money((getattr(line, name) for line in lines), currency)

    opening = Money.from_minor(opening_minor, currency)
    payouts = Money.from_minor(payouts_minor, currency)
    net = total("net")
    return SettlementStatement(
        id=None,
        merchant_id=merchant_id,
        currency=currency,
        period_start=period.start,
        period_end=period.end,
        opening=opening,
        gross=total("gross"),
        commission=total("commission"),
        refunds=total("refunds"),
        commission_refunded=total("commission_refunded"),
        net=net,
        payouts=payouts,
        closing=opening + net - payouts,
        lines=lines,
    )
