"""Cache adapters: Redis, an in-process dictionary, and a no-op one."""

from __future__ import annotations

import threading
import time

import redis


class RedisCache:
    def __init__(self, client: redis.Redis, *, prefix: str = "agora:") -> None:
        self.client = client
        self.prefix = prefix

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "agora:") -> RedisCache:
        return cls(redis.Redis.from_url(url, socket_timeout=2.0), prefix=prefix)

    def get(self, key: str) -> bytes | None:
        value = self.client.get(self.prefix + key)
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes, *, ttl_seconds: int) -> None:
        self.client.set(self.prefix + key, value, ex=ttl_seconds)

    def delete(self, *keys: str) -> None:
        if keys:
            self.client.delete(*(self.prefix + k for k in keys))

    def incr(self, key: str) -> int:
        return int(self.client.incr(self.prefix + key))

    def ping(self) -> bool:
        return bool(self.client.ping())


class InMemoryCache:
    def __init__(self) -> None:
        self._data: dict[str, tuple[bytes, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            item = self._data.get(key)
            if item is None or item[1] < time.monotonic():
                return None
            return item[0]

    def set(self, key: str, value: bytes, *, ttl_seconds: int) -> None:
        with self._lock:
            self._data[key] = (value, time.monotonic() + ttl_seconds)

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._data.pop(key, None)

    def incr(self, key: str) -> int:
        with self._lock:
            raw = self._data.get(key)
            value = int(raw[0]) + 1 if raw else 1
            self._data[key] = (str(value).encode(), float("inf"))
            return value

    def ping(self) -> bool:
        return True


class NullCache:
    """Caching switched off: every get misses."""

    def get(self, key: str) -> bytes | None:
        return None

    def set(self, key: str, value: bytes, *, ttl_seconds: int) -> None:
        return None

    def delete(self, *keys: str) -> None:
        return None

    def incr(self, key: str) -> int:
        return 0

    def ping(self) -> bool:
        return True
