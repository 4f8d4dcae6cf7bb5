"""Sourcing use cases: supplier profiles and regions, offers, contract prices, metrics,
and the agreed unit prices the purchasing code charges."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from marketplace.shared.ids import new_id
from marketplace.shared.money import Money
from marketplace.sourcing.domain import (
    AgreedPrice,
    Certification,
    ContractPrice,
    ContractPriceNotFoundError,
    InvalidContractPriceError,
    Offer,
    OfferExistsError,
    OfferListing,
    OfferNotFoundError,
    OfferSkuNotFoundError,
    PriceTier,
    ServedRegion,
    SupplierCurrencyLockedError,
    SupplierMetrics,
    SupplierProfile,
    SupplierProfileNotFoundError,
    agreed_price,
    check_supplier,
    compute_metrics,
    current_contract,
    validate_regions,
)
from marketplace.sourcing.ports import SourcingUnitOfWork

log = logging.getLogger("agora.sourcing")


# -- commands ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PutSupplierProfile:
    merchant_id: str
    default_moq: int = 1
    description: str = ""
    certifications: tuple[Certification, ...] = ()
    currency: str | None = None  # None: the merchant's default currency
    regions: tuple[ServedRegion, ...] | None = None  # None: keep the current ones


@dataclass(frozen=True, slots=True)
class CreateOffer:
    merchant_id: str
    sku_id: str
    tiers: tuple[PriceTier, ...]
    lead_time_days: int | None = None
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class UpdateOffer:
    merchant_id: str
    offer_id: str
    tiers: tuple[PriceTier, ...] | None = None
    lead_time_days: int | None = None
    clear_lead_time: bool = False
    is_active: bool | None = None


@dataclass(frozen=True, slots=True)
class CreateContractPrice:
    merchant_id: str
    company_id: str
    sku_id: str
    unit_price: Money
    valid_from: date
    valid_until: date | None = None
    created_by: str | None = None


# -- supplier profiles -----------------------------------------------------------------------
def _supplier(uow: SourcingUnitOfWork, merchant_id: str) -> str:
    """Check the merchant may source; its default currency."""
    facts = uow.suppliers.merchant(merchant_id)
    check_supplier(facts.kind if facts else None, facts.status if facts else None)
    assert facts is not None
    return facts.default_currency


def _profile(uow: SourcingUnitOfWork, merchant_id: str) -> SupplierProfile:
    profile = uow.suppliers.get(merchant_id)
    if profile is None:
        raise SupplierProfileNotFoundError(
            "The merchant has no supplier profile yet.", merchant_id=merchant_id
        )
    return profile


def put_supplier_profile(cmd: PutSupplierProfile, *, uow: SourcingUnitOfWork) -> SupplierProfile:
    """Create or replace the supplier's own fields (verification and metrics stay)."""
    with uow:
        default_currency = _supplier(uow, cmd.merchant_id)
        now = uow.clock.now()
        current = uow.suppliers.get(cmd.merchant_id)
        currency = (cmd.currency or (current.currency if current else default_currency)).upper()
        changed = current is not None and currency != current.currency
        if changed and current is not None and uow.offers.count_of(cmd.merchant_id) > 0:
            raise SupplierCurrencyLockedError(
                "Delete the supplier's offers before changing its currency.",
                currency=current.currency,
            )
        base = current or SupplierProfile(cmd.merchant_id, currency, 1, now, now)
        profile = dataclasses.replace(
            base, currency=currency, default_moq=cmd.default_moq, description=cmd.description,
            certifications=cmd.certifications, updated_at=now,
            regions=base.regions if cmd.regions is None else cmd.regions,
        )  # fmt: skip
        profile.validate()
        uow.suppliers.save(profile)
        uow.commit()
    return profile


def set_supplier_regions(
    merchant_id: str, regions: Sequence[ServedRegion], *, uow: SourcingUnitOfWork
) -> SupplierProfile:
    """Replace the regions the supplier serves."""
    with uow:
        _supplier(uow, merchant_id)
        profile = _profile(uow, merchant_id)
        validate_regions(regions, profile.currency)
        profile = dataclasses.replace(profile, regions=tuple(regions), updated_at=uow.clock.now())
        uow.suppliers.save(profile)
        uow.commit()
    return profile


def verify_supplier(
    merchant_id: str, *, admin_id: str | None, uow: SourcingUnitOfWork
) -> SupplierProfile:
    """A platform admin marks the supplier verified (again: no change)."""
    with uow:
        profile = _profile(uow, merchant_id)
        if not profile.is_verified:
            now = uow.clock.now()
            uow.suppliers.set_verified(merchant_id, by=admin_id, at=now)
            profile = dataclasses.replace(
                profile, is_verified=True, verified_at=now, verified_by=admin_id
            )
            uow.commit()
    return profile


# -- offers -------------------------------------------------------------------------------------
def _listing(uow: SourcingUnitOfWork, merchant_id: str, sku_id: str) -> OfferListing:
    listing = uow.offers.listing(merchant_id, sku_id)
    if listing is None:
        raise OfferSkuNotFoundError("No such SKU of this merchant.", sku_id=sku_id)
    return listing


def create_offer(cmd: CreateOffer, *, uow: SourcingUnitOfWork) -> Offer:
    """Offer one of the supplier's own SKUs to B2B buyers (one offer per SKU)."""
    with uow:
        listing = _listing(uow, cmd.merchant_id, cmd.sku_id)
        _supplier(uow, cmd.merchant_id)
        profile = _profile(uow, cmd.merchant_id)
        now = uow.clock.now()
        offer = Offer(
            id=new_id("ofr"), merchant_id=cmd.merchant_id, sku_id=cmd.sku_id,
            currency=profile.currency, tiers=cmd.tiers, is_active=cmd.is_active,
            created_at=now, updated_at=now, lead_time_days=cmd.lead_time_days,
        )  # fmt: skip
        offer.validate()
        if not uow.offers.add(offer, listing):
            raise OfferExistsError("The SKU already has an offer.", sku_id=cmd.sku_id)
        uow.commit()
    return offer


def _own_offer(uow: SourcingUnitOfWork, merchant_id: str, offer_id: str) -> Offer:
    offer = uow.offers.get(merchant_id, offer_id)
    if offer is None:
        raise OfferNotFoundError("No such offer.", offer_id=offer_id)
    return offer


def update_offer(cmd: UpdateOffer, *, uow: SourcingUnitOfWork) -> Offer:
    """Change tiers, lead time or the active flag; the catalog facts are copied again."""
    with uow:
        current = _own_offer(uow, cmd.merchant_id, cmd.offer_id)
        _supplier(uow, cmd.merchant_id)
        lead = current.lead_time_days if cmd.lead_time_days is None else cmd.lead_time_days
        lead = None if cmd.clear_lead_time else lead
        offer = dataclasses.replace(
            current, tiers=cmd.tiers if cmd.tiers is not None else current.tiers,
            lead_time_days=lead, updated_at=uow.clock.now(),
            is_active=current.is_active if cmd.is_active is None else cmd.is_active,
        )  # fmt: skip
        offer.validate()
        uow.offers.update(offer, _listing(uow, cmd.merchant_id, offer.sku_id))
        uow.commit()
    return offer


def delete_offer(merchant_id: str, offer_id: str, *, uow: SourcingUnitOfWork) -> None:
    with uow:
        if not uow.offers.delete(merchant_id, offer_id):
            raise OfferNotFoundError("No such offer.", offer_id=offer_id)
        uow.commit()


def refresh_offer_listings(*, uow: SourcingUnitOfWork, merchant_id: str | None = None) -> int:
    """Copy the catalog facts (titles, category, attributes, search text) onto offers
    again (a full sweep; single products are refreshed on ``product.updated``); offers
    whose SKU is gone are deleted. One merchant per transaction."""
    with uow:
        ids = uow.offers.ids_of(merchant_id)
    refreshed = 0
    for owner in sorted({m for m, _, _ in ids}):
        with uow:
            refreshed += refresh_listings(uow, [row for row in ids if row[0] == owner])
            uow.commit()
    return refreshed


def refresh_listings(uow: SourcingUnitOfWork, rows: Sequence[tuple[str, str, str]]) -> int:
    """Refresh the offers ``(merchant_id, offer_id, sku_id)`` inside the open ``uow``."""
    refreshed = 0
    for owner, offer_id, sku_id in rows:
        offer = uow.offers.get(owner, offer_id)
        if offer is None:
            continue
        listing = uow.offers.listing(owner, sku_id)
        if listing is None:
            uow.offers.delete(owner, offer_id)
            continue
        uow.offers.update(offer, listing)
        refreshed += 1
    return refreshed


# -- contract prices -------------------------------------------------------------------------
def create_contract_price(cmd: CreateContractPrice, *, uow: SourcingUnitOfWork) -> ContractPrice:
    """A price the supplier agreed with one company for one of its SKUs."""
    with uow:
        _listing(uow, cmd.merchant_id, cmd.sku_id)
        _supplier(uow, cmd.merchant_id)
        profile = _profile(uow, cmd.merchant_id)
        if cmd.unit_price.currency.code != profile.currency:
            raise InvalidContractPriceError(
                f"Contract prices are in the supplier's currency {profile.currency}.",
                code="currency_mismatch",
            )
        contract = ContractPrice(
            id=new_id("cpr"), company_id=cmd.company_id.strip(), sku_id=cmd.sku_id,
            merchant_id=cmd.merchant_id, unit_price=cmd.unit_price, valid_from=cmd.valid_from,
            valid_until=cmd.valid_until, created_by=cmd.created_by, created_at=uow.clock.now(),
        )  # fmt: skip
        contract.validate()
        uow.contract_prices.add(contract)
        uow.commit()
    return contract


def delete_contract_price(merchant_id: str, contract_id: str, *, uow: SourcingUnitOfWork) -> None:
    with uow:
        if not uow.contract_prices.delete(merchant_id, contract_id):
            raise ContractPriceNotFoundError(
                "No such contract price.", contract_price_id=contract_id
            )
        uow.commit()


def agreed_unit_prices(
    uow: SourcingUnitOfWork,
    *,
    company_id: str | None,
    lines: Sequence[tuple[str, int]],
    on: date,
) -> dict[str, AgreedPrice]:
    """The B2B unit price of each (sku_id, quantity): the company's contract price valid
    on ``on``, else the offer's tier at the quantity. SKUs without an active offer are
    absent. Runs inside the caller's open unit of work and only reads."""
    sku_ids = {sku_id for sku_id, _ in lines}
    if not sku_ids:
        return {}
    offers = uow.offers.active_for_skus(sku_ids)
    contracts: dict[str, list[ContractPrice]] = {}
    if company_id and offers:
        for found in uow.contract_prices.for_company(company_id, offers.keys()):
            contracts.setdefault(found.sku_id, []).append(found)
    prices: dict[str, AgreedPrice] = {}
    for sku_id, quantity in lines:
        offer = offers.get(sku_id)
        if offer is not None:
            contract = current_contract(contracts.get(sku_id, []), on)
            prices[sku_id] = agreed_price(offer, contract, quantity)
    return prices


# -- metrics ----------------------------------------------------------------------------------
def refresh_supplier_metrics(merchant_id: str, *, uow: SourcingUnitOfWork) -> SupplierMetrics:
    """Recompute on-time rate and rating from the supplier's shipped orders and store them."""
    with uow:
        profile = _profile(uow, merchant_id)
        records = uow.suppliers.fulfilment_records(merchant_id)
        metrics = compute_metrics(records, profile.regions, uow.clock.now())
        uow.suppliers.set_metrics(merchant_id, metrics)
        uow.commit()
    return metrics


def refresh_all_supplier_metrics(*, uow: SourcingUnitOfWork) -> int:
    """Every supplier's metrics, one transaction each (for a scheduled CLI run)."""
    with uow:
        merchant_ids = uow.suppliers.profile_ids()
    for merchant_id in merchant_ids:
        refresh_supplier_metrics(merchant_id, uow=uow)
    log.info("supplier metrics refreshed", extra={"suppliers": len(merchant_ids)})
    return len(merchant_ids)
