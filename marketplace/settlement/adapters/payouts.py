"""SQL repositories of payouts and closed settlement statements."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exists, insert, select, update
from sqlalchemy.engine import Row

from marketplace.db.sql import dialect_insert
from marketplace.parties.adapters.tables import merchants
from marketplace.settlement.adapters.tables import (
    payouts,
    settlement_statement_lines,
    settlement_statements,
)
from marketplace.settlement.domain import (
    Payout,
    PayoutStatus,
    SettlementStatement,
    StatementLine,
)
from marketplace.shared.money import Money

_FIGURES = ("opening", "gross", "commission", "refunds", "commission_refunded", "net",
            "payouts", "closing")  # fmt: skip
_LINE_FIGURES = ("gross", "commission", "refunds", "commission_refunded")


def payout_from_row(row: Row[Any]) -> Payout:
    m = row._mapping
    return Payout(
        id=m["id"], merchant_id=m["merchant_id"],
        amount=Money.from_minor(int(m["amount_minor"]), m["currency"]),
        status=PayoutStatus(m["status"]), created_at=m["created_at"],
        updated_at=m["updated_at"], created_by=m["created_by"], memo=m["memo"],
        external_reference=m["external_reference"], failure_reason=m["failure_reason"],
        processing_at=m["processing_at"], paid_at=m["paid_at"], failed_at=m["failed_at"],
    )  # fmt: skip


def _payout_state(payout: Payout) -> dict[str, Any]:
    return {
        "status": payout.status.value, "updated_at": payout.updated_at,
        "external_reference": payout.external_reference,
        "failure_reason": payout.failure_reason, "processing_at": payout.processing_at,
        "paid_at": payout.paid_at, "failed_at": payout.failed_at,
    }  # fmt: skip


class SqlPayoutRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, payout: Payout) -> None:
        self._conn.execute(
            insert(payouts).values(
                id=payout.id, merchant_id=payout.merchant_id, amount_minor=payout.amount.minor,
                currency=payout.amount.currency.code, memo=payout.memo,
                created_by=payout.created_by, created_at=payout.created_at,
                **_payout_state(payout),
            )
        )  # fmt: skip

    def get(self, payout_id: str) -> Payout | None:
        row = self._conn.execute(select(payouts).where(payouts.c.id == payout_id)).first()
        return payout_from_row(row) if row else None

    def move(self, payout: Payout, *, expected: Collection[PayoutStatus]) -> bool:
        result = self._conn.execute(
            update(payouts)
            .where(payouts.c.id == payout.id, payouts.c.status.in_([s.value for s in expected]))
            .values(**_payout_state(payout))
        )
        return result.rowcount == 1

    def merchant_exists(self, merchant_id: str) -> bool:
        query = select(exists().where(merchants.c.id == merchant_id))
        return bool(self._conn.execute(query).scalar())


def statement_from_row(row: Row[Any], lines: tuple[StatementLine, ...] = ()) -> SettlementStatement:
    m = row._mapping
    currency = m["currency"]
    figures = {f: Money.from_minor(int(m[f"{f}_minor"]), currency) for f in _FIGURES}
    return SettlementStatement(
        id=m["id"], merchant_id=m["merchant_id"], currency=currency,
        period_start=m["period_start"], period_end=m["period_end"], lines=lines,
        closed_at=m["closed_at"], closed_by=m["closed_by"], **figures,
    )  # fmt: skip


def load_lines(conn: Connection, statement_id: str, currency: str) -> tuple[StatementLine, ...]:
    query = (
        select(settlement_statement_lines)
        .where(settlement_statement_lines.c.statement_id == statement_id)
        .order_by(settlement_statement_lines.c.order_id)
    )
    return tuple(
        StatementLine(
            order_id=row._mapping["order_id"],
            **{
                f: Money.from_minor(int(row._mapping[f"{f}_minor"]), currency)
                for f in _LINE_FIGURES
            },
        )
        for row in conn.execute(query)
    )


class SqlStatementRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, statement: SettlementStatement) -> bool:
        assert statement.id is not None
        assert statement.closed_at is not None
        values = {f"{f}_minor": getattr(statement, f).minor for f in _FIGURES}
        stmt = (
            dialect_insert(self._conn, settlement_statements)
            .values(
                id=statement.id,
                merchant_id=statement.merchant_id,
                currency=statement.currency,
                period_start=statement.period_start,
                period_end=statement.period_end,
                closed_at=statement.closed_at,
                closed_by=statement.closed_by,
                **values,
            )
            .on_conflict_do_nothing(
                index_elements=["merchant_id", "currency", "period_start", "period_end"]
            )
            .returning(settlement_statements.c.id)
        )
        if self._conn.execute(stmt).first() is None:
            return False
        if statement.lines:
            rows = [
                {"statement_id": statement.id, "order_id": line.order_id,
                 "net_minor": line.net.minor,
                 **{f"{f}_minor": getattr(line, f).minor for f in _LINE_FIGURES}}
                for line in statement.lines
            ]  # fmt: skip
            self._conn.execute(insert(settlement_statement_lines), rows)
        return True

    def get(self, statement_id: str) -> SettlementStatement | None:
        row = self._conn.execute(
            select(settlement_statements).where(settlement_statements.c.id == statement_id)
        ).first()
        if row is None:
            return None
        return statement_from_row(row, load_lines(self._conn, statement_id, row.currency))

    def find(
        self, merchant_id: str, currency: str, start: datetime, end: datetime
    ) -> SettlementStatement | None:
        s = settlement_statements
        found = self._conn.execute(
            select(s.c.id).where(
                s.c.merchant_id == merchant_id,
                s.c.currency == currency,
                s.c.period_start == start,
                s.c.period_end == end,
            )
        ).scalar_one_or_none()
        return None if found is None else self.get(found)

    def overlaps(self, merchant_id: str, currency: str, start: datetime, end: datetime) -> bool:
        s = settlement_statements
        condition = exists().where(
            s.c.merchant_id == merchant_id, s.c.currency == currency,
            s.c.period_start < end, s.c.period_end > start,
        )  # fmt: skip
        return bool(self._conn.execute(select(condition)).scalar())
