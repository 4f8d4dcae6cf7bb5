"""The demo's headline procurement dialogue, on a slice of the real data: the demo buyer (a
Chinese company buying in CNY) asks for the cheapest supplier of a UCI wholesaler product,
says yes, confirms the frozen draft and gets an order, in English and in Chinese."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace.bootstrap import Marketplace
from marketplace.catalog.adapters.tables import product_translations, skus
from marketplace.companies.adapters.tables import company_members
from marketplace.importing.online_retail_import import MERCHANT as RETAIL_SUPPLIER
from marketplace.parties.adapters.tables import users
from marketplace.seeding.demo import BUYER_EMAIL, DemoScale, seed_demo
from marketplace.seeding.synthetic import SyntheticParams
from marketplace.sourcing.adapters.tables import offers
from serving.agent.chat import Event, ProcurementChat

SLICE = DemoScale(
    olist_orders=20, retail_rows=3_000,
    synthetic=SyntheticParams(users=20, merchants=2, products=8, days=3, seed=5,
                              start=date(2026, 11, 1)),
    stocked_merchants=1, skus_per_merchant=1, supplier_offers=4,
)  # fmt: skip


def _named(events: list[Event], name: str) -> list[dict]:  # type: ignore[type-arg]
    return [e.data for e in events if e.name == name]


@pytest.mark.parametrize(
    ("locale", "ask", "yes"),
    [("en", "find the cheapest supplier for 200 {title}", "yes"),
     ("zh", "帮我找200个{title}，最便宜的供应商", "好的")],
)  # fmt: skip
def test_the_demo_buyer_orders_from_the_uk_wholesaler_in_cny(
    sqlite_app: Marketplace, datasets_dir: Path, tmp_path: Path, locale: str, ask: str, yes: str
) -> None:
    app = sqlite_app
    seed_demo(app, datasets_dir=datasets_dir, scale=SLICE, truth_path=tmp_path / "truth.json")
    with app.engine.connect() as conn:
        buyer = conn.execute(select(users.c.id).where(users.c.email == BUYER_EMAIL)).scalar_one()
        company = conn.execute(
            select(company_members.c.company_id).where(company_members.c.user_id == buyer)
        ).scalar_one()
        offer, currency, title = conn.execute(
            select(offers.c.id, offers.c.currency, product_translations.c.title)
            .join(skus, skus.c.id == offers.c.sku_id)
            .join(product_translations, product_translations.c.product_id == skus.c.product_id)
            .where(offers.c.merchant_id == RETAIL_SUPPLIER, product_translations.c.locale == "en")
            .order_by(offers.c.sku_id.desc())  # the last SKU: beyond skus_per_merchant
            .limit(1)
        ).one()
    assert currency == "CNY"  # the GBP list, quoted to Chinese buyers at the demo rate

    chat = ProcurementChat(app)
    try:
        conv = chat.start(company, buyer, locale).id
        events = list(chat.say(conv, buyer, ask.format(title=title.lower())))
        assert [s["tool"] for s in _named(events, "step")] == ["search_offers", "compare_offers"]
        [shown] = _named(events, "message")
        assert shown["step"] == "comparison", shown
        # the supplier estimates shipping to Shanghai: goods and landed totals are told apart
        assert ("landed with the supplier's shipping estimate" if locale == "en"
                else "含供应商运费估算的到岸总价") in shown["text"]  # fmt: skip
        events = list(chat.say(conv, buyer, yes))
        [request] = _named(events, "confirmation_required")
        assert request["suppliers"][0]["supplier_id"] == RETAIL_SUPPLIER
        [line] = request["lines"]
        assert line["quantity"] == 200
        assert line["offer_id"] == offer
        assert line["unit_price"]["currency"] == "CNY"
        assert Decimal(line["line_total"]["amount"]) == 200 * Decimal(line["unit_price"]["amount"])
        events = list(chat.confirm(conv, buyer, request["draft_id"], request["content_hash"]))
        [outcome] = _named(events, "outcome")
        assert outcome["status"] == "ordered", outcome
        assert len(outcome["order_ids"]) == 1
    finally:
        chat.close()
