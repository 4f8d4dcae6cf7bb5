"""SQL repositories of companies and budgets, bound to the unit of work's connection."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from marketplace.companies.adapters.tables import (
    budget_commitments,
    budget_periods,
    companies,
    company_cost_centres,
    company_invitations,
    company_locations,
    company_members,
)
from marketplace.companies.domain import (
    AlreadyInCompanyError,
    BudgetPeriod,
    CodeTakenError,
    Company,
    CompanyStatus,
    CostCentre,
    Invitation,
    Location,
    Member,
    MemberRole,
    OverrunPolicy,
    ShippingAddress,
)
from marketplace.db.errors import is_unique_violation
from marketplace.db.sql import dialect_insert
from marketplace.shared.money import Money

# A member's order limit is in the company's currency.
_MEMBERS = select(company_members, companies.c.currency).join(
    companies, companies.c.id == company_members.c.company_id
)


class SqlCompanyRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # -- companies ----------------------------------------------------------------------
    def add(self, company: Company) -> None:
        self._conn.execute(insert(companies).values(_company_row(company)))

    def get(self, company_id: str, *, for_update: bool = False) -> Company | None:
        stmt = select(companies).where(companies.c.id == company_id)
        row = self._conn.execute(stmt.with_for_update() if for_update else stmt).first()
        return _company(row) if row else None

    def save(self, company: Company) -> None:
        values = _company_row(company)
        del values["id"], values["created_at"]
        self._conn.execute(update(companies).where(companies.c.id == company.id).values(values))

    # -- cost centres -------------------------------------------------------------------
    def add_cost_centre(self, centre: CostCentre) -> None:
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(company_cost_centres).values(_centre_row(centre)))
        except IntegrityError as exc:
            if is_unique_violation(exc):
                raise CodeTakenError(f"Cost centre code {centre.code!r} is in use.") from None
            raise

    def save_cost_centre(self, centre: CostCentre) -> None:
        values = _centre_row(centre)
        self._conn.execute(
            update(company_cost_centres)
            .where(company_cost_centres.c.id == centre.id)
            .values(
                name=values["name"],
                monthly_budget_minor=values["monthly_budget_minor"],
                currency=values["currency"],
                overrun=values["overrun"],
            )
        )

    def get_cost_centre(self, centre_id: str) -> CostCentre | None:
        row = self._conn.execute(
            select(company_cost_centres).where(company_cost_centres.c.id == centre_id)
        ).first()
        return _centre(row) if row else None

    def cost_centres(self, company_id: str) -> list[CostCentre]:
        rows = self._conn.execute(
            select(company_cost_centres)
            .where(company_cost_centres.c.company_id == company_id)
            .order_by(company_cost_centres.c.code)
        )
        return [_centre(r) for r in rows]

    # -- locations ----------------------------------------------------------------------
    def add_location(self, location: Location) -> None:
        self._conn.execute(
            insert(company_locations).values(
                id=location.id,
                company_id=location.company_id,
                name=location.name,
                address=_address_dict(location.address),
                cost_centre_id=location.cost_centre_id,
                created_at=location.created_at,
            )
        )

    def get_location(self, location_id: str) -> Location | None:
        row = self._conn.execute(
            select(company_locations).where(company_locations.c.id == location_id)
        ).first()
        return _location(row) if row else None

    def locations(self, company_id: str) -> list[Location]:
        rows = self._conn.execute(
            select(company_locations)
            .where(company_locations.c.company_id == company_id)
            .order_by(company_locations.c.created_at, company_locations.c.id)
        )
        return [_location(r) for r in rows]

    # -- members ------------------------------------------------------------------------
    def add_member(self, member: Member) -> None:
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(company_members).values(_member_row(member)))
        except IntegrityError as exc:
            if is_unique_violation(exc):
                raise AlreadyInCompanyError("The user already belongs to a company.") from None
            raise

    def get_member(self, user_id: str) -> Member | None:
        row = self._conn.execute(_MEMBERS.where(company_members.c.user_id == user_id)).first()
        return _member(row) if row else None

    def save_member(self, member: Member) -> None:
        values = _member_row(member)
        del values["user_id"], values["company_id"], values["joined_at"]
        self._conn.execute(
            update(company_members)
            .where(
                company_members.c.user_id == member.user_id,
                company_members.c.company_id == member.company_id,
            )
            .values(values)
        )

    def remove_member(self, company_id: str, user_id: str) -> bool:
        result = self._conn.execute(
            delete(company_members).where(
                company_members.c.company_id == company_id, company_members.c.user_id == user_id
            )
        )
        return bool(result.rowcount)

    def members(self, company_id: str) -> list[Member]:
        rows = self._conn.execute(
            _MEMBERS.where(company_members.c.company_id == company_id).order_by(
                company_members.c.joined_at, company_members.c.user_id
            )
        )
        return [_member(r) for r in rows]

    def admin_count(self, company_id: str) -> int:
        return int(
            self._conn.execute(
                select(func.count()).where(
                    company_members.c.company_id == company_id,
                    company_members.c.role == MemberRole.BUYER_ADMIN.value,
                )
            ).scalar_one()
        )

    # -- invitations --------------------------------------------------------------------
    def add_invitation(self, invitation: Invitation) -> None:
        self._conn.execute(insert(company_invitations).values(_invitation_row(invitation)))

    def invitation_by_token_hash(self, token_hash: str) -> Invitation | None:
        row = self._conn.execute(
            select(company_invitations)
            .where(company_invitations.c.token_hash == token_hash)
            .with_for_update()
        ).first()
        return _invitation(row) if row else None

    def get_invitation(self, invitation_id: str) -> Invitation | None:
        row = self._conn.execute(
            select(company_invitations).where(company_invitations.c.id == invitation_id)
        ).first()
        return _invitation(row) if row else None

    def save_invitation(self, invitation: Invitation) -> None:
        self._conn.execute(
            update(company_invitations)
            .where(company_invitations.c.id == invitation.id)
            .values(
                accepted_by=invitation.accepted_by,
                accepted_at=invitation.accepted_at,
                revoked_at=invitation.revoked_at,
            )
        )

    def invitations(self, company_id: str) -> list[Invitation]:
        rows = self._conn.execute(
            select(company_invitations)
            .where(company_invitations.c.company_id == company_id)
            .order_by(company_invitations.c.created_at.desc(), company_invitations.c.id)
        )
        return [_invitation(r) for r in rows]


class SqlBudgetRepository:
    """Budget figures per cost centre and month, moved by one conditional statement each."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, cost_centre_id: str, period: str) -> BudgetPeriod | None:
        row = self._conn.execute(
            select(budget_periods).where(
                budget_periods.c.cost_centre_id == cost_centre_id, budget_periods.c.period == period
            )
        ).first()
        return _budget(row) if row else None

    def commitment_state(self, reference: str) -> str | None:
        return self._conn.execute(
            select(budget_commitments.c.state).where(budget_commitments.c.reference == reference)
        ).scalar_one_or_none()

    def commit(
        self,
        *,
        reference: str,
        cost_centre_id: str,
        period: str,
        amount: Money,
        limit: Money,
        block: bool,
        now: datetime,
    ) -> bool:
        """Encumber ``amount`` once per reference; False when ``block`` and it does not fit.
        The period row is created with ``limit`` the first time the month is used."""
        if self.commitment_state(reference) is not None:
            return True
        self._conn.execute(
            dialect_insert(self._conn, budget_periods)
            .values(
                cost_centre_id=cost_centre_id,
                period=period,
                currency=amount.currency.code,
                limit_minor=limit.minor,
                committed_minor=0,
                spent_minor=0,
            )
            .on_conflict_do_nothing(index_elements=["cost_centre_id", "period"])
        )
        key = (
            budget_periods.c.cost_centre_id == cost_centre_id,
            budget_periods.c.period == period,
            budget_periods.c.currency == amount.currency.code,
        )
        fits = (
            budget_periods.c.limit_minor
            - budget_periods.c.committed_minor
            - budget_periods.c.spent_minor
            >= amount.minor
        )
        try:
            with self._conn.begin_nested():
                moved = self._conn.execute(
                    update(budget_periods)
                    .where(*key, *([fits] if block else []))
                    .values(committed_minor=budget_periods.c.committed_minor + amount.minor)
                ).rowcount
                if not moved:
                    return False
                self._conn.execute(
                    insert(budget_commitments).values(
                        reference=reference,
                        cost_centre_id=cost_centre_id,
                        period=period,
                        amount_minor=amount.minor,
                        state="committed",
                        created_at=now,
                        updated_at=now,
                    )
                )
        except IntegrityError as exc:
            if not is_unique_violation(exc):
                raise
        return True

    def spend(self, reference: str, *, now: datetime) -> bool:
        """Committed -> spent, once."""
        return self._move(reference, "committed", "spent", now=now)

    def release(self, reference: str, *, now: datetime) -> bool:
        """Committed (or spent, for a refund) -> released, once."""
        return self._move(reference, "committed", "released", now=now) or self._move(
            reference, "spent", "released", now=now
        )

    def _move(self, reference: str, source: str, target: str, *, now: datetime) -> bool:
        row = self._conn.execute(
            update(budget_commitments)
            .where(
                budget_commitments.c.reference == reference, budget_commitments.c.state == source
            )
            .values(state=target, updated_at=now)
            .returning(
                budget_commitments.c.cost_centre_id,
                budget_commitments.c.period,
                budget_commitments.c.amount_minor,
            )
        ).first()
        if row is None:
            return False
        amount = int(row.amount_minor)
        changes: dict[str, Any] = {}
        columns = {
            "committed": budget_periods.c.committed_minor,
            "spent": budget_periods.c.spent_minor,
        }
        changes[f"{source}_minor"] = columns[source] - amount
        if target in columns:
            changes[f"{target}_minor"] = columns[target] + amount
        self._conn.execute(
            update(budget_periods)
            .where(
                budget_periods.c.cost_centre_id == row.cost_centre_id,
                budget_periods.c.period == row.period,
            )
            .values(changes)
        )
        return True

    def set_limit(self, cost_centre_id: str, period: str, limit: Money) -> None:
        """A changed monthly budget applies to the current month's figures too."""
        self._conn.execute(
            update(budget_periods)
            .where(
                budget_periods.c.cost_centre_id == cost_centre_id, budget_periods.c.period == period
            )
            .values(limit_minor=limit.minor, currency=limit.currency.code)
        )


# -- rows <-> domain ------------------------------------------------------------------
def _company_row(c: Company) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "tax_id": c.tax_id,
        "status": c.status.value,
        "currency": c.currency,
        "approval_ttl_days": c.approval_ttl_days,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def _company(r: Any) -> Company:
    return Company(
        id=r.id,
        name=r.name,
        tax_id=r.tax_id,
        status=CompanyStatus(r.status),
        currency=r.currency,
        approval_ttl_days=int(r.approval_ttl_days),
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def _centre_row(c: CostCentre) -> dict[str, Any]:
    budget = c.monthly_budget
    return {
        "id": c.id,
        "company_id": c.company_id,
        "code": c.code,
        "name": c.name,
        "monthly_budget_minor": budget.minor if budget else None,
        "currency": budget.currency.code if budget else "CNY",
        "overrun": c.overrun.value,
        "created_at": c.created_at,
    }


def _centre(r: Any) -> CostCentre:
    budget = r.monthly_budget_minor
    return CostCentre(
        id=r.id,
        company_id=r.company_id,
        code=r.code,
        name=r.name,
        monthly_budget=Money.from_minor(int(budget), r.currency) if budget is not None else None,
        overrun=OverrunPolicy(r.overrun),
        created_at=r.created_at,
    )


def _address_dict(a: ShippingAddress) -> dict[str, str]:
    return {
        "name": a.name,
        "phone": a.phone,
        "country": a.country,
        "region": a.region,
        "city": a.city,
        "line1": a.line1,
        "line2": a.line2,
        "postal_code": a.postal_code,
    }


def _location(r: Any) -> Location:
    return Location(
        id=r.id,
        company_id=r.company_id,
        name=r.name,
        address=ShippingAddress(**r.address),
        cost_centre_id=r.cost_centre_id,
        created_at=r.created_at,
    )


def _member_row(m: Member) -> dict[str, Any]:
    limit = m.order_limit
    return {
        "user_id": m.user_id,
        "company_id": m.company_id,
        "role": m.role.value,
        "order_limit_minor": limit.minor if limit else None,
        "allowed_category_ids": list(m.allowed_category_ids),
        "joined_at": m.joined_at,
    }


def _member(r: Any) -> Member:
    limit = r.order_limit_minor
    return Member(
        company_id=r.company_id,
        user_id=r.user_id,
        role=MemberRole(r.role),
        order_limit=None if limit is None else Money.from_minor(int(limit), r.currency),
        allowed_category_ids=tuple(r.allowed_category_ids or ()),
        joined_at=r.joined_at,
    )


def _invitation_row(i: Invitation) -> dict[str, Any]:
    return {
        "id": i.id,
        "company_id": i.company_id,
        "email": i.email,
        "role": i.role.value,
        "token_hash": i.token_hash,
        "invited_by": i.invited_by,
        "expires_at": i.expires_at,
        "created_at": i.created_at,
        "accepted_by": i.accepted_by,
        "accepted_at": i.accepted_at,
        "revoked_at": i.revoked_at,
    }


def _invitation(r: Any) -> Invitation:
    return Invitation(
        id=r.id,
        company_id=r.company_id,
        email=r.email,
        role=MemberRole(r.role),
        token_hash=r.token_hash,
        invited_by=r.invited_by,
        expires_at=r.expires_at,
        created_at=r.created_at,
        accepted_by=r.accepted_by,
        accepted_at=r.accepted_at,
        revoked_at=r.revoked_at,
    )


def _budget(r: Any) -> BudgetPeriod:
    return BudgetPeriod(
        cost_centre_id=r.cost_centre_id,
        period=r.period,
        limit=Money.from_minor(int(r.limit_minor), r.currency),
        committed=Money.from_minor(int(r.committed_minor), r.currency),
        spent=Money.from_minor(int(r.spent_minor), r.currency),
    )
