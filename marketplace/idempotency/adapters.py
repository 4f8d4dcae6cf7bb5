"""Storage of idempotency records. Each call is its own short transaction, apart from the
business transaction, so that a second request sees the first one's claim at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from marketplace.db.metadata import metadata
from marketplace.db.types import BigIntPK, JSONType, UTCDateTime

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("principal", String(120), nullable=False),
    Column("key", String(255), nullable=False),
    Column("method", String(10), nullable=False),
    Column("path", String(500), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status", String(20), nullable=False),  # in_progress | completed
    Column("response_status", Integer, nullable=True),
    Column("response_headers", JSONType, nullable=True),
    Column("response_body", LargeBinary, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("principal", "key"),
)


@dataclass(frozen=True)
class IdempotencyRecord:
    principal: str
    key: str
    method: str
    path: str
    request_hash: str
    status: str
    response_status: int | None
    response_headers: dict[str, str] | None
    response_body: bytes | None
    created_at: datetime


class SqlIdempotencyRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def get(self, principal: str, key: str) -> IdempotencyRecord | None:
        row = (
            self.connection.execute(
                select(idempotency_keys).where(
                    idempotency_keys.c.principal == principal, idempotency_keys.c.key == key
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        fields = {k: row[k] for k in IdempotencyRecord.__dataclass_fields__}
        return IdempotencyRecord(**fields)


class IdempotencyStore:
    """Claim a key, then complete it with the response, or release it on failure."""

    def __init__(self, engine: Engine, *, ttl: timedelta = timedelta(hours=24)) -> None:
        self.engine = engine
        self.ttl = ttl

    def claim(
        self, *, principal: str, key: str, method: str, path: str, request_hash: str, now: datetime
    ) -> IdempotencyRecord | None:
        """Return None when this request now owns the key, else the existing record."""
        values: dict[str, Any] = {
            "principal": principal, "key": key, "method": method, "path": path,
            "request_hash": request_hash, "status": "in_progress", "created_at": now,
        }  # fmt: skip
        for _ in range(2):
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(idempotency_keys).values(**values))
                return None
            except IntegrityError:
                with self.engine.begin() as conn:
                    existing = SqlIdempotencyRepository(conn).get(principal, key)
                    if existing is None:
                        continue
                    if existing.created_at + self.ttl > now:
                        return existing
                    # Expired: forget it and claim afresh.
                    conn.execute(
                        delete(idempotency_keys).where(
                            idempotency_keys.c.principal == principal,
                            idempotency_keys.c.key == key,
                        )
                    )
        raise RuntimeError("could not claim idempotency key")  # pragma: no cover

    def complete(
        self, *, principal: str, key: str, status: int, headers: dict[str, str], body: bytes
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(idempotency_keys)
                .where(idempotency_keys.c.principal == principal, idempotency_keys.c.key == key)
                .values(
                    status="completed",
                    response_status=status,
                    response_headers=headers,
                    response_body=body,
                )
            )

    def release(self, *, principal: str, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                delete(idempotency_keys).where(
                    idempotency_keys.c.principal == principal, idempotency_keys.c.key == key
                )
            )
