"""The single place where adapters meet services: build the application container."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from marketplace.config import Settings, get_settings
from marketplace.db.engine import make_engine
from marketplace.db.uow import SqlUnitOfWork
from marketplace.idempotency.adapters import IdempotencyStore
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
    has_redis: bool = False
    extras: dict[str, object] = field(default_factory=dict)

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
        has_redis=has_redis,
    )
