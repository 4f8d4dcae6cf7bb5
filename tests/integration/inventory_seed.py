"""Rows that inventory tests stand on (merchants, a category, products, SKUs), inserted
straight into the other areas' tables, plus a ledger-versus-rows consistency check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, insert, select

from marketplace.catalog.adapters.tables import categories, products, skus
from marketplace.inventory.adapters.tables import reservations, stock_levels, stock_movements
from marketplace.parties.adapters.tables import merchants
from marketplace.shared.ids import new_id

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SeededProduct:
    merchant_id: str
    product_id: str
    sku_ids: tuple[str, ...]


def seed_merchant(engine: Engine, *, kind: str = "third_party") -> str:
    merchant_id = new_id("mer")
    with engine.begin() as conn:
        conn.execute(
            insert(merchants).values(
                id=merchant_id, name=f"Merchant {merchant_id[-6:]}", slug=merchant_id.lower(),
                kind=kind, status="approved", default_currency="CNY", default_locale="zh",
                created_at=T0, updated_at=T0, approved_at=T0,
            )
        )  # fmt: skip
    return merchant_id


def seed_product(
    engine: Engine, merchant_id: str, *, sku_count: int = 1, status: str = "listed"
) -> SeededProduct:
    """A category (made once per call), a product and ``sku_count`` SKUs of one merchant."""
    category_id, product_id = new_id("cat"), new_id("prod")
    sku_ids = tuple(new_id("sku") for _ in range(sku_count))
    with engine.begin() as conn:
        conn.execute(
            insert(categories).values(
                id=category_id, parent_id=None, slug=category_id.lower(), names={"en": "Things"},
                path=f"/{category_id}/", depth=0, position=0, is_active=True,
                created_at=T0, updated_at=T0,
            )
        )  # fmt: skip
        conn.execute(
            insert(products).values(
                id=product_id, merchant_id=merchant_id, shop_id=None, category_id=category_id,
                status=status, brand=None, attributes={}, default_locale="zh",
                search_text="thing", price_currency="CNY", min_price_minor=100, sales_count=0,
                version=1, created_at=T0, updated_at=T0, listed_at=T0,
            )
        )  # fmt: skip
        for i, sku_id in enumerate(sku_ids):
            conn.execute(
                insert(skus).values(
                    id=sku_id, product_id=product_id, merchant_id=merchant_id,
                    sku_code=f"{sku_id[-8:]}-{i}", barcode=None, sales_attributes={"size": str(i)},
                    attributes_key=f"size={i}", weight_grams=None, status="active",
                    created_at=T0, updated_at=T0,
                )
            )  # fmt: skip
    return SeededProduct(merchant_id=merchant_id, product_id=product_id, sku_ids=sku_ids)


def seed_sku(engine: Engine, merchant_id: str) -> str:
    return seed_product(engine, merchant_id).sku_ids[0]


def stock_row(engine: Engine, sku_id: str, warehouse_id: str) -> tuple[int, int] | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(stock_levels.c.on_hand, stock_levels.c.reserved).where(
                stock_levels.c.sku_id == sku_id, stock_levels.c.warehouse_id == warehouse_id
            )
        ).first()
    return (int(row[0]), int(row[1])) if row else None


def count_rows(engine: Engine, table_name: str) -> int:
    table = {
        "stock_levels": stock_levels,
        "stock_movements": stock_movements,
        "reservations": reservations,
    }[table_name]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def assert_stock_consistent(engine: Engine, *, sku_id: str | None = None) -> None:
    """For every stock row: on_hand >= reserved >= 0, the ledger's deltas sum to the row,
    the last ledger line shows the row, and reserved equals the active reservations."""
    with engine.connect() as conn:
        query = select(stock_levels)
        if sku_id is not None:
            query = query.where(stock_levels.c.sku_id == sku_id)
        rows = conn.execute(query).all()
        for row in rows:
            key = (
                stock_movements.c.sku_id == row.sku_id,
                stock_movements.c.warehouse_id == row.warehouse_id,
            )
            sums = conn.execute(
                select(
                    func.coalesce(func.sum(stock_movements.c.delta_on_hand), 0),
                    func.coalesce(func.sum(stock_movements.c.delta_reserved), 0),
                ).where(*key)
            ).one()
            last = conn.execute(
                select(stock_movements.c.on_hand_after, stock_movements.c.reserved_after)
                .where(*key)
                .order_by(stock_movements.c.id.desc())
                .limit(1)
            ).first()
            active = conn.execute(
                select(func.coalesce(func.sum(reservations.c.quantity), 0)).where(
                    reservations.c.sku_id == row.sku_id,
                    reservations.c.warehouse_id == row.warehouse_id,
                    reservations.c.status == "active",
                )
            ).scalar_one()
            state = (int(row.on_hand), int(row.reserved))
            assert state[0] >= state[1] >= 0, state
            assert (int(sums[0]), int(sums[1])) == state, (sums, state)
            assert last is not None
            assert (int(last[0]), int(last[1])) == state, (last, state)
            assert int(active) == state[1], (active, state)
