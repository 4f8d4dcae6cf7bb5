"""Read side of companies: who belongs where, for routers, search and the agent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from marketplace.companies.adapters.tables import companies, company_members


@dataclass(frozen=True, slots=True)
class CompanyMembership:
    company_id: str
    company_name: str
    company_status: str
    currency: str
    role: str


def membership_of_user(conn: Connection, user_id: str) -> CompanyMembership | None:
    """The company a user belongs to (at most one), with their role."""
    row = conn.execute(
        select(
            company_members.c.company_id,
            company_members.c.role,
            companies.c.name,
            companies.c.status,
            companies.c.currency,
        )
        .join(companies, companies.c.id == company_members.c.company_id)
        .where(company_members.c.user_id == user_id)
    ).first()
    if row is None:
        return None
    return CompanyMembership(row.company_id, row.name, row.status, row.currency, row.role)


def company_id_of_user(conn: Connection, user_id: str) -> str | None:
    membership = membership_of_user(conn, user_id)
    return membership.company_id if membership else None
