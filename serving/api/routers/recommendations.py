"""Recommendations for the storefront: per user, per anonymous session, next to a product,
bought together, trending, cart complements; and the admin hot reload of model versions.

Every answer carries an ``attribution_id``: clients echo it on click and add-to-cart events
so that ``agora report recs`` computes CTR and conversion per model and version. The
endpoints are plain ``def``: FastAPI runs them in its threadpool, where the models score.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request

from marketplace.behaviour.domain import is_session_id
from marketplace.cart.domain import CartOwner
from marketplace.shared.errors import (
    AuthenticationError,
    PermissionDeniedError,
    ValidationError,
)
from serving.api.errors import ApiError
from serving.api.schemas.models import MlflowSyncRead
from serving.api.schemas.recommendations import RecommendationsRead, RecsReloadRead
from serving.api.security import OptionalUser, PlatformAdmin, Principal
from serving.recs.registry import ModelLoadError
from serving.recs.runtime import RecsHolder, RecsRuntime
from serving.recs.service import RecsQuery, cart_product_ids

router = APIRouter(tags=["recommendations"])

_ID = r"^[A-Za-z0-9_-]{1,64}$"
_ID_RE = re.compile(_ID)
IdParam = Annotated[str, Path(pattern=_ID)]
_Price = Annotated[Decimal | None, Query(ge=0, le=Decimal("1e12"), decimal_places=4)]
_Id = Annotated[str | None, Query(pattern=_ID)]
_Cap = Annotated[int | None, Query(ge=1, le=100, description="Diversity: at most N per list")]
MAX_CART_ITEMS = 50


class RecommendationsAccessDeniedError(PermissionDeniedError):
    code = "recommendations_access_denied"


class InvalidItemsError(ValidationError):
    code = "invalid_items"


# async: it only parses, and a sync dependency would cost a threadpool hop per request.
async def recs_query(
    k: Annotated[int, Query(ge=1, le=100, description="How many items")] = 20,
    category_id: Annotated[_Id, Query(description="Only this category and below")] = None,
    merchant_id: _Id = None,
    min_price: _Price = None,
    max_price: _Price = None,
    max_per_category: _Cap = None,
    max_per_merchant: _Cap = None,
    page: Annotated[str | None, Query(pattern=r"^[a-z_]{1,20}$", description="home...")] = None,
    context_category_id: Annotated[_Id, Query(description="Cold start: popular here")] = None,
) -> RecsQuery:
    return RecsQuery(
        k=k, category_id=category_id, merchant_id=merchant_id, min_price=min_price,
        max_price=max_price, max_per_category=max_per_category,
        max_per_merchant=max_per_merchant, page=page, context_category_id=context_category_id,
    )  # fmt: skip


Params = Annotated[RecsQuery, Depends(recs_query)]


def recs_runtime(request: Request) -> RecsRuntime:
    holder: RecsHolder = request.app.state.recs
    return holder.get()


def _user(principal: Principal | None) -> str | None:
    return principal.user_id if principal is not None else None


@router.get("/recommendations/users/{user_id}", summary="Recommendations for a user")
def for_user(
    user_id: IdParam, q: Params, principal: OptionalUser, request: Request
) -> RecommendationsRead:
    """The user themself, a platform admin, or a merchant API key (server-side callers)."""
    if principal is None:
        raise AuthenticationError("Sign in to do this.")
    if not (principal.user_id == user_id or principal.is_platform_admin or principal.is_api_key):
        raise RecommendationsAccessDeniedError("These are another user's recommendations.")
    return RecommendationsRead.of(recs_runtime(request).service.for_user(user_id, q))


@router.get("/recommendations/sessions/{session_id}", summary="For an anonymous session")
def for_session(session_id: IdParam, q: Params, request: Request) -> RecommendationsRead:
    if not is_session_id(session_id):
        raise ApiError(422, "invalid_session_id", "A session id is 8-64 of A-Z a-z 0-9 _ -.")
    return RecommendationsRead.of(recs_runtime(request).service.for_session(session_id, q))


@router.get("/recommendations/items/{product_id}/similar", summary="Similar products")
def similar(
    product_id: IdParam, q: Params, principal: OptionalUser, request: Request
) -> RecommendationsRead:
    result = recs_runtime(request).service.similar(product_id, q, user_id=_user(principal))
    return RecommendationsRead.of(result)


@router.get("/recommendations/items/{product_id}/bought-together", summary="Bought together")
def bought_together(
    product_id: IdParam, q: Params, principal: OptionalUser, request: Request
) -> RecommendationsRead:
    result = recs_runtime(request).service.bought_together(product_id, q, user_id=_user(principal))
    return RecommendationsRead.of(result)


@router.get("/recommendations/trending", summary="Trending products")
def trending(q: Params, principal: OptionalUser, request: Request) -> RecommendationsRead:
    return RecommendationsRead.of(
        recs_runtime(request).service.trending(q, user_id=_user(principal))
    )


@router.get("/recommendations/cart/complements", summary="What goes with the cart")
def cart_complements(
    q: Params,
    principal: OptionalUser,
    request: Request,
    items: Annotated[str | None, Query(max_length=3300, description="Comma-separated ids")] = None,
    cart_token: Annotated[str | None, Header(alias="X-Cart-Token", max_length=200)] = None,
) -> RecommendationsRead:
    """The products in ``items``, else the caller's cart (bearer token or X-Cart-Token)."""
    runtime = recs_runtime(request)
    product_ids = _items(items) if items is not None else _cart_products(
        request, principal, cart_token)  # fmt: skip
    result = runtime.service.cart_complements(product_ids, q, user_id=_user(principal))
    return RecommendationsRead.of(result)


def _items(raw: str) -> list[str]:
    ids = [p.strip() for p in raw.split(",") if p.strip()]
    if not ids or len(ids) > MAX_CART_ITEMS or not all(_ID_RE.fullmatch(p) for p in ids):
        raise InvalidItemsError(f"items: 1-{MAX_CART_ITEMS} comma-separated product ids.")
    return list(dict.fromkeys(ids))


def _cart_products(request: Request, principal: Principal | None, token: str | None) -> list[str]:
    if principal is not None and principal.user_id is not None:
        owner = CartOwner.buyer(principal.user_id)
    elif token:
        owner = CartOwner.guest(token)
    else:
        return []
    return cart_product_ids(owner, container=request.app.state.marketplace)


@router.post("/admin/recs/reload", summary="Load the model versions aliases.json names now")
def reload_models(principal: PlatformAdmin, request: Request) -> RecsReloadRead:
    """Platform admins. Reaches the worker process that answers; others poll the file.
    With the MLflow sync on, fetches the champions first (refused versions are retried)."""
    runtime = recs_runtime(request)
    report = runtime.mlflow.sync(retry_refused=True) if runtime.mlflow is not None else None
    registry = runtime.registry
    try:
        snapshot = registry.reload(force=True)
    except ModelLoadError as exc:
        raise ApiError(503, "model_load_failed", f"Kept the previous versions: {exc}") from exc
    return RecsReloadRead(
        aliases=registry.describe(), loaded_at=snapshot.loaded_at.isoformat(),
        mlflow_sync=MlflowSyncRead.of(report) if report is not None else None,
    )  # fmt: skip
