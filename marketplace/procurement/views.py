"""JSON-ready views of conversations, drafts, quotes and audit entries (the API and the
agent show the same). A frozen draft's ``content`` and ``content_hash`` are exactly what
the buyer confirms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marketplace.procurement.domain import AuditEntry, Conversation, Draft, DraftQuote


def _at(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def conversation_dict(c: Conversation) -> dict[str, Any]:
    return {
        "id": c.id,
        "company_id": c.company_id,
        "buyer_id": c.buyer_id,
        "locale": c.locale,
        "audit_entries": c.audit_seq,
        "created_at": c.created_at.isoformat(),
        "updated_at": c.updated_at.isoformat(),
    }


def draft_dict(d: Draft) -> dict[str, Any]:
    return {
        "id": d.id,
        "conversation_id": d.conversation_id,
        "version": d.version,
        "previous_id": d.previous_id,
        "status": d.status.value,
        "location_id": d.location_id,
        "cost_centre_id": d.cost_centre_id,
        "deadline": d.deadline.isoformat() if d.deadline else None,
        "payment_method": d.payment_method,
        "note": d.note,
        "lines": [{"offer_id": ln.offer_id, "quantity": ln.quantity} for ln in d.lines],
        "content": d.content,
        "content_hash": d.content_hash,
        "frozen_at": _at(d.frozen_at),
        "confirmed_at": _at(d.confirmed_at),
        "confirmed_by": d.confirmed_by,
        "rejected_at": _at(d.rejected_at),
        "purchase_request_id": d.purchase_request_id,
        "failure_code": d.failure_code,
        "created_at": d.created_at.isoformat(),
        "updated_at": d.updated_at.isoformat(),
    }


def quote_dict(q: DraftQuote) -> dict[str, Any]:
    return {
        "currency": q.currency,
        "cost_centre_id": q.cost_centre_id,
        "total": q.total.to_dict(),
        "problems": q.problems,
        "lines": [
            {
                "offer_id": ln.offer_id,
                "sku_id": ln.sku_id,
                "merchant_id": ln.merchant_id,
                "quantity": ln.quantity,
                "unit_price": ln.unit_price.to_dict() if ln.unit_price else None,
                "line_total": ln.line_total.to_dict() if ln.line_total else None,
                "price_rule": ln.price_rule,
                "moq": ln.moq,
                "lead_time_days": ln.lead_time_days,
                "problem": ln.problem,
            }
            for ln in q.lines
        ],
    }


def audit_dict(e: AuditEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "kind": e.kind.value,
        "actor": e.actor,
        "draft_id": e.draft_id,
        "payload": e.payload,
        "at": e.at.isoformat(),
    }
