"""Semantic product search: keywords (BM25) and embeddings fused (recsys.search), for the
storefront and the procurement agent. Only sellable products come back; the answer has
the recommendations' shape, with an ``attribution_id`` for click events to echo."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from serving.api.errors import ApiError
from serving.api.routers.recommendations import Params, recs_runtime
from serving.api.schemas.recommendations import RecommendationsRead
from serving.api.security import OptionalUser

router = APIRouter(tags=["search"])
MAX_QUERY = 200


@router.get("/search", summary="Search products (keyword + semantic)")
def search(
    q: Annotated[str, Query(max_length=MAX_QUERY, description="What to look for")],
    params: Params,
    principal: OptionalUser,
    request: Request,
) -> RecommendationsRead:
    """``k`` and the filters (category subtree, price range, merchant) as for
    recommendations; a blank ``q`` is 422 ``invalid_query``."""
    text = " ".join(q.split())
    if not text:
        raise ApiError(422, "invalid_query", "q must hold something to search for.")
    user_id = principal.user_id if principal is not None else None
    result = recs_runtime(request).service.search(text, params, user_id=user_id)
    return RecommendationsRead.of(result)
