"""Price a draft now, from the sources purchasing charges from (the company's contract
price, else the offer's quantity break: ``sourcing.services.agreed_unit_prices``), and
check what makes a line buyable: the offer is still active, its supplier trades in the
company's currency and delivers to the location, the quantity meets the MOQ, and the lead
time (the offer's, else the delivery region's) reaches the location by the deadline."""

from __future__ import annotations

from datetime import date, timedelta

from marketplace.companies.domain import ShippingAddress
from marketplace.procurement.domain import (
    BELOW_MOQ,
    CURRENCY_MISMATCH,
    LEAD_TIME_MISSES_DEADLINE,
    OFFER_UNAVAILABLE,
    REGION_NOT_SERVED,
    Draft,
    DraftLine,
    DraftQuote,
    QuotedLine,
)
from marketplace.procurement.ports import OfferRef, ProcurementUnitOfWork
from marketplace.shared.money import sum_money
from marketplace.sourcing.domain import AgreedPrice, Offer, SupplierProfile, served_region
from marketplace.sourcing.services import agreed_unit_prices


def quote_lines(uow: ProcurementUnitOfWork, draft: Draft) -> DraftQuote:
    """The draft priced today, inside the caller's open unit of work (reads only)."""
    company = uow.companies.get(draft.company_id)
    location = uow.companies.get_location(draft.location_id)
    assert company is not None  # companies and locations are never deleted
    assert location is not None
    today = uow.clock.now().date()
    refs = uow.procurement.offer_refs([ln.offer_id for ln in draft.lines])
    active = uow.offers.active_for_skus({ref.sku_id for ref in refs.values()})
    wanted = [(refs[ln.offer_id].sku_id, ln.quantity) for ln in draft.lines if ln.offer_id in refs]
    prices = agreed_unit_prices(uow, company_id=draft.company_id, lines=wanted, on=today)
    profiles = {m: uow.suppliers.get(m) for m in sorted({r.merchant_id for r in refs.values()})}
    lines = []
    for ln in draft.lines:
        ref = refs.get(ln.offer_id)
        offer = active.get(ref.sku_id) if ref else None
        price = prices.get(ref.sku_id) if ref else None
        profile = profiles.get(ref.merchant_id) if ref else None
        lines.append(_line(ln, ref, offer, price, profile, location.address, company.currency,
                           today=today, deadline=draft.deadline))  # fmt: skip
    total = sum_money(
        (q.line_total for q in lines
         if q.line_total is not None and q.line_total.currency.code == company.currency),
        company.currency,
    )  # fmt: skip
    centre = draft.cost_centre_id or location.cost_centre_id
    return DraftQuote(company.currency, centre, tuple(lines), total)


def _line(
    ln: DraftLine, ref: OfferRef | None, offer: Offer | None, price: AgreedPrice | None,
    profile: SupplierProfile | None, address: ShippingAddress, currency: str, *,
    today: date, deadline: date | None,
) -> QuotedLine:  # fmt: skip
    if ref is None or offer is None or offer.id != ln.offer_id or price is None:
        return QuotedLine(ln.offer_id, ln.quantity, ref.sku_id if ref else None,
                          ref.merchant_id if ref else None, None, None, "", None, None,
                          OFFER_UNAVAILABLE)  # fmt: skip
    region = served_region(profile.regions, address.country, address.region) if profile else None
    lead = offer.lead_time_days
    if lead is None and region is not None:
        lead = region.lead_time_days
    problem = None
    if price.unit_price.currency.code != currency:
        problem = CURRENCY_MISMATCH
    elif region is None:
        problem = REGION_NOT_SERVED
    elif ln.quantity < price.moq:
        problem = BELOW_MOQ
    elif deadline is not None and lead is not None and today + timedelta(days=lead) > deadline:
        problem = LEAD_TIME_MISSES_DEADLINE
    return QuotedLine(
        offer_id=ln.offer_id, quantity=ln.quantity, sku_id=ref.sku_id,
        merchant_id=ref.merchant_id, unit_price=price.unit_price,
        line_total=price.unit_price * ln.quantity, price_rule=price.rule, moq=price.moq,
        lead_time_days=lead, problem=problem,
    )  # fmt: skip
