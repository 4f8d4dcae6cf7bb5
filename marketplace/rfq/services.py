"""Use cases of RFQs: draft, send, quote, revise, withdraw, cancel and award.

Every change to an RFQ or its quotes first locks the RFQ's row, so quoting, withdrawing,
cancelling and awarding one RFQ happen one at a time: two buyers accepting different
quotes at once see one award win and the other ``rfq_closed``. The award itself is also
written as a conditional update, in case a database ignores the lock.

Who may do what: any member of the company drafts an RFQ and reads the company's RFQs;
the RFQ's creator or a buyer admin sends, cancels and awards it (an award becomes a
purchase request raised in the creator's or admin's name, which the purchasing rules then
route for approval as they would any other); invited suppliers quote. A supplier that was
not invited gets ``rfq_not_found``, as if the RFQ did not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from marketplace.companies.domain import (
    CompanyStatus,
    CompanySuspendedError,
    LocationNotFoundError,
    MemberRole,
)
from marketplace.companies.services import member_of
from marketplace.events.domain import DomainEvent, Topic
from marketplace.purchasing.commands import RequestLine, SubmitPurchaseRequest
from marketplace.rfq.commands import AcceptQuote, CreateRfq, SubmitQuote
from marketplace.rfq.domain import (
    MAX_DEADLINE,
    QUOTING_KINDS,
    Quote,
    QuoteLine,
    QuoteNotFoundError,
    QuoteNotOpenError,
    QuoteStatus,
    QuoteValidationError,
    Rfq,
    RfqClosedError,
    RfqDeadlinePassedError,
    RfqItem,
    RfqManagerRequiredError,
    RfqNotFoundError,
    RfqStatus,
    RfqValidationError,
    SupplierNotEligibleError,
    check_items,
    check_quote,
)
from marketplace.rfq.ports import RfqUnitOfWork
from marketplace.shared.currency import get_currency
from marketplace.shared.errors import PermissionDeniedError
from marketplace.shared.ids import new_id
from marketplace.shared.money import Money


@dataclass(frozen=True, slots=True)
class AcceptedQuote:
    """An award, ready to become a purchase request at the quoted prices."""

    rfq_id: str
    quote_id: str
    company_id: str
    merchant_id: str  # the supplier
    location_id: str
    accepted_by: str
    lines: tuple[RequestLine, ...]
    total: Money
    accepted_at: datetime


def purchase_request_for(
    accepted: AcceptedQuote, *, requester_id: str, payment_method: str
) -> SubmitPurchaseRequest:
    """The purchase request that places the awarded quote as a purchase order. Its
    idempotency key is the quote's, so the award is ordered once however often it is
    submitted."""
    return SubmitPurchaseRequest(
        company_id=accepted.company_id, requester_id=requester_id, lines=accepted.lines,
        location_id=accepted.location_id, payment_method=payment_method,
        source=f"rfq:{accepted.rfq_id}", idempotency_key=f"quote:{accepted.quote_id}",
    )  # fmt: skip


# -- buyer ------------------------------------------------------------------------------
def create_rfq(cmd: CreateRfq, *, uow: RfqUnitOfWork) -> Rfq:
    """Draft an RFQ (any member of the company)."""
    title, notes = cmd.title.strip(), cmd.notes.strip()
    if not 1 <= len(title) <= 200 or len(notes) > 4000:
        raise RfqValidationError("A title has 1-200 characters and notes at most 4000.")
    items = tuple(
        RfqItem(item_no=n, quantity=i.quantity, unit=i.unit.strip(), sku_id=i.sku_id or None,
                spec=i.spec.strip(), category_id=i.category_id or None)
        for n, i in enumerate(cmd.items, start=1)
    )  # fmt: skip
    check_items(items)
    with uow:
        member_of(uow.companies, cmd.company_id, cmd.actor_id)
        currency = _active_company_currency(uow, cmd.company_id)
        currency = get_currency(cmd.currency).code if cmd.currency else currency
        now = uow.clock.now()
        _check_deadline(cmd.deadline, now)
        location = uow.companies.get_location(cmd.location_id)
        if location is None or location.company_id != cmd.company_id:
            raise LocationNotFoundError("No such location.", location_id=cmd.location_id)
        _check_references(uow, items)
        rfq = Rfq(
            id=new_id("rfq"), company_id=cmd.company_id, created_by=cmd.actor_id, title=title,
            notes=notes, currency=currency, deadline=cmd.deadline, location_id=location.id,
            status=RfqStatus.DRAFT, items=items, created_at=now, updated_at=now,
        )  # fmt: skip
        uow.rfqs.add(rfq)
        uow.commit()
    return rfq


def send_rfq(
    company_id: str, rfq_id: str, *, actor_id: str, supplier_ids: Sequence[str],
    uow: RfqUnitOfWork,
) -> Rfq:  # fmt: skip
    """Invite suppliers (approved merchants that quote); the invitees are then fixed."""
    with uow:
        rfq = _managed_rfq(uow, company_id, rfq_id, actor_id)
        _active_company_currency(uow, company_id)
        now = uow.clock.now()
        rfq.send(supplier_ids, now)
        found = uow.rfqs.merchants(rfq.supplier_ids)
        refused = [
            m for m in rfq.supplier_ids
            if (f := found.get(m)) is None or f.status != "approved" or f.kind not in QUOTING_KINDS
        ]  # fmt: skip
        if refused:
            raise SupplierNotEligibleError(
                "Only approved suppliers and third-party merchants can be asked to quote.",
                merchant_ids=refused,
            )
        uow.rfqs.save(rfq)
        uow.rfqs.add_invitations(rfq.id, rfq.supplier_ids, now=now)
        for merchant_id in rfq.supplier_ids:
            uow.outbox.add(DomainEvent(Topic.RFQ_SENT, rfq.id, rfq_payload(rfq), now,
                                       merchant_id=merchant_id))  # fmt: skip
        uow.commit()
    return rfq


def cancel_rfq(company_id: str, rfq_id: str, *, actor_id: str, uow: RfqUnitOfWork) -> Rfq:
    """Close the RFQ without award; open quotes are declined."""
    with uow:
        rfq = _managed_rfq(uow, company_id, rfq_id, actor_id)
        now = uow.clock.now()
        rfq.cancel(now)
        uow.rfqs.save(rfq)
        _decline_open_quotes(uow, rfq, now)
        for merchant_id in rfq.supplier_ids:
            uow.outbox.add(DomainEvent(Topic.RFQ_CANCELLED, rfq.id, rfq_payload(rfq), now,
                                       merchant_id=merchant_id))  # fmt: skip
        uow.commit()
    return rfq


def accept_quote(cmd: AcceptQuote, *, uow: RfqUnitOfWork) -> AcceptedQuote:
    """Award the RFQ to one open, unexpired quote: it is accepted, the other open quotes
    are declined and the RFQ closes, in one transaction. Accepting the awarded quote again
    returns the same award and changes nothing."""
    with uow:
        rfq = _managed_rfq(uow, cmd.company_id, cmd.rfq_id, cmd.actor_id)
        quote = uow.rfqs.get_quote(cmd.quote_id)
        if quote is None or quote.rfq_id != rfq.id:
            raise QuoteNotFoundError("No such quote.", quote_id=cmd.quote_id)
        if rfq.status is RfqStatus.AWARDED and rfq.awarded_quote_id == quote.id:
            return _accepted(rfq, quote)  # a replay
        now = uow.clock.now()
        rfq.check_awardable(quote, now)
        _active_company_currency(uow, rfq.company_id)
        rfq.award(quote.id, cmd.actor_id, now)
        if not uow.rfqs.save(rfq, expected=RfqStatus.SENT):
            raise RfqClosedError("The RFQ was closed meanwhile.")
        if not uow.rfqs.set_quote_status({quote.id}, expected=QuoteStatus.SUBMITTED,
                                         target=QuoteStatus.ACCEPTED, now=now):  # fmt: skip
            raise QuoteNotOpenError("The quote changed meanwhile; try again.")
        quote.status, quote.decided_at = QuoteStatus.ACCEPTED, now
        uow.outbox.add(DomainEvent(Topic.QUOTE_ACCEPTED, quote.id, quote_payload(rfq, quote),
                                   now, merchant_id=quote.merchant_id))  # fmt: skip
        _decline_open_quotes(uow, rfq, now)
        accepted = _accepted(rfq, quote)
        uow.commit()
    return accepted


# -- supplier ---------------------------------------------------------------------------
def submit_quote(cmd: SubmitQuote, *, uow: RfqUnitOfWork) -> Quote:
    """Quote an RFQ the merchant was invited to, until its deadline; a merchant's new
    quote supersedes its open one (a revision)."""
    with uow:
        rfq = _invited_rfq(uow, cmd.rfq_id, cmd.merchant_id)
        now = uow.clock.now()
        if rfq.status is not RfqStatus.SENT:
            raise RfqClosedError(f"The RFQ is {rfq.status}.", rfq_status=str(rfq.status))
        if not rfq.accepts_quotes(now):
            raise RfqDeadlinePassedError("The RFQ's deadline for quotes has passed.",
                                         deadline=rfq.deadline.isoformat())  # fmt: skip
        quantities = {item.item_no: item.quantity for item in rfq.items}
        lines = tuple(sorted(
            (QuoteLine(item_no=x.item_no, sku_id=x.sku_id, unit_price=x.unit_price,
                       quantity=x.quantity or quantities.get(x.item_no, 0),
                       lead_time_days=x.lead_time_days) for x in cmd.lines),
            key=lambda line: line.item_no,
        ))  # fmt: skip
        check_quote(rfq, lines, cmd.valid_until, now)
        if len(cmd.notes) > 4000:
            raise QuoteValidationError("Notes have at most 4000 characters.")
        _check_own_skus(uow, cmd.merchant_id, [line.sku_id for line in lines])
        previous = uow.rfqs.open_quote_of(rfq.id, cmd.merchant_id)
        if previous is not None:
            uow.rfqs.set_quote_status({previous.id}, expected=QuoteStatus.SUBMITTED,
                                      target=QuoteStatus.SUPERSEDED, now=now)  # fmt: skip
        quote = Quote(
            id=new_id("quo"), rfq_id=rfq.id, merchant_id=cmd.merchant_id,
            status=QuoteStatus.SUBMITTED, currency=rfq.currency, lines=lines,
            valid_until=cmd.valid_until, notes=cmd.notes.strip(), submitted_at=now,
            supersedes_id=previous.id if previous else None,
        )  # fmt: skip
        uow.rfqs.add_quote(quote)
        uow.outbox.add(DomainEvent(Topic.QUOTE_SUBMITTED, quote.id, quote_payload(rfq, quote),
                                   now, merchant_id=quote.merchant_id))  # fmt: skip
        uow.commit()
    return quote


def withdraw_quote(merchant_id: str, rfq_id: str, quote_id: str, *, uow: RfqUnitOfWork) -> Quote:
    """The supplier takes back its open quote (before any award)."""
    with uow:
        rfq = _invited_rfq(uow, rfq_id, merchant_id)
        quote = uow.rfqs.get_quote(quote_id)
        if quote is None or quote.rfq_id != rfq.id or quote.merchant_id != merchant_id:
            raise QuoteNotFoundError("No such quote.", quote_id=quote_id)
        if quote.status is not QuoteStatus.SUBMITTED:
            raise QuoteNotOpenError(f"The quote is {quote.status}.", quote_status=str(quote.status))
        now = uow.clock.now()
        uow.rfqs.set_quote_status({quote.id}, expected=QuoteStatus.SUBMITTED,
                                  target=QuoteStatus.WITHDRAWN, now=now)  # fmt: skip
        quote.status, quote.decided_at = QuoteStatus.WITHDRAWN, now
        uow.commit()
    return quote


# -- event payloads -----------------------------------------------------------------------
def rfq_payload(rfq: Rfq) -> dict[str, object]:
    return {
        "rfq_id": rfq.id, "company_id": rfq.company_id, "title": rfq.title,
        "status": str(rfq.status), "currency": rfq.currency,
        "deadline": rfq.deadline.isoformat(),
        "items": [{"item_no": i.item_no, "sku_id": i.sku_id, "spec": i.spec,
                   "category_id": i.category_id, "quantity": i.quantity, "unit": i.unit}
                  for i in rfq.items],
    }  # fmt: skip


def quote_payload(rfq: Rfq, quote: Quote) -> dict[str, object]:
    return {
        "quote_id": quote.id, "rfq_id": rfq.id, "company_id": rfq.company_id,
        "merchant_id": quote.merchant_id, "status": str(quote.status),
        "total": quote.total.to_dict(), "valid_until": quote.valid_until.isoformat(),
        "lines": [{"item_no": x.item_no, "sku_id": x.sku_id, "quantity": x.quantity,
                   "unit_price": x.unit_price.to_dict(), "lead_time_days": x.lead_time_days}
                  for x in quote.lines],
    }  # fmt: skip


# -- helpers ------------------------------------------------------------------------------
def _managed_rfq(uow: RfqUnitOfWork, company_id: str, rfq_id: str, actor_id: str) -> Rfq:
    """The company's RFQ, locked, for its creator or a buyer admin."""
    member = member_of(uow.companies, company_id, actor_id)
    rfq = uow.rfqs.get(rfq_id, for_update=True)
    if rfq is None or rfq.company_id != company_id:
        raise RfqNotFoundError("No such RFQ.", rfq_id=rfq_id)
    if not rfq.may_be_managed_by(actor_id, is_buyer_admin=member.role is MemberRole.BUYER_ADMIN):
        raise RfqManagerRequiredError("Only the RFQ's creator or a buyer admin may do this.")
    return rfq


def _invited_rfq(uow: RfqUnitOfWork, rfq_id: str, merchant_id: str) -> Rfq:
    """The RFQ, locked, if this merchant was invited to it; else 404."""
    rfq = uow.rfqs.get(rfq_id, for_update=True)
    if rfq is None or not rfq.is_invited(merchant_id):
        raise RfqNotFoundError("No such RFQ.", rfq_id=rfq_id)
    facts = uow.rfqs.merchants([merchant_id]).get(merchant_id)
    if facts is None or facts.status != "approved":
        raise PermissionDeniedError("The merchant is not approved.", code="merchant_not_approved")
    return rfq


def _active_company_currency(uow: RfqUnitOfWork, company_id: str) -> str:
    company = uow.companies.get(company_id)
    if company is None or company.status is not CompanyStatus.ACTIVE:
        raise CompanySuspendedError("The company is suspended.")
    return company.currency


def _check_deadline(deadline: datetime, now: datetime) -> None:
    if deadline.tzinfo is None:
        raise RfqValidationError("The deadline needs a time zone.")
    if not now < deadline <= now + MAX_DEADLINE:
        raise RfqValidationError("The deadline is in the future, within a year.")


def _check_references(uow: RfqUnitOfWork, items: Sequence[RfqItem]) -> None:
    sku_ids = {i.sku_id for i in items if i.sku_id}
    found = uow.rfqs.skus(sku_ids)
    unknown = sorted(s for s in sku_ids if s not in found or not found[s].is_active)
    if unknown:
        raise RfqValidationError("Unknown or inactive SKUs.", sku_ids=unknown)
    category_ids = {i.category_id for i in items if i.category_id}
    missing = sorted(category_ids - uow.rfqs.categories_exist(category_ids))
    if missing:
        raise RfqValidationError("Unknown categories.", category_ids=missing)


def _check_own_skus(uow: RfqUnitOfWork, merchant_id: str, sku_ids: Sequence[str]) -> None:
    found = uow.rfqs.skus(set(sku_ids))
    foreign = sorted(
        {s for s in sku_ids
         if (f := found.get(s)) is None or f.merchant_id != merchant_id or not f.is_active}
    )  # fmt: skip
    if foreign:
        raise QuoteValidationError(
            "Quote your own active SKUs.", code="invalid_quote_sku", sku_ids=foreign
        )


def _decline_open_quotes(uow: RfqUnitOfWork, rfq: Rfq, now: datetime) -> None:
    declined = [q for q in uow.rfqs.quotes(rfq.id) if q.status is QuoteStatus.SUBMITTED]
    uow.rfqs.set_quote_status({q.id for q in declined}, expected=QuoteStatus.SUBMITTED,
                              target=QuoteStatus.DECLINED, now=now)  # fmt: skip
    for quote in declined:
        quote.status, quote.decided_at = QuoteStatus.DECLINED, now
        uow.outbox.add(DomainEvent(Topic.QUOTE_DECLINED, quote.id, quote_payload(rfq, quote),
                                   now, merchant_id=quote.merchant_id))  # fmt: skip


def _accepted(rfq: Rfq, quote: Quote) -> AcceptedQuote:
    lines = tuple(
        RequestLine(sku_id=x.sku_id, quantity=x.quantity, unit_price=x.unit_price,
                    price_source=f"quote:{quote.id}")
        for x in quote.lines
    )  # fmt: skip
    assert quote.decided_at is not None
    assert rfq.awarded_by is not None
    return AcceptedQuote(
        rfq_id=rfq.id, quote_id=quote.id, company_id=rfq.company_id,
        merchant_id=quote.merchant_id, location_id=rfq.location_id,
        accepted_by=rfq.awarded_by, lines=lines,
        total=quote.total, accepted_at=quote.decided_at,
    )  # fmt: skip


__all__ = [
    "AcceptedQuote", "accept_quote", "cancel_rfq", "create_rfq", "purchase_request_for",
    "send_rfq", "submit_quote", "withdraw_quote",
]  # fmt: skip
