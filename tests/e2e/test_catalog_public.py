"""Public browsing over HTTP: listing, search, cursors, locales, the cached product page
(Redis on PostgreSQL, in-process on SQLite), price quotes, and suspended merchants."""

from __future__ import annotations

import pytest
import redis
import redis.asyncio
from fastapi.testclient import TestClient
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff

from marketplace.bootstrap import Marketplace
from marketplace.catalog.cache import product_key
from marketplace.parties import services as parties
from marketplace.parties.domain import MemberLevel
from tests.conftest import REDIS_URL
from tests.e2e.catalog_api import API, Shop, lift_fence, ok, open_shop, problem
from tests.factories import login, register_user, unique_email


@pytest.fixture
def shop(pg_client: TestClient, pg_app: Marketplace) -> Shop:
    return open_shop(pg_client, pg_app)


def test_listing_search_filters_and_cursor_walk(shop: Shop) -> None:
    c = shop.client
    child = ok(
        c.post(
            f"{API}/admin/categories",
            headers=shop.admin,
            json={"names": {"en": "Maxi"}, "parent_id": shop.category_id},
        ),
        201,
    )
    floral, _ = shop.listed_product(
        "199.00",
        brand="Acme",
        attributes={"material": "cotton"},
        category_id=child["id"],
        translations={"zh": {"title": "夏季碎花连衣裙"}, "en": {"title": "Summer floral dress"}},
    )
    evening, _ = shop.listed_product(
        "599.00", brand="Zephyr", translations={"zh": {"title": "晚礼服连衣裙"}}
    )
    shirt, _ = shop.listed_product("159.00", translations={"en": {"title": "Oxford shirt"}})
    draft = shop.create_product(translations={"en": {"title": "Draft dress"}})["id"]

    def ids(**params: object) -> list[str]:
        return [i["id"] for i in ok(c.get(f"{API}/products", params=params))["items"]]

    assert ids() == [shirt, evening, floral]
    assert draft not in ids(q="dress")
    assert set(ids(category_id=shop.category_id)) == {floral, evening, shirt}
    assert ids(category_id=child["id"]) == [floral]
    assert set(ids(q="连衣")) == {floral, evening}
    assert ids(q="floral dress") == [floral]
    assert ids(brand="acme") == [floral]
    assert ids(attr="material:cotton") == [floral]
    assert ids(min_price="160", max_price="600") == [evening, floral]
    assert ids(sort="price_asc") == [shirt, floral, evening]
    assert ids(sort="price_desc", currency="CNY") == [evening, floral, shirt]

    seen, cursor = [], None
    while True:
        params = {"limit": 1, "sort": "price_asc"} | ({"cursor": cursor} if cursor else {})
        page = ok(c.get(f"{API}/products", params=params))
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        shop.listed_product("1.00")  # inserted mid-walk, cheaper than everything seen
    assert seen == [shirt, floral, evening]

    first = ok(c.get(f"{API}/products", params={"limit": 1}))
    problem(
        c.get(f"{API}/products", params={"cursor": first["next_cursor"], "sort": "price_asc"}),
        400,
        "invalid_cursor",
    )
    problem(c.get(f"{API}/products", params={"cursor": "bm90IGpzb24"}), 400, "invalid_cursor")
    problem(c.get(f"{API}/products", params={"limit": 101}), 422, "request_validation_failed")
    problem(c.get(f"{API}/products", params={"attr": "nocolon"}), 422, "invalid_attribute_filter")
    problem(c.get(f"{API}/products", params={"category_id": "cat_x"}), 404, "category_not_found")


def test_locales_in_listing_and_detail(shop: Shop) -> None:
    c = shop.client
    pid, _ = shop.listed_product(translations={"zh": {"title": "连衣裙"}, "en": {"title": "Dress"}})
    item = ok(c.get(f"{API}/products", headers={"Accept-Language": "en-GB,en;q=0.9"}))["items"][0]
    assert (item["title"], item["locale"]) == ("Dress", "en")
    item = ok(
        c.get(f"{API}/products", params={"locale": "zh-CN"}, headers={"Accept-Language": "en"})
    )["items"][0]
    assert (item["title"], item["locale"]) == ("连衣裙", "zh")
    detail = ok(c.get(f"{API}/products/{pid}", params={"locale": "fr"}))
    assert (detail["title"], detail["locale"]) == ("连衣裙", "zh")  # the product default
    detail = ok(c.get(f"{API}/products/{pid}", headers={"Accept-Language": "en-US"}))
    assert (detail["title"], detail["locale"]) == ("Dress", "en")
    assert detail["breadcrumb"][0]["name"] == "Dresses"
    problem(
        c.get(f"{API}/products/{pid}", params={"locale": "not a locale"}), 422, "invalid_locale"
    )


def test_detail_is_served_from_redis_and_refreshed_after_changes(shop: Shop) -> None:
    c, h = shop.client, shop.merchant.headers
    pid, sku = shop.listed_product("199.00")
    r = redis.Redis.from_url(REDIS_URL)
    key = shop.app.settings.redis_prefix + product_key(pid)
    lift_fence(shop.app, pid)
    first = c.get(f"{API}/products/{pid}", params={"locale": "en"})
    assert first.headers["content-type"] == "application/json"
    assert r.hget(key, "en") == first.content
    assert c.get(f"{API}/products/{pid}", params={"locale": "en"}).content == first.content

    # A hit returns the stored bytes untouched: no database, no re-validation.
    r.hset(key, "en", b'{"served":"from redis"}')
    assert c.get(f"{API}/products/{pid}", params={"locale": "en"}).json() == {
        "served": "from redis"
    }

    shop.set_prices(sku, "149.00")  # invalidated after the commit
    assert r.exists(key) == 0
    fresh = ok(c.get(f"{API}/products/{pid}", params={"locale": "en"}))
    assert fresh["skus"][0]["prices"][0]["list_price"]["amount"] == "149.00"
    assert fresh["price"] == {"amount": "149.00", "currency": "CNY"}
    ok(c.post(f"{shop.base}/products/{pid}/delist", headers=h))
    problem(c.get(f"{API}/products/{pid}", params={"locale": "en"}), 404, "product_not_found")
    assert r.exists(key) == 0  # not-found answers are not cached


def test_price_quote_with_member_level(shop: Shop) -> None:
    c = shop.client
    _, sku = shop.listed_product()
    shop.set_prices(
        sku,
        "100.00",
        tiers=[{"min_quantity": 10, "price": "90.00"}],
        member_prices=[{"level": "gold", "price": "85.00"}],
    )
    anonymous = ok(c.get(f"{API}/skus/{sku}/price", params={"quantity": 12}))
    assert (anonymous["unit_price"]["amount"], anonymous["rule"]) == ("90.00", "tier")
    assert anonymous["total"] == {"amount": "1080.00", "currency": "CNY"}

    email = unique_email("gold")
    user = register_user(c, email=email)
    parties.set_member_level(user["id"], MemberLevel.PLATINUM, uow=shop.app.uow())
    quote = ok(
        c.get(
            f"{API}/skus/{sku}/price",
            params={"quantity": 1, "currency": "cny"},
            headers=login(c, email),
        )
    )
    assert (quote["member_level"], quote["rule"], quote["applied_member_level"]) == (
        "platinum",
        "member",
        "gold",
    )
    assert quote["unit_price"]["amount"] == "85.00"
    problem(
        c.get(f"{API}/skus/{sku}/price", params={"currency": "USD"}), 404, "price_not_available"
    )
    problem(c.get(f"{API}/skus/sku_missing/price"), 404, "sku_not_found")
    problem(
        c.get(f"{API}/skus/{sku}/price", params={"quantity": 0}), 422, "request_validation_failed"
    )


def suspend(shop: Shop) -> None:
    ok(
        shop.client.post(
            f"{API}/admin/merchants/{shop.merchant.id}/suspend",
            json={"reason": "counterfeits"},
            headers=shop.admin,
        )
    )


def test_suspended_merchants_products_disappear(shop: Shop) -> None:
    c = shop.client
    pid, sku = shop.listed_product()
    suspend(shop)
    assert ok(c.get(f"{API}/products"))["items"] == []
    problem(c.get(f"{API}/products/{pid}"), 404, "product_not_found")
    problem(c.get(f"{API}/skus/{sku}/price"), 404, "sku_not_found")


def test_suspension_drops_cached_product_pages(shop: Shop) -> None:
    pid, _ = shop.listed_product()
    lift_fence(shop.app, pid)
    ok(shop.client.get(f"{API}/products/{pid}"))  # cached
    suspend(shop)
    problem(shop.client.get(f"{API}/products/{pid}"), 404, "product_not_found")


def test_sqlite_detail_uses_the_in_process_cache(
    sqlite_client: TestClient, sqlite_app: Marketplace
) -> None:
    shop = open_shop(sqlite_client, sqlite_app)
    c = shop.client
    pid, sku = shop.listed_product("20.00")
    lift_fence(sqlite_app, pid)
    first = ok(c.get(f"{API}/products/{pid}"))
    assert sqlite_app.cache.get(product_key(pid)) is not None
    assert ok(c.get(f"{API}/products/{pid}")) == first
    shop.set_prices(sku, "18.00")
    assert sqlite_app.cache.get(product_key(pid)) is None
    assert ok(c.get(f"{API}/products/{pid}"))["price"]["amount"] == "18.00"


def test_detail_reads_through_when_redis_is_down(
    sqlite_client: TestClient, sqlite_app: Marketplace
) -> None:
    shop = open_shop(sqlite_client, sqlite_app)
    pid, _ = shop.listed_product()
    state = sqlite_client.app.state  # type: ignore[attr-defined]
    state.redis = redis.asyncio.Redis(host="127.0.0.1", port=1, retry=AsyncRetry(NoBackoff(), 0))
    state.redis_prefix = "agora-down:"
    try:
        assert ok(sqlite_client.get(f"{API}/products/{pid}"))["id"] == pid
    finally:
        state.redis = None
