"""Read side of the FX area: the rates table as of a date, and one pair's history."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection, Engine, and_, func, select

from marketplace.fx.adapters.tables import fx_rates
from marketplace.shared.currency import get_currency

MAX_HISTORY = 1000


@dataclass(frozen=True, slots=True)
class RateRow:
    base: str
    quote: str
    rate: Decimal
    rate_date: date
    source: str
    created_at: datetime


@contextmanager
def _reading(engine: Engine) -> Iterator[Connection]:
    # Read-only: on SQLite this takes no write lock (see marketplace.db.engine).
    with engine.connect().execution_options(agora_readonly=True) as conn:
        yield conn


_COLUMNS = (
    fx_rates.c.base,
    fx_rates.c.quote,
    fx_rates.c.rate,
    fx_rates.c.rate_date,
    fx_rates.c.source,
    fx_rates.c.created_at,
)


def latest_rates(engine: Engine, *, on: date, base: str | None = None) -> list[RateRow]:
    """For every stored pair (of ``base``, if given), its latest rate on or before ``on``."""
    latest = select(
        fx_rates.c.base, fx_rates.c.quote, func.max(fx_rates.c.rate_date).label("rate_date")
    ).where(fx_rates.c.rate_date <= on)
    if base is not None:
        latest = latest.where(fx_rates.c.base == get_currency(base).code)
    newest = latest.group_by(fx_rates.c.base, fx_rates.c.quote).subquery()
    query = (
        select(*_COLUMNS)
        .join(
            newest,
            and_(
                fx_rates.c.base == newest.c.base,
                fx_rates.c.quote == newest.c.quote,
                fx_rates.c.rate_date == newest.c.rate_date,
            ),
        )
        .order_by(fx_rates.c.base, fx_rates.c.quote)
    )
    with _reading(engine) as conn:
        return [RateRow(*row) for row in conn.execute(query)]


def rate_history(
    engine: Engine,
    base: str,
    quote: str,
    *,
    start: date | None = None,
    end: date | None = None,
    limit: int = 366,
) -> list[RateRow]:
    """The stored rates of one pair, newest first, within ``[start, end]``."""
    query = select(*_COLUMNS).where(
        fx_rates.c.base == get_currency(base).code,
        fx_rates.c.quote == get_currency(quote).code,
    )
    if start is not None:
        query = query.where(fx_rates.c.rate_date >= start)
    if end is not None:
        query = query.where(fx_rates.c.rate_date <= end)
    query = query.order_by(fx_rates.c.rate_date.desc()).limit(max(1, min(limit, MAX_HISTORY)))
    with _reading(engine) as conn:
        return [RateRow(*row) for row in conn.execute(query)]
