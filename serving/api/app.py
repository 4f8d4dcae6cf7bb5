"""The FastAPI application factory."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marketplace.bootstrap import Marketplace, bootstrap
from marketplace.config import Settings, get_settings
from marketplace.shared.ids import new_ulid
from serving.api.errors import install_error_handlers
from serving.api.idempotency import IdempotencyMiddleware, PrincipalResolver
from serving.api.routers import (
    advice,
    auth,
    cart,
    catalog,
    companies,
    fx,
    health,
    inventory,
    merchants,
    orders,
    payments,
    purchasing,
    replenishment,
    rfq,
    settlement,
    webhooks,
)
from serving.api.security import verified_principal_resolver
from serving.jobs import start_jobs_thread
from serving.logging import configure_logging, request_id_var
from serving.recs.runtime import RecsHolder
from serving.web import sandbox
from serving.web.session import WebSessionMiddleware
from serving.web.site import install_web

log = logging.getLogger("agora.access")

API_PREFIX = "/api/v1"

DESCRIPTION = """
Agora's marketplace API. Money is always an object `{"amount": "12.30", "currency": "CNY"}`
with the amount as a string. Errors are RFC 9457 `application/problem+json` with a stable
`code`. POSTs that create honour an `Idempotency-Key` header.
"""


class RequestContextMiddleware:
    """Request id (``X-Request-ID``) and one access-log line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), None)
        request_id = incoming.decode("latin-1")[:64] if incoming else new_ulid()
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            request_id_var.reset(token)


def _settle_heap() -> None:
    """Move everything built at start-up (modules, models, compiled statements) out of the
    collector's reach, and collect the young generation less often.

    Without this, every full collection walks the few hundred thousand long-lived objects
    of the imports and the SQLAlchemy metadata: a pause of tens of milliseconds that
    lands on whichever request happens to trigger it (the p99 of the checkout benchmark).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def create_app(
    container: Marketplace | None = None,
    *,
    settings: Settings | None = None,
    principal_resolver: PrincipalResolver | None = None,
) -> FastAPI:
    settings = settings or (container.settings if container else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = container is None
        app.state.marketplace = container or bootstrap(settings)
        live = app.state.marketplace.settings
        # One async Redis client per worker process, for the hot read paths (None: no Redis).
        app.state.redis = (
            aioredis.Redis.from_url(live.redis_url, max_connections=64) if live.redis_url else None
        )
        app.state.redis_prefix = live.redis_prefix
        stop_jobs = start_jobs_thread(app.state.marketplace, live.jobs_in_process_seconds)
        app.state.recs = RecsHolder(lambda: app.state.marketplace)
        if owned:
            app.state.recs.get()  # models load before the first request (docs/ml/serving.md)
            _settle_heap()
        try:
            yield
        finally:
            stop_jobs()
            if getattr(app.state, "procurement_chat", None) is not None:
                app.state.procurement_chat.close()  # the agent's checkpointer connections
            app.state.recs.close()
            if app.state.redis is not None:
                await app.state.redis.aclose()
            if owned:
                app.state.marketplace.close()

    app = FastAPI(
        title="Agora Marketplace API",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    if container is not None:
        app.state.marketplace = container
    app.state.principal_resolver = principal_resolver or verified_principal_resolver(
        lambda: app.state.marketplace
    )
    install_error_handlers(app)
    app.add_middleware(
        IdempotencyMiddleware,
        store=lambda: app.state.marketplace.idempotency,
        clock=lambda: app.state.marketplace.clock,
        principal=lambda: app.state.principal_resolver,
    )
    app.add_middleware(WebSessionMiddleware, container=lambda: app.state.marketplace)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health.router)
    _include_area_routers(app)
    install_web(app)
    app.include_router(sandbox.router)
    if settings.bench_endpoints:
        from serving.api.routers import bench

        app.include_router(bench.router)
    return app


def _include_area_routers(app: FastAPI) -> None:
    """Each business area contributes a router under /api/v1."""
    from serving.api.routers import (
        events,
        models,
        procurement_chat,
        recommendations,
        search,
        sourcing,
    )

    # Routes match in order: the hot, latency-bound recommendation reads go first.
    for module in (
        recommendations, search, auth, merchants, catalog, inventory, fx, cart, webhooks,
        orders, payments, settlement, rfq, companies, purchasing, sourcing, events, advice,
        replenishment, models, procurement_chat,
    ):  # fmt: skip
        app.include_router(module.router, prefix=API_PREFIX)


def app_from_env() -> FastAPI:
    """Uvicorn factory: ``uvicorn --factory serving.api.app:app_from_env``."""
    settings = get_settings()
    configure_logging(settings.log_level, json_output=settings.log_json)
    return create_app(settings=settings)
