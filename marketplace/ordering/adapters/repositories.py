"""SQL repositories of ordering, bound to one unit-of-work connection.

Status changes are conditional updates (``WHERE status IN (...)``) that also bump the
version: two workers moving the same order (an expiry sweep and a late payment) cannot
both win. The history line is written only by the winner.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, Connection, bindparam, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from marketplace.db.errors import is_unique_violation
from marketplace.inventory.adapters.tables import stock_levels, warehouses
from marketplace.ordering.adapters.tables import (
    checkout_groups,
    order_allocations,
    order_lines,
    order_status_history,
    orders,
)
from marketplace.ordering.domain import (
    Address,
    Allocation,
    Channel,
    CheckoutGroup,
    Order,
    OrderLine,
    OrderStatus,
    StatusChange,
    WarehouseStock,
)
from marketplace.ordering.domain.errors import DuplicateCheckoutError
from marketplace.shared.money import Money


@lru_cache(maxsize=4096)  # Money is immutable; an order hydrates a dozen, mostly repeats
def _m(minor: int, currency: str) -> Money:
    return Money.from_minor(int(minor), currency)


class SqlOrderRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # -- writes ---------------------------------------------------------------------
    def add_group(self, group: CheckoutGroup) -> None:
        """The group and all its orders, lines, allocations and first history lines: one
        multi-row statement per table."""
        values = _group_values(group)
        if group.idempotency_key is None:
            self._conn.execute(_INSERT_GROUP, values)
        else:
            try:  # the key's unique index tells a concurrent twin
                with self._conn.begin_nested():
                    self._conn.execute(_INSERT_GROUP, values)
            except IntegrityError as exc:
                if is_unique_violation(exc):
                    raise DuplicateCheckoutError("This idempotency key was used already.") from exc
                raise
        self._add_orders(group.orders)

    def add(self, order: Order) -> None:
        self._add_orders([order])

    def _add_orders(self, batch: Sequence[Order]) -> None:
        self._conn.execute(_INSERT_ORDERS, [_order_values(o) for o in batch])
        lines = [_line_values(line, i) for o in batch for i, line in enumerate(o.lines)]
        if lines:
            self._conn.execute(_INSERT_LINES, lines)
        allocations = [
            {"line_id": line.id, "reservation_id": a.reservation_id,
             "warehouse_id": a.warehouse_id, "quantity": a.quantity}
            for o in batch for line in o.lines for a in line.allocations
        ]  # fmt: skip
        if allocations:
            self._conn.execute(_INSERT_ALLOCATIONS, allocations)
        self.record_history([change for o in batch for change in o.history])

    def add_allocations(self, allocations: Sequence[tuple[str, Allocation]]) -> None:
        """More stock held for existing lines (a late payment holding stock again)."""
        if allocations:
            self._conn.execute(_INSERT_ALLOCATIONS, [
                {"line_id": line_id, "reservation_id": a.reservation_id,
                 "warehouse_id": a.warehouse_id, "quantity": a.quantity}
                for line_id, a in allocations
            ])  # fmt: skip

    def record_history(self, changes: Iterable[StatusChange]) -> None:
        rows = [
            {"order_id": c.order_id, "from_status": c.from_status, "to_status": c.to_status,
             "actor": c.actor[:100], "reason": c.reason[:300], "created_at": c.at}
            for c in changes
        ]  # fmt: skip
        if rows:
            self._conn.execute(_INSERT_HISTORY, rows)

    def transition(
        self,
        order_id: str,
        *,
        expected: Collection[OrderStatus],
        target: OrderStatus,
        actor: str,
        reason: str,
        now: datetime,
        known: OrderStatus | None = None,
        **values: Any,
    ) -> OrderStatus | None:
        """``expected -> target`` if the order is still in one of ``expected``; returns the
        status it left, or None when another caller moved it first (nothing changed).
        ``known``: the status the caller read under a row lock (saves reading it again)."""
        current = (
            str(known)
            if known is not None
            else self._conn.execute(_STATUS_OF, {"b_id": order_id}).scalar_one_or_none()
        )
        if current is None or current not in {str(s) for s in expected}:
            return None
        params = {f"b_{name}": value for name, value in values.items()}
        params.update(b_id=order_id, b_current=current, b_target=str(target), b_now=now)
        done = self._conn.execute(_transition(tuple(sorted(values))), params).rowcount
        if not done:
            return None
        previous = OrderStatus(current)
        self.record_history([StatusChange(order_id, previous, target, actor, reason, now)])
        return previous

    def add_refunded(self, order_id: str, minor: int, *, now: datetime) -> bool:
        """refunded += minor, only if it stays within the order total."""
        return bool(
            self._conn.execute(
                update(orders)
                .where(
                    orders.c.id == order_id,
                    orders.c.refunded_minor + minor <= orders.c.total_minor,
                )
                .values(
                    refunded_minor=orders.c.refunded_minor + minor,
                    updated_at=now,
                    version=orders.c.version + 1,
                )
            ).rowcount
        )

    def add_line_refund(self, line_id: str, quantity: int, minor: int) -> bool:
        """A line's refunded quantity and amount grow, within its quantity and total."""
        return bool(
            self._conn.execute(
                update(order_lines)
                .where(order_lines.c.id == line_id,
                       order_lines.c.refunded_quantity + quantity <= order_lines.c.quantity,
                       order_lines.c.refunded_minor + minor <= order_lines.c.line_total_minor)
                .values(refunded_quantity=order_lines.c.refunded_quantity + quantity,
                        refunded_minor=order_lines.c.refunded_minor + minor)
            ).rowcount
        )  # fmt: skip

    # -- reads ----------------------------------------------------------------------
    def lock(self, order_ids: Sequence[str]) -> None:
        """Row-lock orders in id order (PostgreSQL; SQLite holds the database lock)."""
        if self._conn.dialect.name == "postgresql" and order_ids:
            self._conn.execute(_LOCK_ORDERS, {"ids": sorted(order_ids)}).all()

    def get(self, order_id: str) -> Order | None:
        found = self.get_many([order_id])
        return found[0] if found else None

    def get_many(self, order_ids: Sequence[str], *, for_update: bool = False) -> list[Order]:
        """The orders (with lines and allocations), in id order; ``for_update`` also
        row-locks them, in that order (PostgreSQL; SQLite holds the database lock)."""
        if not order_ids:
            return []
        locks = for_update and self._conn.dialect.name == "postgresql"
        query = _ORDERS_FOR_UPDATE if locks else _ORDERS
        return self._hydrate(self._conn.execute(query, {"ids": list(order_ids)}).all())

    def of_group(self, group_id: str) -> list[Order]:
        return self._hydrate(self._conn.execute(_ORDERS_OF_GROUP, {"b_id": group_id}).all())

    def get_group(self, group_id: str) -> CheckoutGroup | None:
        row = self._conn.execute(
            select(checkout_groups).where(checkout_groups.c.id == group_id)
        ).first()
        if row is None:
            return None
        group = _group_from_row(row)
        group.orders = self.of_group(group_id)
        return group

    def group_id_for_key(self, buyer_id: str, key: str) -> str | None:
        return self._conn.execute(
            select(checkout_groups.c.id).where(
                checkout_groups.c.buyer_id == buyer_id, checkout_groups.c.idempotency_key == key
            )
        ).scalar_one_or_none()

    def overdue_ids(self, now: datetime, *, limit: int) -> list[str]:
        return list(
            self._conn.execute(
                select(orders.c.id)
                .where(orders.c.status == OrderStatus.PENDING_PAYMENT.value,
                       orders.c.expires_at <= now)
                .order_by(orders.c.expires_at, orders.c.id).limit(limit)
            ).scalars()
        )  # fmt: skip

    def history(self, order_id: str) -> list[StatusChange]:
        rows = self._conn.execute(
            select(order_status_history)
            .where(order_status_history.c.order_id == order_id)
            .order_by(order_status_history.c.id)
        )
        return [
            StatusChange(r.order_id, OrderStatus(r.from_status) if r.from_status else None,
                         OrderStatus(r.to_status), r.actor, r.reason, r.created_at)
            for r in rows
        ]  # fmt: skip

    def warehouse_stock(self, sku_ids: Sequence[str]) -> dict[str, list[WarehouseStock]]:
        """Availability of each SKU in every active warehouse that stocks it."""
        rows = self._conn.execute(_WAREHOUSE_STOCK, {"ids": list(sku_ids)})
        result: dict[str, list[WarehouseStock]] = defaultdict(list)
        for r in rows:
            result[r.sku_id].append(
                WarehouseStock(r.id, r.country, r.region, int(r.priority), int(r.available))
            )
        return result

    def _hydrate(self, rows: Sequence[Row[Any]]) -> list[Order]:
        result = [_order_from_row(r) for r in rows]
        by_id = {o.id: o for o in result}
        if not by_id:
            return result
        line_rows = self._conn.execute(_LINES_OF, {"ids": list(by_id)}).all()
        lines = {r.id: _line_from_row(r, by_id[r.order_id].currency) for r in line_rows}
        for line in lines.values():
            by_id[line.order_id].lines.append(line)
        if lines:
            for a in self._conn.execute(_ALLOCATIONS_OF, {"ids": list(lines)}):
                lines[a.line_id].allocations.append(
                    Allocation(a.warehouse_id, int(a.quantity), a.reservation_id)
                )
        return result


# Hot statements, built once: executed with parameters, their cache keys are memoized.
_IDS: BindParameter[Any] = bindparam("ids", expanding=True)
_INSERT_GROUP = insert(checkout_groups)
_INSERT_ORDERS = insert(orders)
_INSERT_LINES = insert(order_lines)
_INSERT_ALLOCATIONS = insert(order_allocations)
_INSERT_HISTORY = insert(order_status_history)
_STATUS_OF = select(orders.c.status).where(orders.c.id == bindparam("b_id"))
_LOCK_ORDERS = (
    select(orders.c.id).where(orders.c.id.in_(_IDS)).order_by(orders.c.id).with_for_update()
)
_ORDERS = select(orders).where(orders.c.id.in_(_IDS)).order_by(orders.c.id)
_ORDERS_FOR_UPDATE = _ORDERS.with_for_update()
_ORDERS_OF_GROUP = (
    select(orders).where(orders.c.group_id == bindparam("b_id")).order_by(orders.c.id)
)
_LINES_OF = (
    select(order_lines).where(order_lines.c.order_id.in_(_IDS))
    .order_by(order_lines.c.order_id, order_lines.c.position)
)  # fmt: skip
_ALLOCATIONS_OF = (
    select(order_allocations).where(order_allocations.c.line_id.in_(_IDS))
    .order_by(order_allocations.c.line_id, order_allocations.c.warehouse_id)
)  # fmt: skip
_WAREHOUSE_STOCK = (
    select(stock_levels.c.sku_id, warehouses.c.id, warehouses.c.country,
           warehouses.c.region, warehouses.c.priority,
           (stock_levels.c.on_hand - stock_levels.c.reserved).label("available"))
    .join(warehouses, warehouses.c.id == stock_levels.c.warehouse_id)
    .where(stock_levels.c.sku_id.in_(_IDS), warehouses.c.is_active.is_(True))
)  # fmt: skip
_TRANSITIONS: dict[tuple[str, ...], Any] = {}


def _transition(extra: tuple[str, ...]) -> Any:
    """``status: b_current -> b_target`` of order ``b_id``, also setting the ``extra``
    columns (from ``b_<column>``); one statement per set of extra columns."""
    stmt = _TRANSITIONS.get(extra)
    if stmt is None:
        stmt = _TRANSITIONS[extra] = (
            update(orders)
            .where(orders.c.id == bindparam("b_id"), orders.c.status == bindparam("b_current"))
            .values(status=bindparam("b_target"), updated_at=bindparam("b_now"),
                    version=orders.c.version + 1,
                    **{name: bindparam(f"b_{name}") for name in extra})
        )  # fmt: skip
    return stmt


def _group_values(g: CheckoutGroup) -> dict[str, Any]:
    return {
        "id": g.id, "buyer_id": g.buyer_id, "currency": g.currency, "channel": str(g.channel),
        "items_total_minor": g.items_total.minor, "shipping_minor": g.shipping.minor,
        "discount_minor": g.discount.minor, "tax_minor": g.tax.minor,
        "total_minor": g.total.minor, "address": g.address.to_dict(),
        "delivery_option": g.delivery_option, "idempotency_key": g.idempotency_key,
        "expires_at": g.expires_at, "created_at": g.created_at, "company_id": g.company_id,
    }  # fmt: skip


def _group_from_row(r: Row[Any]) -> CheckoutGroup:
    c = r.currency
    return CheckoutGroup(
        id=r.id, buyer_id=r.buyer_id, currency=c, channel=Channel(r.channel),
        items_total=_m(r.items_total_minor, c), shipping=_m(r.shipping_minor, c),
        discount=_m(r.discount_minor, c), tax=_m(r.tax_minor, c), total=_m(r.total_minor, c),
        address=Address.from_dict(dict(r.address)), delivery_option=r.delivery_option,
        idempotency_key=r.idempotency_key, expires_at=r.expires_at, created_at=r.created_at,
        company_id=r.company_id,
    )  # fmt: skip


def _order_values(o: Order) -> dict[str, Any]:
    return {
        "id": o.id, "group_id": o.group_id, "buyer_id": o.buyer_id,
        "merchant_id": o.merchant_id, "shop_id": o.shop_id, "channel": str(o.channel),
        "status": str(o.status), "currency": o.currency,
        "items_total_minor": o.items_total.minor, "shipping_minor": o.shipping.minor,
        "discount_minor": o.discount.minor, "tax_minor": o.tax.minor,
        "total_minor": o.total.minor, "commission_minor": o.commission.minor,
        "refunded_minor": o.refunded.minor, "delivery_option": o.delivery_option,
        "address": o.address.to_dict(), "payment_id": o.payment_id,
        "expires_at": o.expires_at, "paid_at": o.paid_at, "version": o.version,
        "created_at": o.created_at, "updated_at": o.updated_at, "company_id": o.company_id,
    }  # fmt: skip


def _order_from_row(r: Row[Any]) -> Order:
    c = r.currency
    return Order(
        id=r.id, group_id=r.group_id, buyer_id=r.buyer_id, merchant_id=r.merchant_id,
        shop_id=r.shop_id, channel=Channel(r.channel), status=OrderStatus(r.status),
        currency=c, items_total=_m(r.items_total_minor, c), shipping=_m(r.shipping_minor, c),
        discount=_m(r.discount_minor, c), tax=_m(r.tax_minor, c), total=_m(r.total_minor, c),
        commission=_m(r.commission_minor, c), refunded=_m(r.refunded_minor, c),
        delivery_option=r.delivery_option, address=Address.from_dict(dict(r.address)),
        expires_at=r.expires_at, created_at=r.created_at, updated_at=r.updated_at,
        paid_at=r.paid_at, payment_id=r.payment_id, version=int(r.version),
        company_id=r.company_id,
    )  # fmt: skip


def _line_values(line: OrderLine, position: int) -> dict[str, Any]:
    return {
        "id": line.id, "order_id": line.order_id, "position": position,
        "sku_id": line.sku_id, "product_id": line.product_id,
        "category_id": line.category_id, "title": line.title[:300],
        "sku_code": line.sku_code, "sales_attributes": dict(line.sales_attributes),
        "quantity": line.quantity, "unit_price_minor": line.unit_price.minor,
        "list_price_minor": line.list_price.minor, "price_rule": line.price_rule,
        "line_total_minor": line.line_total.minor,
        "commission_rule_id": line.commission_rule_id,
        "commission_rate": line.commission_rate, "commission_minor": line.commission.minor,
        "refunded_quantity": line.refunded_quantity,
        "refunded_minor": line.refunded_amount.minor,
    }  # fmt: skip


def _line_from_row(r: Row[Any], c: str) -> OrderLine:
    return OrderLine(
        id=r.id, order_id=r.order_id, sku_id=r.sku_id, product_id=r.product_id,
        category_id=r.category_id, title=r.title, sku_code=r.sku_code,
        sales_attributes=dict(r.sales_attributes), quantity=int(r.quantity),
        unit_price=_m(r.unit_price_minor, c), list_price=_m(r.list_price_minor, c),
        price_rule=r.price_rule, line_total=_m(r.line_total_minor, c),
        commission_rule_id=r.commission_rule_id, commission_rate=Decimal(r.commission_rate),
        commission=_m(r.commission_minor, c), refunded_quantity=int(r.refunded_quantity),
        refunded=_m(r.refunded_minor, c),
    )  # fmt: skip
