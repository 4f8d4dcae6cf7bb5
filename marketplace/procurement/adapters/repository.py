"""SQL repository of procurement conversations, drafts and their audit log."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from marketplace.db.errors import is_unique_violation
from marketplace.procurement.adapters.tables import (
    procurement_audit,
    procurement_conversations,
    procurement_drafts,
)
from marketplace.procurement.domain import (
    AuditEntry,
    AuditKind,
    Conversation,
    ConversationNotFoundError,
    Draft,
    DraftLine,
    DraftStatus,
    NewAuditEntry,
    SuccessorExistsError,
)
from marketplace.procurement.ports import OfferRef
from marketplace.sourcing.adapters.tables import offers

_c, _d, _a = procurement_conversations.c, procurement_drafts.c, procurement_audit.c


class SqlProcurementRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # -- conversations ------------------------------------------------------------------
    def add_conversation(self, conversation: Conversation) -> None:
        self._conn.execute(insert(procurement_conversations).values(
            id=conversation.id, company_id=conversation.company_id,
            buyer_id=conversation.buyer_id, locale=conversation.locale,
            audit_seq=conversation.audit_seq, created_at=conversation.created_at,
            updated_at=conversation.updated_at,
        ))  # fmt: skip

    def get_conversation(self, conversation_id: str) -> Conversation | None:
        row = self._conn.execute(
            select(procurement_conversations).where(_c.id == conversation_id)
        ).first()
        if row is None:
            return None
        return Conversation(row.id, row.company_id, row.buyer_id, row.locale, row.created_at,
                            row.updated_at, int(row.audit_seq))  # fmt: skip

    # -- drafts ---------------------------------------------------------------------------
    def add_draft(self, draft: Draft) -> None:
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(procurement_drafts).values(_draft_row(draft)))
        except IntegrityError as exc:
            if draft.previous_id is not None and is_unique_violation(exc):
                raise SuccessorExistsError(draft.previous_id) from exc
            raise

    def save_draft(self, draft: Draft) -> None:
        values = _draft_row(draft)
        for key in ("id", "conversation_id", "company_id", "buyer_id", "version",
                    "previous_id", "created_at"):  # fmt: skip
            del values[key]
        self._conn.execute(update(procurement_drafts).where(_d.id == draft.id).values(values))

    def get_draft(self, draft_id: str, *, for_update: bool = False) -> Draft | None:
        stmt = select(procurement_drafts).where(_d.id == draft_id)
        row = self._conn.execute(stmt.with_for_update() if for_update else stmt).first()
        return _draft(row) if row else None

    def successor_of(self, draft_id: str) -> str | None:
        return self._conn.execute(
            select(_d.id).where(_d.previous_id == draft_id)
        ).scalar_one_or_none()

    def stuck_placing_ids(self, older_than: datetime, *, limit: int) -> list[str]:
        return list(
            self._conn.execute(
                select(_d.id)
                .where(_d.status == DraftStatus.PLACING.value, _d.placing_since <= older_than)
                .order_by(_d.placing_since)
                .limit(limit)
            ).scalars()
        )

    # -- audit ----------------------------------------------------------------------------
    def append_audit(self, entry: NewAuditEntry) -> AuditEntry:
        # One atomic increment: concurrent appends queue on the conversation's row.
        seq = self._conn.execute(
            update(procurement_conversations)
            .where(_c.id == entry.conversation_id)
            .values(audit_seq=_c.audit_seq + 1, updated_at=entry.at)
            .returning(_c.audit_seq)
        ).scalar_one_or_none()
        if seq is None:
            raise ConversationNotFoundError("No such conversation.")
        self._conn.execute(insert(procurement_audit).values(
            conversation_id=entry.conversation_id, seq=int(seq), kind=entry.kind.value,
            actor=entry.actor, draft_id=entry.draft_id, payload=entry.payload, at=entry.at,
        ))  # fmt: skip
        return AuditEntry(entry.conversation_id, int(seq), entry.kind, entry.actor,
                          entry.payload, entry.at, entry.draft_id)  # fmt: skip

    def audit(self, conversation_id: str) -> list[AuditEntry]:
        rows = self._conn.execute(
            select(procurement_audit).where(_a.conversation_id == conversation_id).order_by(_a.seq)
        )
        return [_entry(r) for r in rows]

    # -- sourcing facts -------------------------------------------------------------------
    def offer_refs(self, offer_ids: Collection[str]) -> dict[str, OfferRef]:
        if not offer_ids:
            return {}
        rows = self._conn.execute(
            select(offers.c.id, offers.c.merchant_id, offers.c.sku_id).where(
                offers.c.id.in_(sorted(set(offer_ids)))
            )
        )
        return {r.id: OfferRef(r.merchant_id, r.sku_id) for r in rows}


def _entry(r: Any) -> AuditEntry:
    return AuditEntry(r.conversation_id, int(r.seq), AuditKind(r.kind), r.actor,
                      dict(r.payload or {}), r.at, r.draft_id)  # fmt: skip


def _draft_row(d: Draft) -> dict[str, Any]:
    return {
        "id": d.id, "conversation_id": d.conversation_id, "company_id": d.company_id,
        "buyer_id": d.buyer_id, "version": d.version, "previous_id": d.previous_id,
        "status": d.status.value, "location_id": d.location_id,
        "cost_centre_id": d.cost_centre_id, "deadline": d.deadline,
        "payment_method": d.payment_method, "note": d.note,
        "lines": [{"offer_id": ln.offer_id, "quantity": ln.quantity} for ln in d.lines],
        "content": d.content, "content_hash": d.content_hash, "frozen_at": d.frozen_at,
        "confirmed_hash": d.confirmed_hash, "confirmed_by": d.confirmed_by,
        "confirmed_at": d.confirmed_at, "rejected_at": d.rejected_at,
        "placing_since": d.placing_since, "purchase_request_id": d.purchase_request_id,
        "failure_code": d.failure_code, "created_at": d.created_at, "updated_at": d.updated_at,
    }  # fmt: skip


def _draft(r: Any) -> Draft:
    deadline: date | None = r.deadline
    return Draft(
        id=r.id, conversation_id=r.conversation_id, company_id=r.company_id,
        buyer_id=r.buyer_id, version=int(r.version), status=DraftStatus(r.status),
        location_id=r.location_id, cost_centre_id=r.cost_centre_id, deadline=deadline,
        payment_method=r.payment_method, note=r.note,
        lines=tuple(DraftLine(str(ln["offer_id"]), int(ln["quantity"])) for ln in r.lines),
        created_at=r.created_at, updated_at=r.updated_at, previous_id=r.previous_id,
        content=dict(r.content) if r.content is not None else None,
        content_hash=r.content_hash, frozen_at=r.frozen_at,
        confirmed_hash=r.confirmed_hash, confirmed_by=r.confirmed_by,
        confirmed_at=r.confirmed_at, rejected_at=r.rejected_at,
        placing_since=r.placing_since, purchase_request_id=r.purchase_request_id,
        failure_code=r.failure_code,
    )  # fmt: skip
