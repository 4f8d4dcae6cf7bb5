"""Engine factory: one place that knows the per-dialect settings."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

# A pooled connection used this recently is not pinged before its next use (HikariCP's
# "aliveBypassWindowMs" is the same rule, and the same 500 ms).
PING_AFTER_IDLE_SECONDS = 0.5


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use psycopg 3 for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.update(pool_size=pool_size, max_overflow=pool_size)
    engine = create_engine(url, **kwargs)
    _ping_idle_connections(engine, idle_seconds=PING_AFTER_IDLE_SECONDS)
    return engine


def _ping_idle_connections(engine: Engine, *, idle_seconds: float) -> None:
    """``pool_pre_ping``, except for connections back in the pool less than ``idle_seconds``.

    A ping is a round trip: under load, where a connection comes back within milliseconds,
    pinging on every checkout cost each request one. A connection that died while idle
    (restart, idle timeout) is still found on checkout; one that dies in the window fails
    its statement, which invalidates the pool as a failed ping would.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["agora_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("agora_idle_since")  # None: a new connection
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_conn)
        except dialect.loaded_dbapi.Error as err:
            if dialect.is_disconnect(err, dbapi_conn, None):
                # What pool_pre_ping does: reconnect, and drop every older connection too.
                raise exc.InvalidatePoolError() from err
            raise


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself (IMMEDIATE, so writers queue up instead of
        # failing with "database is locked" on lock upgrade).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front; read-only connections stay concurrent.
        if conn.get_execution_options().get("agora_readonly"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgres(engine_or_dialect_name: Engine | str) -> bool:
    name = (
        engine_or_dialect_name
        if isinstance(engine_or_dialect_name, str)
        else engine_or_dialect_name.dialect.name
    )
    return name == "postgresql"


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for plain reads: autocommit on PostgreSQL (no transaction held open);
    on SQLite a read that takes no write lock and is rolled back at the end."""
    options: dict[str, Any] = {"agora_readonly": True}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "AUTOCOMMIT"
    with engine.connect().execution_options(**options) as conn:
        yield conn
