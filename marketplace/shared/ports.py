"""Ports of the shared kernel."""

from __future__ import annotations

from typing import Protocol


class Cache(Protocol):
    """A byte cache with TTLs (Redis in production, in-memory in unit tests)."""

    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes, *, ttl_seconds: int) -> None: ...

    def delete(self, *keys: str) -> None: ...

    def incr(self, key: str) -> int:
        """Atomically increment a counter (used for cache-key versions)."""
        ...

    def ping(self) -> bool: ...
