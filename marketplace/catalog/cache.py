"""The product-detail cache: finished JSON bytes per product and locale.

Layout in Redis: one hash per product, ``catalog:product:{<product id>}``, with one field
per requested locale, so that invalidation is one ``DEL`` whatever locales were served.
The braces are a Redis Cluster hash tag: the hash and its fence share a slot.

Invalidation runs after commit (``uow.on_commit``). It also sets a short-lived *fence*
key: a reader that loaded the product from the database before the commit and tries to
store its (now stale) copy after the ``DEL`` finds the fence and stores nothing, so the
stale copy cannot outlive the change until the TTL.

Without Redis (the embedded SQLite build), the container's ``Cache`` (in-memory or null)
holds one entry per product mapping locale to body, with the same key and fence.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import cast

import orjson
import redis
import redis.asyncio

from marketplace.catalog.ports import ProductDetailCache
from marketplace.shared.adapters.cache import RedisCache
from marketplace.shared.ports import Cache

FENCE_SECONDS = 5
log = logging.getLogger("agora.catalog.cache")

# KEYS: hash, fence; ARGV: field, body, ttl. Stores nothing while the fence stands; the
# TTL runs from the first fill, so every locale of a product expires together.
_FILL_SCRIPT = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return 1
"""


def product_key(product_id: str) -> str:
    return f"catalog:product:{{{product_id}}}"


def fence_key(product_id: str) -> str:
    return f"catalog:product:{{{product_id}}}:fence"


def locale_field(locale: str | None) -> str:
    """The hash field of a request: the requested locale as given (already canonical)."""
    return locale or "_"


def invalidate_product(cache: Cache, product_id: str) -> None:
    """Drop every cached locale of a product (call it after commit)."""
    invalidate_products(cache, [product_id])


def invalidate_products(cache: Cache, product_ids: Iterable[str]) -> None:
    """Drop the products' pages. It runs after a commit, so a cache outage must not turn
    a committed change into an error: it is logged, and the TTL bounds the staleness."""
    ids = list(dict.fromkeys(product_ids))
    if not ids:
        return
    try:
        cache.delete(*(product_key(pid) for pid in ids))
        for pid in ids:
            cache.set(fence_key(pid), b"1", ttl_seconds=FENCE_SECONDS)
    except Exception:
        log.exception("product cache invalidation failed", extra={"product_ids": ids[:20]})


class KeyValueProductCache:
    """Product details in a plain key-value ``Cache`` (in-memory or null)."""

    def __init__(self, cache: Cache, *, ttl_seconds: int) -> None:
        self.cache = cache
        self.ttl_seconds = ttl_seconds

    def _entries(self, product_id: str) -> dict[str, str]:
        raw = self.cache.get(product_key(product_id))
        return cast(dict[str, str], orjson.loads(raw)) if raw else {}

    def get(self, product_id: str, locale: str) -> bytes | None:
        body = self._entries(product_id).get(locale)
        return body.encode() if body is not None else None

    def put(self, product_id: str, locale: str, body: bytes) -> None:
        if self.cache.get(fence_key(product_id)) is not None:
            return
        entries = self._entries(product_id)
        entries[locale] = body.decode()
        self.cache.set(product_key(product_id), orjson.dumps(entries), ttl_seconds=self.ttl_seconds)

    def invalidate(self, *product_ids: str) -> None:
        invalidate_products(self.cache, product_ids)


class RedisProductCache:
    """Product details in Redis hashes, from synchronous code."""

    def __init__(self, client: redis.Redis, *, prefix: str, ttl_seconds: int) -> None:
        self.client = client
        self.prefix = prefix
        self.ttl_seconds = ttl_seconds
        self._fill = client.register_script(_FILL_SCRIPT)

    def get(self, product_id: str, locale: str) -> bytes | None:
        value = self.client.hget(self.prefix + product_key(product_id), locale)
        return value if isinstance(value, bytes) else None

    def put(self, product_id: str, locale: str, body: bytes) -> None:
        keys = [self.prefix + product_key(product_id), self.prefix + fence_key(product_id)]
        self._fill(keys=keys, args=[locale, body, self.ttl_seconds])

    def invalidate(self, *product_ids: str) -> None:
        invalidate_products(RedisCache(self.client, prefix=self.prefix), product_ids)


class AsyncRedisProductCache:
    """The API's fast path: one ``HGET`` per cached request."""

    def __init__(self, client: redis.asyncio.Redis, *, prefix: str, ttl_seconds: int) -> None:
        self.client = client
        self.prefix = prefix
        self.ttl_seconds = ttl_seconds
        self._fill = client.register_script(_FILL_SCRIPT)

    async def get(self, product_id: str, locale: str) -> bytes | None:
        value = await self.client.hget(self.prefix + product_key(product_id), locale)
        return value if isinstance(value, bytes) else None

    async def put(self, product_id: str, locale: str, body: bytes) -> None:
        keys = [self.prefix + product_key(product_id), self.prefix + fence_key(product_id)]
        await self._fill(keys=keys, args=[locale, body, self.ttl_seconds])


def product_cache_for(cache: Cache, *, ttl_seconds: int) -> ProductDetailCache:
    """The synchronous product-detail cache that matches the container's ``Cache``."""
    if isinstance(cache, RedisCache):
        return RedisProductCache(cache.client, prefix=cache.prefix, ttl_seconds=ttl_seconds)
    return KeyValueProductCache(cache, ttl_seconds=ttl_seconds)
