"""``seed_synthetic`` and ``agora seed synthetic`` against real databases: consistent rows,
the ground truth file, and a re-run that writes nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner

from marketplace.bootstrap import Marketplace, bootstrap
from marketplace.config import Settings, get_settings
from marketplace.db.schema import load_all_tables, metadata
from marketplace.seeding.synthetic import SyntheticParams, build_world, truth_json
from marketplace.seeding.synthetic.seed import seed_synthetic
from marketplace.shared.adapters.cache import InMemoryCache
from serving.cli import app

PARAMS = SyntheticParams(users=80, merchants=5, products=40, days=12, seed=5)


def _snapshot(engine: Engine) -> dict[str, tuple[int, str]]:
    load_all_tables()
    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = sorted(repr(tuple(r)) for r in conn.execute(select(table)))
            out[table.name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return out


def _app(engine: Engine) -> Marketplace:
    settings = Settings(database_url=str(engine.url), env="test", log_json=False)  # type: ignore[call-arg]
    return bootstrap(settings, engine=engine, cache=InMemoryCache())


def _scalar(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def test_rows_are_consistent(any_engine: Engine, tmp_path: Path) -> None:
    summary = seed_synthetic(
        any_engine, PARAMS, truth_path=tmp_path / "truth.json", app=_app(any_engine)
    )
    made = summary.generated
    assert made["checkouts"] > 10
    assert made["events"] > 500

    def q(sql: str) -> int:
        return _scalar(any_engine, sql)

    assert q("SELECT count(*) FROM checkout_groups") == made["checkouts"]
    assert q("SELECT count(*) FROM behaviour_events WHERE source = 'synthetic'") == made["events"]
    assert q("SELECT count(*) FROM products") == PARAMS.products
    # Every order has lines, and every total adds up exactly (minor units).
    assert (
        q(
            "SELECT count(*) FROM orders o WHERE NOT EXISTS "
            "(SELECT 1 FROM order_lines l WHERE l.order_id = o.id)"
        )
        == 0
    )
    assert (
        q("SELECT count(*) FROM order_lines WHERE line_total_minor <> unit_price_minor * quantity")
        == 0
    )
    assert (
        q(
            "SELECT count(*) FROM orders o WHERE o.items_total_minor <> (SELECT "
            "sum(line_total_minor) FROM order_lines l WHERE l.order_id = o.id) "
            "OR o.total_minor <> o.items_total_minor + o.shipping_minor"
        )
        == 0
    )
    assert (
        q(
            "SELECT count(*) FROM checkout_groups g WHERE g.total_minor <> (SELECT "
            "sum(total_minor) FROM orders o WHERE o.group_id = g.id)"
        )
        == 0
    )
    assert (
        q(
            "SELECT count(*) FROM payments p WHERE p.captured_minor <> (SELECT "
            "sum(amount_minor) FROM payment_orders po WHERE po.payment_id = p.id)"
        )
        == 0
    )
    # Events point at rows that exist; purchases at their order and its units.
    for column, table in (
        ("user_id", "users"),
        ("product_id", "products"),
        ("sku_id", "skus"),
        ("merchant_id", "merchants"),
        ("order_id", "orders"),
    ):
        assert (
            q(
                f"SELECT count(*) FROM behaviour_events e WHERE e.{column} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = e.{column})"
            )
            == 0
        )
    assert (
        q("SELECT count(*) FROM behaviour_events WHERE type = 'purchase' AND order_id IS NULL") == 0
    )
    assert q("SELECT sum(quantity) FROM behaviour_events WHERE type = 'purchase'") == q(
        "SELECT sum(quantity) FROM order_lines"
    )
    assert (
        q(
            "SELECT count(*) FROM behaviour_events e JOIN order_lines l ON "
            "l.order_id = e.order_id AND l.sku_id = e.sku_id WHERE e.type = 'purchase' "
            "AND (l.quantity <> e.quantity OR l.unit_price_minor <> e.price_minor)"
        )
        == 0
    )
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert truth["seed"] == PARAMS.seed
    assert len(truth["products"]) == PARAMS.products
    # Suppliers serve China with their planted lead time.
    planted = sorted(m["lead_time_days"] for m in truth["merchants"] if m["kind"] == "supplier")
    with any_engine.connect() as conn:
        served = sorted(
            conn.execute(
                text(
                    "SELECT r.lead_time_days FROM supplier_regions r JOIN merchants m "
                    "ON m.id = r.merchant_id WHERE r.region = '' AND m.kind = 'supplier'"
                )
            ).scalars()
        )
    assert served == planted
    assert planted


def test_a_rerun_writes_nothing(any_engine: Engine, tmp_path: Path) -> None:
    app = _app(any_engine)
    seed_synthetic(any_engine, PARAMS, truth_path=tmp_path / "a.json", app=app)
    before = _snapshot(any_engine)
    again = seed_synthetic(any_engine, PARAMS, truth_path=tmp_path / "b.json", app=app)
    assert set(again.new_rows.values()) == {0}
    assert _snapshot(any_engine) == before
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def _normal(value: object) -> object:
    """One spelling of a value on both databases (timestamps in UTC, JSON sorted)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, str) and value[:1] in "[{":
        return json.dumps(json.loads(value), sort_keys=True)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def test_postgres_and_sqlite_get_the_same_rows(
    pg_engine: Engine, sqlite_engine: Engine, tmp_path: Path
) -> None:
    for engine in (pg_engine, sqlite_engine):
        seed_synthetic(engine, PARAMS, truth_path=tmp_path / "truth.json")
    load_all_tables()
    for name in ("orders", "order_lines", "payments", "behaviour_events", "users", "skus"):
        table = metadata.tables[name]
        found = []
        for engine in (pg_engine, sqlite_engine):
            with engine.connect() as conn:
                found.append(
                    sorted(tuple(_normal(v) for v in row) for row in conn.execute(select(table)))
                )
        assert found[0] == found[1], name
        assert found[0], name


@pytest.fixture
def cli_db(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("AGORA_DATABASE_URL", str(sqlite_engine.url))
    monkeypatch.setenv("AGORA_ENV", "test")
    get_settings.cache_clear()
    yield sqlite_engine
    get_settings.cache_clear()


def test_cli_seeds_and_writes_the_truth_file(cli_db: Engine, tmp_path: Path) -> None:
    truth = tmp_path / "t.json"
    args = [
        "seed",
        "synthetic",
        "--users",
        "40",
        "--merchants",
        "3",
        "--products",
        "20",
        "--days",
        "5",
        "--seed",
        "9",
        "--truth",
        str(truth),
    ]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    params = SyntheticParams(users=40, merchants=3, products=20, days=5, seed=9)
    assert truth.read_bytes() == truth_json(build_world(params))
    orders = _scalar(cli_db, "SELECT count(*) FROM orders")
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "orders 0" in second.output
    assert "behaviour_events 0" in second.output
    assert _scalar(cli_db, "SELECT count(*) FROM orders") == orders


def test_cli_refuses_bad_parameters_and_writes_nothing(cli_db: Engine, tmp_path: Path) -> None:
    before = _snapshot(cli_db)
    result = CliRunner().invoke(
        app,
        [
            "seed",
            "synthetic",
            "--merchants",
            "10",
            "--products",
            "3",
            "--truth",
            str(tmp_path / "t.json"),
        ],
    )
    assert result.exit_code == 2
    assert "product per merchant" in result.output
    assert _snapshot(cli_db) == before
    assert not (tmp_path / "t.json").exists()
    with cli_db.connect() as conn:
        users = metadata.tables["users"]
        assert conn.execute(select(func.count()).select_from(users)).scalar() == 0
