"""Merchants: onboarding, members, shops, API keys; their review by platform admins; and
the public shop page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from marketplace.parties import queries, services
from marketplace.parties.domain import (
    ApiKey,
    Merchant,
    MerchantAction,
    MerchantStatus,
    Shop,
    ShopNotFoundError,
)
from serving.api.deps import App
from serving.api.pagination import decode_cursor, encode_cursor, invalid_cursor
from serving.api.schemas.merchants import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    MemberCreate,
    MemberRead,
    MerchantCreate,
    MerchantPage,
    MerchantRead,
    MerchantSummaryRead,
    MerchantUpdate,
    PublicShopRead,
    ShopCreate,
    ShopRead,
    ShopUpdate,
    StatusChangeRead,
    StatusReason,
)
from serving.api.security import (
    CurrentUser,
    MerchantOwnerScope,
    MerchantScope,
    PlatformAdmin,
    actor_user_id,
)

_Responses = dict[int | str, dict[str, Any]]

router = APIRouter(tags=["merchants"])

_SCOPED: _Responses = {
    401: {"description": "not_authenticated"},
    403: {"description": "merchant_access_denied / merchant_owner_required"},
    404: {"description": "merchant_not_found"},
}
_ADMIN: _Responses = {
    403: {"description": "platform_admin_required"},
    404: {"description": "not found"},
}


def _merchant(merchant: Merchant) -> MerchantRead:
    return MerchantRead.model_validate(merchant, from_attributes=True)


def _shop(shop: Shop) -> ShopRead:
    return ShopRead.model_validate(shop, from_attributes=True)


def _key(key: ApiKey) -> ApiKeyRead:
    return ApiKeyRead.model_validate(key, from_attributes=True)


# -- the merchant's own side -------------------------------------------------------------
@router.post(
    "/merchants",
    status_code=status.HTTP_201_CREATED,
    summary="Apply to sell: creates a merchant in onboarding, owned by the caller",
    responses={409: {"description": "slug_taken"}},
)
def apply(body: MerchantCreate, principal: CurrentUser, container: App) -> MerchantRead:
    cmd = services.ApplyForMerchant(**body.model_dump())
    assert principal.user_id is not None  # CurrentUser refuses API keys
    merchant = services.apply_for_merchant(
        cmd, uow=container.uow(), applicant_user_id=principal.user_id
    )
    return _merchant(merchant)


@router.get("/merchants/{merchant_id}", summary="A merchant's profile", responses=_SCOPED)
def get_merchant(scope: MerchantScope, container: App) -> MerchantRead:
    return _merchant(services.get_merchant(scope.merchant_id, uow=container.uow()))


@router.patch("/merchants/{merchant_id}", summary="Edit the profile (owner)", responses=_SCOPED)
def update_merchant(
    body: MerchantUpdate, scope: MerchantOwnerScope, container: App
) -> MerchantRead:
    cmd = services.UpdateMerchant(**body.model_dump(exclude_unset=True))
    return _merchant(services.update_merchant(scope.merchant_id, cmd, uow=container.uow()))


@router.post(
    "/merchants/{merchant_id}/submit",
    summary="Submit for review (from onboarding, or again after a rejection)",
    responses={**_SCOPED, 409: {"description": "illegal_merchant_transition"}},
)
def submit(scope: MerchantOwnerScope, container: App) -> MerchantRead:
    merchant = services.change_merchant_status(
        scope.merchant_id,
        MerchantAction.SUBMIT,
        uow=container.uow(),
        actor_user_id=actor_user_id(scope),
    )
    return _merchant(merchant)


@router.get("/merchants/{merchant_id}/members", summary="Owner and staff", responses=_SCOPED)
def list_members(scope: MerchantScope, container: App) -> list[MemberRead]:
    members = queries.members_of(container.engine, scope.merchant_id)
    return [MemberRead.model_validate(m, from_attributes=True) for m in members]


@router.post(
    "/merchants/{merchant_id}/members",
    status_code=status.HTTP_201_CREATED,
    summary="Add a registered user as staff (owner)",
    responses={**_SCOPED, 409: {"description": "already_member"}},
)
def add_member(body: MemberCreate, scope: MerchantOwnerScope, container: App) -> MemberRead:
    membership = services.add_staff_member(scope.merchant_id, body.email, uow=container.uow())
    member = next(
        m
        for m in queries.members_of(container.engine, scope.merchant_id)
        if m.user_id == membership.user_id
    )
    return MemberRead.model_validate(member, from_attributes=True)


@router.delete(
    "/merchants/{merchant_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a staff member (owner)",
    responses={**_SCOPED, 409: {"description": "cannot_remove_owner"}},
)
def remove_member(user_id: str, scope: MerchantOwnerScope, container: App) -> Response:
    services.remove_member(scope.merchant_id, user_id, uow=container.uow())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/merchants/{merchant_id}/shops", summary="The merchant's shops", responses=_SCOPED)
def list_shops(scope: MerchantScope, container: App) -> list[ShopRead]:
    return [_shop(s) for s in services.list_shops(scope.merchant_id, uow=container.uow())]


@router.post(
    "/merchants/{merchant_id}/shops",
    status_code=status.HTTP_201_CREATED,
    summary="Open a shop",
    responses={**_SCOPED, 409: {"description": "slug_taken"}},
)
def create_shop(body: ShopCreate, scope: MerchantScope, container: App) -> ShopRead:
    cmd = services.CreateShop(**body.model_dump())
    return _shop(services.create_shop(scope.merchant_id, cmd, uow=container.uow()))


@router.patch(
    "/merchants/{merchant_id}/shops/{shop_id}",
    summary="Edit a shop",
    responses={**_SCOPED, 409: {"description": "slug_taken"}},
)
def update_shop(shop_id: str, body: ShopUpdate, scope: MerchantScope, container: App) -> ShopRead:
    cmd = services.UpdateShop(**body.model_dump(exclude_unset=True))
    return _shop(services.update_shop(scope.merchant_id, shop_id, cmd, uow=container.uow()))


@router.get(
    "/merchants/{merchant_id}/api-keys", summary="The merchant's API keys", responses=_SCOPED
)
def list_api_keys(scope: MerchantOwnerScope, container: App) -> list[ApiKeyRead]:
    return [_key(k) for k in services.list_api_keys(scope.merchant_id, uow=container.uow())]


@router.post(
    "/merchants/{merchant_id}/api-keys",
    status_code=status.HTTP_201_CREATED,
    summary="Issue an API key (owner); the secret is shown only in this response",
    responses={**_SCOPED, 409: {"description": "api_key_name_taken"}},
)
def issue_api_key(body: ApiKeyCreate, scope: MerchantOwnerScope, container: App) -> ApiKeyCreated:
    issued = services.issue_api_key(
        scope.merchant_id,
        services.IssueApiKey(name=body.name),
        uow=container.uow(),
        actor_user_id=actor_user_id(scope),
    )
    return ApiKeyCreated(**_key(issued.key).model_dump(), secret=issued.secret)


@router.delete(
    "/merchants/{merchant_id}/api-keys/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an API key (owner)",
    responses=_SCOPED,
)
def revoke_api_key(key_id: str, scope: MerchantOwnerScope, container: App) -> Response:
    services.revoke_api_key(scope.merchant_id, key_id, uow=container.uow())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- platform review -----------------------------------------------------------------------
def _after_id(cursor: str | None) -> str | None:
    key = decode_cursor(cursor)
    if key is None:
        return None
    after = key.get("after_id")
    if not isinstance(after, str) or not after:
        raise invalid_cursor()
    return after


@router.get("/admin/merchants", summary="Merchants, e.g. those awaiting review", responses=_ADMIN)
def admin_list_merchants(
    _admin: PlatformAdmin,
    container: App,
    status_filter: Annotated[MerchantStatus | None, Query(alias="status")] = None,
    cursor: Annotated[str | None, Query(description="From the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> MerchantPage:
    rows, last = queries.list_merchants(
        container.engine,
        status=status_filter.value if status_filter else None,
        after_id=_after_id(cursor),
        limit=limit,
    )
    items = [MerchantSummaryRead.model_validate(r, from_attributes=True) for r in rows]
    next_key = {"after_id": last} if last else None
    return MerchantPage(items=items, next_cursor=encode_cursor(next_key))


def _review(
    action: MerchantAction, merchant_id: str, admin_id: str | None, reason: str | None, app: App
) -> MerchantRead:
    merchant = services.change_merchant_status(
        merchant_id,
        action,
        uow=app.uow(),
        actor_user_id=admin_id,
        reason=reason,
        on_visibility_change=app.on_merchant_visibility_change,
    )
    return _merchant(merchant)


_REVIEW: _Responses = {**_ADMIN, 409: {"description": "illegal_merchant_transition"}}


@router.post("/admin/merchants/{merchant_id}/approve", summary="Approve", responses=_REVIEW)
def approve(merchant_id: str, admin: PlatformAdmin, container: App) -> MerchantRead:
    return _review(MerchantAction.APPROVE, merchant_id, admin.user_id, None, container)


@router.post(
    "/admin/merchants/{merchant_id}/reject", summary="Reject (reason required)", responses=_REVIEW
)
def reject(
    merchant_id: str, body: StatusReason, admin: PlatformAdmin, container: App
) -> MerchantRead:
    return _review(MerchantAction.REJECT, merchant_id, admin.user_id, body.reason, container)


@router.post(
    "/admin/merchants/{merchant_id}/suspend",
    summary="Suspend (reason required)",
    responses=_REVIEW,
)
def suspend(
    merchant_id: str, body: StatusReason, admin: PlatformAdmin, container: App
) -> MerchantRead:
    return _review(MerchantAction.SUSPEND, merchant_id, admin.user_id, body.reason, container)


@router.post(
    "/admin/merchants/{merchant_id}/reinstate", summary="Lift a suspension", responses=_REVIEW
)
def reinstate(merchant_id: str, admin: PlatformAdmin, container: App) -> MerchantRead:
    return _review(MerchantAction.REINSTATE, merchant_id, admin.user_id, None, container)


@router.get(
    "/admin/merchants/{merchant_id}/history",
    summary="Every status change: who, when, from, to, why",
    responses=_ADMIN,
)
def history(merchant_id: str, _admin: PlatformAdmin, container: App) -> list[StatusChangeRead]:
    changes = services.merchant_history(merchant_id, uow=container.uow())
    return [StatusChangeRead.model_validate(c, from_attributes=True) for c in changes]


# -- public -----------------------------------------------------------------------------
@router.get(
    "/shops/{slug}",
    summary="A shop as buyers see it",
    responses={404: {"description": "shop_not_found"}},
)
def public_shop(slug: str, container: App) -> PublicShopRead:
    shop = queries.public_shop(container.engine, slug)
    if shop is None:
        raise ShopNotFoundError(f"No shop {slug!r}.")
    return PublicShopRead.model_validate(shop, from_attributes=True)
