"""The product-detail cache with real Redis: filled per locale, dropped after commit by
every change, never by a rolled-back one, and fenced against stale refills."""

from __future__ import annotations

import asyncio

import pytest
import redis
import redis.asyncio
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import Engine, select

from marketplace.catalog import services
from marketplace.catalog.adapters.tables import products, skus
from marketplace.catalog.cache import (
    AsyncRedisProductCache,
    KeyValueProductCache,
    RedisProductCache,
    fence_key,
    invalidate_product,
    product_cache_for,
    product_key,
)
from marketplace.catalog.domain.commands import (
    AddSku,
    ChangeProductStatus,
    SetSkuPrices,
    UpdateProduct,
    UpdateSku,
)
from marketplace.catalog.domain.errors import ListedProductNeedsSkuError, ProductNotFoundError
from marketplace.shared.adapters.cache import InMemoryCache, RedisCache
from marketplace.shared.clock import FixedClock
from tests.integration.catalog_seed import Catalog, insert_merchant

TTL = 300


class CommitObservingCache(RedisCache):
    """RedisCache that, on each delete, reads the product's committed version from a
    separate connection: proof that invalidation runs after the commit, not before."""

    def __init__(self, client: redis.Redis, prefix: str, engine: Engine) -> None:
        super().__init__(client, prefix=prefix)
        self.engine = engine
        self.seen_versions: list[int] = []

    def delete(self, *keys: str) -> None:
        with self.engine.connect() as conn:
            for key in keys:
                product_id = key.split("{")[1].rstrip("}")
                version = conn.execute(
                    select(products.c.version).where(products.c.id == product_id)
                ).scalar_one()
                self.seen_versions.append(int(version))
        super().delete(*keys)


@pytest.fixture
def cache(redis_client: redis.Redis, redis_prefix: str, pg_engine: Engine) -> CommitObservingCache:
    return CommitObservingCache(redis_client, redis_prefix, pg_engine)


@pytest.fixture
def catalog(pg_engine: Engine, clock: FixedClock, cache: CommitObservingCache) -> Catalog:
    return Catalog(pg_engine, clock, cache)


@pytest.fixture
def details(cache: CommitObservingCache) -> RedisProductCache:
    return RedisProductCache(cache.client, prefix=cache.prefix, ttl_seconds=TTL)


def version_of(engine: Engine, product_id: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(select(products.c.version).where(products.c.id == product_id)).scalar_one()
        )


def make_product(catalog: Catalog, engine: Engine, clock: FixedClock) -> tuple[str, str, str]:
    merchant, _ = insert_merchant(engine, clock)
    category = catalog.category("Dresses")
    pid = catalog.product(merchant, category, titles={"en": "Dress"}, skus=[({}, "10.00")])
    with engine.connect() as conn:
        sku = conn.execute(select(skus.c.id).where(skus.c.product_id == pid)).scalar_one()
    return merchant, pid, sku


def fill(details: RedisProductCache, product_id: str, clock: FixedClock) -> None:
    """Fill two locales as a reader would (after any fence has expired)."""
    details.client.delete(details.prefix + fence_key(product_id))
    details.put(product_id, "en", b'{"title":"Dress"}')
    details.put(product_id, "zh-CN", b'{"title":"\xe8\xa3\x99"}')
    assert details.get(product_id, "en") == b'{"title":"Dress"}'


def test_fill_is_one_hash_per_product_with_a_ttl(
    catalog: Catalog, pg_engine: Engine, clock: FixedClock, details: RedisProductCache
) -> None:
    _, pid, _ = make_product(catalog, pg_engine, clock)
    fill(details, pid, clock)
    key = details.prefix + product_key(pid)
    assert details.client.type(key) == b"hash"
    assert set(details.client.hkeys(key)) == {b"en", b"zh-CN"}
    assert 0 < details.client.ttl(key) <= TTL
    assert details.get(pid, "fr") is None


def test_every_change_invalidates_after_commit(
    catalog: Catalog,
    pg_engine: Engine,
    clock: FixedClock,
    details: RedisProductCache,
    cache: CommitObservingCache,
) -> None:
    merchant, pid, sku = make_product(catalog, pg_engine, clock)
    commands = [
        (services.update_product, UpdateProduct(merchant, pid, brand="B")),
        (services.add_sku, AddSku(merchant, pid, "NEW", {"size": "L"})),
        (services.update_sku, UpdateSku(merchant, sku, weight_grams=5)),
        (services.set_sku_prices, SetSkuPrices(merchant, sku, "CNY", "9.00")),
        (services.delist_product, ChangeProductStatus(merchant, pid)),
        (services.list_product, ChangeProductStatus(merchant, pid)),
    ]
    for service, cmd in commands:
        fill(details, pid, clock)
        cache.seen_versions.clear()
        service(cmd, uow=catalog.uow(), cache=cache)  # type: ignore[operator]
        assert details.get(pid, "en") is None
        assert details.get(pid, "zh-CN") is None
        # The invalidation saw the committed row: it ran after the commit.
        assert cache.seen_versions == [version_of(pg_engine, pid)]


def test_no_invalidation_when_the_change_fails_or_rolls_back(
    catalog: Catalog,
    pg_engine: Engine,
    clock: FixedClock,
    details: RedisProductCache,
    cache: CommitObservingCache,
) -> None:
    merchant, pid, sku = make_product(catalog, pg_engine, clock)
    fill(details, pid, clock)
    cache.seen_versions.clear()
    with pytest.raises(ListedProductNeedsSkuError):
        services.update_sku(
            UpdateSku(merchant, sku, is_active=False), uow=catalog.uow(), cache=cache
        )
    with pytest.raises(ProductNotFoundError):
        services.update_product(
            UpdateProduct("mer_other", pid, brand="X"), uow=catalog.uow(), cache=cache
        )
    # A unit of work that registered the invalidation and then rolled back drops it.
    uow = catalog.uow()
    with uow:
        product = uow.products.get(pid, for_update=True)
        assert product is not None
        product.brand = "Rolled back"
        uow.products.save(product, price_currency="CNY")
        uow.on_commit(lambda: invalidate_product(cache, pid))
        uow.rollback()
    with uow:
        pass  # leaving without commit rolls back too
    assert cache.seen_versions == []
    assert details.get(pid, "en") == b'{"title":"Dress"}'


def test_merchant_invalidation_drops_all_its_products_after_commit(
    catalog: Catalog,
    pg_engine: Engine,
    clock: FixedClock,
    details: RedisProductCache,
    cache: CommitObservingCache,
) -> None:
    merchant, pid, _ = make_product(catalog, pg_engine, clock)
    category = catalog.category("Other")
    pid2 = catalog.product(merchant, category, titles={"en": "Second"})
    fill(details, pid, clock)
    fill(details, pid2, clock)
    uow = catalog.uow()
    with uow:
        services.invalidate_merchant_catalog(merchant, uow=uow, cache=cache)
        assert details.get(pid, "en") is not None  # nothing before the commit
        uow.commit()
    assert details.get(pid, "en") is None
    assert details.get(pid2, "en") is None


def test_fence_stops_a_stale_refill_right_after_invalidation(
    catalog: Catalog,
    pg_engine: Engine,
    clock: FixedClock,
    details: RedisProductCache,
    cache: CommitObservingCache,
) -> None:
    _, pid, _ = make_product(catalog, pg_engine, clock)
    invalidate_product(cache, pid)
    details.put(pid, "en", b"stale")  # a reader that loaded the row before the commit
    assert details.get(pid, "en") is None


def test_async_cache_shares_keys_with_the_sync_invalidation(
    catalog: Catalog, pg_engine: Engine, clock: FixedClock, cache: CommitObservingCache
) -> None:
    _, pid, _ = make_product(catalog, pg_engine, clock)
    from tests.conftest import REDIS_URL

    async def scenario() -> tuple[bytes | None, bytes | None, bytes | None]:
        client = redis.asyncio.Redis.from_url(REDIS_URL)
        try:
            fast = AsyncRedisProductCache(client, prefix=cache.prefix, ttl_seconds=TTL)
            cache.client.delete(cache.prefix + fence_key(pid))
            await fast.put(pid, "en", b"{}")
            hit = await fast.get(pid, "en")
            invalidate_product(cache, pid)
            gone = await fast.get(pid, "en")
            await fast.put(pid, "en", b"stale")
            fenced = await fast.get(pid, "en")
            return hit, gone, fenced
        finally:
            await client.aclose()

    assert asyncio.run(scenario()) == (b"{}", None, None)


def test_key_value_cache_without_redis() -> None:
    memory = InMemoryCache()
    details = product_cache_for(memory, ttl_seconds=TTL)
    assert isinstance(details, KeyValueProductCache)
    details.put("prod_1", "en", b'{"a":1}')
    details.put("prod_1", "zh", b'{"a":2}')
    assert details.get("prod_1", "zh") == b'{"a":2}'
    details.invalidate("prod_1")
    assert details.get("prod_1", "en") is None
    details.put("prod_1", "en", b"stale")
    assert details.get("prod_1", "en") is None  # fenced


def test_a_cache_outage_never_fails_a_committed_change(
    catalog: Catalog, pg_engine: Engine, clock: FixedClock
) -> None:
    down = RedisCache(redis.Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0)))
    merchant, pid, _ = make_product(catalog, pg_engine, clock)
    before = version_of(pg_engine, pid)
    services.update_product(UpdateProduct(merchant, pid, brand="B"), uow=catalog.uow(), cache=down)
    assert version_of(pg_engine, pid) == before + 1
