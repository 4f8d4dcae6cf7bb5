"""Use cases of merchants: onboarding and review, memberships, shops.

Authorization (who may call what) is decided by the caller; these functions enforce the
business rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from marketplace.parties.domain import (
    MemberNotFoundError,
    MemberRole,
    Membership,
    Merchant,
    MerchantAction,
    MerchantKind,
    MerchantNotFoundError,
    MerchantStatus,
    OwnerRemovalError,
    Shop,
    ShopNotFoundError,
    StatusChange,
    UserNotFoundError,
    check_slug,
    normalize_email,
    slugify,
)
from marketplace.parties.ports import MerchantVisibilityListener, PartiesUnitOfWork
from marketplace.shared.currency import get_currency
from marketplace.shared.errors import ValidationError
from marketplace.shared.ids import new_id


@dataclass(frozen=True)
class ApplyForMerchant:
    name: str
    kind: MerchantKind = MerchantKind.THIRD_PARTY
    slug: str | None = None
    legal_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    region: str | None = None
    city: str | None = None
    default_currency: str = "CNY"
    default_locale: str = "zh"


@dataclass(frozen=True)
class UpdateMerchant:
    """Only the fields given (not None) change."""

    name: str | None = None
    legal_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    region: str | None = None
    city: str | None = None
    default_currency: str | None = None
    default_locale: str | None = None


@dataclass(frozen=True)
class CreateShop:
    name: str
    slug: str | None = None
    description: str | None = None
    is_open: bool = True


@dataclass(frozen=True)
class UpdateShop:
    name: str | None = None
    slug: str | None = None
    description: str | None = None
    is_open: bool | None = None


def apply_for_merchant(
    cmd: ApplyForMerchant, *, uow: PartiesUnitOfWork, applicant_user_id: str
) -> Merchant:
    """Create a merchant in onboarding; the applicant becomes its owner."""
    name = cmd.name.strip()
    if not name:
        raise ValidationError("A merchant needs a name.", code="name_required")
    with uow:
        if uow.users.get(applicant_user_id) is None:
            raise UserNotFoundError(f"No user {applicant_user_id}.")
        now = uow.clock.now()
        merchant_id = new_id("mer")
        merchant = Merchant(
            id=merchant_id,
            name=name,
            slug=check_slug(cmd.slug) if cmd.slug else _fallback_slug(name, merchant_id),
            kind=cmd.kind,
            status=MerchantStatus.ONBOARDING,
            default_currency=get_currency(cmd.default_currency).code,
            default_locale=cmd.default_locale,
            created_at=now,
            updated_at=now,
            legal_name=cmd.legal_name,
            contact_email=cmd.contact_email,
            contact_phone=cmd.contact_phone,
            region=cmd.region,
            city=cmd.city,
        )
        uow.merchants.add(merchant)
        uow.merchants.add_status_change(
            StatusChange(merchant.id, None, merchant.status, applicant_user_id, None, now)
        )
        uow.merchants.add_member(
            Membership(merchant.id, applicant_user_id, MemberRole.OWNER, created_at=now)
        )
        uow.commit()
    return merchant


def _fallback_slug(name: str, entity_id: str) -> str:
    # A readable slug when the name allows it; the id's random tail keeps it unique.
    tail = entity_id.rsplit("_", 1)[-1][-8:].lower()
    base = slugify(name)
    return f"{base}-{tail}" if base else tail


def get_merchant(merchant_id: str, *, uow: PartiesUnitOfWork) -> Merchant:
    with uow:
        merchant = uow.merchants.get(merchant_id)
    if merchant is None:
        raise MerchantNotFoundError(f"No merchant {merchant_id}.")
    return merchant


def update_merchant(merchant_id: str, cmd: UpdateMerchant, *, uow: PartiesUnitOfWork) -> Merchant:
    with uow:
        merchant = merchant_for_update(merchant_id, uow)
        for name, value in vars(cmd).items():
            if value is not None:
                setattr(merchant, name, value.strip() if isinstance(value, str) else value)
        merchant.default_currency = get_currency(merchant.default_currency).code
        if not merchant.name:
            raise ValidationError("A merchant needs a name.", code="name_required")
        merchant.updated_at = uow.clock.now()
        uow.merchants.save(merchant)
        uow.commit()
    return merchant


def change_merchant_status(
    merchant_id: str,
    action: MerchantAction,
    *,
    uow: PartiesUnitOfWork,
    actor_user_id: str | None,
    reason: str | None = None,
    on_visibility_change: MerchantVisibilityListener | None = None,
) -> Merchant:
    """Move a merchant along its status machine and record who did it and why."""
    with uow:
        merchant = merchant_for_update(merchant_id, uow)
        was_visible = merchant.status is MerchantStatus.APPROVED
        change = merchant.apply(action, actor=actor_user_id, reason=reason, now=uow.clock.now())
        uow.merchants.save(merchant)
        uow.merchants.add_status_change(change)
        if on_visibility_change and was_visible != (merchant.status is MerchantStatus.APPROVED):
            on_visibility_change(merchant.id, uow=uow)
        uow.commit()
    return merchant


def merchant_history(merchant_id: str, *, uow: PartiesUnitOfWork) -> Sequence[StatusChange]:
    with uow:
        if uow.merchants.get(merchant_id) is None:
            raise MerchantNotFoundError(f"No merchant {merchant_id}.")
        return uow.merchants.history(merchant_id)


def merchant_for_update(merchant_id: str, uow: PartiesUnitOfWork) -> Merchant:
    merchant = uow.merchants.get(merchant_id, for_update=True)
    if merchant is None:
        raise MerchantNotFoundError(f"No merchant {merchant_id}.")
    return merchant


# -- memberships ----------------------------------------------------------------------
def add_staff_member(merchant_id: str, email: str, *, uow: PartiesUnitOfWork) -> Membership:
    """Add a registered user, found by e-mail, as staff of the merchant."""
    email = normalize_email(email)
    with uow:
        merchant_for_update(merchant_id, uow)
        user = uow.users.get_by_email(email)
        if user is None:
            raise UserNotFoundError(f"No user is registered as {email}.", email=email)
        membership = Membership(merchant_id, user.id, MemberRole.STAFF, uow.clock.now())
        uow.merchants.add_member(membership)
        uow.commit()
    return membership


def remove_member(merchant_id: str, user_id: str, *, uow: PartiesUnitOfWork) -> None:
    with uow:
        member = uow.merchants.get_member(merchant_id, user_id)
        if member is None:
            raise MemberNotFoundError(f"{user_id} is not a member of this merchant.")
        if member.role is MemberRole.OWNER:
            raise OwnerRemovalError("The owner cannot be removed from the merchant.")
        uow.merchants.remove_member(merchant_id, user_id)
        uow.commit()


# -- shops ----------------------------------------------------------------------------
def create_shop(merchant_id: str, cmd: CreateShop, *, uow: PartiesUnitOfWork) -> Shop:
    name = cmd.name.strip()
    if not name:
        raise ValidationError("A shop needs a name.", code="name_required")
    with uow:
        merchant_for_update(merchant_id, uow)
        now = uow.clock.now()
        shop_id = new_id("shop")
        shop = Shop(
            id=shop_id,
            merchant_id=merchant_id,
            name=name,
            slug=check_slug(cmd.slug) if cmd.slug else _fallback_slug(name, shop_id),
            is_open=cmd.is_open,
            created_at=now,
            updated_at=now,
            description=cmd.description,
        )
        uow.shops.add(shop)
        uow.commit()
    return shop


def list_shops(merchant_id: str, *, uow: PartiesUnitOfWork) -> Sequence[Shop]:
    with uow:
        return uow.shops.list_for_merchant(merchant_id)


def update_shop(merchant_id: str, shop_id: str, cmd: UpdateShop, *, uow: PartiesUnitOfWork) -> Shop:
    with uow:
        shop = uow.shops.get(shop_id)
        # Another merchant's shop is "not found" here, never "forbidden".
        if shop is None or shop.merchant_id != merchant_id:
            raise ShopNotFoundError(f"No shop {shop_id} in this merchant.")
        if cmd.name is not None:
            if not cmd.name.strip():
                raise ValidationError("A shop needs a name.", code="name_required")
            shop.name = cmd.name.strip()
        if cmd.slug is not None:
            shop.slug = check_slug(cmd.slug)
        if cmd.description is not None:
            shop.description = cmd.description
        if cmd.is_open is not None:
            shop.is_open = cmd.is_open
        shop.updated_at = uow.clock.now()
        uow.shops.save(shop)
        uow.commit()
    return shop
