"""Read side of RFQs: the buyer's list and comparison, the supplier's invitations.

The buyer sees every current quote side by side (superseded revisions left out); a
supplier sees the RFQ, where goods go (city level) and its own quotes only, never who
else was invited or what they quoted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, literal, select, tuple_

from marketplace.companies.adapters.tables import companies, company_locations
from marketplace.rfq.adapters.repositories import SqlRfqRepository
from marketplace.rfq.adapters.tables import rfq_invitations, rfq_quotes, rfqs
from marketplace.rfq.domain import Quote, QuoteStatus, Rfq, RfqStatus
from marketplace.shared.errors import ValidationError


class InvalidRfqQueryError(ValidationError):
    code = "invalid_rfq_query"


Page = tuple[list[dict[str, Any]], dict[str, Any] | None]


def list_company_rfqs(
    conn: Connection, company_id: str, *, status: str | None = None,
    after: Mapping[str, Any] | None = None, limit: int = 20,
) -> Page:  # fmt: skip
    """A page of the company's RFQs, newest first (stored status; the detail shows the
    expired state)."""
    query = select(rfqs.c.id, rfqs.c.title, rfqs.c.status, rfqs.c.currency, rfqs.c.deadline,
                   rfqs.c.created_by, rfqs.c.awarded_quote_id, rfqs.c.created_at,
                   rfqs.c.sent_at).where(rfqs.c.company_id == company_id)  # fmt: skip
    if status is not None:
        if status not in {s.value for s in RfqStatus}:
            raise InvalidRfqQueryError(f"{status!r} is not an RFQ status.")
        query = query.where(rfqs.c.status == status)
    rows = conn.execute(_after(query, after, rfqs.c.created_at, rfqs.c.id, limit)).all()
    items = [
        {"id": r.id, "title": r.title, "status": r.status, "currency": r.currency,
         "deadline": r.deadline.isoformat(), "created_by": r.created_by,
         "awarded_quote_id": r.awarded_quote_id, "created_at": r.created_at.isoformat(),
         "sent_at": r.sent_at.isoformat() if r.sent_at else None}
        for r in rows[:limit]
    ]  # fmt: skip
    return items, _next_key(rows, limit, "created_at")


def list_supplier_rfqs(
    conn: Connection, merchant_id: str, *, after: Mapping[str, Any] | None = None,
    limit: int = 20,
) -> Page:  # fmt: skip
    """A page of the RFQs the merchant was invited to, newest invitation first, with its
    open quote if it has one."""
    open_quote = rfq_quotes.alias("open_quote")
    query = (
        select(rfqs.c.id, rfqs.c.title, rfqs.c.status, rfqs.c.currency, rfqs.c.deadline,
               companies.c.name.label("company_name"), rfq_invitations.c.invited_at,
               open_quote.c.id.label("quote_id"))
        .join(rfq_invitations, rfq_invitations.c.rfq_id == rfqs.c.id)
        .join(companies, companies.c.id == rfqs.c.company_id)
        .outerjoin(open_quote, and_(open_quote.c.rfq_id == rfqs.c.id,
                                    open_quote.c.merchant_id == merchant_id,
                                    open_quote.c.status == QuoteStatus.SUBMITTED.value))
        .where(rfq_invitations.c.merchant_id == merchant_id)
    )  # fmt: skip
    at, rfq_id = rfq_invitations.c.invited_at, rfq_invitations.c.rfq_id
    rows = conn.execute(_after(query, after, at, rfq_id, limit)).all()
    items = [
        {"id": r.id, "title": r.title, "status": r.status, "currency": r.currency,
         "deadline": r.deadline.isoformat(), "company_name": r.company_name,
         "invited_at": r.invited_at.isoformat(), "open_quote_id": r.quote_id}
        for r in rows[:limit]
    ]  # fmt: skip
    return items, _next_key(rows, limit, "invited_at")


def buyer_view(
    conn: Connection, company_id: str, rfq_id: str, now: datetime
) -> dict[str, Any] | None:
    """The RFQ with its invitees and current quotes side by side; None if not the
    company's."""
    repo = SqlRfqRepository(conn)
    rfq = repo.get(rfq_id)
    if rfq is None or rfq.company_id != company_id:
        return None
    quotes = repo.quotes(rfq.id)
    names = {m: f.name for m, f in repo.merchants(rfq.supplier_ids).items()}
    current = [q for q in quotes if q.status is not QuoteStatus.SUPERSEDED]
    # Open quotes first, cheapest first; then the rest by supplier.
    current.sort(key=lambda q: (not q.is_open(now), q.total.amount, q.lead_time_days, q.id))
    open_quotes = [q for q in current if q.is_open(now)]
    quoted = {q.merchant_id for q in current}
    return {
        **rfq_dict(rfq, now, quotes),
        "created_by": rfq.created_by,
        "awarded_by": rfq.awarded_by,
        "suppliers": [{"merchant_id": m, "name": names.get(m, ""), "has_quoted": m in quoted}
                      for m in rfq.supplier_ids],
        "quotes": [quote_dict(q, now, supplier_name=names.get(q.merchant_id, ""))
                   for q in current],
        "lowest_open_quote_id": open_quotes[0].id if open_quotes else None,
    }  # fmt: skip


def supplier_view(
    conn: Connection, merchant_id: str, rfq_id: str, now: datetime
) -> dict[str, Any] | None:
    """The RFQ as an invited supplier sees it; None if the merchant was not invited."""
    repo = SqlRfqRepository(conn)
    rfq = repo.get(rfq_id)
    if rfq is None or not rfq.is_invited(merchant_id):
        return None
    mine = [q for q in repo.quotes(rfq.id) if q.merchant_id == merchant_id]
    place = conn.execute(
        select(companies.c.name, company_locations.c.address)
        .join(company_locations, company_locations.c.company_id == companies.c.id)
        .where(company_locations.c.id == rfq.location_id)
    ).one()  # fmt: skip
    address = place.address or {}
    status = rfq.display_status(now, mine)
    if rfq.status is RfqStatus.AWARDED and rfq.awarded_quote_id not in {q.id for q in mine}:
        status = "closed"  # awarded to someone else: who is not theirs to know
    return {
        **rfq_dict(rfq, now, mine), "status": status, "company_name": place.name,
        "delivery": {k: address.get(k, "") for k in ("country", "region", "city")},
        "quotes": [quote_dict(q, now) for q in reversed(mine)],  # newest first
    }  # fmt: skip


def rfq_dict(rfq: Rfq, now: datetime, quotes: Sequence[Quote]) -> dict[str, Any]:
    return {
        "id": rfq.id, "company_id": rfq.company_id, "title": rfq.title, "notes": rfq.notes,
        "status": rfq.display_status(now, quotes), "currency": rfq.currency,
        "deadline": rfq.deadline.isoformat(), "accepts_quotes": rfq.accepts_quotes(now),
        "location_id": rfq.location_id, "awarded_quote_id": rfq.awarded_quote_id,
        "items": [{"item_no": i.item_no, "sku_id": i.sku_id, "spec": i.spec,
                   "category_id": i.category_id, "quantity": i.quantity, "unit": i.unit}
                  for i in rfq.items],
        "created_at": rfq.created_at.isoformat(),
        "sent_at": rfq.sent_at.isoformat() if rfq.sent_at else None,
        "closed_at": rfq.closed_at.isoformat() if rfq.closed_at else None,
    }  # fmt: skip


def quote_dict(quote: Quote, now: datetime, *, supplier_name: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": quote.id, "rfq_id": quote.rfq_id, "merchant_id": quote.merchant_id,
        "status": quote.display_status(now), "is_expired": quote.is_expired(now),
        "total": quote.total.to_dict(), "lead_time_days": quote.lead_time_days,
        "valid_until": quote.valid_until.isoformat(), "notes": quote.notes,
        "submitted_at": quote.submitted_at.isoformat(),
        "decided_at": quote.decided_at.isoformat() if quote.decided_at else None,
        "supersedes_id": quote.supersedes_id,
        "lines": [{"item_no": x.item_no, "sku_id": x.sku_id, "quantity": x.quantity,
                   "unit_price": x.unit_price.to_dict(), "total": x.total.to_dict(),
                   "lead_time_days": x.lead_time_days} for x in quote.lines],
    }  # fmt: skip
    if supplier_name is not None:
        found["supplier_name"] = supplier_name
    return found


def _after(query: Any, after: Mapping[str, Any] | None, at: Any, key: Any, limit: int) -> Any:
    if after is not None:
        try:
            moment, last_id = datetime.fromisoformat(str(after["at"])), str(after["id"])
        except (KeyError, ValueError):
            raise InvalidRfqQueryError("Bad page key.", code="invalid_cursor") from None
        query = query.where(tuple_(at, key) < tuple_(literal(moment, at.type), literal(last_id)))
    return query.order_by(at.desc(), key.desc()).limit(limit + 1)


def _next_key(rows: Sequence[Any], limit: int, at: str) -> dict[str, Any] | None:
    if len(rows) <= limit or limit == 0:
        return None
    last = rows[limit - 1]
    return {"at": getattr(last, at).isoformat(), "id": last.id}
