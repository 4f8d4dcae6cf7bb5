"""The importers on slices of the real data sets, on SQLite and PostgreSQL: counts, the
cleaning report, cancellations as refunds, companies, exact money, and a re-run that
changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from marketplace.bootstrap import bootstrap
from marketplace.config import Settings
from marketplace.db.schema import metadata
from marketplace.importing.olist_import import import_olist
from marketplace.importing.online_retail_import import import_online_retail
from marketplace.shared.adapters.cache import InMemoryCache
from tests.factories import db_snapshot


def _count(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        query = select(func.count()).select_from(metadata.tables[name])
        return int(conn.execute(query).scalar_one())


def _cancelled(engine: Engine) -> int:
    orders = metadata.tables["orders"]
    with engine.connect() as conn:
        query = select(func.count(orders.c.group_id.distinct())).where(
            orders.c.status == "cancelled"
        )
        return int(conn.execute(query).scalar_one())


def _snapshot(engine: Engine) -> dict[str, tuple[int, str]]:
    settings = Settings(database_url=str(engine.url), env="test", log_json=False)
    return db_snapshot(bootstrap(settings, engine=engine, cache=InMemoryCache()))


def test_online_retail_slice(any_engine: Engine, datasets_dir: Path) -> None:
    report = import_online_retail(any_engine, datasets_dir, limit=6000)

    assert report.rows_read == 6000
    assert {"missing_customer_id", "duplicate_line", "non_product_code",
            "cancellation_without_match"} <= set(report.dropped)  # fmt: skip
    assert report.kept["refunds"] > 0
    assert _count(any_engine, "refunds") == report.kept["refunds"]
    assert report.kept["companies"] > 0
    assert _count(any_engine, "companies") > 0
    assert _count(any_engine, "checkout_groups") == report.kept["orders"]
    assert _count(any_engine, "behaviour_events") == report.kept["events"]
    kept_rows = report.rows_read - sum(report.dropped.values())
    with any_engine.connect() as conn:
        lines = metadata.tables["order_lines"]
        orders, payments = metadata.tables["orders"], metadata.tables["payments"]
        units = conn.execute(select(func.sum(lines.c.quantity))).scalar_one()
        # Money is exact: every order total is the sum of its lines, and what was paid.
        assert conn.execute(select(func.sum(orders.c.total_minor))).scalar_one() == conn.execute(
            select(func.sum(lines.c.line_total_minor))).scalar_one()  # fmt: skip
        assert conn.execute(select(func.sum(payments.c.refunded_minor))).scalar_one() == (
            conn.execute(select(func.sum(orders.c.refunded_minor))).scalar_one())  # fmt: skip
        currencies = set(conn.execute(select(orders.c.currency).distinct()).scalars())
    assert units > 0
    assert kept_rows > 0
    assert currencies == {"GBP"}
    before = _snapshot(any_engine)
    again = import_online_retail(any_engine, datasets_dir, limit=6000)
    assert set(again.written.values()) == {0}
    assert _snapshot(any_engine) == before


def test_online_retail_cancellation_refunds_its_purchase(
    sqlite_engine: Engine, datasets_dir: Path
) -> None:
    report = import_online_retail(sqlite_engine, datasets_dir, limit=6000)
    with sqlite_engine.connect() as conn:
        refunds, lines = metadata.tables["refunds"], metadata.tables["order_lines"]
        refund = conn.execute(select(refunds)).mappings().first()
        assert refund is not None
        assert refund["status"] == "succeeded"
        line = conn.execute(select(lines).where(lines.c.id == refund["lines"][0]["line_id"])
                            ).mappings().one()  # fmt: skip
    assert line["refunded_quantity"] == refund["lines"][0]["quantity"]
    assert line["refunded_minor"] == refund["amount_minor"]
    assert refund["amount_minor"] == line["unit_price_minor"] * line["refunded_quantity"]
    assert report.dropped["cancellation_without_match"] > 0


def test_olist_slice(any_engine: Engine, datasets_dir: Path) -> None:
    report = import_olist(any_engine, datasets_dir, limit=300)

    assert report.kept["orders"] + report.dropped.get("order_without_items", 0) == 300
    assert _count(any_engine, "checkout_groups") == report.kept["orders"]
    assert _count(any_engine, "products") == report.kept["products"] > 0
    with any_engine.connect() as conn:
        merchants, orders = metadata.tables["merchants"], metadata.tables["orders"]
        assert set(conn.execute(select(merchants.c.status).distinct()).scalars()) == {"approved"}
        assert set(conn.execute(select(orders.c.currency).distinct()).scalars()) == {"BRL"}
        statuses = set(conn.execute(select(orders.c.status).distinct()).scalars())
    # Cancelled orders were never paid: they have no payment.
    assert "delivered" in statuses
    assert _count(any_engine, "payments") == report.kept["orders"] - _cancelled(any_engine)
    before = _snapshot(any_engine)
    again = import_olist(any_engine, datasets_dir, limit=300)
    assert set(again.written.values()) == {0}
    assert _snapshot(any_engine) == before


@pytest.mark.slow
def test_olist_whole_catalogue_on_sqlite(sqlite_engine: Engine, datasets_dir: Path) -> None:
    report = import_olist(sqlite_engine, datasets_dir, limit=50)
    assert report.kept["priced_by_category_median"] == 0  # only sold products in a slice
