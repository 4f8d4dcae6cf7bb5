"""Shared fixtures: real PostgreSQL, Redis and SQLite. No mocks of our own code.

Each pytest session gets its own PostgreSQL database (created here, dropped at the end),
and each test its own Redis key prefix, so parallel runs never see each other's data.
Under ``CI=true`` an unreachable PostgreSQL or Redis fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from marketplace.bootstrap import Marketplace, bootstrap
from marketplace.config import Settings
from marketplace.db.engine import make_engine
from marketplace.db.schema import load_all_tables, metadata
from marketplace.shared.adapters.cache import InMemoryCache, RedisCache
from marketplace.shared.clock import FixedClock

PG_ADMIN_URL = os.environ.get("AGORA_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("AGORA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _unavailable(what: str, exc: Exception) -> None:
    message = f"{what} is not reachable: {exc}"
    if IN_CI:
        pytest.fail(message + " (CI requires it; .ci/run should have started it)", pytrace=False)
    pytest.skip(message)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & {"pg_engine", "pg_url", "pg_app", "pg_client"}:
            item.add_marker(pytest.mark.postgres)
        if names & {"redis_client", "redis_cache", "pg_app", "pg_client"}:
            item.add_marker(pytest.mark.redis)


# -- PostgreSQL ---------------------------------------------------------------------
@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a fresh database for this pytest session, with the schema created."""
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        _unavailable("PostgreSQL", exc)
        raise
    name = f"agora_t_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    url = f"{base}/{name}"
    engine = make_engine(url, pool_size=2)
    load_all_tables()
    metadata.create_all(engine)
    engine.dispose()
    try:
        yield url
    finally:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


@pytest.fixture(scope="session")
def _pg_engine_session(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url, pool_size=20)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(_pg_engine_session: Engine) -> Iterator[Engine]:
    """The session's PostgreSQL engine; every table is emptied after the test."""
    yield _pg_engine_session
    # DELETE, children first, in one transaction: the tables of a test hold a handful of
    # rows, and TRUNCATE gives each of the ~100 tables new files that PostgreSQL must create
    # and fsync, which costs seconds per test on a busy disk.
    # Sequences start again at 1, as TRUNCATE ... RESTART IDENTITY did (setval is cheap).
    with _pg_engine_session.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
        conn.execute(text(
            "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
            "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"
        ))  # fmt: skip


# -- SQLite -------------------------------------------------------------------------
@pytest.fixture
def sqlite_engine(tmp_path: object) -> Iterator[Engine]:
    """A file-backed SQLite database with the schema, fresh for each test."""
    engine = make_engine(f"sqlite:///{tmp_path}/agora.db")  # type: ignore[str-bytes-safe]
    load_all_tables()
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    """Run the test on both supported databases."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
        return request.getfixturevalue("pg_engine")  # type: ignore[no-any-return]
    return request.getfixturevalue("sqlite_engine")  # type: ignore[no-any-return]


# -- Redis --------------------------------------------------------------------------
@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable("Redis", exc)
    yield client
    client.close()


@pytest.fixture
def redis_prefix(redis_client: redis.Redis) -> Iterator[str]:
    prefix = f"agora-test:{uuid.uuid4().hex[:10]}:"
    yield prefix
    keys = list(redis_client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture
def redis_cache(redis_client: redis.Redis, redis_prefix: str) -> RedisCache:
    return RedisCache(redis_client, prefix=redis_prefix)


# -- Application containers ---------------------------------------------------------
@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


def _settings(url: str, **overrides: object) -> Settings:
    return Settings(database_url=url, env="test", log_json=False, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def pg_app(
    pg_engine: Engine, pg_url: str, redis_cache: RedisCache, redis_prefix: str
) -> Marketplace:
    """The marketplace on PostgreSQL with the Redis cache."""
    settings = _settings(pg_url, redis_url=REDIS_URL, redis_prefix=redis_prefix)
    return bootstrap(settings, engine=pg_engine, cache=redis_cache)


@pytest.fixture
def sqlite_app(sqlite_engine: Engine) -> Marketplace:
    """The embedded marketplace: SQLite with an in-process cache."""
    settings = _settings(str(sqlite_engine.url))
    return bootstrap(settings, engine=sqlite_engine, cache=InMemoryCache())


@pytest.fixture
def pg_client(pg_app: Marketplace) -> Iterator[TestClient]:
    from serving.api.app import create_app

    with TestClient(create_app(pg_app)) as client:
        yield client


@pytest.fixture
def sqlite_client(sqlite_app: Marketplace) -> Iterator[TestClient]:
    from serving.api.app import create_app

    with TestClient(create_app(sqlite_app)) as client:
        yield client
