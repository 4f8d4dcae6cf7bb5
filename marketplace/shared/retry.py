"""Doing a unit of work again when the database broke a deadlock (see ADR 0007)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from marketplace.shared.errors import TransientConflictError

T = TypeVar("T")


def retry_transient(work: Callable[[], T], *, attempts: int = 3, base_delay: float = 0.01) -> T:
    """Run ``work``; when the database chose it as a deadlock victim (nothing was
    changed), wait a little, with jitter, and run it again, up to ``attempts`` times.
    ``work`` must be a whole unit of work, safe to repeat."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except TransientConflictError:
            if attempt == attempts:
                raise
            time.sleep(base_delay * attempt * (1 + random.random()))
    raise AssertionError("unreachable")
