"""The advice batch on a synthetic marketplace: forecasts for every SKU that sold, price
suggestions within the merchant's guardrails, only for merchants who can be priced."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from marketplace.advice import services
from marketplace.advice.adapters.tables import demand_forecasts, price_suggestions
from marketplace.advice.commands import SetPricingPolicy
from marketplace.bootstrap import Marketplace, bootstrap
from marketplace.catalog.adapters.tables import sku_prices, skus
from marketplace.config import Settings
from marketplace.seeding.synthetic import SyntheticParams
from marketplace.seeding.synthetic.seed import seed_synthetic
from marketplace.shared.adapters.cache import InMemoryCache
from marketplace.shared.clock import FixedClock
from serving.advice.producer import refresh_advice

START = date(2025, 3, 1)
DAYS = 120
NOW = datetime.combine(START + timedelta(days=DAYS), datetime.min.time(), UTC) + timedelta(hours=6)


@pytest.fixture
def market(any_engine: Engine, tmp_path: Path) -> Marketplace:
    """Two merchants, four products, busy enough for their elasticities to be measured."""
    url = any_engine.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, env="test", log_json=False)
    app = bootstrap(settings, engine=any_engine, cache=InMemoryCache(), clock=FixedClock(NOW))
    params = SyntheticParams(users=600, merchants=2, products=4, days=DAYS, seed=5, start=START,
                             sessions_per_user_day=0.5).validate()  # fmt: skip
    seed_synthetic(any_engine, params, truth_path=tmp_path / "truth.json", app=app)
    return app


def _merchants(app: Marketplace) -> list[str]:
    """The merchants that sell something."""
    with app.engine.connect() as conn:
        return sorted(conn.execute(select(skus.c.merchant_id).distinct()).scalars())


def test_forecasts_every_sku_that_sold_and_prices_within_the_guardrails(
    market: Marketplace,
) -> None:
    revenue, *_ = _merchants(market)
    policy = SetPricingPolicy(merchant_id=revenue, actor_id="test", objective="revenue")
    services.set_pricing_policy(policy, uow=market.uow())
    run = refresh_advice(market, days=DAYS)
    with market.engine.connect() as conn:
        stored = conn.execute(select(demand_forecasts)).mappings().all()
        pending = conn.execute(
            select(price_suggestions, sku_prices.c.amount_minor.label("list_minor"))
            .join(sku_prices, (sku_prices.c.sku_id == price_suggestions.c.sku_id)
                  & (sku_prices.c.currency == price_suggestions.c.currency)
                  & (sku_prices.c.price_type == "list"))
        ).mappings().all()  # fmt: skip
    assert run.series > 0
    assert run.forecasts == len(stored) == run.series
    assert {r["start_date"] for r in stored} == {NOW.date()}
    assert all(r["horizon_days"] == 28 and r["model_name"] == "tsb" for r in stored)
    assert run.products_identified >= 1
    # The profit merchant set no unit costs: nothing can be priced for profit.
    assert run.kept["missing_cost"] >= 1
    assert pending, run
    assert {r["merchant_id"] for r in pending} == {revenue}
    for r in pending:
        assert r["current_price_minor"] == r["list_minor"]  # priced from the list price
        step = Decimal(r["suggested_price_minor"]) / Decimal(r["current_price_minor"]) - 1
        assert abs(step) <= Decimal("0.10") + Decimal("0.005")  # the default +-10 % step
        assert r["elasticity_ci_low"] <= r["elasticity"] <= r["elasticity_ci_high"]
        assert r["status"] == "pending"
    # A second run supersedes: still one pending suggestion per SKU.
    again = refresh_advice(market, days=DAYS)
    with market.engine.connect() as conn:
        counts = dict(conn.execute(
            select(price_suggestions.c.status, func.count()).group_by(price_suggestions.c.status)
        ).all())  # fmt: skip
    assert counts["pending"] == again.suggestions == run.suggestions
    assert counts["superseded"] == run.suggestions
