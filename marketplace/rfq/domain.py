"""Requests for quotation (RFQ) and the quotes suppliers answer them with.

Standard library only (and the shared kernel). A company member drafts an RFQ (items as
catalog SKUs or free-text specs, quantities, a deadline for quotes, a delivery location)
and sends it to chosen suppliers, which fixes the invitees. Each invited supplier may
quote, and revise its quote (the new one supersedes the old) until the deadline. The
buyer may award one open, unexpired quote at any time while the RFQ is sent, also after
the deadline: the deadline closes quoting, not comparison. Awarding accepts that quote,
declines the other open ones and closes the RFQ.

Expiry is read from the clock, not written by a sweep: a submitted quote whose
``valid_until`` has passed shows as ``expired`` and cannot be accepted; a sent RFQ past
its deadline with no quote left to accept shows as ``expired``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from marketplace.shared.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from marketplace.shared.money import Money, sum_money

MAX_ITEMS = 100
MAX_SUPPLIERS = 50
MAX_QUANTITY = 1_000_000
MAX_LEAD_TIME_DAYS = 3650
MAX_QUOTE_VALIDITY = timedelta(days=365)
MAX_DEADLINE = timedelta(days=365)
# Merchant kinds that may be invited (parties.MerchantKind values; self-operated shops are
# the platform's own retail and do not answer RFQs).
QUOTING_KINDS = frozenset({"supplier", "third_party"})


class RfqStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"  # invitees fixed; quotes accepted until the deadline
    AWARDED = "awarded"  # one quote accepted; closed
    CANCELLED = "cancelled"  # closed by the buyer without award


class QuoteStatus(StrEnum):
    SUBMITTED = "submitted"  # open: may be accepted while valid
    ACCEPTED = "accepted"
    DECLINED = "declined"  # another quote won, or the RFQ was cancelled
    WITHDRAWN = "withdrawn"  # by the supplier
    SUPERSEDED = "superseded"  # replaced by the supplier's revised quote


# -- errors ---------------------------------------------------------------------------
class RfqNotFoundError(NotFoundError):
    """Unknown, another company's, or (for a supplier) not invited to."""

    code = "rfq_not_found"


class QuoteNotFoundError(NotFoundError):
    code = "quote_not_found"


class RfqValidationError(ValidationError):
    code = "invalid_rfq"


class QuoteValidationError(ValidationError):
    code = "invalid_quote"


class SupplierNotEligibleError(ValidationError):
    """Unknown merchants, or not approved, or of a kind that does not quote."""

    code = "supplier_not_eligible"


class RfqManagerRequiredError(PermissionDeniedError):
    """Sending, cancelling and awarding are for the RFQ's creator or a buyer admin."""

    code = "rfq_manager_required"


class IllegalRfqTransitionError(ConflictError):
    code = "illegal_rfq_transition"


class RfqClosedError(ConflictError):
    """Awarded or cancelled: no more quotes, no other award."""

    code = "rfq_closed"


class RfqDeadlinePassedError(ConflictError):
    code = "rfq_deadline_passed"


class QuoteExpiredError(ConflictError):
    code = "quote_expired"


class QuoteNotOpenError(ConflictError):
    """Withdrawn, superseded, declined or accepted already."""

    code = "quote_not_open"


# -- RFQ ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RfqItem:
    """What is asked for: a catalog SKU, or a free-text spec (optionally in a category)."""

    item_no: int  # 1-based position; quote lines refer to it
    quantity: int
    unit: str  # unit of measure: "pcs", "kg", "box of 12"...
    sku_id: str | None = None
    spec: str = ""
    category_id: str | None = None


@dataclass
class Rfq:
    id: str
    company_id: str
    created_by: str  # the member's user id
    title: str
    notes: str
    currency: str  # every quote is in this currency
    deadline: datetime  # quotes are accepted until then
    location_id: str  # the company location goods go to
    status: RfqStatus
    items: tuple[RfqItem, ...]
    created_at: datetime
    updated_at: datetime
    supplier_ids: tuple[str, ...] = ()  # invited merchants, fixed when sent
    sent_at: datetime | None = None
    closed_at: datetime | None = None
    awarded_quote_id: str | None = None
    awarded_by: str | None = None  # the member who accepted the quote

    def may_be_managed_by(self, user_id: str, *, is_buyer_admin: bool) -> bool:
        return is_buyer_admin or user_id == self.created_by

    def is_invited(self, merchant_id: str) -> bool:
        return self.status is not RfqStatus.DRAFT and merchant_id in self.supplier_ids

    def accepts_quotes(self, now: datetime) -> bool:
        return self.status is RfqStatus.SENT and now < self.deadline

    def send(self, supplier_ids: Sequence[str], now: datetime) -> None:
        if self.status is not RfqStatus.DRAFT:
            raise IllegalRfqTransitionError(
                f"An RFQ is sent once; this one is {self.status}.", rfq_status=str(self.status)
            )
        chosen = tuple(dict.fromkeys(supplier_ids))
        if not 1 <= len(chosen) <= MAX_SUPPLIERS:
            raise RfqValidationError(f"Send an RFQ to 1-{MAX_SUPPLIERS} suppliers.")
        if self.deadline <= now:
            raise RfqDeadlinePassedError("The deadline has passed; draft a new RFQ.")
        self.supplier_ids, self.status = chosen, RfqStatus.SENT
        self.sent_at = self.updated_at = now

    def cancel(self, now: datetime) -> None:
        if self.status in (RfqStatus.AWARDED, RfqStatus.CANCELLED):
            raise RfqClosedError(f"The RFQ is {self.status}.", rfq_status=str(self.status))
        self.status, self.closed_at, self.updated_at = RfqStatus.CANCELLED, now, now

    def check_awardable(self, quote: Quote, now: datetime) -> None:
        """Raise unless ``quote`` may win now (an award of this very quote is a replay,
        which the caller checks first)."""
        if self.status is not RfqStatus.SENT:
            raise RfqClosedError(f"The RFQ is {self.status}.", rfq_status=str(self.status))
        if quote.status is not QuoteStatus.SUBMITTED:
            raise QuoteNotOpenError(f"The quote is {quote.status}.", quote_status=str(quote.status))
        if quote.is_expired(now):
            raise QuoteExpiredError(
                "The quote's validity has passed; ask the supplier to revise it.",
                valid_until=quote.valid_until.isoformat(),
            )

    def award(self, quote_id: str, actor_id: str, now: datetime) -> None:
        self.status, self.awarded_quote_id = RfqStatus.AWARDED, quote_id
        self.awarded_by = actor_id
        self.closed_at = self.updated_at = now

    def display_status(self, now: datetime, quotes: Sequence[Quote]) -> str:
        """The status a person reads: ``expired`` once a sent RFQ is past its deadline
        with no quote left that could be accepted."""
        if (
            self.status is RfqStatus.SENT
            and now >= self.deadline
            and not any(q.is_open(now) for q in quotes)
        ):
            return "expired"
        return str(self.status)


def check_items(items: Sequence[RfqItem]) -> None:
    if not 1 <= len(items) <= MAX_ITEMS:
        raise RfqValidationError(f"An RFQ has 1-{MAX_ITEMS} items.")
    for item in items:
        if item.sku_id is None and not item.spec.strip():
            raise RfqValidationError(
                "Each item names a SKU or describes a spec.", item_no=item.item_no
            )
        if len(item.spec) > 2000:
            raise RfqValidationError("A spec has at most 2000 characters.", item_no=item.item_no)
        if not 1 <= item.quantity <= MAX_QUANTITY:
            raise RfqValidationError(f"A quantity is 1-{MAX_QUANTITY}.", item_no=item.item_no)
        if not 1 <= len(item.unit.strip()) <= 20:
            raise RfqValidationError("A unit of measure has 1-20 characters.", item_no=item.item_no)


# -- quotes ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class QuoteLine:
    item_no: int  # the RFQ item it answers
    sku_id: str  # the supplier's own SKU that fulfils it
    unit_price: Money
    quantity: int
    lead_time_days: int

    @property
    def total(self) -> Money:
        return self.unit_price * self.quantity


@dataclass
class Quote:
    id: str
    rfq_id: str
    merchant_id: str
    status: QuoteStatus
    currency: str
    lines: tuple[QuoteLine, ...]
    valid_until: datetime
    notes: str
    submitted_at: datetime
    decided_at: datetime | None = None  # accepted, declined, withdrawn or superseded
    supersedes_id: str | None = None

    @property
    def total(self) -> Money:
        return sum_money((line.total for line in self.lines), self.currency)

    @property
    def lead_time_days(self) -> int:
        """When all of it can arrive: the longest line."""
        return max(line.lead_time_days for line in self.lines)

    def is_expired(self, now: datetime) -> bool:
        return self.status is QuoteStatus.SUBMITTED and now >= self.valid_until

    def is_open(self, now: datetime) -> bool:
        return self.status is QuoteStatus.SUBMITTED and now < self.valid_until

    def display_status(self, now: datetime) -> str:
        return "expired" if self.is_expired(now) else str(self.status)


def check_quote(rfq: Rfq, lines: Sequence[QuoteLine], valid_until: datetime, now: datetime) -> None:
    """A quote answers every RFQ item exactly once, in the RFQ's currency, and stays
    valid for a while (up to a year)."""
    wanted = sorted(item.item_no for item in rfq.items)
    answered = sorted(line.item_no for line in lines)
    if answered != wanted:
        raise QuoteValidationError(
            "A quote has one line per RFQ item.", expected_items=wanted, got_items=answered
        )
    for line in lines:
        if line.unit_price.currency.code != rfq.currency:
            raise QuoteValidationError(f"Prices are in {rfq.currency}.", item_no=line.item_no)
        if line.unit_price.minor <= 0:
            raise QuoteValidationError("A unit price is positive.", item_no=line.item_no)
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise QuoteValidationError(f"A quantity is 1-{MAX_QUANTITY}.", item_no=line.item_no)
        if not 0 <= line.lead_time_days <= MAX_LEAD_TIME_DAYS:
            raise QuoteValidationError(
                f"A lead time is 0-{MAX_LEAD_TIME_DAYS} days.", item_no=line.item_no
            )
    if not now < valid_until <= now + MAX_QUOTE_VALIDITY:
        raise QuoteValidationError("A quote is valid from now for up to a year.")
