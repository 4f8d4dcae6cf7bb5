"""Each merchant's products, SKUs and prices (``MerchantScope``: the caller acts for the
merchant in the path). Another merchant's product or SKU id is simply not found."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from marketplace.catalog import queries, services
from marketplace.catalog.domain import PriceSet, Sku
from marketplace.catalog.domain.commands import (
    UNSET,
    AddSku,
    ChangeProductStatus,
    CreateProduct,
    MemberPriceInput,
    SetSkuPrices,
    TierInput,
    TranslationInput,
    UpdateProduct,
    UpdateSku,
)
from serving.api.deps import App
from serving.api.pagination import decode_cursor
from serving.api.routers.catalog.common import (
    Cursor,
    Limit,
    LocaleParam,
    Responses,
    json_response,
    product_page,
    requested_locale,
)
from serving.api.schemas.catalog import (
    MerchantProductPage,
    MerchantProductRead,
    PriceSetRead,
    ProductCreate,
    ProductUpdate,
    SkuCreate,
    SkuPricesPut,
    SkuRead,
    SkuUpdate,
)
from serving.api.security import MerchantScope

router = APIRouter(tags=["merchant catalog"])

_SCOPED: Responses = {
    401: {"description": "not_authenticated"},
    403: {"description": "merchant_access_denied"},
    404: {"description": "merchant_not_found / product_not_found / sku_not_found"},
}


def _merchant_product(container: App, merchant_id: str, product_id: str) -> MerchantProductRead:
    with queries.read_connection(container.engine) as conn:
        detail = queries.merchant_product_detail(conn, merchant_id, product_id, locale=None)
    return MerchantProductRead.model_validate(detail)


def _translations(body: dict[str, Any]) -> dict[str, TranslationInput]:
    return {tag: TranslationInput(t["title"], t.get("description")) for tag, t in body.items()}


@router.get(
    "/merchants/{merchant_id}/products",
    summary="The merchant's products, any status, newest first",
    response_model=MerchantProductPage,
    responses={**_SCOPED, 400: {"description": "invalid_cursor"}},
)
def list_merchant_products(
    scope: MerchantScope,
    container: App,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(draft|listed|delisted)$")
    ] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
    locale: LocaleParam = None,
) -> Response:
    query = queries.ProductListQuery(
        q=q, merchant_id=scope.merchant_id, status=status_, sort="newest",
        after=decode_cursor(cursor), limit=limit, locale=requested_locale(locale, None),
    )  # fmt: skip
    return json_response(product_page(container, query, public=False))


@router.post(
    "/merchants/{merchant_id}/products",
    status_code=status.HTTP_201_CREATED,
    summary="Create a draft product (then add SKUs, prices, and list it)",
    responses={**_SCOPED, 409: {"description": "category_inactive"},
               422: {"description": "unknown_category / unknown_shop / invalid_attributes"}},
)  # fmt: skip
def create_product(
    body: ProductCreate, scope: MerchantScope, container: App
) -> MerchantProductRead:
    fields = body.model_dump()
    cmd = CreateProduct(
        merchant_id=scope.merchant_id, category_id=body.category_id,
        translations=_translations(fields["translations"]), default_locale=body.default_locale,
        shop_id=body.shop_id, brand=body.brand, attributes=body.attributes,
    )  # fmt: skip
    product = services.create_product(cmd, uow=container.uow(), cache=container.cache)
    return _merchant_product(container, scope.merchant_id, product.id)


@router.get(
    "/merchants/{merchant_id}/products/{product_id}",
    summary="One of the merchant's products, with every SKU and translation",
    responses=_SCOPED,
)
def get_merchant_product(
    product_id: str, scope: MerchantScope, container: App
) -> MerchantProductRead:
    return _merchant_product(container, scope.merchant_id, product_id)


@router.patch(
    "/merchants/{merchant_id}/products/{product_id}",
    summary="Edit a product (translations are upserted per locale)",
    responses={**_SCOPED, 409: {"description": "product_version_conflict / category_inactive"}},
)
def update_product(
    product_id: str, body: ProductUpdate, scope: MerchantScope, container: App
) -> MerchantProductRead:
    given = body.model_dump(exclude_unset=True)
    if "translations" in given:
        given["translations"] = _translations(given["translations"] or {})
    version = given.pop("version", None)
    for required in ("category_id", "default_locale", "attributes"):
        if given.get(required, UNSET) is None:
            given.pop(required)
    cmd = UpdateProduct(scope.merchant_id, product_id, expected_version=version, **given)
    services.update_product(cmd, uow=container.uow(), cache=container.cache)
    return _merchant_product(container, scope.merchant_id, product_id)


@router.post(
    "/merchants/{merchant_id}/products/{product_id}/list",
    summary="Put the product on sale (draft or delisted -> listed)",
    responses={**_SCOPED, 409: {"description": "merchant_not_approved / product_incomplete / "
                                               "illegal_product_transition"}},
)  # fmt: skip
def list_product(product_id: str, scope: MerchantScope, container: App) -> MerchantProductRead:
    cmd = ChangeProductStatus(scope.merchant_id, product_id)
    services.list_product(cmd, uow=container.uow(), cache=container.cache)
    return _merchant_product(container, scope.merchant_id, product_id)


@router.post(
    "/merchants/{merchant_id}/products/{product_id}/delist",
    summary="Take the product off sale (listed -> delisted)",
    responses={**_SCOPED, 409: {"description": "illegal_product_transition"}},
)
def delist_product(product_id: str, scope: MerchantScope, container: App) -> MerchantProductRead:
    cmd = ChangeProductStatus(scope.merchant_id, product_id)
    services.delist_product(cmd, uow=container.uow(), cache=container.cache)
    return _merchant_product(container, scope.merchant_id, product_id)


def _price_set(prices: PriceSet) -> PriceSetRead:
    return PriceSetRead.model_validate(queries.price_set_dict(prices))


def _sku(sku: Sku) -> SkuRead:
    return SkuRead(
        id=sku.id, sku_code=sku.sku_code, barcode=sku.barcode,
        sales_attributes=sku.sales_attributes, weight_grams=sku.weight_grams,
        status=sku.status.value, prices=[_price_set(p) for p in sku.prices.values()],
    )  # fmt: skip


@router.post(
    "/merchants/{merchant_id}/products/{product_id}/skus",
    status_code=status.HTTP_201_CREATED,
    summary="Add a SKU (one combination of sales attributes)",
    responses={**_SCOPED, 409: {"description": "duplicate_sku_attributes / sku_code_taken"},
               422: {"description": "invalid_barcode / invalid_attributes"}},
)  # fmt: skip
def add_sku(product_id: str, body: SkuCreate, scope: MerchantScope, container: App) -> SkuRead:
    cmd = AddSku(scope.merchant_id, product_id, **body.model_dump())
    return _sku(services.add_sku(cmd, uow=container.uow(), cache=container.cache))


@router.patch(
    "/merchants/{merchant_id}/skus/{sku_id}",
    summary="Edit a SKU: code, barcode, weight, sales attributes, active or not",
    responses={**_SCOPED, 409: {"description": "duplicate_sku_attributes / sku_code_taken / "
                                               "listed_product_needs_active_sku"},
               422: {"description": "invalid_barcode"}},
)  # fmt: skip
def update_sku(sku_id: str, body: SkuUpdate, scope: MerchantScope, container: App) -> SkuRead:
    given = body.model_dump(exclude_unset=True)
    for required in ("sku_code", "sales_attributes", "is_active"):
        if given.get(required, UNSET) is None:
            given.pop(required)
    cmd = UpdateSku(scope.merchant_id, sku_id, **given)
    return _sku(services.update_sku(cmd, uow=container.uow(), cache=container.cache))


@router.put(
    "/merchants/{merchant_id}/skus/{sku_id}/prices",
    summary="Replace the SKU's prices in one currency: list, quantity tiers, member prices",
    responses={**_SCOPED, 422: {"description": "invalid_price / invalid_tier_prices / "
                                               "invalid_member_prices / unsupported_currency"}},
)  # fmt: skip
def set_sku_prices(
    sku_id: str, body: SkuPricesPut, scope: MerchantScope, container: App
) -> PriceSetRead:
    cmd = SetSkuPrices(
        scope.merchant_id, sku_id, currency=body.currency, list_price=body.list_price,
        tiers=tuple(TierInput(t.min_quantity, t.price) for t in body.tiers),
        member_prices=tuple(MemberPriceInput(m.level, m.price) for m in body.member_prices),
    )  # fmt: skip
    prices = services.set_sku_prices(cmd, uow=container.uow(), cache=container.cache)
    return _price_set(prices)
