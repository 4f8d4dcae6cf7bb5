"""A lock across processes, named by a string: a PostgreSQL session advisory lock held on a
connection of its own for as long as the ``with`` block runs (a conversation's turn, say).

SQLite, the embedded single-process database, has no such lock; there the caller's own
in-process lock is the whole story, and this one is a no-op."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (advisory locks take a bigint)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def named_lock(engine: Engine, name: str) -> Iterator[None]:
    """Hold the lock ``name`` across processes while the block runs (waits for it)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    key = lock_key(name)
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        conn.commit()  # a session lock: no transaction is kept open while the block runs
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            conn.commit()
