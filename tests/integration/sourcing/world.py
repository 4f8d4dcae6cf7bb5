"""A small sourcing world built through the services: suppliers with regions, offers on
their own SKUs in a category tree, and helpers to search it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine, select, update

from marketplace.catalog.adapters.tables import skus
from marketplace.db.uow import SqlUnitOfWork
from marketplace.parties.adapters.tables import merchants
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from marketplace.sourcing import queries, services
from marketplace.sourcing.domain import PriceTier, ServedRegion
from tests.integration.catalog_seed import Catalog, insert_merchant

TODAY = date(2026, 1, 1)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def tiers(*pairs: tuple[int, str]) -> tuple[PriceTier, ...]:
    return tuple(PriceTier(q, cny(p)) for q, p in pairs)


def region(country: str, name: str, lead: int, unit: str, order: str) -> ServedRegion:
    return ServedRegion(country, name, lead, cny(unit), cny(order))


@dataclass
class World:
    engine: Engine
    clock: FixedClock
    catalog: Catalog = field(init=False)
    categories: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.catalog = Catalog(self.engine, self.clock)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, clock=self.clock)

    def supplier(
        self, regions: tuple[ServedRegion, ...], *, kind: str = "third_party", name: str = ""
    ) -> str:
        merchant_id, _ = insert_merchant(self.engine, self.clock, name=name or None)
        with self.engine.begin() as conn:
            conn.execute(update(merchants).where(merchants.c.id == merchant_id).values(kind=kind))
        cmd = services.PutSupplierProfile(merchant_id, default_moq=1, regions=regions)
        services.put_supplier_profile(cmd, uow=self.uow())
        return merchant_id

    def sku(
        self, merchant_id: str, category: str, title: dict[str, str], attrs: dict[str, str]
    ) -> str:
        product = self.catalog.product(
            merchant_id, self.categories[category], titles=title, attributes=attrs
        )
        with self.engine.connect() as conn:
            return str(
                conn.execute(select(skus.c.id).where(skus.c.product_id == product)).scalar_one()
            )

    def offer(
        self, merchant_id: str, category: str, title: dict[str, str],
        price_tiers: tuple[PriceTier, ...], *, attrs: dict[str, str] | None = None,
        lead: int | None = None, active: bool = True,
    ) -> tuple[str, str]:  # fmt: skip
        """(offer_id, sku_id)."""
        sku_id = self.sku(merchant_id, category, title, attrs or {})
        cmd = services.CreateOffer(merchant_id, sku_id, price_tiers, lead, active)
        return services.create_offer(cmd, uow=self.uow()).id, sku_id

    def search(
        self, company_id: str | None = None, on: date = TODAY, **filters: object
    ) -> queries.OfferPage:
        with self.engine.connect() as conn:
            return queries.search_offers(
                conn,
                queries.OfferQuery(**filters),  # type: ignore[arg-type]
                company_id=company_id,
                on=on,
            )

    def ids(self, company_id: str | None = None, **filters: object) -> list[str]:
        return [hit.offer_id for hit in self.search(company_id, **filters).items]
