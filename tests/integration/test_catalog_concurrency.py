"""Races against PostgreSQL: concurrent writers of the tree and of one product serialise
and the loser gets a clean domain error, never a corrupt tree or a duplicate SKU."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from marketplace.catalog import services
from marketplace.catalog.adapters.tables import categories, skus
from marketplace.catalog.domain.commands import AddSku, MoveCategory
from marketplace.shared.clock import FixedClock
from marketplace.shared.errors import DomainError
from tests.integration.catalog_seed import Catalog, insert_merchant


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; each result or the DomainError raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except DomainError as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.fixture
def catalog(pg_engine: Engine, clock: FixedClock) -> Catalog:
    return Catalog(pg_engine, clock)


def test_crossed_moves_cannot_make_a_cycle(catalog: Catalog, pg_engine: Engine) -> None:
    for i in range(5):
        a, b = catalog.category(f"A{i}"), catalog.category(f"B{i}")
        results = race(
            lambda a=a, b=b: services.move_category(MoveCategory(a, b), uow=catalog.uow()),
            lambda a=a, b=b: services.move_category(MoveCategory(b, a), uow=catalog.uow()),
        )
        codes = sorted(getattr(r, "code", "ok") for r in results)
        assert codes == ["category_cycle", "ok"]
    with pg_engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(categories))}
    for row in rows.values():  # every path is its parent's path plus its own id
        parent_path = rows[row.parent_id].path if row.parent_id else "/"
        assert row.path == f"{parent_path}{row.id}/"
        assert row.depth == row.path.count("/") - 2


def test_the_same_sales_attributes_added_twice_at_once(
    catalog: Catalog, pg_engine: Engine, clock: FixedClock
) -> None:
    merchant, _ = insert_merchant(pg_engine, clock)
    pid = catalog.product(
        merchant, catalog.category("C"), titles={"en": "P"}, skus=(), listed=False
    )

    def add(code: str) -> Any:
        cmd = AddSku(merchant, pid, code, {"colour": "red"})
        return services.add_sku(cmd, uow=catalog.uow(), cache=catalog.cache)

    results = race(lambda: add("R-1"), lambda: add("R-2"))
    assert sorted(getattr(r, "code", "ok") for r in results) == ["duplicate_sku_attributes", "ok"]
    with pg_engine.connect() as conn:
        count = conn.execute(select(func.count()).where(skus.c.product_id == pid)).scalar_one()
    assert count == 1
