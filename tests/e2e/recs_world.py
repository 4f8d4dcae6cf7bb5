"""A small marketplace with shoppers' events, built through the real API, and models
trained from its export: the world of the recommendations API tests."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from marketplace.behaviour.adapters.tables import recommendation_impressions
from marketplace.bootstrap import Marketplace
from marketplace.exports.domain import Dataset, ExportRequest
from marketplace.exports.services import export_dataset
from serving.recs import sources, training
from tests.e2e.catalog_api import API, Shop, ok, open_shop
from tests.factories import create_approved_merchant, new_user_headers

_ids = itertools.count(1)


@dataclass
class World:
    client: TestClient
    app: Marketplace
    admin: dict[str, str]
    shops: list[Shop]
    categories: dict[str, str]  # dresses (root), summer (below dresses), tools (root)
    products: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> facts
    users: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    out_of_stock: str = ""
    delisted: str = ""

    def product(self, shop: Shop, category: str, price: str, title: str, stock: int = 5) -> str:
        pid, sku = shop.listed_product(
            price, category_id=self.categories[category],
            translations={"en": {"title": title}, "zh": {"title": title}},
        )  # fmt: skip
        if stock:
            warehouse = _warehouse(shop)
            body = {"sku_id": sku, "warehouse_id": warehouse, "quantity": stock}
            ok(shop.client.post(f"{shop.base}/stock/inbound", json=body,
                                headers=shop.merchant.headers), 201)  # fmt: skip
        self.products[pid] = {"merchant": shop.merchant.id, "category": category,
                              "price": price, "sku": sku, "title": title}  # fmt: skip
        return pid


_WAREHOUSES: dict[str, str] = {}


def _warehouse(shop: Shop) -> str:
    if shop.merchant.id not in _WAREHOUSES:
        body = {"code": f"W{next(_ids)}", "name": "Main", "country": "CN", "region": "Shanghai"}
        made = ok(shop.client.post(f"{shop.base}/warehouses", json=body,
                                   headers=shop.merchant.headers), 201)  # fmt: skip
        _WAREHOUSES[shop.merchant.id] = made["id"]
    return _WAREHOUSES[shop.merchant.id]


def _category(client: TestClient, admin: dict[str, str], en: str, parent: str | None) -> str:
    body = {"names": {"zh": en, "en": en}, "parent_id": parent}
    return str(ok(client.post(f"{API}/admin/categories", json=body, headers=admin), 201)["id"])


def build_world(client: TestClient, app: Marketplace) -> World:
    first = open_shop(client, app)
    second = Shop(client, app, first.admin,
                  create_approved_merchant(client, app, admin_headers=first.admin),
                  first.category_id)  # fmt: skip
    summer = _category(client, first.admin, f"Summer {next(_ids)}", first.category_id)
    tools = _category(client, first.admin, f"Tools {next(_ids)}", None)
    world = World(client, app, first.admin, [first, second],
                  {"dresses": first.category_id, "summer": summer, "tools": tools})  # fmt: skip
    for i in range(8):  # what the shoppers look at
        shop, category = world.shops[i % 2], ("dresses", "summer")[i // 4]
        world.product(shop, category, f"{100 + 10 * i}.00", f"Linen dress {i}")
    for i in range(3):  # nobody's interest: only popular fallbacks show these
        world.product(world.shops[i % 2], "tools", f"{20 + i}.00", f"Steel hammer {i}")
    world.out_of_stock = world.product(first, "dresses", "90.00", "Silk dress", stock=0)
    world.delisted = world.product(second, "summer", "95.00", "Cotton dress")
    delist(world, world.delisted)
    for _ in range(6):
        user, headers = new_user_headers(client)
        world.users.append((str(user["id"]), headers))
    _post_events(world)
    return world


def delist(world: World, product_id: str) -> None:
    shop = next(s for s in world.shops if s.merchant.id == world.products[product_id]["merchant"])
    url = f"{shop.base}/products/{product_id}/delist"
    ok(world.client.post(url, headers=shop.merchant.headers))


def dresses(world: World) -> list[str]:
    return [p for p, f in world.products.items() if f["title"].startswith("Linen")]


def event(kind: str, product_id: str, session: str, **fields: Any) -> dict[str, Any]:
    at = datetime.now(UTC) - timedelta(minutes=fields.pop("minutes_ago", 1))
    return {"type": kind, "occurred_at": at.isoformat(), "session_id": session,
            "product_id": product_id, **fields}  # fmt: skip


def post_events(world: World, headers: dict[str, str], events: list[dict[str, Any]]) -> None:
    body = ok(world.client.post(f"{API}/events", json={"events": events}, headers=headers))
    assert body["rejected"] == 0, body


def purchase(world: World, product_id: str, session: str) -> dict[str, Any]:
    f = world.products[product_id]
    return event("purchase", product_id, session, sku_id=f["sku"], quantity=1,
                 unit_price=f["price"], currency="CNY", order_id=f"ord_{next(_ids)}")  # fmt: skip


def _post_events(world: World) -> None:
    """Each shopper likes a window of the linen dresses; the out-of-stock and delisted
    dresses are everyone's favourite (so a model ranks them high, and rules must drop them)."""
    items = dresses(world)
    for n, (_, headers) in enumerate(world.users):
        session = f"sess_user_{n}_{next(_ids)}"
        liked = [items[(n + j) % len(items)] for j in range(4)]
        events = [event("view", p, session, minutes_ago=30 - j) for j, p in enumerate(liked)]
        events += [event("view", p, session) for p in (world.out_of_stock, world.delisted)]
        events.append(event("add_to_cart", liked[0], session, quantity=1))
        events.append(purchase(world, liked[0], session))
        post_events(world, headers, events)


def train(
    world: World, models_dir: Path, tmp: Path, *, embed: bool = False, **kwargs: Any
) -> training.Published:
    """Export the events and the catalog, then fit and publish, as `agora recs train`."""
    now = datetime.now(UTC)
    export = tmp / f"export-{next(_ids)}"
    for dataset, since in ((Dataset.EVENTS, now - timedelta(days=1)), (Dataset.CATALOG, None)):
        request = ExportRequest.of(dataset, since=since, until=None, now=now)
        export_dataset(request, engine=world.app.engine, out_dir=export)
    data = sources.interactions_from_export(export / "events")
    catalog = sources.catalog_path(export)
    assert catalog is not None
    items = sources.item_texts_from_catalog(catalog)
    return training.publish(data, models_dir, search_items=items, embed=embed, **kwargs)


def impressions(app: Marketplace, attribution_id: str | None = None) -> int:
    t = recommendation_impressions.c
    stmt = select(func.count()).select_from(recommendation_impressions)
    if attribution_id is not None:
        stmt = stmt.where(t.attribution_id == attribution_id)
    with app.engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


def wait_for_impression(app: Marketplace, attribution_id: str, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while impressions(app, attribution_id) == 0:
        assert time.monotonic() < deadline, f"no impression {attribution_id} after {seconds} s"
        time.sleep(0.1)
