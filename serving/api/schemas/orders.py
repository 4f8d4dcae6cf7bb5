"""Schemas of checkout, orders, payments and refunds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from marketplace.ordering.domain import Address


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=3, max_length=40)
    country: str = Field(pattern=r"^[A-Z]{2}$", examples=["CN"])
    region: str = Field(min_length=1, max_length=100, examples=["Shanghai"])
    city: str = Field(min_length=1, max_length=100)
    line1: str = Field(min_length=1, max_length=300)
    line2: str | None = Field(None, max_length=300)
    postal_code: str | None = Field(None, max_length=20)

    def to_domain(self) -> Address:
        return Address(**self.model_dump())


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku_id: str = Field(min_length=1, max_length=40)
    quantity: int = Field(ge=1, le=9999)


class MoneyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Decimal
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class CheckoutCreate(BaseModel):
    """Place a checkout: the cart (no ``lines``) or explicit lines, one order per merchant."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "address": {"name": "Li Lei", "phone": "13800000000", "country": "CN",
                        "region": "Shanghai", "city": "Shanghai", "line1": "1 Century Ave"},
            "delivery_option": "standard",
            "expected_total": {"amount": "241.50", "currency": "CNY"},
        }]},
    )  # fmt: skip

    address: AddressIn
    delivery_option: str = Field("standard", max_length=30)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    # The storefront channels. ``b2b`` and ``procurement_agent`` orders are placed by the
    # purchasing service and the agent, which stamp the company and the agreed prices.
    channel: Literal["web", "app", "mini_program", "api"] = "web"
    lines: list[LineIn] | None = Field(None, min_length=1, max_length=200)
    expected_total: MoneyIn | None = None
    locale: str | None = Field(None, max_length=10)


class StatusChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=300)


class PaymentCreate(BaseModel):
    """Pay a checkout group, or several unpaid orders of yours at once (合单支付)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"group_id": "grp_01J...", "method": "sandbox"}]},
    )

    method: str = Field(max_length=20, examples=["sandbox", "alipay", "wechatpay", "wallet"])
    group_id: str | None = Field(None, max_length=40)
    order_ids: list[str] = Field(default_factory=list, max_length=50)
    return_url: str | None = Field(None, max_length=500)


class RefundCreate(BaseModel):
    """Ask for money back: the whole order (no ``lines``) or some units of some lines."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=300)
    lines: dict[str, int] | None = Field(None, examples=[{"oln_01J...": 1}])
    kind: Literal["refund_only", "return_and_refund"] = "refund_only"


class RefundDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=300)
    restock: bool = False


class ReturnShipment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tracking: str = Field(min_length=1, max_length=200, examples=["SF Express SF1234567890"])


class WalletCredit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: MoneyIn
    reference: str = Field(min_length=1, max_length=100, description="Unique per top-up")


class CreditAccountSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: str = Field(pattern=r"^[A-Z]{3}$")
    limit: Decimal = Field(ge=0)
    terms_days: int = Field(ge=1, le=365)


JsonObject = dict[str, Any]
