"""Commands of purchasing: what a caller (API, RFQ acceptance, agent) asks for."""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.shared.money import Money


@dataclass(frozen=True, slots=True)
class RequestLine:
    sku_id: str
    quantity: int
    # An agreed unit price (an accepted quote's); None: the price is resolved at
    # submission from the company's contract prices, the offer's quantity breaks, or the
    # list price, in that order.
    unit_price: Money | None = None
    price_source: str = ""  # e.g. "quote:<quote id>" when unit_price is given


@dataclass(frozen=True, slots=True)
class SubmitPurchaseRequest:
    """Raise a purchase request and submit it: it is placed as a purchase order at once
    when no policy stops it, else routed to approvers."""

    company_id: str
    requester_id: str
    lines: tuple[RequestLine, ...]
    location_id: str
    cost_centre_id: str | None = None  # None: the location's cost centre
    payment_method: str = "credit_terms"  # credit_terms | wallet | a gateway name
    note: str = ""
    source: str = "manual"  # manual | rfq:<rfq id> | reorder:<order id> | agent
    idempotency_key: str | None = None
