"""Ports of companies: the repositories and unit of work its services need."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from marketplace.companies.domain import (
    BudgetPeriod,
    Company,
    CostCentre,
    Invitation,
    Location,
    Member,
)
from marketplace.parties.ports import UserRepository
from marketplace.shared.money import Money
from marketplace.shared.ports import UnitOfWork


class CompanyRepository(Protocol):
    def add(self, company: Company) -> None: ...

    def get(self, company_id: str, *, for_update: bool = False) -> Company | None: ...

    def save(self, company: Company) -> None: ...

    def add_cost_centre(self, centre: CostCentre) -> None:
        """Insert; raise ``CodeTakenError`` when the company uses the code already."""
        ...

    def save_cost_centre(self, centre: CostCentre) -> None: ...

    def get_cost_centre(self, centre_id: str) -> CostCentre | None: ...

    def cost_centres(self, company_id: str) -> list[CostCentre]: ...

    def add_location(self, location: Location) -> None: ...

    def get_location(self, location_id: str) -> Location | None: ...

    def locations(self, company_id: str) -> list[Location]: ...

    def add_member(self, member: Member) -> None:
        """Insert; raise ``AlreadyInCompanyError`` when the user is in a company."""
        ...

    def get_member(self, user_id: str) -> Member | None: ...

    def save_member(self, member: Member) -> None: ...

    def remove_member(self, company_id: str, user_id: str) -> bool: ...

    def members(self, company_id: str) -> list[Member]: ...

    def admin_count(self, company_id: str) -> int: ...

    def add_invitation(self, invitation: Invitation) -> None: ...

    def invitation_by_token_hash(self, token_hash: str) -> Invitation | None:
        """The invitation, locked for the rest of the transaction."""
        ...

    def get_invitation(self, invitation_id: str) -> Invitation | None: ...

    def save_invitation(self, invitation: Invitation) -> None: ...

    def invitations(self, company_id: str) -> list[Invitation]: ...


class BudgetRepository(Protocol):
    def get(self, cost_centre_id: str, period: str) -> BudgetPeriod | None: ...

    def commitment_state(self, reference: str) -> str | None: ...

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
    ) -> bool: ...

    def spend(self, reference: str, *, now: datetime) -> bool: ...

    def release(self, reference: str, *, now: datetime) -> bool: ...

    def set_limit(self, cost_centre_id: str, period: str, limit: Money) -> None: ...


class CompaniesUnitOfWork(UnitOfWork, Protocol):
    @property
    def companies(self) -> CompanyRepository: ...

    @property
    def budgets(self) -> BudgetRepository: ...

    @property
    def users(self) -> UserRepository: ...
