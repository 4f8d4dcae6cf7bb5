"""Read side of purchasing: request lists, approvals waiting for someone, and the
company's invoices (net terms) and monthly statement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from marketplace.companies.adapters.tables import company_members
from marketplace.payments.adapters.tables import credit_accounts, invoice_credits, invoices
from marketplace.purchasing.adapters.tables import approval_steps, purchase_requests
from marketplace.shared.money import Money

# What ``_summary`` reads of a purchase request.
_SUMMARY_COLUMNS = tuple(
    purchase_requests.c[name]
    for name in ("id", "requester_id", "status", "total_minor", "currency", "source",
                 "created_at", "group_id", "failure_code")
)  # fmt: skip


def list_requests(
    conn: Connection,
    company_id: str,
    *,
    status: str | None = None,
    requester_id: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    pr = purchase_requests.c
    stmt = select(*_SUMMARY_COLUMNS).where(pr.company_id == company_id)
    if status:
        stmt = stmt.where(pr.status == status)
    if requester_id:
        stmt = stmt.where(pr.requester_id == requester_id)
    rows = conn.execute(stmt.order_by(pr.created_at.desc(), pr.id.desc()).limit(limit))
    return [_summary(r) for r in rows]


def awaiting(
    conn: Connection, company_id: str, user_id: str, *, limit: int = 50
) -> list[dict[str, Any]]:
    """Requests whose current step this member may decide (named on it, or any approver
    when the step names nobody and the member approves), not their own."""
    pr, st = purchase_requests.c, approval_steps.c
    role = conn.execute(
        select(company_members.c.role).where(
            company_members.c.user_id == user_id, company_members.c.company_id == company_id
        )
    ).scalar_one_or_none()
    rows = conn.execute(
        select(
            *_SUMMARY_COLUMNS,
            st.approver_ids,
        )
        .join(approval_steps, and_(st.request_id == pr.id, st.status == "pending"))
        .where(
            pr.company_id == company_id, pr.status == "pending_approval", pr.requester_id != user_id
        )
        .order_by(pr.created_at)
        .limit(500)
    )
    mine = []
    for r in rows:
        named = list(r.approver_ids or [])
        if (user_id in named) or (not named and role in ("approver", "buyer_admin")):
            mine.append(_summary(r))
    return mine[:limit]


def _summary(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "requester_id": r.requester_id,
        "status": r.status,
        "total": Money.from_minor(int(r.total_minor), r.currency).to_dict(),
        "source": r.source,
        "group_id": r.group_id,
        "failure_code": r.failure_code,
        "created_at": r.created_at.isoformat(),
    }


def credit_line(conn: Connection, company_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(credit_accounts).where(credit_accounts.c.buyer_id == company_id))
    return [
        {
            "currency": r.currency,
            "limit": Money.from_minor(int(r.limit_minor), r.currency).to_dict(),
            "used": Money.from_minor(int(r.used_minor), r.currency).to_dict(),
            "available": Money.from_minor(int(r.limit_minor - r.used_minor), r.currency).to_dict(),
            "terms_days": int(r.terms_days),
        }
        for r in rows
    ]


def company_invoices(
    conn: Connection,
    company_id: str,
    *,
    now: datetime,
    status: str | None = None,
    overdue_only: bool = False,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The company's net-terms invoices, newest first, each with its overdue flag."""
    inv = invoices.c
    stmt = select(invoices).where(inv.buyer_id == company_id)
    if status:
        stmt = stmt.where(inv.status == status)
    if overdue_only:
        stmt = stmt.where(inv.status == "open", inv.due_at < now)
    rows = conn.execute(stmt.order_by(inv.created_at.desc(), inv.id.desc()).limit(limit))
    return [_invoice(r, now) for r in rows]


def _invoice(r: Any, now: datetime) -> dict[str, Any]:
    c = r.currency
    outstanding = int(r.amount_minor) - int(r.credited_minor) if r.status == "open" else 0
    return {
        "id": r.id,
        "payment_id": r.payment_id,
        "status": r.status,
        "amount": Money.from_minor(int(r.amount_minor), c).to_dict(),
        "credited": Money.from_minor(int(r.credited_minor), c).to_dict(),
        "outstanding": Money.from_minor(outstanding, c).to_dict(),
        "due_at": r.due_at.isoformat(),
        "paid_at": r.paid_at.isoformat() if r.paid_at else None,
        "issued_at": r.created_at.isoformat(),
        "is_overdue": r.status == "open" and r.due_at < now,
    }


def statement(
    conn: Connection, company_id: str, *, start: datetime, end: datetime, currency: str
) -> dict[str, Any]:
    """What the company owed at ``start``, what was invoiced, credited and paid in
    [start, end), and what it owes at ``end``: opening + invoiced - credited - paid =
    closing."""
    inv, cr = invoices.c, invoice_credits.c

    def owed_at(t: datetime) -> int:
        issued = conn.execute(
            select(func.coalesce(func.sum(inv.amount_minor), 0)).where(
                inv.buyer_id == company_id, inv.currency == currency, inv.created_at < t
            )
        ).scalar_one()
        credited = conn.execute(
            select(func.coalesce(func.sum(cr.amount_minor), 0))
            .join(invoices, inv.id == cr.invoice_id)
            .where(inv.buyer_id == company_id, inv.currency == currency, cr.created_at < t)
        ).scalar_one()
        # A settled invoice is paid in full of what was outstanding when it was settled.
        paid = conn.execute(
            select(func.coalesce(func.sum(inv.amount_minor - inv.credited_minor), 0)).where(
                inv.buyer_id == company_id,
                inv.currency == currency,
                inv.status == "paid",
                inv.paid_at < t,
            )
        ).scalar_one()
        return int(issued) - int(credited) - int(paid)

    rows = conn.execute(
        select(invoices)
        .where(
            inv.buyer_id == company_id,
            inv.currency == currency,
            inv.created_at >= start,
            inv.created_at < end,
        )
        .order_by(inv.created_at, inv.id)
    ).all()
    opening, closing = owed_at(start), owed_at(end)

    def m(minor: int) -> dict[str, str]:
        return Money.from_minor(int(minor), currency).to_dict()

    return {
        "currency": currency,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "opening_balance": m(opening),
        "closing_balance": m(closing),
        "invoiced": m(sum(int(r.amount_minor) for r in rows)),
        "invoices": [_invoice(r, end) for r in rows],
    }


def decided_by(
    conn: Connection, company_id: str, user_id: str, *, limit: int = 50
) -> list[dict[str, Any]]:
    """Requests on which this member decided a step, latest decision first, with that
    step's decision (``approved``/``rejected``), comment and time."""
    pr, st = purchase_requests.c, approval_steps.c
    rows = conn.execute(
        select(
            *_SUMMARY_COLUMNS,
            st.status.label("decision"),
            st.comment,
            st.decided_at,
        )
        .join(approval_steps, st.request_id == pr.id)
        .where(pr.company_id == company_id, st.decided_by == user_id)
        .order_by(st.decided_at.desc(), pr.id.desc())
        .limit(limit)
    )
    return [
        {**_summary(r), "decision": r.decision, "comment": r.comment,
         "decided_at": r.decided_at.isoformat() if r.decided_at else None}
        for r in rows
    ]  # fmt: skip
