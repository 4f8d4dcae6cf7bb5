"""The demo's live layer, made through the services exactly as the API would: stock for the
busiest merchants' products (imported history holds no stock), the wholesale supplier's
sourcing profile and offers with quantity breaks, and a B2B company for the demo buyer.

Every step skips what is already there, so a re-run of the demo seed is harmless.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from marketplace.advice import services as advice
from marketplace.advice.commands import SetSkuPricingInputs
from marketplace.bootstrap import Marketplace
from marketplace.catalog.adapters.tables import products, sku_prices, skus
from marketplace.companies import services as companies
from marketplace.companies.domain import ShippingAddress
from marketplace.fx import services as fx
from marketplace.inventory import services as inventory
from marketplace.inventory.commands import CreateWarehouse, ReceiveStock, SetWarehouseAccess
from marketplace.inventory.domain import Operator
from marketplace.parties import services as parties
from marketplace.parties.adapters.tables import merchants
from marketplace.shared.money import Money
from marketplace.sourcing import services as sourcing
from marketplace.sourcing.domain import PriceTier, ServedRegion

Progress = Callable[[str], None]
# Quantity breaks of the demo offers: (minimum quantity, share of the list price).
BREAKS = (
    (1, Decimal("1.00")),
    (12, Decimal("0.95")),
    (48, Decimal("0.90")),
    (144, Decimal("0.85")),
)
CENT = Decimal("0.01")
# Where a merchant's warehouse is, from its currency (Olist sellers, the UK supplier).
COUNTRY_OF_CURRENCY = {"BRL": "BR", "GBP": "GB"}


@dataclass(frozen=True)
class Stocked:
    merchants: int = 0
    skus: int = 0
    warehouses: int = 0


def busiest_merchants(app: Marketplace, count: int, *, always: tuple[str, ...] = ()) -> list[str]:
    """Approved merchants with the most listed products (and those in ``always``)."""
    listed = (
        select(products.c.merchant_id, func.count().label("n"))
        .where(products.c.status == "listed")
        .group_by(products.c.merchant_id)
        .subquery()
    )
    query = (
        select(merchants.c.id)
        .join(listed, listed.c.merchant_id == merchants.c.id)
        .where(merchants.c.status == "approved")
        .order_by(listed.c.n.desc(), merchants.c.id)
        .limit(count)
    )
    with app.engine.connect() as conn:
        found = list(conn.execute(query).scalars())
    return list(dict.fromkeys([*always, *found]))


def listed_skus(app: Marketplace, merchant_id: str, limit: int) -> list[tuple[str, Money]]:
    """The merchant's first ``limit`` active SKUs of listed products, with a list price."""
    query = (
        select(skus.c.id, sku_prices.c.amount_minor, sku_prices.c.currency)
        .join(products, products.c.id == skus.c.product_id)
        .join(sku_prices, sku_prices.c.sku_id == skus.c.id)
        .where(skus.c.merchant_id == merchant_id, skus.c.status == "active",
               products.c.status == "listed", sku_prices.c.price_type == "list")
        .order_by(skus.c.id)
        .limit(limit)
    )  # fmt: skip
    with app.engine.connect() as conn:
        rows = conn.execute(query).all()
    seen: dict[str, Money] = {}
    for sku_id, minor, currency in rows:
        seen.setdefault(sku_id, Money.from_minor(int(minor), currency))
    return list(seen.items())


def stock_merchants(
    app: Marketplace, merchant_ids: list[str], *, skus_per_merchant: int, progress: Progress,
    wholesale: dict[str, int] | None = None,
) -> Stocked:  # fmt: skip
    """A warehouse per merchant (and the platform's, shared) with stock of its SKUs.

    ``wholesale`` names suppliers stocked by the pallet (2,000-10,000 a SKU) and how many of
    their SKUs: at least the ones they offer to B2B buyers, or an offer would be unbuyable."""
    wholesale = wholesale or {}
    rng = random.Random(2026)
    platform = _warehouse(app, Operator.platform("demo-seed"), "HZ-DC1",
                          "杭州平台仓 Hangzhou platform DC", "CN", "Zhejiang")  # fmt: skip
    stocked = Stocked(warehouses=1)
    for index, merchant_id in enumerate(merchant_ids):
        progress(f"stock {index + 1}/{len(merchant_ids)}")
        with app.engine.connect() as conn:
            region, currency = conn.execute(
                select(merchants.c.region, merchants.c.default_currency).where(
                    merchants.c.id == merchant_id
                )
            ).one()
        own = _warehouse(app, Operator.merchant(merchant_id, "demo-seed"), "MAIN",
                         "Main warehouse", COUNTRY_OF_CURRENCY.get(currency, "CN"),
                         region or "Default")  # fmt: skip
        inventory.grant_warehouse_access(
            SetWarehouseAccess(warehouse_id=platform, merchant_id=merchant_id), uow=app.uow()
        )
        count = 0
        many = wholesale.get(merchant_id)
        low, high = (2_000, 10_000) if many else (20, 500)
        for sku_id, _price in listed_skus(app, merchant_id, many or skus_per_merchant):
            for warehouse_id, operator in ((own, Operator.merchant(merchant_id, "demo-seed")),
                                           (platform, Operator.platform("demo-seed"))):  # fmt: skip
                inventory.receive_stock(
                    ReceiveStock(operator=operator, sku_id=sku_id, warehouse_id=warehouse_id,
                                 quantity=rng.randrange(low, high), reference="demo-seed"),
                    uow=app.uow(),
                )  # fmt: skip
            count += 1
        stocked = Stocked(stocked.merchants + 1, stocked.skus + count, stocked.warehouses + 1)
    return stocked


def _warehouse(
    app: Marketplace, operator: Operator, code: str, name: str, country: str, region: str
) -> str:
    created = inventory.create_warehouse(
        CreateWarehouse(operator=operator, code=code, name=name, country=country, region=region,
                        priority=10 if operator.is_platform else 50),
        uow=app.uow(),
    )  # fmt: skip
    return created.id


def unit_costs(app: Marketplace, currency: str, *, low: str = "0.45", high: str = "0.70") -> int:
    """Unit costs for the SKUs listed in ``currency`` (the synthetic merchants' CNY SKUs):
    a share of the list price drawn per SKU in [low, high], so that pricing advice, which
    needs a margin to protect, can suggest prices. Returns how many SKUs got one."""
    rng = random.Random(2027)
    query = (
        select(skus.c.id, skus.c.merchant_id, sku_prices.c.amount_minor)
        .join(sku_prices, sku_prices.c.sku_id == skus.c.id)
        .where(sku_prices.c.price_type == "list", sku_prices.c.currency == currency,
               skus.c.status == "active")
        .order_by(skus.c.id)
    )  # fmt: skip
    with app.engine.connect() as conn:
        rows = conn.execute(query).all()
    lo, hi = Decimal(low), Decimal(high)
    made = 0
    for sku_id, merchant_id, minor in rows:
        price = Money.from_minor(int(minor), currency)
        if price.is_zero:
            continue
        share = lo + (hi - lo) * Decimal(rng.randrange(0, 1001)) / 1000
        cost = (price.amount * share).quantize(CENT)
        advice.set_sku_pricing_inputs(
            SetSkuPricingInputs(merchant_id=merchant_id, sku_id=sku_id,
                                actor_id="demo-seed", currency=currency, unit_cost=cost),
            uow=app.uow(),
        )  # fmt: skip
        made += 1
    return made


def supplier_offers(
    app: Marketplace, merchant_id: str, *, count: int, lead_days: int,
    quote_currency: str | None = None, rates_on: date | None = None,
) -> int:  # fmt: skip
    """A sourcing profile (regions served, shipping estimates) and ``count`` offers with
    quantity breaks below the list price, for a wholesale supplier.

    With ``quote_currency`` the supplier quotes B2B buyers in that currency (an export price
    list, as suppliers selling to Chinese importers do in CNY): list prices are converted at
    the stored FX rate on ``rates_on``. Purchasing is single-currency per company, so a
    company can order only from suppliers quoting in its currency."""
    offered = listed_skus(app, merchant_id, count)
    if not offered:
        return 0
    listed = offered[0][1].currency.code
    currency = quote_currency or listed

    def quoted(price: Money) -> Money:
        if price.currency.code == currency:
            return price
        on = rates_on or date.today()
        return fx.convert_money(price, currency, on=on, uow=app.uow()).converted

    regions = (
        ServedRegion("CN", "", lead_days + 5, quoted(Money.of("0.40", listed)),
                     quoted(Money.of("25.00", listed))),
        ServedRegion("GB", "", lead_days, quoted(Money.of("0.10", listed)),
                     quoted(Money.of("8.00", listed))),
    )  # fmt: skip
    note = "" if currency == listed else f" B2B prices in {currency}, from its {listed} list."
    sourcing.put_supplier_profile(
        sourcing.PutSupplierProfile(merchant_id=merchant_id, default_moq=1, currency=currency,
                                    description=f"Wholesale giftware (UCI Online Retail).{note}",
                                    regions=regions),
        uow=app.uow(),
    )  # fmt: skip
    made = 0
    for sku_id, price in offered:
        if price.currency.code != listed or price.is_zero:
            continue
        base = quoted(price)
        tiers = tuple(
            PriceTier(q, Money.of((base.amount * share).quantize(CENT), currency))
            for q, share in BREAKS
        )
        sourcing.create_offer(
            sourcing.CreateOffer(merchant_id=merchant_id, sku_id=sku_id, tiers=tiers,
                                 lead_time_days=lead_days),
            uow=app.uow(),
        )  # fmt: skip
        made += 1
    return made


def demo_merchant_staff(app: Marketplace, email: str, currency: str) -> str | None:
    """The registered user ``email`` joins, as staff, the merchant selling in ``currency``
    with the most orders (in the demo a synthetic CNY merchant, whose console has sales,
    forecasts and price suggestions). Returns the merchant's id (None: no such merchant)."""
    from marketplace.ordering.adapters.tables import orders

    query = (
        select(merchants.c.id)
        .join(orders, orders.c.merchant_id == merchants.c.id)
        .where(merchants.c.status == "approved", merchants.c.default_currency == currency)
        .group_by(merchants.c.id)
        .order_by(func.count().desc(), merchants.c.id)
        .limit(1)
    )
    with app.engine.connect() as conn:
        merchant_id = conn.execute(query).scalar()
    if merchant_id is None:
        return None
    parties.add_staff_member(merchant_id, email, uow=app.uow())
    return str(merchant_id)


def demo_company(app: Marketplace, buyer_id: str, *, currencies: tuple[str, ...]) -> str:
    """The demo buyer's company: a cost centre with a monthly budget, a ship-to location and
    credit lines in the given currencies (the buyer is its buyer admin)."""
    company = companies.create_company(
        companies.CreateCompany(name="演示贸易有限公司 Demo Trading Co.", creator_id=buyer_id),
        uow=app.uow(),
    )
    centre = companies.add_cost_centre(
        company.id, actor_id=buyer_id, code="OPS", name="运营 Operations",
        monthly_budget=Money.of("200000.00", "CNY"), uow=app.uow(),
    )  # fmt: skip
    companies.add_location(
        company.id, actor_id=buyer_id, name="上海仓 Shanghai DC", cost_centre_id=centre.id,
        address=ShippingAddress(name="王采购", phone="13800000000", country="CN",
                                region="Shanghai", city="Shanghai", line1="1 Century Ave"),
        uow=app.uow(),
    )  # fmt: skip
    if app.credit_terms is not None:
        for currency in currencies:
            limit = Money.of("100000.00" if currency == "CNY" else "20000.00", currency)
            app.credit_terms.set_account(company.id, limit, terms_days=30)
    return company.id
