"""SQLAlchemy Core repository of FX rates, hand-mapped to ``FxRate``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Connection, RowMapping, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from marketplace.fx.adapters.tables import fx_rates
from marketplace.fx.domain import FxRate
from marketplace.shared.currency import get_currency


def fx_rate_from_row(row: RowMapping) -> FxRate:
    return FxRate(
        base=get_currency(row["base"]),
        quote=get_currency(row["quote"]),
        rate=row["rate"],
        rate_date=row["rate_date"],
        source=row["source"],
    )


class SqlFxRateRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def upsert(self, rates: Sequence[FxRate], *, now: datetime) -> None:
        if not rates:
            return
        values = [
            {
                "base": r.base.code,
                "quote": r.quote.code,
                "rate": r.rate,
                "rate_date": r.rate_date,
                "source": r.source,
                "created_at": now,
            }
            for r in rates
        ]
        # One statement for the batch; both dialects speak INSERT ... ON CONFLICT.
        make = pg_insert if self.connection.dialect.name == "postgresql" else sqlite_insert
        stmt = make(fx_rates).values(values)
        # created_at follows the value: it records when the rate now stored was written.
        stmt = stmt.on_conflict_do_update(
            index_elements=[fx_rates.c.base, fx_rates.c.quote, fx_rates.c.rate_date],
            set_={
                "rate": stmt.excluded.rate,
                "source": stmt.excluded.source,
                "created_at": stmt.excluded.created_at,
            },
        )
        self.connection.execute(stmt)

    def latest(self, base: str, quote: str, *, on: date) -> FxRate | None:
        query = (
            select(fx_rates)
            .where(
                fx_rates.c.base == base,
                fx_rates.c.quote == quote,
                fx_rates.c.rate_date <= on,
            )
            .order_by(fx_rates.c.rate_date.desc())
            .limit(1)
        )
        row = self.connection.execute(query).mappings().first()
        return fx_rate_from_row(row) if row is not None else None
