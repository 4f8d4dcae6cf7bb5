"""Read side of inventory: plain queries for stock lists, availability, the ledger and
reservations. Lists use keyset pagination: each takes the key of the last row seen and
returns a ``Slice`` with ``has_more``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Connection, Engine, Select, and_, func, or_, select

from marketplace.catalog.adapters.tables import products, skus
from marketplace.inventory.adapters.repositories import (
    movement_from_row,
    reservation_from_row,
    warehouse_from_row,
)
from marketplace.inventory.adapters.tables import (
    reservations,
    stock_levels,
    stock_movements,
    warehouse_access,
    warehouses,
)
from marketplace.inventory.domain import Movement, MovementKind, Reservation, Warehouse

T = TypeVar("T")

MAX_PAGE = 200
PUBLIC_PRODUCT_STATUS = "listed"


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


def _after(first: Any, second: Any, key: tuple[Any, Any]) -> ColumnElement[bool]:
    """(first, second) > key, spelled out so that both dialects use the index."""
    return or_(first > key[0], and_(first == key[0], second > key[1]))


# -- warehouses -------------------------------------------------------------------------
def list_warehouses(
    engine: Engine,
    *,
    merchant_id: str | None,
    limit: int = 50,
    after: tuple[int, str] | None = None,
) -> Slice[Warehouse]:
    """A merchant's own warehouses and the platform ones it may stock; with no merchant,
    the platform's warehouses. Ordered by (priority, id); ``after`` is the last seen."""
    limit = _limit(limit)
    w = warehouses
    visible: ColumnElement[bool]
    if merchant_id is None:
        visible = w.c.merchant_id.is_(None)
    else:
        granted = select(warehouse_access.c.warehouse_id).where(
            warehouse_access.c.merchant_id == merchant_id
        )
        visible = or_(w.c.merchant_id == merchant_id, w.c.id.in_(granted))
    query = select(w).where(visible)
    if after is not None:
        query = query.where(_after(w.c.priority, w.c.id, after))
    query = query.order_by(w.c.priority, w.c.id).limit(limit + 1)
    with _reading(engine) as conn:
        return _slice([warehouse_from_row(r) for r in conn.execute(query)], limit)


# -- stock levels -------------------------------------------------------------------------
@dataclass(frozen=True)
class StockLevelView:
    sku_id: str
    sku_code: str
    product_id: str
    warehouse_id: str
    warehouse_code: str
    warehouse_is_active: bool
    on_hand: int
    reserved: int
    updated_at: datetime

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def list_stock(
    engine: Engine,
    *,
    merchant_id: str,
    sku_id: str | None = None,
    warehouse_id: str | None = None,
    low_stock_threshold: int | None = None,
    limit: int = 50,
    after: tuple[str, str] | None = None,
) -> Slice[StockLevelView]:
    """Stock of the merchant's SKUs in every warehouse (its own and platform ones).

    ``low_stock_threshold``: only rows whose available quantity is at most that.
    Ordered by (sku_id, warehouse_id); ``after`` is the last pair seen.
    """
    limit = _limit(limit)
    s, w, sl = skus, warehouses, stock_levels
    query = (
        select(
            sl.c.sku_id,
            s.c.sku_code,
            s.c.product_id,
            sl.c.warehouse_id,
            w.c.code,
            w.c.is_active,
            sl.c.on_hand,
            sl.c.reserved,
            sl.c.updated_at,
        )
        .select_from(sl.join(s, s.c.id == sl.c.sku_id).join(w, w.c.id == sl.c.warehouse_id))
        .where(s.c.merchant_id == merchant_id)
    )
    if sku_id is not None:
        query = query.where(sl.c.sku_id == sku_id)
    if warehouse_id is not None:
        query = query.where(sl.c.warehouse_id == warehouse_id)
    if low_stock_threshold is not None:
        query = query.where(sl.c.on_hand - sl.c.reserved <= low_stock_threshold)
    if after is not None:
        query = query.where(_after(sl.c.sku_id, sl.c.warehouse_id, after))
    query = query.order_by(sl.c.sku_id, sl.c.warehouse_id).limit(limit + 1)
    with _reading(engine) as conn:
        rows = [
            StockLevelView(
                sku_id=r[0],
                sku_code=r[1],
                product_id=r[2],
                warehouse_id=r[3],
                warehouse_code=r[4],
                warehouse_is_active=bool(r[5]),
                on_hand=int(r[6]),
                reserved=int(r[7]),
                updated_at=r[8],
            )
            for r in conn.execute(query)
        ]
    return _slice(rows, limit)


# -- public availability ------------------------------------------------------------------
@dataclass(frozen=True)
class SkuAvailability:
    sku_id: str
    product_id: str
    available: int  # summed over active warehouses

    @property
    def is_in_stock(self) -> bool:
        return self.available > 0


@dataclass(frozen=True)
class ProductAvailability:
    product_id: str
    skus: list[SkuAvailability]

    @property
    def available(self) -> int:
        return sum(s.available for s in self.skus)


def _availability_query(*conditions: ColumnElement[bool]) -> Select[Any]:
    """Per SKU of a listed product: available units in active warehouses (0 when none)."""
    w, sl = warehouses, stock_levels
    stocked = sl.join(w, and_(w.c.id == sl.c.warehouse_id, w.c.is_active.is_(True)))
    per_sku = (
        select(sl.c.sku_id, func.sum(sl.c.on_hand - sl.c.reserved).label("available"))
        .select_from(stocked)
        .group_by(sl.c.sku_id)
        .subquery()
    )
    return (
        select(skus.c.id, skus.c.product_id, func.coalesce(per_sku.c.available, 0))
        .select_from(
            skus.join(products, products.c.id == skus.c.product_id).outerjoin(
                per_sku, per_sku.c.sku_id == skus.c.id
            )
        )
        .where(products.c.status == PUBLIC_PRODUCT_STATUS, *conditions)
        .order_by(skus.c.id)
    )


def sku_availability(engine: Engine, sku_id: str) -> SkuAvailability | None:
    """None when there is no such SKU on a listed product."""
    with _reading(engine) as conn:
        row = conn.execute(_availability_query(skus.c.id == sku_id)).first()
    return SkuAvailability(row[0], row[1], int(row[2])) if row else None


def product_availability(engine: Engine, product_id: str) -> ProductAvailability | None:
    """None when there is no such listed product."""
    with _reading(engine) as conn:
        rows = conn.execute(_availability_query(skus.c.product_id == product_id)).all()
        if not rows:
            listed = conn.execute(
                select(products.c.id).where(
                    products.c.id == product_id, products.c.status == PUBLIC_PRODUCT_STATUS
                )
            ).first()
            if listed is None:
                return None
    return ProductAvailability(
        product_id=product_id, skus=[SkuAvailability(r[0], r[1], int(r[2])) for r in rows]
    )


# -- ledger and reservations --------------------------------------------------------------
def list_movements(
    engine: Engine,
    *,
    merchant_id: str,
    sku_id: str | None = None,
    warehouse_id: str | None = None,
    kind: MovementKind | None = None,
    reservation_id: str | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> Slice[Movement]:
    """The ledger of the merchant's SKUs, newest first; ``before_id`` is the last id seen."""
    limit = _limit(limit)
    m = stock_movements
    query = (
        select(m)
        .select_from(m.join(skus, skus.c.id == m.c.sku_id))
        .where(skus.c.merchant_id == merchant_id)
    )
    for column, value in (
        (m.c.sku_id, sku_id),
        (m.c.warehouse_id, warehouse_id),
        (m.c.kind, None if kind is None else str(kind)),
        (m.c.reservation_id, reservation_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if before_id is not None:
        query = query.where(m.c.id < before_id)
    query = query.order_by(m.c.id.desc()).limit(limit + 1)
    with _reading(engine) as conn:
        return _slice([movement_from_row(r) for r in conn.execute(query)], limit)


def reservations_by_reference(
    engine: Engine, *, merchant_id: str, reference: str
) -> list[Reservation]:
    """Every reservation (any status) of the merchant's SKUs under one reference."""
    r = reservations
    query = (
        select(r)
        .select_from(r.join(skus, skus.c.id == r.c.sku_id))
        .where(r.c.reference == reference, skus.c.merchant_id == merchant_id)
        .order_by(r.c.created_at, r.c.id)
        .limit(MAX_PAGE)
    )
    with _reading(engine) as conn:
        return [reservation_from_row(row) for row in conn.execute(query)]
