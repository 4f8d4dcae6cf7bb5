"""The demo seed builds a marketplace a buyer can shop in at once: history with behaviour
(synthetic here: no data sets), stock, a wallet, credit terms, a B2B company, the default
commission rule; the platform admin last, as the mark that it is complete. Then the demo's
models are trained from its export, as `make demo` does."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from marketplace.bootstrap import Marketplace
from marketplace.companies.adapters.tables import company_members
from marketplace.inventory.adapters.tables import stock_levels
from marketplace.parties.adapters.tables import users
from marketplace.seeding.demo import BUYER_EMAIL, DemoScale, already_seeded, seed_demo
from marketplace.seeding.synthetic import SyntheticParams
from marketplace.settlement.adapters.tables import commission_rules
from marketplace.shared.money import Money
from serving.demo_training import train_demo_models

TINY = DemoScale(
    synthetic=SyntheticParams(users=60, merchants=4, products=24, days=10, seed=7,
                              start=date(2026, 11, 1)),
    stocked_merchants=3, skus_per_merchant=2,
)  # fmt: skip


def test_demo_seed_is_ready_to_shop(sqlite_app: Marketplace, tmp_path: Path) -> None:
    app = sqlite_app
    assert not already_seeded(app)
    summary = seed_demo(app, datasets_dir=tmp_path / "absent", scale=TINY,
                        truth_path=tmp_path / "truth.json")  # fmt: skip
    assert summary.source == "synthetic"
    assert already_seeded(app)
    assert (tmp_path / "truth.json").exists()
    assert summary.counts["orders"] > 0
    assert summary.counts["behaviour events"] > summary.counts["orders"]
    with app.engine.connect() as conn:
        buyer = conn.execute(select(users.c.id).where(users.c.email == BUYER_EMAIL)).scalar_one()
        rules = conn.execute(select(func.count()).select_from(commission_rules)).scalar_one()
        stocked = conn.execute(
            select(func.count(func.distinct(stock_levels.c.sku_id))).where(
                stock_levels.c.on_hand > 0
            )
        ).scalar_one()
        role = conn.execute(
            select(company_members.c.role).where(company_members.c.user_id == buyer)
        ).scalar_one()
    assert rules == 1
    assert stocked == 3 * 2  # 3 merchants x 2 SKUs, in their own and the platform warehouse
    assert role == "buyer_admin"
    assert app.wallet is not None
    assert app.wallet.balance(buyer, "CNY") == Money.of("5000.00", "CNY")

    # What `make demo` runs next: export, fit the served models, build the search index.
    aliases = train_demo_models(app, exports=tmp_path / "exports", models=tmp_path / "models")
    assert {"user", "similar", "bought_together", "trending", "search"} <= set(aliases)
    assert (tmp_path / "models" / "aliases.json").exists()
    assert (tmp_path / "exports" / "events" / "_manifest.json").exists()
