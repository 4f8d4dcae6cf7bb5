"""JSON-ready views of purchase requests and approval rules."""

from __future__ import annotations

from typing import Any

from marketplace.purchasing.domain import ApprovalRule, PurchaseRequest, RequestEvent


def request_dict(p: PurchaseRequest) -> dict[str, Any]:
    step = p.current_step
    return {
        "id": p.id,
        "company_id": p.company_id,
        "requester_id": p.requester_id,
        "location_id": p.location_id,
        "cost_centre_id": p.cost_centre_id,
        "payment_method": p.payment_method,
        "status": p.status.value,
        "total": p.total.to_dict(),
        "note": p.note,
        "source": p.source,
        "approval_reasons": list(p.approval_reasons),
        "expires_at": p.expires_at.isoformat() if p.expires_at else None,
        "group_id": p.group_id,
        "order_ids": list(p.order_ids),
        "failure_code": p.failure_code,
        "current_step": step.position if step else None,
        "lines": [
            {
                "sku_id": ln.sku_id,
                "quantity": ln.quantity,
                "merchant_id": ln.merchant_id,
                "category_id": ln.category_id,
                "title": ln.title,
                "unit_price": ln.unit_price.to_dict(),
                "price_source": ln.price_source,
                "line_total": ln.line_total.to_dict(),
            }
            for ln in p.lines
        ],
        "steps": [
            {
                "position": s.position,
                "approver_ids": list(s.approver_ids),
                "reasons": list(s.reasons),
                "status": s.status.value,
                "decided_by": s.decided_by,
                "decided_at": s.decided_at.isoformat() if s.decided_at else None,
                "comment": s.comment,
            }
            for s in p.steps
        ],
        "created_at": p.created_at.isoformat(),
        "updated_at": p.updated_at.isoformat(),
    }


def event_dict(e: RequestEvent) -> dict[str, Any]:
    return {
        "at": e.at.isoformat(),
        "actor": e.actor,
        "action": e.action,
        "from": e.from_status,
        "to": e.to_status,
        "reason": e.reason,
        "details": e.details,
    }


def rule_dict(r: ApprovalRule) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "kind": r.kind.value,
        "threshold": r.threshold.to_dict() if r.threshold else None,
        "ids": list(r.ids),
        "steps": [list(s) for s in r.steps],
        "position": r.position,
        "is_active": r.is_active,
    }
