"""The agent's checkpointer on the configured database: ``PostgresSaver`` over a psycopg
pool for PostgreSQL URLs, ``SqliteSaver`` for SQLite ones (the same file as the app, in
tables of its own). Thread id = conversation id, so a conversation resumes after a
restart with its pending confirmation."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from sqlalchemy.engine import make_url


def open_checkpointer(
    database_url: str, *, pool_size: int = 4
) -> tuple[BaseCheckpointSaver[Any], Callable[[], None]]:
    """The checkpointer and a function that closes its connections; tables are set up."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        pool: ConnectionPool[Any] = ConnectionPool(
            conninfo, min_size=1, max_size=pool_size, open=True,
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        )  # fmt: skip
        saver: BaseCheckpointSaver[Any] = PostgresSaver(pool)  # type: ignore[arg-type]
        saver.setup()  # type: ignore[attr-defined]
        return saver, pool.close
    if url.get_backend_name() == "sqlite":
        from langgraph.checkpoint.sqlite import SqliteSaver

        path = url.database or ":memory:"
        conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        sqlite_saver = SqliteSaver(conn)
        sqlite_saver.setup()
        return sqlite_saver, conn.close
    raise ValueError(f"No checkpointer for {url.get_backend_name()} databases.")
