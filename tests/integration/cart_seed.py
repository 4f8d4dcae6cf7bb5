"""What cart integration tests stand on: buyers (user rows), merchants, priced and listed
SKUs made through the catalog's services, and stock received through inventory's."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, func, insert, select

from marketplace.cart.adapters.tables import cart_lines, carts
from marketplace.catalog import services as catalog_services
from marketplace.catalog.domain.commands import MemberPriceInput, SetSkuPrices, TierInput
from marketplace.db.uow import SqlUnitOfWork
from marketplace.inventory import services as inventory
from marketplace.inventory.domain import Operator
from marketplace.parties.adapters.tables import users
from marketplace.shared.clock import FixedClock
from marketplace.shared.ids import new_id
from tests.integration.catalog_seed import Catalog, insert_merchant


def insert_user(engine: Engine, clock: FixedClock, *, member_level: str = "regular") -> str:
    user_id = new_id("usr")
    now = clock.now()
    with engine.begin() as conn:
        conn.execute(
            insert(users).values(
                id=user_id, email=f"{user_id.lower()}@example.com", phone=None,
                password_hash="x", display_name="Buyer", locale="zh",
                member_level=member_level, is_platform_admin=False, is_active=True,
                created_at=now, updated_at=now, last_login_at=None,
            )
        )  # fmt: skip
    return user_id


@dataclass
class Seller:
    """An approved merchant with a shop, a category and a warehouse, selling through the
    real catalog and inventory services."""

    engine: Engine
    clock: FixedClock
    catalog: Catalog
    merchant_id: str
    shop_id: str
    category_id: str
    warehouse_id: str
    skus: list[str] = field(default_factory=list)
    products: dict[str, str] = field(default_factory=dict)  # sku id -> product id

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, clock=self.clock)

    def sku(
        self,
        price: str = "10.00",
        *,
        currency: str = "CNY",
        titles: dict[str, str] | None = None,
        stock: int = 0,
        listed: bool = True,
    ) -> str:
        """A new product with one SKU at ``price`` (listed unless told), ``stock`` units in."""
        product_id = self.catalog.product(
            self.merchant_id, self.category_id, titles=titles or {"zh": "连衣裙", "en": "Dress"},
            skus=[({"size": "M"}, price)], currency=currency, listed=listed,
        )  # fmt: skip
        with self.uow() as uow:
            product = uow.products.get(product_id)
            assert product is not None
            sku_id = product.skus[0].id
        if stock:
            self.receive(sku_id, stock)
        self.skus.append(sku_id)
        self.products[sku_id] = product_id
        return sku_id

    def variant(self, sku_id: str, price: str | None, *, size: str = "L") -> str:
        """Another SKU of ``sku_id``'s product (``price`` None: never priced)."""
        product_id = self.products[sku_id]
        return self.catalog.sku(self.merchant_id, product_id, {"size": size}, price)

    def prices(
        self,
        sku_id: str,
        list_price: str,
        *,
        currency: str = "CNY",
        tiers: tuple[tuple[int, str], ...] = (),
        members: tuple[tuple[str, str], ...] = (),
    ) -> None:
        cmd = SetSkuPrices(
            self.merchant_id, sku_id, currency=currency, list_price=list_price,
            tiers=tuple(TierInput(q, p) for q, p in tiers),
            member_prices=tuple(MemberPriceInput(lvl, p) for lvl, p in members),
        )  # fmt: skip
        catalog_services.set_sku_prices(cmd, uow=self.uow(), cache=self.catalog.cache)

    def receive(self, sku_id: str, quantity: int, warehouse_id: str | None = None) -> None:
        op = Operator.merchant(self.merchant_id, "user:seed")
        cmd = inventory.ReceiveStock(op, sku_id, warehouse_id or self.warehouse_id, quantity)
        inventory.receive_stock(cmd, uow=self.uow())

    def warehouse(self, code: str) -> str:
        op = Operator.merchant(self.merchant_id, "user:seed")
        cmd = inventory.CreateWarehouse(op, code, code, "CN", "Zhejiang")
        return inventory.create_warehouse(cmd, uow=self.uow()).id


def open_seller(engine: Engine, clock: FixedClock, *, name: str | None = None) -> Seller:
    merchant_id, shop_id = insert_merchant(engine, clock, name=name)
    catalog = Catalog(engine, clock)
    category_id = catalog.category(f"Dresses {merchant_id[-8:]}", zh="连衣裙")
    op = Operator.merchant(merchant_id, "user:seed")
    warehouse_id = inventory.create_warehouse(
        inventory.CreateWarehouse(op, "HZ-01", "Hangzhou", "CN", "Zhejiang"),
        uow=SqlUnitOfWork(engine, clock=clock),
    ).id
    return Seller(engine, clock, catalog, merchant_id, shop_id, category_id, warehouse_id)


def cart_rows(engine: Engine) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Every cart and line row, in a stable order (for "nothing changed" assertions)."""
    with engine.connect() as conn:
        cart_list = [tuple(r) for r in conn.execute(select(carts).order_by(carts.c.id))]
        line_list = [
            tuple(r)
            for r in conn.execute(
                select(cart_lines).order_by(cart_lines.c.cart_id, cart_lines.c.sku_id)
            )
        ]
    return cart_list, line_list


def count_carts(engine: Engine, **where: object) -> int:
    query = select(func.count()).select_from(carts)
    for column, value in where.items():
        query = query.where(carts.c[column] == value)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())
