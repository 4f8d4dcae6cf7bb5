"""Sourcing over HTTP: suppliers keep their profile, regions, offers and contract prices
(merchant scope); platform admins verify suppliers; signed-in B2B buyers search offers
(their company's contract prices applied) and read supplier profiles."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from marketplace.companies.queries import company_id_of_user
from marketplace.shared.money import Money
from marketplace.sourcing import queries, services
from marketplace.sourcing.domain import (
    OfferNotFoundError,
    SupplierProfileNotFoundError,
)
from serving.api.deps import App
from serving.api.errors import ApiError
from serving.api.pagination import decode_cursor, encode_cursor, invalid_cursor
from serving.api.schemas.sourcing import (
    ContractPriceCreate,
    ContractPricePage,
    ContractPriceRead,
    OfferCreate,
    OfferHitRead,
    OfferPage,
    OfferRead,
    OfferSearchPage,
    OfferUpdate,
    PublicSupplierRead,
    RegionsPut,
    SupplierProfilePut,
    SupplierProfileRead,
)
from serving.api.security import (
    ApprovedMerchantScope,
    CurrentUser,
    MerchantScope,
    PlatformAdmin,
    actor_user_id,
)

router = APIRouter(tags=["sourcing"])
Responses = dict[int | str, dict[str, Any]]

_SCOPED: Responses = {
    401: {"description": "not_authenticated"},
    403: {"description": "merchant_access_denied / merchant_not_approved / merchant_not_supplier"},
    404: {"description": "merchant_not_found / supplier_profile_not_found"},
}
_OFFER: Responses = {**_SCOPED, 404: {"description": "merchant_not_found / offer_not_found"}}
Cursor = Annotated[str | None, Query(max_length=2048, description="next_cursor of the last page")]
Limit = Annotated[int, Query(ge=1, le=100)]


def _after_id(listing: str, cursor: str | None) -> str | None:
    payload = decode_cursor(cursor)
    if payload is None:
        return None
    if payload.get("list") != listing or not isinstance(payload.get("after"), str):
        raise invalid_cursor()
    return str(payload["after"])


def _next(listing: str, ids: list[str], limit: int) -> str | None:
    return encode_cursor({"list": listing, "after": ids[limit - 1]}) if len(ids) > limit else None


# -- supplier profile ----------------------------------------------------------------------------
@router.get("/merchants/{merchant_id}/supplier-profile", summary="The merchant's supplier profile",
            responses=_SCOPED)  # fmt: skip
def get_supplier_profile(scope: MerchantScope, container: App) -> SupplierProfileRead:
    with container.engine.connect() as conn:
        profile = queries.supplier_profile(conn, scope.merchant_id)
    if profile is None:
        raise SupplierProfileNotFoundError("The merchant has no supplier profile yet.")
    return SupplierProfileRead.of(profile)


@router.put(
    "/merchants/{merchant_id}/supplier-profile",
    summary="Create or replace the supplier profile (approved supplier/third-party merchants)",
    responses={**_SCOPED, 409: {"description": "supplier_currency_locked"},
               422: {"description": "invalid_supplier_profile / duplicate_region"}},
)  # fmt: skip
def put_supplier_profile(
    body: SupplierProfilePut, scope: ApprovedMerchantScope, container: App
) -> SupplierProfileRead:
    cmd = services.PutSupplierProfile(
        scope.merchant_id, default_moq=body.default_moq, description=body.description,
        certifications=tuple(c.domain() for c in body.certifications), currency=body.currency,
        regions=None if body.regions is None else tuple(r.domain() for r in body.regions),
    )  # fmt: skip
    return SupplierProfileRead.of(services.put_supplier_profile(cmd, uow=container.uow()))


@router.put(
    "/merchants/{merchant_id}/supplier-profile/regions",
    summary="Replace the regions served, with lead times and shipping estimates",
    responses={**_SCOPED, 422: {"description": "invalid_supplier_profile / duplicate_region"}},
)
def put_regions(
    body: RegionsPut, scope: ApprovedMerchantScope, container: App
) -> SupplierProfileRead:
    regions = [r.domain() for r in body.regions]
    profile = services.set_supplier_regions(scope.merchant_id, regions, uow=container.uow())
    return SupplierProfileRead.of(profile)


@router.post(
    "/admin/suppliers/{merchant_id}/verify",
    summary="Mark a supplier verified (platform admins)",
    responses={401: {"description": "not_authenticated"},
               403: {"description": "platform_admin_required"},
               404: {"description": "supplier_profile_not_found"}},
)  # fmt: skip
def verify_supplier(merchant_id: str, admin: PlatformAdmin, container: App) -> SupplierProfileRead:
    profile = services.verify_supplier(merchant_id, admin_id=admin.user_id, uow=container.uow())
    return SupplierProfileRead.of(profile)


# -- offers -------------------------------------------------------------------------------------
@router.get("/merchants/{merchant_id}/offers", summary="The merchant's offers, oldest first",
            responses={**_SCOPED, 400: {"description": "invalid_cursor"}})  # fmt: skip
def list_offers(
    scope: MerchantScope, container: App, cursor: Cursor = None, limit: Limit = 50
) -> OfferPage:
    after = _after_id("offers", cursor)
    with container.engine.connect() as conn:
        rows = queries.merchant_offers(conn, scope.merchant_id, limit=limit, after_id=after)
    return OfferPage(items=[OfferRead.of(o) for o in rows[:limit]],
                     next_cursor=_next("offers", [o.id for o in rows], limit))  # fmt: skip


@router.post(
    "/merchants/{merchant_id}/offers",
    status_code=status.HTTP_201_CREATED,
    summary="Offer one of the merchant's own SKUs to B2B buyers, with quantity-break prices",
    responses={**_SCOPED, 404: {"description": "sku_not_found / supplier_profile_not_found"},
               409: {"description": "offer_exists"},
               422: {"description": "invalid_offer / invalid_price_tiers"}},
)  # fmt: skip
def create_offer(body: OfferCreate, scope: ApprovedMerchantScope, container: App) -> OfferRead:
    cmd = services.CreateOffer(
        scope.merchant_id, body.sku_id, tuple(t.domain() for t in body.tiers),
        body.lead_time_days, body.is_active,
    )  # fmt: skip
    return OfferRead.of(services.create_offer(cmd, uow=container.uow()))


@router.get("/merchants/{merchant_id}/offers/{offer_id}", summary="One of the merchant's offers",
            responses=_OFFER)  # fmt: skip
def get_offer(offer_id: str, scope: MerchantScope, container: App) -> OfferRead:
    with container.engine.connect() as conn:
        offer = queries.merchant_offer(conn, scope.merchant_id, offer_id)
    if offer is None:
        raise OfferNotFoundError("No such offer.", offer_id=offer_id)
    return OfferRead.of(offer)


@router.patch(
    "/merchants/{merchant_id}/offers/{offer_id}",
    summary="Change an offer's tiers, lead time or active flag",
    responses={**_OFFER, 422: {"description": "invalid_offer / invalid_price_tiers"}},
)
def update_offer(
    offer_id: str, body: OfferUpdate, scope: ApprovedMerchantScope, container: App
) -> OfferRead:
    sent = body.model_fields_set
    cmd = services.UpdateOffer(
        scope.merchant_id, offer_id,
        tiers=tuple(t.domain() for t in body.tiers) if body.tiers is not None else None,
        lead_time_days=body.lead_time_days,
        clear_lead_time="lead_time_days" in sent and body.lead_time_days is None,
        is_active=body.is_active,
    )  # fmt: skip
    return OfferRead.of(services.update_offer(cmd, uow=container.uow()))


@router.delete("/merchants/{merchant_id}/offers/{offer_id}", status_code=204,
               summary="Withdraw an offer", responses=_OFFER)  # fmt: skip
def delete_offer(offer_id: str, scope: ApprovedMerchantScope, container: App) -> Response:
    services.delete_offer(scope.merchant_id, offer_id, uow=container.uow())
    return Response(status_code=204)


# -- contract prices -----------------------------------------------------------------------------
@router.get("/merchants/{merchant_id}/contract-prices", summary="The merchant's contract prices",
            responses={**_SCOPED, 400: {"description": "invalid_cursor"}})  # fmt: skip
def list_contract_prices(
    scope: MerchantScope,
    container: App,
    company_id: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> ContractPricePage:
    after = _after_id("contract_prices", cursor)
    with container.engine.connect() as conn:
        rows = queries.merchant_contract_prices(
            conn, scope.merchant_id, company_id=company_id, limit=limit, after_id=after
        )
    items = [ContractPriceRead.of(c) for c in rows[:limit]]
    next_cursor = _next("contract_prices", [c.id for c in rows], limit)
    return ContractPricePage(items=items, next_cursor=next_cursor)


@router.post(
    "/merchants/{merchant_id}/contract-prices",
    status_code=status.HTTP_201_CREATED,
    summary="Agree a unit price for one SKU with one company, valid for a period",
    description="During valid_from..valid_until (inclusive) the company's buyers see and pay "
    "this price instead of the offer's tiers; of overlapping ones the latest created wins.",
    responses={**_SCOPED, 404: {"description": "sku_not_found / supplier_profile_not_found"},
               422: {"description": "invalid_contract_price / invalid_company_id / "
                                    "invalid_validity / currency_mismatch"}},
)  # fmt: skip
def create_contract_price(
    body: ContractPriceCreate, scope: ApprovedMerchantScope, container: App
) -> ContractPriceRead:
    cmd = services.CreateContractPrice(
        scope.merchant_id, body.company_id, body.sku_id, body.unit_price.money(),
        body.valid_from, body.valid_until, created_by=actor_user_id(scope),
    )  # fmt: skip
    return ContractPriceRead.of(services.create_contract_price(cmd, uow=container.uow()))


@router.delete(
    "/merchants/{merchant_id}/contract-prices/{contract_price_id}", status_code=204,
    summary="Delete a contract price",
    responses={**_SCOPED, 404: {"description": "merchant_not_found / contract_price_not_found"}},
)  # fmt: skip
def delete_contract_price(
    contract_price_id: str, scope: ApprovedMerchantScope, container: App
) -> Response:
    services.delete_contract_price(scope.merchant_id, contract_price_id, uow=container.uow())
    return Response(status_code=204)


# -- buyers --------------------------------------------------------------------------------------
def _attributes(values: list[str]) -> dict[str, str]:
    attributes = {}
    for value in values:
        name, sep, wanted = value.partition(":")
        if not sep or not name.strip():
            raise ApiError(422, "invalid_offer_query", f"attr {value!r} is not name:value.")
        attributes[name.strip()] = wanted.strip()
    return attributes


def _fingerprint(query: queries.OfferQuery, company_id: str | None) -> str:
    raw = repr((dataclasses.replace(query, offset=0, limit=0, locale=None), company_id))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


@router.get(
    "/b2b/offers",
    summary="Search B2B offers: filters, price at a quantity, landed price to a region",
    description=(
        "Active offers of approved suppliers. `quantity` prices each offer at that "
        "quantity (and leaves out offers whose MOQ is higher); `country`/`region` add the "
        "supplier's shipping estimate (landed unit price) and its lead time there, and "
        "leave out suppliers not serving it. A member of a company sees the company's "
        "contract prices. Sorts: `landed_price` (default), `lead_time`, `rating`."
    ),
    responses={401: {"description": "not_authenticated"},
               400: {"description": "invalid_cursor"},
               422: {"description": "invalid_offer_query / request_validation_failed"}},
)  # fmt: skip
def search_offers(
    user: CurrentUser,
    container: App,
    q: Annotated[str | None, Query(max_length=200, description="Words of the title")] = None,
    category_id: Annotated[str | None, Query(max_length=40)] = None,
    attr: Annotated[list[str], Query(max_length=10, description="name:value")] = [],  # noqa: B006
    quantity: Annotated[int | None, Query(ge=1, le=10_000_000)] = None,
    max_moq: Annotated[int | None, Query(ge=1, le=10_000_000)] = None,
    max_unit_price: Annotated[str | None, Query(max_length=40, examples=["12.50"])] = None,
    currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
    region: Annotated[str | None, Query(max_length=100)] = None,
    max_lead_time_days: Annotated[int | None, Query(ge=0, le=365)] = None,
    verified_only: bool = False,
    supplier_id: Annotated[list[str], Query(max_length=50)] = [],  # noqa: B006
    sort: Annotated[str, Query(pattern="^(landed_price|lead_time|rating)$")] = "landed_price",
    limit: Limit = 20,
    cursor: Cursor = None,
    locale: Annotated[str | None, Query(max_length=10)] = None,
) -> OfferSearchPage:
    if max_unit_price is not None and currency is None:
        raise ApiError(422, "invalid_offer_query", "max_unit_price needs a currency.")
    query = queries.OfferQuery(
        category_id=category_id, attributes=_attributes(attr), text=q, max_moq=max_moq,
        quantity=quantity, currency=currency, country=country, region=region,
        max_unit_price=Money.of(max_unit_price, currency) if max_unit_price and currency
        else None,
        max_lead_time_days=max_lead_time_days, verified_only=verified_only,
        supplier_ids=tuple(supplier_id), sort=sort, limit=limit, locale=locale,
    )  # fmt: skip
    today = container.clock.now().date()
    with container.engine.connect() as conn:
        company_id = company_id_of_user(conn, user.user_id) if user.user_id else None
        fingerprint = _fingerprint(query, company_id)
        payload = decode_cursor(cursor)
        if payload is not None:
            offset = payload.get("offset")
            if (
                payload.get("list") != "b2b_offers"
                or payload.get("f") != fingerprint
                or (not isinstance(offset, int) or isinstance(offset, bool))
            ):
                raise invalid_cursor()
            query = dataclasses.replace(query, offset=offset)
        page = queries.search_offers(conn, query, company_id=company_id, on=today)
    next_cursor = (
        encode_cursor({"list": "b2b_offers", "offset": page.next_offset, "f": fingerprint})
        if page.next_offset is not None and page.next_offset <= queries.MAX_OFFSET
        else None
    )
    items = [OfferHitRead.of(h) for h in page.items]
    return OfferSearchPage(
        items=items, next_cursor=next_cursor, company_pricing=company_id is not None
    )


@router.get(
    "/b2b/suppliers/{merchant_id}",
    summary="A supplier's public profile: regions, certifications, verification, metrics",
    responses={404: {"description": "supplier_profile_not_found"}},
)
def get_public_supplier(merchant_id: str, container: App) -> PublicSupplierRead:
    with container.engine.connect() as conn:
        supplier = queries.public_supplier(conn, merchant_id)
    if supplier is None:
        raise SupplierProfileNotFoundError("No such supplier.", merchant_id=merchant_id)
    return PublicSupplierRead.of(supplier)
