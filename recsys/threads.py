"""Explicit thread counts for BLAS and OpenMP, so that models never oversubscribe the CPUs.

numpy's BLAS and implicit's OpenMP loops would each start one thread per core by default;
on a small shared machine, two such pools fight each other. Every fit and every batch of
scoring runs inside `limited_threads`, and implicit gets `num_threads` explicitly.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from functools import lru_cache
from typing import Any

from threadpoolctl import ThreadpoolController, threadpool_limits

ENV_VAR = "AGORA_RECSYS_THREADS"


def default_threads() -> int:
    """AGORA_RECSYS_THREADS, else 1: the serving process scores on one core per worker."""
    raw = os.environ.get(ENV_VAR, "")
    return max(1, int(raw)) if raw.strip().isdigit() else 1


def limited_threads(
    n: int | None = None, *, blas: int | None = None
) -> AbstractContextManager[Any]:
    """Cap OpenMP pools at `n` threads and BLAS at `blas` (both default_threads() if None).

    implicit parallelises with OpenMP itself and wants a single-threaded BLAS inside.
    """
    limit = n or default_threads()
    limits: AbstractContextManager[Any] = threadpool_limits(
        limits={"openmp": limit, "blas": blas or limit}
    )
    return limits


@lru_cache(maxsize=1)
def _scoring_controller() -> ThreadpoolController:
    return ThreadpoolController()


def scoring_threads() -> AbstractContextManager[Any]:
    """One BLAS/OpenMP thread for a serving-time product (a request scores on its worker's
    core). The controller is made once: making one walks every loaded library (~1 ms, as
    long as the product itself at 100k items); numpy's BLAS is loaded long before the first
    request, which is all scoring uses."""
    limits: AbstractContextManager[Any] = _scoring_controller().limit(
        limits={"openmp": 1, "blas": 1}
    )
    return limits
