"""The single place where adapters meet services: build the application container."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, text

from marketplace.config import Settings, get_settings
from marketplace.db.engine import make_engine
from marketplace.db.uow import SqlUnitOfWork
from marketplace.idempotency.adapters import IdempotencyStore
from marketplace.ordering.services.checkout import Charges
from marketplace.parties.adapters.passwords import Argon2PasswordHasher
from marketplace.parties.adapters.tokens import JwtAccessTokens
from marketplace.parties.ports import AccessTokenCodec, PasswordHasher
from marketplace.payments.adapters.internal import CreditTermsGateway, WalletGateway
from marketplace.payments.adapters.registry import build_gateways
from marketplace.payments.ports import PaymentGateway
from marketplace.shared.adapters.cache import NullCache, RedisCache
from marketplace.shared.clock import Clock, SystemClock
from marketplace.shared.ports import Cache

if TYPE_CHECKING:
    from marketplace.behaviour.ports import BehaviourWriter, ImpressionWriter
    from marketplace.events.adapters.wiring import EventsWiring
    from marketplace.purchasing.services import Placement


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
    gateways: dict[str, PaymentGateway] = field(default_factory=dict)
    wallet: WalletGateway | None = None
    credit_terms: CreditTermsGateway | None = None
    charges: Charges = field(default_factory=Charges)
    extras: dict[str, object] = field(default_factory=dict)

    def notify_url(self, gateway: str) -> str:
        """Where a gateway posts its asynchronous notifications."""
        base = self.settings.public_base_url.rstrip("/")
        return f"{base}/api/v1/payments/notify/{gateway}"

    def on_merchant_visibility_change(self, merchant_id: str, *, uow: Any) -> None:
        """A merchant was approved, suspended or reinstated: its product pages change."""
        from marketplace.catalog.services import invalidate_merchant_catalog

        invalidate_merchant_catalog(merchant_id, uow=uow, cache=self.cache)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, clock=self.clock)

    @property
    def uow_factory(self) -> Callable[[], SqlUnitOfWork]:
        return self.uow

    @cached_property
    def events(self) -> EventsWiring:
        """Event plumbing (ADR 0008): the Redis stream with Redis, else the outbox table,
        as the consumers' source; the relay's publisher; the webhook sender and retries."""
        from marketplace.events.adapters.wiring import build_events

        return build_events(self.settings, engine=self.engine, clock=self.clock)

    @cached_property
    def placement(self) -> Placement:
        """What B2B purchasing needs to place purchase orders: checkout and payment."""
        from marketplace.purchasing.services import Placement

        return Placement(charges=self.charges, gateways=self.gateways, notify_url=self.notify_url)

    @cached_property
    def behaviour(self) -> BehaviourWriter:
        """Where behaviour events (views, searches, purchases...) are written."""
        from marketplace.behaviour.adapters.writer import SqlBehaviourWriter

        return SqlBehaviourWriter(self.engine)

    @cached_property
    def impressions(self) -> ImpressionWriter:
        """Where served recommendation responses are recorded (``agora report recs``)."""
        from marketplace.behaviour.adapters.impressions import SqlImpressionWriter

        return SqlImpressionWriter(self.engine)

    def check_database(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def close(self) -> None:
        if "events" in self.__dict__:
            self.events.close()
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
    clock = clock or SystemClock()
    wallet = WalletGateway(engine, clock=clock)
    credit_terms = CreditTermsGateway(engine, clock=clock)
    gateways: dict[str, PaymentGateway] = {
        **build_gateways(settings, clock=clock),
        wallet.name: wallet,
        credit_terms.name: credit_terms,
    }
    return Marketplace(
        settings=settings,
        engine=engine,
        clock=clock,
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
        gateways=gateways,
        wallet=wallet,
        credit_terms=credit_terms,
        charges=Charges(payment_ttl=timedelta(seconds=settings.order_payment_ttl_seconds)),
    )
