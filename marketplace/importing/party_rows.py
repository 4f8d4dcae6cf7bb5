"""Rows of the parties and companies tables for merchant, buyer and company records, as
the services write them: a merchant applied for by its owner, submitted and approved (three
status-history rows), with one open shop; a buyer registered; a company opened by its
buyer admin."""

from __future__ import annotations

from typing import Any

from marketplace.importing.records import (
    NO_PASSWORD,
    BuyerRecord,
    CompanyRecord,
    MerchantRecord,
)
from marketplace.parties.domain import slugify

Row = dict[str, Any]


def fallback_slug(name: str, entity_id: str) -> str:
    """The slug the parties services give a merchant or shop created without one."""
    tail = entity_id.rsplit("_", 1)[-1][-8:].lower()
    base = slugify(name)
    return f"{base}-{tail}" if base else tail


def user_row(
    user_id: str, email: str, display_name: str, at: Any, *, locale: str = "zh",
    member_level: str = "regular",
) -> Row:  # fmt: skip
    return {
        "id": user_id, "email": email.strip().lower(), "phone": None,
        "password_hash": NO_PASSWORD, "display_name": display_name, "locale": locale,
        "member_level": member_level, "is_platform_admin": False, "is_active": True,
        "created_at": at, "updated_at": at, "last_login_at": None,
    }  # fmt: skip


def buyer_rows(rec: BuyerRecord) -> dict[str, list[Row]]:
    name = rec.display_name.strip() or rec.email.split("@")[0]
    row = user_row(rec.id, rec.email, name, rec.created_at, locale=rec.locale,
                   member_level=rec.member_level)  # fmt: skip
    return {"users": [row]}


def merchant_rows(rec: MerchantRecord) -> dict[str, list[Row]]:
    at, name = rec.created_at, rec.name.strip()
    owner = user_row(rec.owner_user_id, rec.owner_email, rec.owner_email.split("@")[0], at)
    merchant = {
        "id": rec.id, "name": name, "slug": fallback_slug(name, rec.id), "kind": rec.kind,
        "status": "approved", "legal_name": rec.legal_name, "contact_email": rec.contact_email,
        "contact_phone": rec.contact_phone, "region": rec.region, "city": rec.city,
        "default_currency": rec.default_currency, "default_locale": rec.default_locale,
        "status_reason": f"imported from {rec.source}", "created_at": at, "updated_at": at,
        "approved_at": at,
    }  # fmt: skip
    shop_name = (rec.shop_name or f"{name} shop").strip()
    shop = {
        "id": rec.shop_id, "merchant_id": rec.id, "name": shop_name,
        "slug": fallback_slug(shop_name, rec.shop_id), "description": None, "is_open": True,
        "created_at": at, "updated_at": at,
    }  # fmt: skip
    steps = [(None, "onboarding", rec.owner_user_id, None),
             ("onboarding", "pending_review", rec.owner_user_id, None),
             ("pending_review", "approved", None, f"imported from {rec.source}")]  # fmt: skip
    history = [
        {"merchant_id": rec.id, "from_status": a, "to_status": b, "actor_user_id": actor,
         "reason": reason, "at": at}
        for a, b, actor, reason in steps
    ]  # fmt: skip
    member = {"merchant_id": rec.id, "user_id": rec.owner_user_id, "role": "merchant_owner",
              "created_at": at}  # fmt: skip
    return {
        "users": [owner],
        "merchants": [merchant],
        "merchant_status_history": history,
        "merchant_members": [member],
        "shops": [shop],
    }


def company_rows(rec: CompanyRecord) -> dict[str, list[Row]]:
    at = rec.created_at
    company = {
        "id": rec.id, "name": rec.name.strip(), "tax_id": (rec.tax_id or "").strip() or None,
        "status": "active", "currency": rec.currency, "approval_ttl_days": rec.approval_ttl_days,
        "created_at": at, "updated_at": at,
    }  # fmt: skip
    member: Row = {
        "user_id": rec.admin_user_id, "company_id": rec.id, "role": "buyer_admin",
        "order_limit_minor": None, "allowed_category_ids": [], "joined_at": at,
    }  # fmt: skip
    return {"companies": [company], "company_members": [member]}
