"""A small marketplace for ordering and payment tests, built through the services:
merchants with priced, listed SKUs stocked in regional warehouses, and buyers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine, insert, select

from marketplace.bootstrap import Marketplace
from marketplace.inventory import services as inventory
from marketplace.inventory.adapters.tables import stock_levels
from marketplace.inventory.commands import CreateWarehouse, ReceiveStock
from marketplace.inventory.domain import Operator
from marketplace.ordering.commands import LineRequest, PlaceCheckout
from marketplace.ordering.domain import Address, Channel, CheckoutGroup
from marketplace.ordering.services import place_checkout
from marketplace.parties.adapters.tables import users
from marketplace.shared.clock import FixedClock
from marketplace.shared.ids import new_id
from tests.integration.catalog_seed import Catalog, insert_merchant

SHANGHAI = Address(
    name="Li Lei", phone="13800000000", country="CN", region="Shanghai", city="Shanghai",
    line1="1 Century Ave",
)  # fmt: skip


@dataclass
class Seller:
    merchant_id: str
    shop_id: str
    skus: dict[str, str] = field(default_factory=dict)  # label -> sku_id
    warehouses: dict[str, str] = field(default_factory=dict)  # region -> warehouse_id


@dataclass
class Market:
    app: Marketplace
    clock: FixedClock

    @property
    def engine(self) -> Engine:
        return self.app.engine

    def buyer(self) -> str:
        user_id, now = new_id("usr"), self.clock.now()
        with self.engine.begin() as conn:
            conn.execute(insert(users).values(
                id=user_id, email=f"{user_id.lower()}@example.com", phone=None,
                password_hash="x", display_name="Buyer", locale="zh", member_level="regular",
                is_platform_admin=False, is_active=True, created_at=now, updated_at=now,
            ))  # fmt: skip
        return user_id

    def seller(
        self, prices: dict[str, str], *, stock: dict[str, int] | None = None,
        regions: tuple[str, ...] = ("Shanghai",),
    ) -> Seller:  # fmt: skip
        """A merchant selling one SKU per label at its price, ``stock`` units of each in
        its first region's warehouse (default 10)."""
        merchant_id, shop_id = insert_merchant(self.engine, self.clock)
        seller = Seller(merchant_id, shop_id)
        catalog = Catalog(self.engine, self.clock)
        category = catalog.category(f"Cat {merchant_id[-5:]}")
        operator = Operator.merchant(merchant_id, actor="test")
        for region in regions:
            seller.warehouses[region] = inventory.create_warehouse(
                CreateWarehouse(operator, code=f"W-{region[:6]}", name=region, country="CN",
                                region=region), uow=self.app.uow()).id  # fmt: skip
        for label, price in prices.items():
            product = catalog.product(merchant_id, category, titles={"en": label},
                                      skus=(({}, price),))  # fmt: skip
            with self.engine.connect() as conn:
                from marketplace.catalog.adapters.tables import skus

                sku_id = conn.execute(
                    select(skus.c.id).where(skus.c.product_id == product)
                ).scalar_one()
            seller.skus[label] = sku_id
            quantity = (stock or {}).get(label, 10)
            if quantity:
                self.receive(seller, label, quantity, region=regions[0])
        return seller

    def receive(self, seller: Seller, label: str, quantity: int, *, region: str) -> None:
        inventory.receive_stock(
            ReceiveStock(Operator.merchant(seller.merchant_id, actor="test"),
                         seller.skus[label], seller.warehouses[region], quantity),
            uow=self.app.uow(),
        )  # fmt: skip

    def stock(self, seller: Seller, label: str, region: str = "Shanghai") -> tuple[int, int]:
        """(on_hand, reserved) of a SKU in a warehouse."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(stock_levels.c.on_hand, stock_levels.c.reserved).where(
                    stock_levels.c.sku_id == seller.skus[label],
                    stock_levels.c.warehouse_id == seller.warehouses[region],
                )
            ).first()
        return (int(row.on_hand), int(row.reserved)) if row else (0, 0)

    def checkout(
        self, buyer: str, lines: list[tuple[str, int]], *, key: str | None = None,
        channel: Channel = Channel.WEB, address: Address = SHANGHAI,
    ) -> CheckoutGroup:  # fmt: skip
        cmd = PlaceCheckout(
            buyer_id=buyer, address=address, channel=channel, idempotency_key=key,
            lines=tuple(LineRequest(sku, q) for sku, q in lines),
        )  # fmt: skip
        return place_checkout(cmd, uow=self.app.uow(), charges=self.app.charges)

    def later(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))
