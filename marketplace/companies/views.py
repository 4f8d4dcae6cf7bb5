"""JSON-ready views of companies (the API and the agent show the same)."""

from __future__ import annotations

from typing import Any

from marketplace.companies.domain import (
    BudgetPeriod,
    Company,
    CostCentre,
    Invitation,
    Location,
    Member,
)


def company_dict(c: Company) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "tax_id": c.tax_id,
        "status": c.status.value,
        "currency": c.currency,
        "approval_ttl_days": c.approval_ttl_days,
        "created_at": c.created_at.isoformat(),
    }


def centre_dict(c: CostCentre) -> dict[str, Any]:
    return {
        "id": c.id,
        "code": c.code,
        "name": c.name,
        "monthly_budget": c.monthly_budget.to_dict() if c.monthly_budget else None,
        "overrun": c.overrun.value,
    }


def location_dict(loc: Location) -> dict[str, Any]:
    a = loc.address
    return {
        "id": loc.id,
        "name": loc.name,
        "cost_centre_id": loc.cost_centre_id,
        "address": {
            "name": a.name,
            "phone": a.phone,
            "country": a.country,
            "region": a.region,
            "city": a.city,
            "line1": a.line1,
            "line2": a.line2,
            "postal_code": a.postal_code,
        },
    }


def member_dict(m: Member) -> dict[str, Any]:
    return {
        "user_id": m.user_id,
        "role": m.role.value,
        "order_limit": m.order_limit.to_dict() if m.order_limit else None,
        "allowed_category_ids": list(m.allowed_category_ids),
        "joined_at": m.joined_at.isoformat(),
    }


def invitation_dict(i: Invitation) -> dict[str, Any]:
    return {
        "id": i.id,
        "email": i.email,
        "role": i.role.value,
        "expires_at": i.expires_at.isoformat(),
        "accepted_at": i.accepted_at.isoformat() if i.accepted_at else None,
        "revoked_at": i.revoked_at.isoformat() if i.revoked_at else None,
    }


def budget_dict(b: BudgetPeriod) -> dict[str, Any]:
    return {
        "cost_centre_id": b.cost_centre_id,
        "period": b.period,
        "limit": b.limit.to_dict(),
        "committed": b.committed.to_dict(),
        "spent": b.spent.to_dict(),
        "available": b.available.to_dict(),
    }
