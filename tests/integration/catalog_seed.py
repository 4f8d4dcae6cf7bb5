"""What catalog integration tests stand on: merchant and shop rows inserted straight into
the parties tables, and a small builder that makes categories and products through the
catalog's own services."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine, insert, update

from marketplace.catalog import services
from marketplace.catalog.domain.commands import (
    AddSku,
    ChangeProductStatus,
    CreateCategory,
    CreateProduct,
    SetSkuPrices,
    TranslationInput,
)
from marketplace.db.uow import SqlUnitOfWork
from marketplace.parties.adapters.tables import merchants, shops
from marketplace.shared.adapters.cache import InMemoryCache
from marketplace.shared.clock import FixedClock
from marketplace.shared.ids import new_id
from marketplace.shared.ports import Cache


def insert_merchant(
    engine: Engine,
    clock: FixedClock,
    *,
    status: str = "approved",
    currency: str = "CNY",
    locale: str = "zh",
    name: str | None = None,
) -> tuple[str, str]:
    """A merchant and one shop: (merchant_id, shop_id)."""
    merchant_id, shop_id = new_id("mer"), new_id("shop")
    now = clock.now()
    with engine.begin() as conn:
        conn.execute(
            insert(merchants).values(
                id=merchant_id,
                name=name or f"Merchant {merchant_id[-6:]}",
                slug=merchant_id.lower(),
                kind="third_party",
                status=status,
                default_currency=currency,
                default_locale=locale,
                created_at=now,
                updated_at=now,
                approved_at=now if status == "approved" else None,
            )
        )
        conn.execute(
            insert(shops).values(
                id=shop_id,
                merchant_id=merchant_id,
                name=f"Shop of {merchant_id[-6:]}",
                slug=shop_id.lower(),
                is_open=True,
                created_at=now,
                updated_at=now,
            )
        )
    return merchant_id, shop_id


def set_merchant_status(engine: Engine, merchant_id: str, status: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(merchants).where(merchants.c.id == merchant_id).values(status=status))


@dataclass
class Catalog:
    """Builds catalog data through the services, one committed unit of work per call."""

    engine: Engine
    clock: FixedClock
    cache: Cache = field(default_factory=InMemoryCache)
    tick: timedelta = timedelta(seconds=1)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, clock=self.clock)

    def category(self, en: str, parent_id: str | None = None, *, zh: str | None = None) -> str:
        names = {"en": en} | ({"zh": zh} if zh else {})
        cmd = CreateCategory(names=names, parent_id=parent_id)
        return services.create_category(cmd, uow=self.uow()).id

    def product(
        self,
        merchant_id: str,
        category_id: str,
        *,
        titles: dict[str, str],
        description: str = "",
        brand: str | None = None,
        attributes: dict[str, str] | None = None,
        skus: Sequence[tuple[dict[str, str], str]] = (({}, "10.00"),),
        currency: str = "CNY",
        listed: bool = True,
    ) -> str:
        """A product with SKUs ``(sales_attributes, list price)``; listed unless told."""
        self.clock.advance(self.tick)  # distinct created_at, in insertion order
        translations = {k: TranslationInput(v, description) for k, v in titles.items()}
        product = services.create_product(
            CreateProduct(
                merchant_id=merchant_id,
                category_id=category_id,
                translations=translations,
                brand=brand,
                attributes=attributes or {},
            ),
            uow=self.uow(),
            cache=self.cache,
        )
        for attrs, price in skus:
            self.sku(merchant_id, product.id, attrs, price, currency=currency)
        if listed:
            self.list(merchant_id, product.id)
        return product.id

    def sku(
        self,
        merchant_id: str,
        product_id: str,
        attrs: dict[str, str],
        price: str | None,
        *,
        currency: str = "CNY",
    ) -> str:
        cmd = AddSku(merchant_id, product_id, sku_code=new_id("C"), sales_attributes=attrs)
        sku = services.add_sku(cmd, uow=self.uow(), cache=self.cache)
        if price is not None:
            prices = SetSkuPrices(merchant_id, sku.id, currency=currency, list_price=price)
            services.set_sku_prices(prices, uow=self.uow(), cache=self.cache)
        return sku.id

    def list(self, merchant_id: str, product_id: str) -> None:
        cmd = ChangeProductStatus(merchant_id, product_id)
        services.list_product(cmd, uow=self.uow(), cache=self.cache)
