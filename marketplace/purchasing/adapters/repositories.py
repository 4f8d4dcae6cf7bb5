"""SQL repository of purchase requests and approval rules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from marketplace.db.errors import is_unique_violation
from marketplace.purchasing.adapters.tables import (
    approval_rules,
    approval_steps,
    purchase_request_events,
    purchase_request_lines,
    purchase_requests,
)
from marketplace.purchasing.domain import (
    ApprovalRule,
    ApprovalStep,
    DuplicateRequestError,
    PurchaseRequest,
    RequestEvent,
    RequestLine,
    RequestStatus,
    RuleKind,
    StepStatus,
)
from marketplace.shared.money import Money


class SqlPurchaseRequestRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, request: PurchaseRequest) -> None:
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(purchase_requests).values(_request_row(request)))
        except IntegrityError as exc:
            if is_unique_violation(exc):
                raise DuplicateRequestError from exc
            raise
        self._write_children(request)

    def save(self, request: PurchaseRequest, *, lines_changed: bool = False) -> None:
        """Write the request's fields and steps (and lines, when they changed)."""
        values = _request_row(request)
        for key in ("id", "company_id", "requester_id", "created_at", "idempotency_key"):
            del values[key]
        self._conn.execute(
            update(purchase_requests).where(purchase_requests.c.id == request.id).values(values)
        )
        self._conn.execute(delete(approval_steps).where(approval_steps.c.request_id == request.id))
        if lines_changed:
            self._conn.execute(
                delete(purchase_request_lines).where(
                    purchase_request_lines.c.request_id == request.id
                )
            )
        self._write_children(request, lines=lines_changed)

    def _write_children(self, request: PurchaseRequest, *, lines: bool = True) -> None:
        if lines and request.lines:
            self._conn.execute(
                insert(purchase_request_lines),
                [
                    {
                        "request_id": request.id,
                        "position": i,
                        "sku_id": ln.sku_id,
                        "quantity": ln.quantity,
                        "merchant_id": ln.merchant_id,
                        "category_id": ln.category_id,
                        "title": ln.title[:300],
                        "unit_price_minor": ln.unit_price.minor,
                        "price_source": ln.price_source,
                        "line_total_minor": ln.line_total.minor,
                    }
                    for i, ln in enumerate(request.lines)
                ],
            )
        if request.steps:
            self._conn.execute(
                insert(approval_steps),
                [
                    {
                        "request_id": request.id,
                        "position": s.position,
                        "approver_ids": list(s.approver_ids),
                        "reasons": list(s.reasons),
                        "status": s.status.value,
                        "decided_by": s.decided_by,
                        "decided_at": s.decided_at,
                        "comment": s.comment,
                    }
                    for s in request.steps
                ],
            )

    def get(self, request_id: str, *, for_update: bool = False) -> PurchaseRequest | None:
        stmt = select(purchase_requests).where(purchase_requests.c.id == request_id)
        row = self._conn.execute(stmt.with_for_update() if for_update else stmt).first()
        return self._hydrate(row) if row else None

    def id_for_key(self, company_id: str, key: str) -> str | None:
        return self._conn.execute(
            select(purchase_requests.c.id).where(
                purchase_requests.c.company_id == company_id,
                purchase_requests.c.idempotency_key == key,
            )
        ).scalar_one_or_none()

    def by_group(self, group_id: str) -> PurchaseRequest | None:
        stmt = select(purchase_requests).where(purchase_requests.c.group_id == group_id)
        row = self._conn.execute(stmt).first()
        return self._hydrate(row) if row else None

    def expired_ids(self, now: datetime, *, limit: int) -> list[str]:
        return list(
            self._conn.execute(
                select(purchase_requests.c.id)
                .where(
                    purchase_requests.c.status == RequestStatus.PENDING_APPROVAL.value,
                    purchase_requests.c.expires_at <= now,
                )
                .order_by(purchase_requests.c.expires_at)
                .limit(limit)
            ).scalars()
        )

    def stuck_placing_ids(self, older_than: datetime, *, limit: int) -> list[str]:
        return list(
            self._conn.execute(
                select(purchase_requests.c.id)
                .where(
                    purchase_requests.c.status.in_(("approved", "placing")),
                    purchase_requests.c.updated_at <= older_than,
                )
                .order_by(purchase_requests.c.updated_at)
                .limit(limit)
            ).scalars()
        )

    def record(self, events: Sequence[RequestEvent]) -> None:
        if events:
            self._conn.execute(
                insert(purchase_request_events),
                [
                    {
                        "request_id": e.request_id,
                        "at": e.at,
                        "actor": e.actor,
                        "action": e.action,
                        "from_status": e.from_status,
                        "to_status": e.to_status,
                        "reason": e.reason,
                        "details": e.details,
                    }
                    for e in events
                ],
            )

    def events(self, request_id: str) -> list[RequestEvent]:
        rows = self._conn.execute(
            select(purchase_request_events)
            .where(purchase_request_events.c.request_id == request_id)
            .order_by(purchase_request_events.c.id)
        )
        return [
            RequestEvent(
                r.request_id,
                r.at,
                r.actor,
                r.action,
                r.from_status,
                r.to_status,
                r.reason,
                dict(r.details or {}),
            )
            for r in rows
        ]

    def _hydrate(self, r: Any) -> PurchaseRequest:
        c = r.currency
        lines = [
            RequestLine(
                sku_id=ln.sku_id,
                quantity=int(ln.quantity),
                merchant_id=ln.merchant_id,
                category_id=ln.category_id,
                title=ln.title,
                unit_price=Money.from_minor(int(ln.unit_price_minor), c),
                price_source=ln.price_source,
                line_total=Money.from_minor(int(ln.line_total_minor), c),
            )
            for ln in self._conn.execute(
                select(purchase_request_lines)
                .where(purchase_request_lines.c.request_id == r.id)
                .order_by(purchase_request_lines.c.position)
            )
        ]
        steps = [
            ApprovalStep(
                request_id=s.request_id,
                position=int(s.position),
                approver_ids=tuple(s.approver_ids),
                reasons=tuple(s.reasons),
                status=StepStatus(s.status),
                decided_by=s.decided_by,
                decided_at=s.decided_at,
                comment=s.comment,
            )
            for s in self._conn.execute(
                select(approval_steps)
                .where(approval_steps.c.request_id == r.id)
                .order_by(approval_steps.c.position)
            )
        ]
        return PurchaseRequest(
            id=r.id,
            company_id=r.company_id,
            requester_id=r.requester_id,
            location_id=r.location_id,
            cost_centre_id=r.cost_centre_id,
            payment_method=r.payment_method,
            currency=c,
            total=Money.from_minor(int(r.total_minor), c),
            status=RequestStatus(r.status),
            note=r.note,
            source=r.source,
            idempotency_key=r.idempotency_key,
            approval_reasons=tuple(r.approval_reasons or ()),
            expires_at=r.expires_at,
            created_at=r.created_at,
            updated_at=r.updated_at,
            version=int(r.version),
            group_id=r.group_id,
            order_ids=tuple(r.order_ids or ()),
            failure_code=r.failure_code,
            lines=lines,
            steps=steps,
        )

    # -- approval rules -----------------------------------------------------------------
    def add_rule(self, rule: ApprovalRule) -> None:
        self._conn.execute(insert(approval_rules).values(_rule_row(rule)))

    def save_rule(self, rule: ApprovalRule) -> None:
        values = _rule_row(rule)
        del values["id"], values["company_id"], values["created_at"]
        self._conn.execute(
            update(approval_rules).where(approval_rules.c.id == rule.id).values(values)
        )

    def get_rule(self, rule_id: str) -> ApprovalRule | None:
        row = self._conn.execute(
            select(approval_rules).where(approval_rules.c.id == rule_id)
        ).first()
        return _rule(row) if row else None

    def rules(self, company_id: str, *, active_only: bool = False) -> list[ApprovalRule]:
        stmt = select(approval_rules).where(approval_rules.c.company_id == company_id)
        if active_only:
            stmt = stmt.where(approval_rules.c.is_active.is_(True))
        rows = self._conn.execute(stmt.order_by(approval_rules.c.position, approval_rules.c.id))
        return [_rule(r) for r in rows]


def _request_row(p: PurchaseRequest) -> dict[str, Any]:
    return {
        "id": p.id,
        "company_id": p.company_id,
        "requester_id": p.requester_id,
        "location_id": p.location_id,
        "cost_centre_id": p.cost_centre_id,
        "payment_method": p.payment_method,
        "currency": p.currency,
        "total_minor": p.total.minor,
        "status": p.status.value,
        "note": p.note,
        "source": p.source,
        "idempotency_key": p.idempotency_key,
        "approval_reasons": list(p.approval_reasons),
        "expires_at": p.expires_at,
        "group_id": p.group_id,
        "order_ids": list(p.order_ids),
        "failure_code": p.failure_code,
        "version": p.version,
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    }


def _rule_row(r: ApprovalRule) -> dict[str, Any]:
    return {
        "id": r.id,
        "company_id": r.company_id,
        "name": r.name,
        "kind": r.kind.value,
        "threshold_minor": r.threshold.minor if r.threshold else None,
        "currency": r.threshold.currency.code if r.threshold else "CNY",
        "ids": list(r.ids),
        "steps": [list(s) for s in r.steps],
        "position": r.position,
        "is_active": r.is_active,
        "created_at": r.created_at,
    }


def _rule(r: Any) -> ApprovalRule:
    threshold = r.threshold_minor
    return ApprovalRule(
        id=r.id,
        company_id=r.company_id,
        name=r.name,
        kind=RuleKind(r.kind),
        threshold=None if threshold is None else Money.from_minor(int(threshold), r.currency),
        ids=tuple(r.ids or ()),
        steps=tuple(tuple(s) for s in (r.steps or ())),
        position=int(r.position),
        is_active=bool(r.is_active),
        created_at=r.created_at,
    )
