"""On PostgreSQL: 20 purchase orders race for a credit line that fits 5. Exactly 5 are
ordered; the other 15 fail with credit_limit_exceeded, their orders cancelled, their stock
and budget given back; the credit used is exactly 5 orders' worth."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, func, select

from marketplace.bootstrap import bootstrap
from marketplace.companies import services as companies
from marketplace.companies.domain import OverrunPolicy, ShippingAddress
from marketplace.config import Settings
from marketplace.ordering.adapters.tables import orders
from marketplace.payments.adapters.tables import credit_accounts, invoices
from marketplace.purchasing import commands
from marketplace.purchasing.domain import PlacementFailedError
from marketplace.purchasing.services import submit_purchase_request
from marketplace.shared.adapters.cache import InMemoryCache
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from tests.integration.ordering.seed import Market

pytestmark = pytest.mark.postgres
ADDRESS = ShippingAddress("Wang Fang", "13900000000", "CN", "Shanghai", "Shanghai", "1 Rd")


def test_twenty_purchase_orders_against_a_credit_line_for_five(pg_engine: Engine) -> None:
    clock = FixedClock()
    settings = Settings(
        database_url=pg_engine.url.render_as_string(hide_password=False),
        env="test",
        log_json=False,
        db_pool_size=25,
    )
    app = bootstrap(settings, engine=pg_engine, cache=InMemoryCache(), clock=clock)
    market = Market(app, clock)
    seller = market.seller({"drum": "1000.00"}, stock={"drum": 1000})
    admin = market.buyer()
    company = companies.create_company(companies.CreateCompany("Race Ltd", admin), uow=app.uow())
    centre = companies.add_cost_centre(
        company.id,
        actor_id=admin,
        code="OPS",
        name="Ops",
        monthly_budget=Money.of("1000000", "CNY"),
        overrun=OverrunPolicy.BLOCK,
        uow=app.uow(),
    )
    location = companies.add_location(
        company.id,
        actor_id=admin,
        name="DC",
        address=ADDRESS,
        cost_centre_id=centre.id,
        uow=app.uow(),
    )
    assert app.credit_terms is not None
    assert app.credit_terms.set_account(company.id, Money.of("5500", "CNY"), terms_days=30)

    def order(i: int) -> str:
        cmd = commands.SubmitPurchaseRequest(
            company_id=company.id,
            requester_id=admin,
            location_id=location.id,
            lines=(commands.RequestLine(seller.skus["drum"], 1),),
            idempotency_key=f"k{i}",
        )
        try:
            return submit_purchase_request(cmd, uow=app.uow(), placement=app.placement).status
        except PlacementFailedError as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(order, range(20)))

    assert outcomes.count("ordered") == 5, outcomes
    assert outcomes.count("credit_limit_exceeded") == 15, outcomes
    with pg_engine.connect() as conn:
        used = conn.execute(
            select(credit_accounts.c.used_minor).where(credit_accounts.c.buyer_id == company.id)
        ).scalar_one()
        issued = conn.execute(
            select(func.count(), func.sum(invoices.c.amount_minor)).where(
                invoices.c.buyer_id == company.id
            )
        ).one()
        statuses = dict(
            conn.execute(
                select(orders.c.status, func.count())
                .where(orders.c.company_id == company.id)
                .group_by(orders.c.status)
            ).all()
        )
    assert used == 500_000  # 5 x 1,000.00 CNY
    assert (issued[0], issued[1]) == (5, 500_000)
    assert statuses == {"paid": 5, "cancelled": 15}
    assert market.stock(seller, "drum") == (995, 0)  # 5 taken, nothing left reserved
    figures = companies.budget_of(company.id, centre.id, actor_id=admin, uow=app.uow())
    assert figures is not None
    assert figures.committed == Money.of("5000", "CNY")
