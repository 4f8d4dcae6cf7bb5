"""Ports of the shared kernel."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from marketplace.shared.clock import Clock


class Cache(Protocol):
    """A byte cache with TTLs (Redis in production, in-memory in unit tests)."""

    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes, *, ttl_seconds: int) -> None: ...

    def delete(self, *keys: str) -> None: ...

    def incr(self, key: str) -> int:
        """Atomically increment a counter (used for cache-key versions)."""
        ...

    def ping(self) -> bool: ...


class UnitOfWork(Protocol):
    """One transaction: ``with uow: ...; uow.commit()``; leaving without commit rolls back.

    Each area's unit of work extends this with the repositories it needs."""

    clock: Clock

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...
