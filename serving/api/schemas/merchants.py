"""Schemas of merchants, their members, shops, API keys and their review by the platform."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from marketplace.parties.domain import MerchantKind, MerchantStatus

_ID = "mer_01JD3X8Q6V9M2K4N7P0R5T8W1Y"


class MerchantCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Hangzhou Tea House",
                    "kind": "third_party",
                    "slug": "hangzhou-tea",
                    "contact_email": "shop@tea.example.com",
                    "region": "Zhejiang",
                    "city": "Hangzhou",
                }
            ]
        }
    )

    name: str = Field(min_length=1, max_length=200, description="Trading name")
    kind: MerchantKind = Field(
        MerchantKind.THIRD_PARTY,
        description="self_operated (the platform's own), third_party, or supplier (S2B2C)",
    )
    slug: str | None = Field(
        None, max_length=100, description="URL name; generated from the name when omitted"
    )
    legal_name: str | None = Field(None, max_length=300)
    contact_email: str | None = Field(None, max_length=320)
    contact_phone: str | None = Field(None, max_length=40)
    region: str | None = Field(None, max_length=100)
    city: str | None = Field(None, max_length=100)
    default_currency: str = Field("CNY", min_length=3, max_length=3)
    default_locale: str = Field("zh", max_length=10)


class MerchantUpdate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"legal_name": "Hangzhou Tea House Co., Ltd."}]}
    )

    name: str | None = Field(None, min_length=1, max_length=200)
    legal_name: str | None = Field(None, max_length=300)
    contact_email: str | None = Field(None, max_length=320)
    contact_phone: str | None = Field(None, max_length=40)
    region: str | None = Field(None, max_length=100)
    city: str | None = Field(None, max_length=100)
    default_currency: str | None = Field(None, min_length=3, max_length=3)
    default_locale: str | None = Field(None, max_length=10)


class MerchantRead(BaseModel):
    id: str = Field(examples=[_ID])
    name: str
    slug: str
    kind: MerchantKind
    status: MerchantStatus = Field(
        description="onboarding -> pending_review -> approved | rejected; approved <-> suspended"
    )
    status_reason: str | None = Field(description="Why it was rejected or suspended")
    legal_name: str | None
    contact_email: str | None
    contact_phone: str | None
    region: str | None
    city: str | None
    default_currency: str
    default_locale: str
    created_at: datetime
    updated_at: datetime
    approved_at: datetime | None


class MerchantSummaryRead(BaseModel):
    id: str = Field(examples=[_ID])
    name: str
    slug: str
    kind: MerchantKind
    status: MerchantStatus
    status_reason: str | None
    created_at: datetime
    approved_at: datetime | None


class MerchantPage(BaseModel):
    items: list[MerchantSummaryRead]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last page"
    )


class StatusReason(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Business licence is missing."}]}
    )

    reason: str | None = Field(
        None, max_length=2000, description="Required to reject or suspend; optional otherwise"
    )


class StatusChangeRead(BaseModel):
    from_status: MerchantStatus | None
    to_status: MerchantStatus
    actor_user_id: str | None = Field(description="Who made the change")
    reason: str | None
    at: datetime


class MemberCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "staff@tea.example.com"}]})

    email: str = Field(max_length=320, description="E-mail of a registered user, added as staff")


class MemberRead(BaseModel):
    user_id: str
    email: str
    display_name: str
    role: str = Field(description="merchant_owner or merchant_staff")
    joined_at: datetime


class ShopCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "Tea House Flagship", "slug": "tea-house", "is_open": True}]
        }
    )

    name: str = Field(min_length=1, max_length=200)
    slug: str | None = Field(None, max_length=100, description="Unique across the platform")
    description: str | None = Field(None, max_length=5000)
    is_open: bool = True


class ShopUpdate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"is_open": False}]})

    name: str | None = Field(None, min_length=1, max_length=200)
    slug: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=5000)
    is_open: bool | None = None


class ShopRead(BaseModel):
    id: str = Field(examples=["shop_01JD3X8Q6V9M2K4N7P0R5T8W1Y"])
    merchant_id: str
    name: str
    slug: str
    description: str | None
    is_open: bool
    created_at: datetime
    updated_at: datetime


class PublicShopRead(BaseModel):
    id: str
    slug: str
    name: str
    description: str | None
    is_open: bool
    merchant_id: str
    merchant_name: str
    merchant_kind: MerchantKind


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "ERP sync"}]})

    name: str = Field(min_length=1, max_length=100, description="Unique within the merchant")


class ApiKeyRead(BaseModel):
    id: str = Field(examples=["key_01JD3X8Q6V9M2K4N7P0R5T8W1Y"])
    name: str
    prefix: str = Field(description="Public part of the key, to recognise it in logs")
    scopes: list[str]
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    secret: str = Field(
        description="The full key, agora_<prefix>_<secret>; shown only in this response",
        examples=["agora_3f9a0c1b2d4e_Zp0...wq"],
    )
