"""The demo on slices of the real data sets: Olist sellers and orders, the Online Retail
wholesale supplier (stocked, with B2B offers found by the offer search), and the synthetic
layer, side by side in one SQLite database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from marketplace.advice.adapters.tables import sku_pricing_inputs
from marketplace.bootstrap import Marketplace
from marketplace.importing.online_retail_import import MERCHANT as RETAIL_SUPPLIER
from marketplace.ordering.adapters.tables import orders
from marketplace.parties.adapters.tables import merchant_members, merchants, users
from marketplace.seeding.demo import MERCHANT_EMAIL, DemoScale, seed_demo
from marketplace.seeding.synthetic import SyntheticParams
from marketplace.sourcing import queries
from marketplace.sourcing.adapters.tables import offers

SLICE = DemoScale(
    olist_orders=40, retail_rows=3_000,
    synthetic=SyntheticParams(users=40, merchants=3, products=12, days=5, seed=3,
                              start=date(2026, 11, 1)),
    stocked_merchants=2, skus_per_merchant=2, supplier_offers=5,
)  # fmt: skip


def test_demo_on_slices_of_the_real_data(
    sqlite_app: Marketplace, datasets_dir: Path, tmp_path: Path
) -> None:
    app = sqlite_app
    summary = seed_demo(app, datasets_dir=datasets_dir, scale=SLICE,
                        truth_path=tmp_path / "truth.json")  # fmt: skip
    assert summary.source == "olist+online_retail+synthetic"
    with app.engine.connect() as conn:
        currencies = dict(
            conn.execute(select(orders.c.currency, func.count()).group_by(orders.c.currency)).all()
        )
        offered = conn.execute(
            select(func.count()).select_from(offers).where(offers.c.merchant_id == RETAIL_SUPPLIER)
        ).scalar_one()
        found = queries.search_offers(
            conn, queries.OfferQuery(quantity=48, country="GB"), on=date(2026, 12, 1)
        )
    assert set(currencies) == {"BRL", "GBP", "CNY"}  # Olist, Online Retail, synthetic
    assert offered == 5
    with app.engine.connect() as conn:
        costed = conn.execute(
            select(sku_pricing_inputs.c.currency, func.count()).group_by(
                sku_pricing_inputs.c.currency
            )
        ).all()
    assert [c for c, _ in costed] == ["CNY"]  # the synthetic merchants' SKUs have unit costs
    assert costed[0][1] > 0
    with app.engine.connect() as conn:
        staff = conn.execute(
            select(merchants.c.default_currency)
            .join(merchant_members, merchant_members.c.merchant_id == merchants.c.id)
            .join(users, users.c.id == merchant_members.c.user_id)
            .where(users.c.email == MERCHANT_EMAIL)
        ).all()
    assert staff == [("CNY",)]  # the demo merchant login works for a synthetic merchant
    assert {hit.merchant_id for hit in found.items} == {RETAIL_SUPPLIER}
    assert all(hit.price_rule == "tier:48" for hit in found.items)
