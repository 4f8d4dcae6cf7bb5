"""Read-only figures for the merchant dashboard: net sales and paid orders per day, order
counts by status, and the best-selling products, over the merchant's orders (SQLAlchemy
Core on the ordering tables; no query in marketplace answered these)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Row, func, select

from marketplace.ordering.adapters.tables import order_lines, orders
from marketplace.ordering.domain.status import PAID_STATUSES, OrderStatus
from marketplace.shared.money import Money

SOLD = sorted({*(s.value for s in PAID_STATUSES), OrderStatus.REFUNDED.value})
TOP = 5


@dataclass
class SalesDay:
    day: date
    net: Money
    orders: int


@dataclass
class TopProduct:
    product_id: str
    title: str
    units: int
    net: Money


@dataclass
class Dashboard:
    """The last ``days`` days up to today, in the merchant's main currency (the one it sold
    most in; other currencies' totals are listed beside it)."""

    first: date
    last: date
    currency: str | None
    sales: list[SalesDay] = field(default_factory=list)
    totals: dict[str, Money] = field(default_factory=dict)  # net sales per currency
    paid_orders: int = 0
    refunded: dict[str, Money] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)  # every order, any age
    top: list[TopProduct] = field(default_factory=list)


def dashboard(conn: Connection, merchant_id: str, *, today: date, days: int = 30) -> Dashboard:
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, time(), tzinfo=UTC)
    o = orders.c
    rows = conn.execute(
        select(o.paid_at, o.currency, o.total_minor, o.refunded_minor)
        .where(o.merchant_id == merchant_id, o.paid_at >= since, o.status.in_(SOLD))
    ).all()  # fmt: skip
    net: dict[str, int] = {}
    refunded: dict[str, int] = {}
    for r in rows:
        net[r.currency] = net.get(r.currency, 0) + int(r.total_minor) - int(r.refunded_minor)
        refunded[r.currency] = refunded.get(r.currency, 0) + int(r.refunded_minor)
    currency = max(net, key=lambda k: (net[k], k)) if net else None
    board = Dashboard(first, today, currency, paid_orders=len(rows))
    board.totals = {k: Money.from_minor(v, k) for k, v in sorted(net.items())}
    board.refunded = {k: Money.from_minor(v, k) for k, v in sorted(refunded.items()) if v}
    board.sales = _days(rows, first, days, currency)
    board.by_status = {
        str(status): int(n)
        for status, n in conn.execute(
            select(o.status, func.count()).where(o.merchant_id == merchant_id).group_by(o.status)
        )
    }
    if currency is not None:
        board.top = _top(conn, merchant_id, since, currency)
    return board


def _days(rows: Sequence[Row[Any]], first: date, days: int, currency: str | None) -> list[SalesDay]:
    code = currency or "CNY"
    minor = {first + timedelta(days=i): 0 for i in range(days)}
    count = dict.fromkeys(minor, 0)
    for r in rows:
        day = r.paid_at.astimezone(UTC).date()
        if day in minor:
            count[day] += 1
            if r.currency == currency:
                minor[day] += int(r.total_minor) - int(r.refunded_minor)
    return [SalesDay(d, Money.from_minor(minor[d], code), count[d]) for d in minor]


def _top(conn: Connection, merchant_id: str, since: datetime, currency: str) -> list[TopProduct]:
    o, line = orders.c, order_lines.c
    net = func.sum(line.line_total_minor - line.refunded_minor)
    rows = conn.execute(
        select(line.product_id, func.max(line.title).label("title"),
               func.sum(line.quantity - line.refunded_quantity).label("units"), net.label("net"))
        .select_from(orders.join(order_lines, line.order_id == o.id))
        .where(o.merchant_id == merchant_id, o.paid_at >= since, o.status.in_(SOLD),
               o.currency == currency)
        .group_by(line.product_id)
        .order_by(net.desc(), line.product_id)
        .limit(TOP)
    ).all()  # fmt: skip
    return [TopProduct(r.product_id, r.title, int(r.units), Money.from_minor(int(r.net), currency))
            for r in rows]  # fmt: skip
