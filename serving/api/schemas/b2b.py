"""Schemas of the B2B API: companies, members, budgets, purchase requests, rules."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from marketplace.companies.domain import ShippingAddress
from serving.api.schemas.orders import MoneyIn

Role = Literal["requester", "approver", "buyer_admin"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CompanyCreate(_Strict):
    name: str = Field(min_length=1, max_length=200)
    currency: str = Field("CNY", pattern=r"^[A-Z]{3}$")
    tax_id: str | None = Field(None, max_length=64)
    approval_ttl_days: int = Field(7, ge=1, le=90)


class CostCentreCreate(_Strict):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    monthly_budget: MoneyIn | None = None
    overrun: Literal["block", "require_approval"] = "block"


class CostCentreUpdate(_Strict):
    name: str | None = Field(None, min_length=1, max_length=200)
    monthly_budget: MoneyIn | None = None
    clear_budget: bool = False
    overrun: Literal["block", "require_approval"] | None = None


class ShipToIn(_Strict):
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=3, max_length=40)
    country: str = Field(pattern=r"^[A-Z]{2}$", examples=["CN"])
    region: str = Field(min_length=1, max_length=100)
    city: str = Field(min_length=1, max_length=100)
    line1: str = Field(min_length=1, max_length=300)
    line2: str = Field("", max_length=300)
    postal_code: str = Field("", max_length=20)

    def to_domain(self) -> ShippingAddress:
        return ShippingAddress(**self.model_dump())


class LocationCreate(_Strict):
    name: str = Field(min_length=1, max_length=200)
    address: ShipToIn
    cost_centre_id: str | None = None


class InvitationCreate(_Strict):
    email: str = Field(min_length=3, max_length=320)
    role: Role = "requester"


class InvitationAccept(_Strict):
    token: str = Field(min_length=10, max_length=200)


class MemberUpdate(_Strict):
    role: Role | None = None
    order_limit: MoneyIn | None = None
    clear_order_limit: bool = False
    allowed_category_ids: list[str] | None = Field(None, max_length=200)


class CreditTermsSet(_Strict):
    limit: MoneyIn
    terms_days: int = Field(30, ge=1, le=365)


class CompanyStatusSet(_Strict):
    status: Literal["active", "suspended"]


class RequestLineIn(_Strict):
    sku_id: str = Field(min_length=1, max_length=40)
    quantity: int = Field(ge=1, le=1_000_000)


class PurchaseRequestCreate(_Strict):
    location_id: str = Field(min_length=1, max_length=40)
    cost_centre_id: str | None = None
    lines: list[RequestLineIn] = Field(min_length=1, max_length=200)
    payment_method: str = Field("credit_terms", min_length=1, max_length=30)
    note: str = Field("", max_length=2000)


class PurchaseRequestRevise(_Strict):
    lines: list[RequestLineIn] = Field(min_length=1, max_length=200)
    note: str | None = Field(None, max_length=2000)


class DecisionIn(_Strict):
    decision: Literal["approve", "reject", "request_changes"]
    reason: str = Field("", max_length=2000)


class CancelIn(_Strict):
    reason: str = Field("", max_length=2000)


class ReorderIn(_Strict):
    location_id: str = Field(min_length=1, max_length=40)
    cost_centre_id: str | None = None
    payment_method: str = Field("credit_terms", min_length=1, max_length=30)


class ApprovalRuleIn(_Strict):
    name: str = Field(min_length=1, max_length=120)
    kind: Literal["amount_over", "category", "supplier", "budget_overrun"]
    threshold: MoneyIn | None = None
    ids: list[str] = Field(default_factory=list, max_length=200)
    steps: list[list[str]] = Field(min_length=1, max_length=10)
    position: int = Field(0, ge=0, le=1000)
    is_active: bool = True
