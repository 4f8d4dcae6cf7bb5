"""Schemas of sourcing: supplier profiles, offers, contract prices and the offer search.
Money travels as ``{"amount": "12.30", "currency": "CNY"}``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from marketplace.sourcing.domain import (
    MAX_CERTIFICATIONS,
    MAX_LEAD_TIME_DAYS,
    MAX_QUANTITY,
    MAX_REGIONS,
    MAX_TIERS,
    Certification,
    ContractPrice,
    Offer,
    PriceTier,
    ServedRegion,
    SupplierMetrics,
    SupplierProfile,
)
from marketplace.sourcing.queries import OfferHit, PublicSupplier
from serving.api.schemas.fx import MoneyRead
from serving.api.schemas.settlement import MoneyIn

_LEAD = Field(ge=0, le=MAX_LEAD_TIME_DAYS, description="Days from payment to shipment")


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


# -- supplier profile -------------------------------------------------------------------------
class CertificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["ISO 9001"])
    issuer: str = Field(min_length=1, max_length=200, examples=["SGS"])
    valid_until: date | None = None

    def domain(self) -> Certification:
        return Certification(self.name.strip(), self.issuer.strip(), self.valid_until)


class CertificationRead(BaseModel):
    name: str
    issuer: str
    valid_until: date | None


class RegionIn(BaseModel):
    """Delivery to (country, region); region "" (the default) is the whole country."""

    model_config = ConfigDict(extra="forbid")

    country: str = Field(min_length=2, max_length=2, examples=["CN"])
    region: str = Field(default="", max_length=100, examples=["Shanghai"])
    lead_time_days: int = _LEAD
    shipping_per_unit: MoneyIn
    shipping_per_order: MoneyIn

    def domain(self) -> ServedRegion:
        return ServedRegion(
            self.country.strip().upper(), " ".join(self.region.split()), self.lead_time_days,
            self.shipping_per_unit.money(), self.shipping_per_order.money(),
        )  # fmt: skip


class RegionRead(BaseModel):
    country: str
    region: str
    lead_time_days: int
    shipping_per_unit: MoneyRead
    shipping_per_order: MoneyRead

    @classmethod
    def of(cls, r: ServedRegion) -> RegionRead:
        return cls(
            country=r.country, region=r.region, lead_time_days=r.lead_time_days,
            shipping_per_unit=MoneyRead.of(r.shipping_per_unit),
            shipping_per_order=MoneyRead.of(r.shipping_per_order),
        )  # fmt: skip


class SupplierProfilePut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$",
                                 description="Default: the merchant's currency")  # fmt: skip
    default_moq: int = Field(default=1, ge=1, le=MAX_QUANTITY)
    description: str = Field(default="", max_length=4000)
    certifications: list[CertificationIn] = Field(default=[], max_length=MAX_CERTIFICATIONS)
    regions: list[RegionIn] | None = Field(
        default=None, max_length=MAX_REGIONS, description="Omitted: the regions stay"
    )


class RegionsPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    regions: list[RegionIn] = Field(max_length=MAX_REGIONS)


class MetricsRead(BaseModel):
    fulfilled_orders: int
    on_time_rate: str | None = Field(description="0..1, from shipped orders")
    rating: str | None = Field(description="0..5: 5 x (0.7 on-time + 0.3 kept without refund)")
    refreshed_at: datetime | None

    @classmethod
    def of(cls, m: SupplierMetrics) -> MetricsRead:
        return cls(fulfilled_orders=m.fulfilled_orders, on_time_rate=_text(m.on_time_rate),
                   rating=_text(m.rating), refreshed_at=m.refreshed_at)  # fmt: skip


class SupplierProfileRead(BaseModel):
    merchant_id: str
    currency: str
    default_moq: int
    description: str
    certifications: list[CertificationRead]
    regions: list[RegionRead]
    is_verified: bool
    verified_at: datetime | None
    metrics: MetricsRead
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, p: SupplierProfile) -> SupplierProfileRead:
        return cls(
            merchant_id=p.merchant_id, currency=p.currency, default_moq=p.default_moq,
            description=p.description,
            certifications=[CertificationRead(name=c.name, issuer=c.issuer,
                                              valid_until=c.valid_until)
                            for c in p.certifications],
            regions=[RegionRead.of(r) for r in p.regions], is_verified=p.is_verified,
            verified_at=p.verified_at, metrics=MetricsRead.of(p.metrics),
            created_at=p.created_at, updated_at=p.updated_at,
        )  # fmt: skip


class PublicSupplierRead(BaseModel):
    merchant_id: str
    name: str
    kind: str
    currency: str
    default_moq: int
    description: str
    certifications: list[CertificationRead]
    regions: list[RegionRead]
    is_verified: bool
    metrics: MetricsRead
    active_offers: int

    @classmethod
    def of(cls, s: PublicSupplier) -> PublicSupplierRead:
        p = SupplierProfileRead.of(s.profile)
        return cls(
            merchant_id=p.merchant_id, name=s.name, kind=s.kind, currency=p.currency,
            default_moq=p.default_moq, description=p.description,
            certifications=p.certifications, regions=p.regions, is_verified=p.is_verified,
            metrics=p.metrics, active_offers=s.active_offers,
        )  # fmt: skip


# -- offers ------------------------------------------------------------------------------------
class TierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_quantity: int = Field(ge=1, le=MAX_QUANTITY)
    unit_price: MoneyIn

    def domain(self) -> PriceTier:
        return PriceTier(self.min_quantity, self.unit_price.money())


class TierRead(BaseModel):
    min_quantity: int
    unit_price: MoneyRead

    @classmethod
    def of(cls, t: PriceTier) -> TierRead:
        return cls(min_quantity=t.min_quantity, unit_price=MoneyRead.of(t.unit_price))


_TIERS = Field(
    min_length=1,
    max_length=MAX_TIERS,
    description="Rising quantities, unit prices never rising; the first is the MOQ",
)


class OfferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku_id: str = Field(min_length=1, max_length=40)
    tiers: list[TierIn] = _TIERS
    lead_time_days: int | None = Field(default=None, ge=0, le=MAX_LEAD_TIME_DAYS,
                                       description="Overrides the regions' lead times")  # fmt: skip
    is_active: bool = True


class OfferUpdate(BaseModel):
    """Only the fields sent change; ``lead_time_days: null`` removes the override."""

    model_config = ConfigDict(extra="forbid")

    tiers: list[TierIn] | None = Field(default=None, min_length=1, max_length=MAX_TIERS)
    lead_time_days: int | None = Field(default=None, ge=0, le=MAX_LEAD_TIME_DAYS)
    is_active: bool | None = None


class OfferRead(BaseModel):
    id: str
    merchant_id: str
    sku_id: str
    currency: str
    moq: int
    tiers: list[TierRead]
    lead_time_days: int | None
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, o: Offer) -> OfferRead:
        return cls(
            id=o.id, merchant_id=o.merchant_id, sku_id=o.sku_id, currency=o.currency,
            moq=o.moq, tiers=[TierRead.of(t) for t in o.tiers], lead_time_days=o.lead_time_days,
            is_active=o.is_active, created_at=o.created_at, updated_at=o.updated_at,
        )  # fmt: skip


class OfferPage(BaseModel):
    items: list[OfferRead]
    next_cursor: str | None


# -- contract prices -----------------------------------------------------------------------------
class ContractPriceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    company_id: str = Field(
        min_length=1, max_length=40, examples=["cmp_01JD3X8Q6V9M2K4N7P0R5T8W1Y"]
    )
    sku_id: str = Field(min_length=1, max_length=40)
    unit_price: MoneyIn
    valid_from: date
    valid_until: date | None = Field(default=None, description="Inclusive; null: open-ended")


class ContractPriceRead(BaseModel):
    id: str
    company_id: str
    sku_id: str
    merchant_id: str
    unit_price: MoneyRead
    valid_from: date
    valid_until: date | None
    created_by: str | None
    created_at: datetime

    @classmethod
    def of(cls, c: ContractPrice) -> ContractPriceRead:
        return cls(
            id=c.id, company_id=c.company_id, sku_id=c.sku_id, merchant_id=c.merchant_id,
            unit_price=MoneyRead.of(c.unit_price), valid_from=c.valid_from,
            valid_until=c.valid_until, created_by=c.created_by, created_at=c.created_at,
        )  # fmt: skip


class ContractPricePage(BaseModel):
    items: list[ContractPriceRead]
    next_cursor: str | None


# -- search --------------------------------------------------------------------------------------
class OfferHitRead(BaseModel):
    offer_id: str
    merchant_id: str
    supplier_name: str
    sku_id: str
    product_id: str
    category_id: str
    title: str
    sku_code: str
    attributes: dict[str, str]
    moq: int
    quantity: int = Field(description="The quantity priced (the MOQ when none was asked)")
    tiers: list[TierRead]
    unit_price: MoneyRead
    price_rule: str = Field(examples=["tier:100", "contract:cpr_01JD..."])
    shipping_per_unit: MoneyRead | None = Field(
        description="The region's shipping estimate per unit (none without a country)"
    )
    landed_unit_price: MoneyRead
    landed_total: MoneyRead
    lead_time_days: int | None
    is_verified: bool
    rating: str | None
    on_time_rate: str | None
    fulfilled_orders: int

    @classmethod
    def of(cls, h: OfferHit) -> OfferHitRead:
        return cls(
            offer_id=h.offer_id, merchant_id=h.merchant_id, supplier_name=h.supplier_name,
            sku_id=h.sku_id, product_id=h.product_id, category_id=h.category_id, title=h.title,
            sku_code=h.sku_code, attributes=h.attributes, moq=h.moq, quantity=h.quantity,
            tiers=[TierRead.of(t) for t in h.tiers], unit_price=MoneyRead.of(h.unit_price),
            price_rule=h.price_rule,
            shipping_per_unit=MoneyRead.of(h.shipping_per_unit) if h.shipping_per_unit else None,
            landed_unit_price=MoneyRead.of(h.landed_unit_price),
            landed_total=MoneyRead.of(h.landed_total), lead_time_days=h.lead_time_days,
            is_verified=h.is_verified, rating=_text(h.rating), on_time_rate=_text(h.on_time_rate),
            fulfilled_orders=h.fulfilled_orders,
        )  # fmt: skip


class OfferSearchPage(BaseModel):
    items: list[OfferHitRead]
    next_cursor: str | None
    company_pricing: bool = Field(description="Whether the caller's company contract prices apply")
