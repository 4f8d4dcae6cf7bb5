"""Over HTTP, on SQLite and PostgreSQL: recommendations and search served from models
trained on the marketplace's own export, with business rules, fallbacks, attribution
(impressions, clicks, the report), hot swap of versions, and refusals."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketplace.behaviour.queries import recs_report
from marketplace.bootstrap import Marketplace
from serving.api.app import create_app
from serving.recs.runtime import RecsRuntime
from tests.e2e.catalog_api import API, ok, problem
from tests.e2e.recs_world import (
    World,
    build_world,
    delist,
    dresses,
    event,
    impressions,
    post_events,
    purchase,
    train,
    wait_for_impression,
)
from tests.factories import db_snapshot

REC = f"{API}/recommendations"


@pytest.fixture(params=["sqlite", "postgres"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    name = "pg" if request.param == "postgres" else "sqlite"
    if name == "pg":
        request.applymarker(pytest.mark.postgres)
    base: Marketplace = request.getfixturevalue(f"{name}_app")
    settings = base.settings.model_copy(
        update={"models_dir": tmp_path / "models", "recs_reload_seconds": 0}
    )
    app = dataclasses.replace(base, settings=settings)
    with TestClient(create_app(app)) as client:
        yield build_world(client, app)


def _runtime(world: World) -> RecsRuntime:
    runtime: RecsRuntime = world.client.app.state.recs.get()  # type: ignore[attr-defined]
    return runtime


def _get(world: World, url: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    return ok(world.client.get(url, params=params, headers=headers or {}))


def _ids(body: dict[str, Any]) -> list[str]:
    return [i["product_id"] for i in body["items"]]


def _never_unsellable(world: World, body: dict[str, Any]) -> None:
    assert body["items"], body
    assert not {world.out_of_stock, world.delisted} & set(_ids(body))
    assert body["attribution_id"].startswith("rec_")


def _trained(world: World, tmp_path: Path) -> None:
    train(world, tmp_path / "models", tmp_path)
    ok(world.client.post(f"{API}/admin/recs/reload", headers=world.admin))


def test_a_fresh_marketplace_serves_popular_from_the_database(world: World) -> None:
    body = _get(world, f"{REC}/trending", k=5)
    assert (body["model"], body["model_version"]) == ("db_popularity", "live")
    _never_unsellable(world, body)
    assert len(body["items"]) == 5


def test_every_surface_serves_trained_models_within_the_rules(world: World, tmp_path: Path) -> None:
    _trained(world, tmp_path)
    (user_id, headers), product = world.users[0], next(iter(world.products))
    mine = _get(world, f"{REC}/users/{user_id}", headers, k=5)
    assert (mine["model"], mine["model_version"]) == ("als", "1")
    assert (tmp_path / "models" / "als@1" / "top_items.npy").is_file()  # served by lookup
    _never_unsellable(world, mine)
    bought = {p for p in world.products if world.products[p]["title"] == "Linen dress 0"}
    assert not bought & set(_ids(mine))  # user 0 bought dress 0: excluded
    assert _get(world, f"{REC}/users/{user_id}", world.admin, k=3)["items"]
    post_events(world, {}, [event("view", product, "sess_anonymous_2")])
    for url, model in [
        (f"{REC}/sessions/sess_anonymous_1", "recent_popularity"),  # no events: popular
        (f"{REC}/sessions/sess_anonymous_2", "item_knn"),
        (f"{REC}/items/{product}/similar", "item_knn"),
        (f"{REC}/items/{product}/bought-together", None),
        (f"{REC}/trending", None),
        (f"{REC}/cart/complements?items={product}", None),
    ]:
        body = _get(world, url, k=4)
        _never_unsellable(world, body)
        assert product not in _ids(body) or "trending" in url
        assert model is None or body["model"] == model, (url, body["model"])
    sku = world.products[product]["sku"]
    cart = ok(world.client.post(f"{API}/cart/lines", json={"sku_id": sku, "quantity": 1}))
    token = {"X-Cart-Token": cart["guest_token"]}
    complements = _get(world, f"{REC}/cart/complements", token, k=4)
    _never_unsellable(world, complements)
    assert product not in _ids(complements)
    found = _get(world, f"{API}/search", q="linen dress 3", k=3)
    assert found["items"][0]["title"] == "Linen dress 3"
    assert found["model"] == "search"


def test_with_embedded_texts_a_product_nobody_touched_has_similar_items(
    world: World, tmp_path: Path
) -> None:
    published = train(world, tmp_path / "models", tmp_path, embed=True)
    assert published.aliases["similar"].startswith("hybrid@")
    ok(world.client.post(f"{API}/admin/recs/reload", headers=world.admin))
    hammers = [p for p, f in world.products.items() if f["title"].startswith("Steel hammer")]
    body = _get(world, f"{REC}/items/{hammers[0]}/similar", k=2)
    assert body["model"] == "hybrid"
    assert body["fallback"] is None  # the text neighbours answered, not popularity
    assert sorted(_ids(body)) == sorted(hammers[1:])
    dress = dresses(world)[0]  # a product with interactions keeps collaborative neighbours
    assert set(_ids(_get(world, f"{REC}/items/{dress}/similar", k=3))) <= set(dresses(world))


def test_filters_and_diversity_are_honoured_with_a_popular_fallback(
    world: World, tmp_path: Path
) -> None:
    _trained(world, tmp_path)
    user_id, headers = world.users[1]
    url = f"{REC}/users/{user_id}"
    cats = world.categories
    subtree = _get(world, url, headers, k=10, category_id=cats["dresses"])
    assert {world.products[p]["category"] for p in _ids(subtree)} <= {"dresses", "summer"}
    assert "summer" in {world.products[p]["category"] for p in _ids(subtree)}
    merchant = world.shops[1].merchant.id
    theirs = _get(world, url, headers, k=10, merchant_id=merchant)
    assert {world.products[p]["merchant"] for p in _ids(theirs)} == {merchant}
    priced = _get(world, url, headers, k=10, min_price="120", max_price="150.00")
    assert all(120 <= float(i["price"]["amount"]) <= 150 for i in priced["items"])
    assert priced["items"]
    diverse = _get(world, url, headers, k=10, max_per_merchant=1)
    assert len(diverse["items"]) == 2  # two merchants
    tools = _get(world, url, headers, k=10, category_id=cats["tools"])  # nobody's interest
    assert len(tools["items"]) == 3
    assert {world.products[p]["category"] for p in _ids(tools)} == {"tools"}
    assert {i["source"] for i in tools["items"]} == {"model"}
    assert tools["model"] in {"recent_popularity", "db_popularity"}


def test_a_product_delisted_while_serving_disappears_after_the_refresh(
    world: World, tmp_path: Path
) -> None:
    _trained(world, tmp_path)
    trending = _ids(_get(world, f"{REC}/trending", k=20))
    delist(world, trending[0])
    _runtime(world).catalog.refresh()
    assert trending[0] not in _ids(_get(world, f"{REC}/trending", k=20))


def test_clicks_and_purchases_echoing_the_attribution_id_are_reported(
    world: World, tmp_path: Path
) -> None:
    _trained(world, tmp_path)
    user_id, headers = world.users[2]
    served = _get(world, f"{REC}/users/{user_id}", headers, k=3, page="home")
    attribution, product = served["attribution_id"], served["items"][0]["product_id"]
    wait_for_impression(world.app, attribution)
    session = "sess_after_recs_1"
    post_events(world, headers, [
        event("click", product, session, attribution_id=attribution, position=0),
        event("add_to_cart", product, session, attribution_id=attribution, quantity=1),
        {**purchase(world, product, session), "occurred_at": datetime.now(UTC).isoformat()},
    ])  # fmt: skip
    now = datetime.now(UTC)
    rows = recs_report(world.app.engine, since=now - timedelta(hours=1), until=now)
    als = next(r for r in rows if (r.model, r.model_version) == ("als", "1"))
    assert (als.impressions, als.clicks, als.add_to_carts, als.purchases) == (1, 1, 1, 1)
    assert als.ctr == 1.0
    assert als.conversion == 1.0


def test_a_new_version_is_swapped_in_without_a_restart(world: World, tmp_path: Path) -> None:
    _trained(world, tmp_path)
    user_id, headers = world.users[3]
    assert _get(world, f"{REC}/users/{user_id}", headers)["model_version"] == "1"
    train(world, tmp_path / "models", tmp_path, models={"user": ("bpr", {"iterations": 5})})
    non_admin = world.client.post(f"{API}/admin/recs/reload", headers=headers)
    problem(non_admin, 403, "platform_admin_required")
    reloaded = ok(world.client.post(f"{API}/admin/recs/reload", headers=world.admin))
    assert reloaded["aliases"]["user"] == "bpr@1"
    assert reloaded["aliases"]["similar"] == "item_knn@1"  # not retrained: kept
    body = _get(world, f"{REC}/users/{user_id}", headers)
    assert (body["model"], body["model_version"]) == ("bpr", "1")


def test_bad_requests_are_refused_and_write_nothing(world: World, tmp_path: Path) -> None:
    _trained(world, tmp_path)
    (user_id, headers), (other_id, _) = world.users[4], world.users[5]
    buffer = _runtime(world).impressions
    buffer.flush()
    before, count = db_snapshot(world.app), impressions(world.app)
    c = world.client
    for response, status, code in [
        (c.get(f"{REC}/users/{other_id}", headers=headers), 403, "recommendations_access_denied"),
        (c.get(f"{REC}/users/{user_id}"), 401, "not_authenticated"),
        (c.get(f"{REC}/trending?k=0"), 422, "request_validation_failed"),
        (c.get(f"{REC}/trending?k=101"), 422, "request_validation_failed"),
        (c.get(f"{REC}/trending?min_price=50&max_price=10"), 422, "invalid_price_range"),
        (c.get(f"{REC}/trending?min_price=abc"), 422, "request_validation_failed"),
        (c.get(f"{REC}/trending?category_id=cat_nope"), 404, "category_not_found"),
        (c.get(f"{REC}/sessions/short"), 422, "invalid_session_id"),
        (c.get(f"{REC}/cart/complements?items=,,"), 422, "invalid_items"),
        (c.get(f"{API}/search?q=%20%20"), 422, "invalid_query"),
        (c.get(f"{API}/search"), 422, "request_validation_failed"),
    ]:
        problem(response, status, code)
    buffer.flush()
    assert impressions(world.app) == count
    assert db_snapshot(world.app) == before
