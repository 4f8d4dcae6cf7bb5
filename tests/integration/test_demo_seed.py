"""The demo seed builds a marketplace a buyer can shop in at once: wallet, credit terms,
a default commission rule, stocked products (synthetic here: no data sets)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from marketplace.bootstrap import Marketplace
from marketplace.catalog.adapters.tables import products
from marketplace.parties.adapters.tables import users
from marketplace.seeding.demo import BUYER_EMAIL, seed_demo
from marketplace.settlement.adapters.tables import commission_rules
from marketplace.shared.money import Money


def test_demo_seed_is_ready_to_shop(sqlite_app: Marketplace, tmp_path: Path) -> None:
    summary = seed_demo(sqlite_app, datasets_dir=tmp_path / "absent", sellers=2,
                        products_per_seller=2)  # fmt: skip
    assert summary.source == "synthetic"
    with sqlite_app.engine.connect() as conn:
        buyer = conn.execute(select(users.c.id).where(users.c.email == BUYER_EMAIL)).scalar_one()
        listed = conn.execute(
            select(func.count()).select_from(products).where(products.c.status == "listed")
        ).scalar_one()
        rules = conn.execute(select(func.count()).select_from(commission_rules)).scalar_one()
    assert listed == 4
    assert rules == 1
    assert sqlite_app.wallet is not None
    assert sqlite_app.wallet.balance(buyer, "CNY") == Money.of("5000.00", "CNY")
