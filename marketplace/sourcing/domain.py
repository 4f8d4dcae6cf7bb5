"""Sourcing: supplier profiles, B2B offers with quantity-break prices, contract prices.

Pricing rules (the search query in ``queries.py`` computes the same figures in SQL):

* the price at a quantity q is the unit price of the tier with the largest
  ``min_quantity`` <= q; below the MOQ (the first tier) it is the first tier's price,
  and callers that need it refuse the quantity (``moq``);
* a company's contract price for the SKU, valid on the day, replaces the tier price;
* the landed unit price adds the delivery region's shipping estimate: the per-unit part,
  plus the per-order part spread over q (rounded half-up to the minor unit).

A supplier trades in one currency (its profile's): its shipping estimates, offers and
contract prices are all in it, so landed prices never mix currencies.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from marketplace.shared.errors import ConflictError, NotFoundError, PermissionDeniedError
from marketplace.shared.errors import ValidationError as _Invalid
from marketplace.shared.money import Money

MAX_TIERS = 5
MAX_REGIONS = 200
MAX_CERTIFICATIONS = 50
MAX_LEAD_TIME_DAYS = 365
MAX_QUANTITY = 10_000_000
SUPPLIER_KINDS = frozenset({"supplier", "third_party"})
COMPANY_ID = re.compile(r"^cmp_[0-9A-Za-z]{1,36}$")
# Rating out of 5: on-time delivery weighs more than orders kept without a refund.
ON_TIME_WEIGHT, KEPT_WEIGHT = Decimal("0.7"), Decimal("0.3")


# -- errors ---------------------------------------------------------------------------------
class NotASupplierError(PermissionDeniedError):
    """Only approved supplier or third-party merchants source B2B."""

    code = "merchant_not_supplier"


class SupplierProfileNotFoundError(NotFoundError):
    code = "supplier_profile_not_found"


class InvalidSupplierProfileError(_Invalid):
    code = "invalid_supplier_profile"


class SupplierCurrencyLockedError(ConflictError):
    code = "supplier_currency_locked"


class OfferNotFoundError(NotFoundError):
    code = "offer_not_found"


class OfferSkuNotFoundError(NotFoundError):
    """The SKU does not exist or belongs to another merchant."""

    code = "sku_not_found"


class OfferExistsError(ConflictError):
    code = "offer_exists"


class InvalidOfferError(_Invalid):
    code = "invalid_offer"


class ContractPriceNotFoundError(NotFoundError):
    code = "contract_price_not_found"


class InvalidContractPriceError(_Invalid):
    code = "invalid_contract_price"


class InvalidOfferQueryError(_Invalid):
    code = "invalid_offer_query"


# -- supplier profile -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ServedRegion:
    """Where a supplier delivers: ``region`` "" means anywhere in the country (a named
    region of the same country takes precedence)."""

    country: str
    region: str
    lead_time_days: int
    shipping_per_unit: Money
    shipping_per_order: Money

    def validate(self, currency: str) -> None:
        if not re.fullmatch(r"[A-Z]{2}", self.country):
            raise InvalidSupplierProfileError(f"{self.country!r} is not an ISO country code.")
        if len(self.region) > 100:
            raise InvalidSupplierProfileError("A region name has at most 100 characters.")
        if not 0 <= self.lead_time_days <= MAX_LEAD_TIME_DAYS:
            raise InvalidSupplierProfileError(
                f"lead_time_days must be between 0 and {MAX_LEAD_TIME_DAYS}."
            )
        for money in (self.shipping_per_unit, self.shipping_per_order):
            if money.currency.code != currency:
                raise InvalidSupplierProfileError(
                    f"Shipping estimates must be in the supplier's currency {currency}."
                )
            if money.is_negative:
                raise InvalidSupplierProfileError("Shipping estimates cannot be negative.")


def normalize_region(country: str, region: str | None) -> tuple[str, str]:
    return country.strip().upper(), " ".join((region or "").split())


def served_region(
    regions: Sequence[ServedRegion], country: str, region: str | None
) -> ServedRegion | None:
    """The entry serving (country, region): the named region, else the whole country."""
    country, region = normalize_region(country, region)
    whole = None
    for served in regions:
        if served.country != country:
            continue
        if region and served.region.casefold() == region.casefold():
            return served
        if served.region == "":
            whole = served
    return whole


@dataclass(frozen=True, slots=True)
class Certification:
    name: str
    issuer: str
    valid_until: date | None = None


@dataclass(frozen=True, slots=True)
class SupplierMetrics:
    fulfilled_orders: int = 0
    on_time_rate: Decimal | None = None  # 0..1, four decimals
    rating: Decimal | None = None  # 0..5, two decimals
    refreshed_at: datetime | None = None


@dataclass(slots=True)
class SupplierProfile:
    merchant_id: str
    currency: str
    default_moq: int
    created_at: datetime
    updated_at: datetime
    description: str = ""
    certifications: tuple[Certification, ...] = ()
    regions: tuple[ServedRegion, ...] = ()
    is_verified: bool = False
    verified_at: datetime | None = None
    verified_by: str | None = None
    metrics: SupplierMetrics = field(default_factory=SupplierMetrics)

    def validate(self) -> None:
        if not 1 <= self.default_moq <= MAX_QUANTITY:
            raise InvalidSupplierProfileError(f"default_moq must be 1..{MAX_QUANTITY}.")
        if len(self.certifications) > MAX_CERTIFICATIONS:
            raise InvalidSupplierProfileError(f"At most {MAX_CERTIFICATIONS} certifications.")
        for cert in self.certifications:
            if not cert.name.strip() or not cert.issuer.strip():
                raise InvalidSupplierProfileError("A certification needs a name and an issuer.")
        validate_regions(self.regions, self.currency)


def validate_regions(regions: Sequence[ServedRegion], currency: str) -> None:
    if len(regions) > MAX_REGIONS:
        raise InvalidSupplierProfileError(f"At most {MAX_REGIONS} regions.")
    seen: set[tuple[str, str]] = set()
    for served in regions:
        served.validate(currency)
        key = (served.country, served.region.casefold())
        if key in seen:
            raise InvalidSupplierProfileError(
                f"{served.country}/{served.region or '*'} is listed twice.",
                code="duplicate_region",
            )
        seen.add(key)


def check_supplier(kind: str | None, status: str | None) -> None:
    """Approved supplier or third-party merchants only."""
    if kind not in SUPPLIER_KINDS:
        raise NotASupplierError(
            "Only supplier and third-party merchants have supplier profiles and offers.",
            merchant_kind=kind,
        )
    if status != "approved":
        raise NotASupplierError("The merchant is not approved.", merchant_status=status)


# -- offers ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PriceTier:
    min_quantity: int
    unit_price: Money


def validate_tiers(tiers: Sequence[PriceTier], currency: str) -> None:
    """1..MAX_TIERS tiers, rising quantities, falling (or equal) unit prices."""
    if not 1 <= len(tiers) <= MAX_TIERS:
        raise InvalidOfferError(f"An offer has 1 to {MAX_TIERS} price tiers.",
                                code="invalid_price_tiers")  # fmt: skip
    previous: PriceTier | None = None
    for tier in tiers:
        if tier.unit_price.currency.code != currency:
            raise InvalidOfferError(f"Tier prices must be in {currency}.",
                                    code="invalid_price_tiers")  # fmt: skip
        if tier.unit_price.is_negative or not 1 <= tier.min_quantity <= MAX_QUANTITY:
            raise InvalidOfferError("Tier quantities are 1.. and prices not negative.",
                                    code="invalid_price_tiers")  # fmt: skip
        if previous is not None and (
            tier.min_quantity <= previous.min_quantity or previous.unit_price < tier.unit_price
        ):
            raise InvalidOfferError(
                "Tiers rise in quantity and never rise in unit price.", code="invalid_price_tiers"
            )
        previous = tier


@dataclass(slots=True)
class Offer:
    id: str
    merchant_id: str
    sku_id: str
    currency: str
    tiers: tuple[PriceTier, ...]
    is_active: bool
    created_at: datetime
    updated_at: datetime
    lead_time_days: int | None = None  # overrides the region's lead time when set

    @property
    def moq(self) -> int:
        return self.tiers[0].min_quantity

    def validate(self) -> None:
        validate_tiers(self.tiers, self.currency)
        if self.lead_time_days is not None and not 0 <= self.lead_time_days <= MAX_LEAD_TIME_DAYS:
            raise InvalidOfferError(f"lead_time_days must be between 0 and {MAX_LEAD_TIME_DAYS}.")


@dataclass(frozen=True, slots=True)
class OfferListing:
    """What search needs from the catalog, copied onto the offer row."""

    product_id: str
    category_id: str
    sku_code: str
    default_locale: str
    titles: dict[str, str]
    attributes: dict[str, str]  # the product's spec attributes and the SKU's sales ones
    search_text: str


# -- contract prices -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ContractPrice:
    id: str
    company_id: str
    sku_id: str
    merchant_id: str
    unit_price: Money
    valid_from: date
    valid_until: date | None
    created_by: str | None
    created_at: datetime

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def validate(self) -> None:
        if not COMPANY_ID.fullmatch(self.company_id):
            raise InvalidContractPriceError(f"{self.company_id!r} is not a company id (cmp_...).",
                                            code="invalid_company_id")  # fmt: skip
        if self.unit_price.is_negative:
            raise InvalidContractPriceError("A contract price cannot be negative.")
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise InvalidContractPriceError("valid_until is before valid_from.",
                                            code="invalid_validity")  # fmt: skip


def current_contract(contracts: Sequence[ContractPrice], day: date) -> ContractPrice | None:
    """The contract valid on ``day``; of overlapping ones the latest created wins."""
    valid = [c for c in contracts if c.is_valid_on(day)]
    return max(valid, key=lambda c: (c.created_at, c.id)) if valid else None


# -- pricing -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AgreedPrice:
    unit_price: Money
    rule: str  # "contract:<id>" | "tier:<min_quantity>"
    moq: int


def tier_at(tiers: Sequence[PriceTier], quantity: int) -> PriceTier:
    """The tier with the largest min_quantity <= quantity (the first one below the MOQ)."""
    chosen = tiers[0]
    for tier in tiers:
        if tier.min_quantity <= quantity:
            chosen = tier
    return chosen


def agreed_price(offer: Offer, contract: ContractPrice | None, quantity: int) -> AgreedPrice:
    if contract is not None and contract.unit_price.currency.code == offer.currency:
        return AgreedPrice(contract.unit_price, f"contract:{contract.id}", offer.moq)
    tier = tier_at(offer.tiers, quantity)
    return AgreedPrice(tier.unit_price, f"tier:{tier.min_quantity}", offer.moq)


def spread_minor(per_order_minor: int, quantity: int) -> int:
    """A per-order amount per unit, rounded half-up (the SQL does the same integers)."""
    return (2 * per_order_minor + quantity) // (2 * quantity)


def landed_unit_price(unit: Money, region: ServedRegion | None, quantity: int) -> Money:
    """Unit price plus the region's shipping estimate spread over the quantity."""
    if region is None:
        return unit
    minor = unit.minor + region.shipping_per_unit.minor
    minor += spread_minor(region.shipping_per_order.minor, quantity)
    return Money.from_minor(minor, unit.currency)


# -- metrics --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FulfilmentRecord:
    """One order of the supplier that was shipped."""

    paid_at: datetime | None
    shipped_at: datetime
    country: str
    region: str
    refunded: bool


def compute_metrics(
    records: Sequence[FulfilmentRecord], regions: Sequence[ServedRegion], now: datetime
) -> SupplierMetrics:
    """On time: shipped within the delivery region's lead time after payment (a region
    not served is held to the longest lead time). Rating: 5 x (0.7 on-time + 0.3 kept)."""
    if not records:
        return SupplierMetrics(0, None, None, now)
    longest = max((r.lead_time_days for r in regions), default=0)
    on_time = kept = 0
    for record in records:
        served = served_region(regions, record.country, record.region)
        allowed = timedelta(days=served.lead_time_days if served else longest)
        if record.paid_at is None or record.shipped_at - record.paid_at <= allowed:
            on_time += 1
        kept += 0 if record.refunded else 1
    count = Decimal(len(records))
    rate = (Decimal(on_time) / count).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    score = 5 * (ON_TIME_WEIGHT * Decimal(on_time) + KEPT_WEIGHT * Decimal(kept)) / count
    return SupplierMetrics(len(records), rate, score.quantize(Decimal("0.01"), ROUND_HALF_UP), now)
