"""Read side of procurement: a buyer's conversations, a conversation's drafts (with their
purchase request's live status) and its audit trail. Every query is scoped to the buyer,
so another buyer's conversation reads as empty."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from marketplace.procurement.adapters.tables import (
    procurement_audit,
    procurement_conversations,
    procurement_drafts,
)
from marketplace.purchasing.adapters.tables import purchase_requests

MAX_LIMIT = 500


def conversations_of(conn: Connection, buyer_id: str, *, limit: int = 50) -> list[dict[str, Any]]:
    """The buyer's conversations, most recently active first."""
    c = procurement_conversations.c
    rows = conn.execute(
        select(c.id, c.company_id, c.locale, c.audit_seq, c.created_at, c.updated_at)
        .where(c.buyer_id == buyer_id)
        .order_by(c.updated_at.desc(), c.id.desc())
        .limit(min(limit, MAX_LIMIT))
    )
    return [
        {
            "id": r.id,
            "company_id": r.company_id,
            "locale": r.locale,
            "audit_entries": int(r.audit_seq),
            "created_at": r.created_at.isoformat(),
            "updated_at": r.updated_at.isoformat(),
        }
        for r in rows
    ]


def audit_trail(
    conn: Connection, conversation_id: str, *, buyer_id: str, after_seq: int = 0,
    limit: int = MAX_LIMIT,
) -> list[dict[str, Any]]:  # fmt: skip
    """The conversation's audit entries in order (``after_seq`` pages on)."""
    a, c = procurement_audit.c, procurement_conversations.c
    rows = conn.execute(
        select(a.seq, a.kind, a.actor, a.draft_id, a.payload, a.at)
        .join(procurement_conversations, c.id == a.conversation_id)
        .where(a.conversation_id == conversation_id, c.buyer_id == buyer_id, a.seq > after_seq)
        .order_by(a.seq)
        .limit(min(limit, MAX_LIMIT))
    )
    return [
        {
            "seq": int(r.seq),
            "kind": r.kind,
            "actor": r.actor,
            "draft_id": r.draft_id,
            "payload": dict(r.payload or {}),
            "at": r.at.isoformat(),
        }
        for r in rows
    ]


def drafts_of(conn: Connection, conversation_id: str, *, buyer_id: str) -> list[dict[str, Any]]:
    """The conversation's drafts, every version, oldest first, each with the status of its
    purchase request now (approvers may have decided since it was submitted)."""
    d, pr = procurement_drafts.c, purchase_requests.c
    rows = conn.execute(
        select(
            d.id, d.version, d.previous_id, d.status, d.content_hash, d.confirmed_at,
            d.purchase_request_id, d.failure_code, d.created_at, d.updated_at,
            pr.status.label("request_status"),
        )
        .outerjoin(purchase_requests, pr.id == d.purchase_request_id)
        .where(d.conversation_id == conversation_id, d.buyer_id == buyer_id)
        .order_by(d.created_at, d.id)
    )  # fmt: skip
    return [
        {
            "id": r.id,
            "version": int(r.version),
            "previous_id": r.previous_id,
            "status": r.status,
            "content_hash": r.content_hash,
            "confirmed_at": r.confirmed_at.isoformat() if r.confirmed_at else None,
            "purchase_request_id": r.purchase_request_id,
            "request_status": r.request_status,
            "failure_code": r.failure_code,
            "created_at": r.created_at.isoformat(),
            "updated_at": r.updated_at.isoformat(),
        }
        for r in rows
    ]
