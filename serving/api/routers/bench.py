"""Benchmark-only endpoints (``AGORA_BENCH_ENDPOINTS=true``): the machine's ceiling."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

router = APIRouter(include_in_schema=False)


@router.get("/_bench/redis-blob")
async def redis_blob(request: Request) -> Response:
    """The least an endpoint can do: one Redis GET, bytes out. bench/catalog_read.py
    compares the product-detail fast path against this."""
    blob = await request.app.state.redis.get(request.app.state.redis_prefix + "bench:blob")
    return Response(blob or b"{}", media_type="application/json")
