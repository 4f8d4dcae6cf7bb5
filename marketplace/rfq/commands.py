"""Commands of RFQs: what a caller (API, agent) asks for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from marketplace.shared.money import Money


@dataclass(frozen=True, slots=True)
class ItemRequest:
    """One thing asked for: a catalog SKU or a free-text spec."""

    quantity: int
    unit: str = "pcs"
    sku_id: str | None = None
    spec: str = ""
    category_id: str | None = None


@dataclass(frozen=True, slots=True)
class CreateRfq:
    company_id: str
    actor_id: str  # a member of the company
    title: str
    items: tuple[ItemRequest, ...]
    deadline: datetime
    location_id: str
    currency: str | None = None  # None: the company's currency
    notes: str = ""


@dataclass(frozen=True, slots=True)
class QuoteLineRequest:
    item_no: int
    sku_id: str  # the supplier's own SKU
    unit_price: Money
    lead_time_days: int
    quantity: int | None = None  # None: the RFQ item's quantity


@dataclass(frozen=True, slots=True)
class SubmitQuote:
    """Quote an RFQ, or revise the supplier's open quote (the new one supersedes it)."""

    rfq_id: str
    merchant_id: str
    lines: tuple[QuoteLineRequest, ...]
    valid_until: datetime
    notes: str = ""


@dataclass(frozen=True, slots=True)
class AcceptQuote:
    company_id: str
    rfq_id: str
    quote_id: str
    actor_id: str  # the RFQ's creator or a buyer admin
