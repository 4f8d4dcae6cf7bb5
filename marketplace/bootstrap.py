"""The single place where adapters meet services: build the application container."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, text

from marketplace.config import Settings, get_settings
from marketplace.db.engine import make_engine
from marketplace.db.uow import SqlUnitOfWork
from marketplace.idempotency.adapters import IdempotencyStore
from marketplace.parties.adapters.passwords import Argon2PasswordHasher
from marketplace.parties.adapters.tokens import JwtAccessTokens
from marketplace.parties.ports import AccessTokenCodec, PasswordHasher
from marketplace.shared.adapters.cache import NullCache, RedisCache
from marketplace.shared.clock import Clock, SystemClock
from marketplace.shared.ports import Cache


@dataclass
class Marketplace:
    """Everything a caller (API, CLI, agent, pipeline) needs to run use cases."""

    settings: Settings
    engine: Engine
    clock: Clock
    cache: Cache
    idempotency: IdempotencyStore
    passwords: PasswordHasher
    tokens: AccessTokenCodec
    has_redis: bool = False
    extras: dict[str, object] = field(default_factory=dict)

    def on_merchant_visibility_change(self, merchant_id: str, *, uow: Any) -> None:
        """A merchant was approved, suspended or reinstated: its product pages change."""
        from marketplace.catalog.services import invalidate_merchant_catalog

        invalidate_merchant_catalog(merchant_id, uow=uow, cache=self.cache)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, clock=self.clock)

    @property
    def uow_factory(self) -> Callable[[], SqlUnitOfWork]:
        return self.uow

    def check_database(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    cache: Cache | None = None,
) -> Marketplace:
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url, pool_size=settings.db_pool_size)
    has_redis = settings.redis_url is not None
    if cache is None:
        cache = (
            RedisCache.from_url(settings.redis_url, prefix=settings.redis_prefix)
            if settings.redis_url
            else NullCache()
        )
    return Marketplace(
        settings=settings,
        engine=engine,
        clock=clock or SystemClock(),
        cache=cache,
        idempotency=IdempotencyStore(engine),
        passwords=Argon2PasswordHasher(
            time_cost=settings.password_hash_time_cost,
            memory_cost_kib=settings.password_hash_memory_kib,
            parallelism=settings.password_hash_parallelism,
        ),
        tokens=JwtAccessTokens(
            secret=settings.jwt_secret.get_secret_value(),
            issuer=settings.jwt_issuer,
            ttl_seconds=settings.access_token_ttl_seconds,
        ),
        has_redis=has_redis,
    )
