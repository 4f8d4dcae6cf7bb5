"""Public browsing: the category tree, product listings and search, the product page
(``async`` fast path: a cache hit is one Redis ``HGET`` and the stored bytes, untouched),
and price quotes."""

from __future__ import annotations

import logging
from typing import Annotated

import orjson
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from redis.exceptions import RedisError

from marketplace.catalog import queries
from marketplace.catalog.cache import (
    AsyncRedisProductCache,
    locale_field,
    product_cache_for,
    product_key,
)
from serving.api.deps import App
from serving.api.errors import ApiError
from serving.api.pagination import decode_cursor
from serving.api.routers.catalog.common import (
    JSON,
    ORJSON_OPTIONS,
    AcceptLanguage,
    Cursor,
    Limit,
    LocaleParam,
    json_response,
    product_page,
    requested_locale,
)
from serving.api.schemas.catalog import (
    CategoryDetailRead,
    CategoryNode,
    PriceQuoteRead,
    ProductDetailRead,
    ProductPage,
)
from serving.api.security import OptionalUser

router = APIRouter(tags=["catalog"])

_VARY = {"Vary": "Accept-Language"}
log = logging.getLogger("agora.catalog")


@router.get(
    "/categories",
    summary="The active category tree",
    response_model=list[CategoryNode],
)
def category_tree(
    container: App, locale: LocaleParam = None, accept_language: AcceptLanguage = None
) -> Response:
    requested = requested_locale(locale, accept_language)
    with queries.read_connection(container.engine) as conn:
        return json_response(queries.category_tree(conn, locale=requested))


@router.get(
    "/categories/{category_id}",
    summary="One category with its breadcrumb and children",
    responses={404: {"description": "category_not_found"}},
)
def category_detail(
    category_id: str,
    container: App,
    locale: LocaleParam = None,
    accept_language: AcceptLanguage = None,
) -> CategoryDetailRead:
    requested = requested_locale(locale, accept_language)
    with queries.read_connection(container.engine) as conn:
        detail = queries.category_detail(conn, category_id, locale=requested)
    return CategoryDetailRead.model_validate(detail)


def _attribute_filters(values: list[str]) -> dict[str, str]:
    filters: dict[str, str] = {}
    for value in values:
        name, sep, wanted = value.partition(":")
        if not sep or not name.strip() or not wanted.strip():
            raise ApiError(422, "invalid_attribute_filter", f"attr={value!r}: use name:value.")
        filters[name.strip()] = wanted.strip()
    return filters


@router.get(
    "/products",
    summary="Browse and search listed products (keyset pages, no totals)",
    response_model=ProductPage,
    responses={400: {"description": "invalid_cursor"},
               404: {"description": "category_not_found"},
               422: {"description": "invalid_list_query / invalid_attribute_filter"}},
)  # fmt: skip
def list_products(
    container: App,
    q: Annotated[str | None, Query(max_length=200, description="Keywords, all must match")] = None,
    category_id: Annotated[str | None, Query(description="Includes its descendants")] = None,
    brand: Annotated[str | None, Query(max_length=200)] = None,
    merchant_id: str | None = None,
    min_price: Annotated[str | None, Query(pattern=r"^\d{1,12}(\.\d{1,4})?$")] = None,
    max_price: Annotated[str | None, Query(pattern=r"^\d{1,12}(\.\d{1,4})?$")] = None,
    currency: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z]{3}$", description="Products priced in it (default for prices)"),
    ] = None,
    attr: Annotated[
        list[str] | None, Query(description="Spec attribute equals: attr=material:cotton")
    ] = None,
    sort: Annotated[
        str | None,
        Query(
            pattern="^(newest|price_asc|price_desc|popularity|relevance)$",
            description="Default: relevance with q, else newest",
        ),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
    locale: LocaleParam = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    if (min_price or max_price) and not currency:
        currency = container.settings.default_currency
    query = queries.ProductListQuery(
        q=q, category_id=category_id, brand=brand, merchant_id=merchant_id,
        min_price=min_price, max_price=max_price, currency=currency,
        attributes=_attribute_filters(attr or []), sort=sort, after=decode_cursor(cursor),
        limit=limit, locale=requested_locale(locale, accept_language),
    )  # fmt: skip
    return json_response(product_page(container, query, public=True))


@router.get(
    "/products/{product_id}",
    summary="A listed product: translations, SKUs with every price, breadcrumb, merchant",
    responses={200: {"model": ProductDetailRead}, 404: {"description": "product_not_found"}},
)
async def get_product(
    request: Request,
    product_id: Annotated[str, Path(max_length=64)],
    locale: LocaleParam = None,
) -> Response:
    requested = requested_locale(locale, request.headers.get("accept-language"))
    field = locale_field(requested)
    state = request.app.state
    client = getattr(state, "redis", None)
    if client is not None:
        try:
            body = await client.hget(state.redis_prefix + product_key(product_id), field)
        except RedisError:  # the cache is an optimisation: read through to the database
            body = None
        if body is not None:
            return Response(body, media_type=JSON, headers=_VARY)
    return await _product_miss(request, product_id, requested, field)


async def _product_miss(
    request: Request, product_id: str, requested: str | None, field: str
) -> Response:
    """Load from the database in the thread pool, serialise once, store, answer."""
    state = request.app.state
    container = state.marketplace
    client = getattr(state, "redis", None)
    ttl = container.settings.product_cache_ttl_seconds

    def load() -> bytes:
        with queries.read_connection(container.engine) as conn:
            detail = queries.product_detail(conn, product_id, locale=requested)
        return orjson.dumps(detail, option=ORJSON_OPTIONS)

    if client is None:
        # Without Redis the container's cache is synchronous: one trip to the thread pool
        # for the lookup, the load and the fill together.
        sync_cache = product_cache_for(container.cache, ttl_seconds=ttl)

        def read_through() -> bytes:
            cached = sync_cache.get(product_id, field)
            if cached is not None:
                return cached
            body = load()
            sync_cache.put(product_id, field, body)
            return body

        return Response(await run_in_threadpool(read_through), media_type=JSON, headers=_VARY)
    body = await run_in_threadpool(load)
    fast = getattr(state, "catalog_product_cache", None)
    if fast is None:
        fast = state.catalog_product_cache = AsyncRedisProductCache(
            client, prefix=state.redis_prefix, ttl_seconds=ttl
        )
    try:
        await fast.put(product_id, field, body)
    except RedisError:
        log.warning("product cache fill failed", extra={"product_id": product_id})
    return Response(body, media_type=JSON, headers=_VARY)


@router.get(
    "/skus/{sku_id}/price",
    summary="The unit price for a quantity (list, quantity tier or the caller's member price)",
    response_model=PriceQuoteRead,
    responses={404: {"description": "sku_not_found / price_not_available"}},
)
def sku_price(
    sku_id: str,
    container: App,
    principal: OptionalUser,
    currency: Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$")] = None,
    quantity: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    level = principal.member_level if principal and principal.user_id else None
    with queries.read_connection(container.engine) as conn:
        quote = queries.sku_price_quote(
            conn, sku_id, currency=currency or container.settings.default_currency,
            quantity=quantity, member_level=level,
        )  # fmt: skip
    return json_response(quote)
