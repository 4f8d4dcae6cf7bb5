"""Use cases of companies: set up the account, its cost centres, locations and members,
and the policies that bound what each member may spend.

Every function takes the acting user's id and checks their role here, so the API, the
CLI and the procurement agent share one set of rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from marketplace.companies.domain import (
    BudgetPeriod,
    Company,
    CompanyNotFoundError,
    CompanyRoleRequiredError,
    CompanyStatus,
    CompanyValidationError,
    CostCentre,
    CostCentreNotFoundError,
    Invitation,
    InvitationInvalidError,
    IssuedInvitation,
    LastAdminError,
    Location,
    Member,
    MemberNotFoundError,
    MemberRole,
    NotCompanyMemberError,
    OverrunPolicy,
    ShippingAddress,
    hash_token,
    new_invitation_token,
    period_of,
)
from marketplace.companies.ports import CompaniesUnitOfWork, CompanyRepository
from marketplace.shared.currency import get_currency
from marketplace.shared.errors import NotFoundError
from marketplace.shared.ids import new_id
from marketplace.shared.money import Money

INVITATION_TTL = timedelta(days=7)
DEFAULT_APPROVAL_TTL_DAYS = 7


@dataclass(frozen=True, slots=True)
class CreateCompany:
    name: str
    creator_id: str
    currency: str = "CNY"
    tax_id: str | None = None
    approval_ttl_days: int = DEFAULT_APPROVAL_TTL_DAYS


@dataclass(frozen=True, slots=True)
class MemberPolicy:
    """A change of a member's role or spending policy; None leaves a field as it is."""

    role: MemberRole | None = None
    order_limit: Money | None = None
    clear_order_limit: bool = False
    allowed_category_ids: tuple[str, ...] | None = None


def member_of(repo: CompanyRepository, company_id: str, user_id: str) -> Member:
    """The acting user's membership of this company, or 403."""
    member = repo.get_member(user_id)
    if member is None or member.company_id != company_id:
        raise NotCompanyMemberError("You are not a member of this company.")
    return member


def require_role(
    repo: CompanyRepository, company_id: str, user_id: str, *roles: MemberRole
) -> Member:
    member = member_of(repo, company_id, user_id)
    if member.role not in roles:
        raise CompanyRoleRequiredError(
            f"This needs the role {' or '.join(r.value for r in roles)}.",
            required=[r.value for r in roles],
        )
    return member


def _admin(uow: CompaniesUnitOfWork, company_id: str, actor_id: str) -> Member:
    return require_role(uow.companies, company_id, actor_id, MemberRole.BUYER_ADMIN)


def create_company(cmd: CreateCompany, *, uow: CompaniesUnitOfWork) -> Company:
    """Open a company account; its creator becomes its first buyer admin."""
    name = cmd.name.strip()
    if not 1 <= len(name) <= 200:
        raise CompanyValidationError("A company name has 1-200 characters.")
    if not 1 <= cmd.approval_ttl_days <= 90:
        raise CompanyValidationError("Approvals expire after 1 to 90 days.")
    currency = _currency(cmd.currency)
    with uow:
        if uow.users.get(cmd.creator_id) is None:
            raise NotFoundError("No such user.", code="user_not_found")
        now = uow.clock.now()
        company = Company(
            id=new_id("cmp"),
            name=name,
            tax_id=(cmd.tax_id or "").strip() or None,
            status=CompanyStatus.ACTIVE,
            currency=currency,
            approval_ttl_days=cmd.approval_ttl_days,
            created_at=now,
            updated_at=now,
        )
        uow.companies.add(company)
        uow.companies.add_member(
            Member(company.id, cmd.creator_id, MemberRole.BUYER_ADMIN, None, (), now)
        )
        uow.commit()
    return company


def set_company_status(
    company_id: str, status: CompanyStatus, *, uow: CompaniesUnitOfWork
) -> Company:
    """Platform admins suspend or reinstate a company (the API checks who calls)."""
    with uow:
        company = uow.companies.get(company_id, for_update=True)
        if company is None:
            raise CompanyNotFoundError("No such company.")
        company.status, company.updated_at = status, uow.clock.now()
        uow.companies.save(company)
        uow.commit()
    return company


def add_cost_centre(
    company_id: str,
    *,
    actor_id: str,
    code: str,
    name: str,
    monthly_budget: Money | None,
    overrun: OverrunPolicy = OverrunPolicy.BLOCK,
    uow: CompaniesUnitOfWork,
) -> CostCentre:
    code, name = code.strip(), name.strip()
    if not 1 <= len(code) <= 40 or not 1 <= len(name) <= 200:
        raise CompanyValidationError("A cost centre has a code (1-40) and a name (1-200).")
    with uow:
        _admin(uow, company_id, actor_id)
        company = _company(uow, company_id)
        _check_budget(company, monthly_budget)
        centre = CostCentre(
            new_id("ccn"), company_id, code, name, monthly_budget, overrun, uow.clock.now()
        )
        uow.companies.add_cost_centre(centre)
        uow.commit()
    return centre


def update_cost_centre(
    company_id: str,
    centre_id: str,
    *,
    actor_id: str,
    name: str | None = None,
    monthly_budget: Money | None = None,
    clear_budget: bool = False,
    overrun: OverrunPolicy | None = None,
    uow: CompaniesUnitOfWork,
) -> CostCentre:
    with uow:
        _admin(uow, company_id, actor_id)
        company = _company(uow, company_id)
        centre = _centre(uow, company_id, centre_id)
        if name is not None:
            if not 1 <= len(name.strip()) <= 200:
                raise CompanyValidationError("A cost centre name has 1-200 characters.")
            centre.name = name.strip()
        if monthly_budget is not None or clear_budget:
            _check_budget(company, monthly_budget)
            centre.monthly_budget = None if clear_budget else monthly_budget
            if centre.monthly_budget is not None:
                period = period_of(uow.clock.now().date())
                uow.budgets.set_limit(centre.id, period, centre.monthly_budget)
        if overrun is not None:
            centre.overrun = overrun
        uow.companies.save_cost_centre(centre)
        uow.commit()
    return centre


def add_location(
    company_id: str,
    *,
    actor_id: str,
    name: str,
    address: ShippingAddress,
    cost_centre_id: str | None = None,
    uow: CompaniesUnitOfWork,
) -> Location:
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise CompanyValidationError("A location name has 1-200 characters.")
    _check_address(address)
    with uow:
        _admin(uow, company_id, actor_id)
        if cost_centre_id is not None:
            _centre(uow, company_id, cost_centre_id)
        location = Location(
            new_id("loc"), company_id, name, address, cost_centre_id, uow.clock.now()
        )
        uow.companies.add_location(location)
        uow.commit()
    return location


def invite_member(
    company_id: str, *, actor_id: str, email: str, role: MemberRole, uow: CompaniesUnitOfWork
) -> IssuedInvitation:
    """An invitation to join, valid for a week; the token is returned once (to be sent by
    e-mail), only its hash is kept."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise CompanyValidationError("An invitation needs a valid e-mail address.")
    with uow:
        _admin(uow, company_id, actor_id)
        _company(uow, company_id)
        now, token = uow.clock.now(), new_invitation_token()
        invitation = Invitation(
            id=new_id("cinv"),
            company_id=company_id,
            email=email,
            role=role,
            token_hash=hash_token(token),
            invited_by=actor_id,
            expires_at=now + INVITATION_TTL,
            created_at=now,
        )
        uow.companies.add_invitation(invitation)
        uow.commit()
    return IssuedInvitation(invitation, token)


def accept_invitation(token: str, *, user_id: str, uow: CompaniesUnitOfWork) -> Member:
    """Join the inviting company with the invited role. The invitation is for one e-mail
    address and is used once; a user already in a company cannot join another."""
    with uow:
        invitation = uow.companies.invitation_by_token_hash(hash_token(token))
        user = uow.users.get(user_id)
        now = uow.clock.now()
        if (
            invitation is None
            or not invitation.is_open(now)
            or user is None
            or user.email.lower() != invitation.email
        ):
            raise InvitationInvalidError("This invitation is not valid for you.")
        member = Member(invitation.company_id, user_id, invitation.role, None, (), now)
        uow.companies.add_member(member)
        invitation.accepted_by, invitation.accepted_at = user_id, now
        uow.companies.save_invitation(invitation)
        uow.commit()
    return member


def revoke_invitation(
    company_id: str, invitation_id: str, *, actor_id: str, uow: CompaniesUnitOfWork
) -> None:
    with uow:
        _admin(uow, company_id, actor_id)
        invitation = uow.companies.get_invitation(invitation_id)
        if invitation is None or invitation.company_id != company_id:
            raise InvitationInvalidError("No such invitation.")
        if invitation.is_open(uow.clock.now()):
            invitation.revoked_at = uow.clock.now()
            uow.companies.save_invitation(invitation)
        uow.commit()


def update_member(
    company_id: str,
    user_id: str,
    policy: MemberPolicy,
    *,
    actor_id: str,
    uow: CompaniesUnitOfWork,
) -> Member:
    """Change a member's role, order limit or allowed categories (buyer admins only)."""
    with uow:
        _admin(uow, company_id, actor_id)
        company = _company(uow, company_id, for_update=True)  # serializes admin changes
        member = _member(uow, company_id, user_id)
        if policy.role is not None and policy.role is not member.role:
            if member.role is MemberRole.BUYER_ADMIN and uow.companies.admin_count(company_id) <= 1:
                raise LastAdminError("A company keeps at least one buyer admin.")
            member.role = policy.role
        if policy.clear_order_limit:
            member.order_limit = None
        elif policy.order_limit is not None:
            if policy.order_limit.currency.code != company.currency or policy.order_limit.minor < 0:
                raise CompanyValidationError(
                    f"An order limit is a non-negative amount in {company.currency}."
                )
            member.order_limit = policy.order_limit
        if policy.allowed_category_ids is not None:
            if len(policy.allowed_category_ids) > 200:
                raise CompanyValidationError("At most 200 allowed categories.")
            member.allowed_category_ids = tuple(dict.fromkeys(policy.allowed_category_ids))
        uow.companies.save_member(member)
        uow.commit()
    return member


def remove_member(
    company_id: str, user_id: str, *, actor_id: str, uow: CompaniesUnitOfWork
) -> None:
    with uow:
        _admin(uow, company_id, actor_id)
        _company(uow, company_id, for_update=True)
        member = _member(uow, company_id, user_id)
        if member.role is MemberRole.BUYER_ADMIN and uow.companies.admin_count(company_id) <= 1:
            raise LastAdminError("A company keeps at least one buyer admin.")
        uow.companies.remove_member(company_id, user_id)
        uow.commit()


def budget_of(
    company_id: str, centre_id: str, *, actor_id: str, uow: CompaniesUnitOfWork
) -> BudgetPeriod | None:
    """This month's figures of a cost centre's budget (None when it has no budget)."""
    with uow:
        member_of(uow.companies, company_id, actor_id)
        centre = _centre(uow, company_id, centre_id)
        if centre.monthly_budget is None:
            return None
        period = period_of(uow.clock.now().date())
        found = uow.budgets.get(centre.id, period)
        zero = centre.monthly_budget - centre.monthly_budget
        return found or BudgetPeriod(centre.id, period, centre.monthly_budget, zero, zero)


# -- helpers ----------------------------------------------------------------------------
def _company(uow: CompaniesUnitOfWork, company_id: str, *, for_update: bool = False) -> Company:
    company = uow.companies.get(company_id, for_update=for_update)
    if company is None:
        raise CompanyNotFoundError("No such company.")
    return company


def _centre(uow: CompaniesUnitOfWork, company_id: str, centre_id: str) -> CostCentre:
    centre = uow.companies.get_cost_centre(centre_id)
    if centre is None or centre.company_id != company_id:
        raise CostCentreNotFoundError("No such cost centre.")
    return centre


def _member(uow: CompaniesUnitOfWork, company_id: str, user_id: str) -> Member:
    member = uow.companies.get_member(user_id)
    if member is None or member.company_id != company_id:
        raise MemberNotFoundError("No such member.")
    return member


def _currency(code: str) -> str:
    return get_currency(code).code  # unsupported_currency otherwise


def _check_budget(company: Company, budget: Money | None) -> None:
    if budget is not None and (budget.currency.code != company.currency or budget.minor < 0):
        raise CompanyValidationError(f"A budget is a non-negative amount in {company.currency}.")


def _check_address(a: ShippingAddress) -> None:
    required = {
        "name": a.name,
        "phone": a.phone,
        "country": a.country,
        "region": a.region,
        "city": a.city,
        "line1": a.line1,
    }
    missing = sorted(k for k, v in required.items() if not v.strip())
    if missing:
        raise CompanyValidationError("The address is incomplete.", missing=missing)


__all__ = [
    "CreateCompany",
    "MemberPolicy",
    "accept_invitation",
    "add_cost_centre",
    "add_location",
    "budget_of",
    "create_company",
    "invite_member",
    "member_of",
    "remove_member",
    "require_role",
    "revoke_invitation",
    "set_company_status",
    "update_cost_centre",
    "update_member",
]
