"""B2B companies over HTTP: the account, its cost centres and budgets, ship-to locations,
members and invitations, credit terms, invoices and statements.

Everything under ``/b2b/companies/{company_id}`` needs a member of that company
(``CompanyScope``); changes need a buyer admin (checked by the services).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from marketplace.companies import queries as company_queries
from marketplace.companies import services
from marketplace.companies.domain import CompanyStatus, MemberRole, OverrunPolicy
from marketplace.companies.views import (
    budget_dict,
    centre_dict,
    company_dict,
    invitation_dict,
    location_dict,
    member_dict,
)
from marketplace.purchasing import queries
from marketplace.shared.errors import ConflictError, NotFoundError, ValidationError
from marketplace.shared.money import Money
from serving.api.company_scope import CompanyAdminScope, CompanyScope
from serving.api.deps import App
from serving.api.schemas.b2b import (
    CompanyCreate,
    CompanyStatusSet,
    CostCentreCreate,
    CostCentreUpdate,
    CreditTermsSet,
    InvitationAccept,
    InvitationCreate,
    LocationCreate,
    MemberUpdate,
)
from serving.api.schemas.orders import MoneyIn
from serving.api.security import CurrentUser, PlatformAdmin

router = APIRouter(tags=["b2b companies"])
JsonObject = dict[str, Any]
PREFIX = "/b2b/companies/{company_id}"
_SCOPED: dict[int | str, dict[str, Any]] = {
    401: {"description": "not_authenticated"},
    403: {"description": "company_membership_required / company_role_required"},
}


def _money(m: MoneyIn | None) -> Money | None:
    return Money.of(m.amount, m.currency) if m is not None else None


def _user(principal: Any) -> str:
    assert principal.user_id is not None  # CurrentUser refuses API keys
    return str(principal.user_id)


@router.post(
    "/b2b/companies",
    status_code=status.HTTP_201_CREATED,
    summary="Open a company account; you become its buyer admin",
    responses={409: {"description": "already_in_company"}},
)
def create_company(body: CompanyCreate, principal: CurrentUser, container: App) -> JsonObject:
    cmd = services.CreateCompany(
        name=body.name,
        creator_id=_user(principal),
        currency=body.currency,
        tax_id=body.tax_id,
        approval_ttl_days=body.approval_ttl_days,
    )
    return company_dict(services.create_company(cmd, uow=container.uow()))


@router.get(
    "/b2b/me",
    summary="The company you belong to, and your role",
    responses={404: {"description": "not_in_company"}},
)
def my_company(principal: CurrentUser, container: App) -> JsonObject:
    with container.engine.connect() as conn:
        found = company_queries.membership_of_user(conn, _user(principal))
    if found is None:
        raise NotFoundError("You do not belong to a company.", code="not_in_company")
    return {
        "company_id": found.company_id,
        "company_name": found.company_name,
        "status": found.company_status,
        "currency": found.currency,
        "role": found.role,
    }


@router.post(
    "/b2b/invitations/accept",
    summary="Join a company with an invitation token",
    responses={
        404: {"description": "invitation_invalid"},
        409: {"description": "already_in_company"},
    },
)
def accept_invitation(body: InvitationAccept, principal: CurrentUser, container: App) -> JsonObject:
    member = services.accept_invitation(body.token, user_id=_user(principal), uow=container.uow())
    return {"company_id": member.company_id, **member_dict(member)}


@router.get(PREFIX, summary="The company", responses=_SCOPED)
def get_company(scope: CompanyScope, container: App) -> JsonObject:
    with container.uow() as uow:
        company = uow.companies.get(scope.company_id)
        assert company is not None
        return {**company_dict(company), "your_role": scope.role}


# -- cost centres and budgets ------------------------------------------------------------
@router.get(f"{PREFIX}/cost-centres", summary="Cost centres", responses=_SCOPED)
def list_cost_centres(scope: CompanyScope, container: App) -> list[JsonObject]:
    with container.uow() as uow:
        return [centre_dict(c) for c in uow.companies.cost_centres(scope.company_id)]


@router.post(
    f"{PREFIX}/cost-centres",
    status_code=status.HTTP_201_CREATED,
    summary="Add a cost centre with an optional monthly budget",
    responses=_SCOPED,
)
def add_cost_centre(body: CostCentreCreate, scope: CompanyScope, container: App) -> JsonObject:
    centre = services.add_cost_centre(
        scope.company_id,
        actor_id=scope.user_id,
        code=body.code,
        name=body.name,
        monthly_budget=_money(body.monthly_budget),
        overrun=OverrunPolicy(body.overrun),
        uow=container.uow(),
    )
    return centre_dict(centre)


@router.patch(
    f"{PREFIX}/cost-centres/{{centre_id}}",
    summary="Change a cost centre",
    responses={**_SCOPED, 404: {"description": "cost_centre_not_found"}},
)
def update_cost_centre(
    centre_id: str, body: CostCentreUpdate, scope: CompanyScope, container: App
) -> JsonObject:
    centre = services.update_cost_centre(
        scope.company_id,
        centre_id,
        actor_id=scope.user_id,
        name=body.name,
        monthly_budget=_money(body.monthly_budget),
        clear_budget=body.clear_budget,
        overrun=OverrunPolicy(body.overrun) if body.overrun else None,
        uow=container.uow(),
    )
    return centre_dict(centre)


@router.get(
    f"{PREFIX}/cost-centres/{{centre_id}}/budget",
    summary="This month's budget: limit, committed, spent, available",
    responses={**_SCOPED, 404: {"description": "cost_centre_not_found / no_budget"}},
)
def get_budget(centre_id: str, scope: CompanyScope, container: App) -> JsonObject:
    found = services.budget_of(
        scope.company_id, centre_id, actor_id=scope.user_id, uow=container.uow()
    )
    if found is None:
        raise NotFoundError("This cost centre has no budget.", code="no_budget")
    return budget_dict(found)


# -- locations ---------------------------------------------------------------------------
@router.get(f"{PREFIX}/locations", summary="Ship-to locations", responses=_SCOPED)
def list_locations(scope: CompanyScope, container: App) -> list[JsonObject]:
    with container.uow() as uow:
        return [location_dict(loc) for loc in uow.companies.locations(scope.company_id)]


@router.post(
    f"{PREFIX}/locations",
    status_code=status.HTTP_201_CREATED,
    summary="Add a ship-to location",
    responses=_SCOPED,
)
def add_location(body: LocationCreate, scope: CompanyScope, container: App) -> JsonObject:
    location = services.add_location(
        scope.company_id,
        actor_id=scope.user_id,
        name=body.name,
        address=body.address.to_domain(),
        cost_centre_id=body.cost_centre_id,
        uow=container.uow(),
    )
    return location_dict(location)


# -- members and invitations ---------------------------------------------------------------
@router.get(f"{PREFIX}/members", summary="Members and their policies", responses=_SCOPED)
def list_members(scope: CompanyScope, container: App) -> list[JsonObject]:
    with container.uow() as uow:
        return [member_dict(m) for m in uow.companies.members(scope.company_id)]


@router.patch(
    f"{PREFIX}/members/{{user_id}}",
    summary="Change a member's role, order limit or allowed categories",
    responses={
        **_SCOPED,
        404: {"description": "member_not_found"},
        409: {"description": "last_buyer_admin"},
    },
)
def update_member(
    user_id: str, body: MemberUpdate, scope: CompanyScope, container: App
) -> JsonObject:
    policy = services.MemberPolicy(
        role=MemberRole(body.role) if body.role else None,
        order_limit=_money(body.order_limit),
        clear_order_limit=body.clear_order_limit,
        allowed_category_ids=(
            tuple(body.allowed_category_ids) if body.allowed_category_ids is not None else None
        ),
    )
    member = services.update_member(
        scope.company_id, user_id, policy, actor_id=scope.user_id, uow=container.uow()
    )
    return member_dict(member)


@router.delete(
    f"{PREFIX}/members/{{user_id}}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a member",
    responses={**_SCOPED, 409: {"description": "last_buyer_admin"}},
)
def remove_member(user_id: str, scope: CompanyScope, container: App) -> None:
    services.remove_member(scope.company_id, user_id, actor_id=scope.user_id, uow=container.uow())


@router.get(f"{PREFIX}/invitations", summary="Invitations", responses=_SCOPED)
def list_invitations(scope: CompanyAdminScope, container: App) -> list[JsonObject]:
    with container.uow() as uow:
        return [invitation_dict(i) for i in uow.companies.invitations(scope.company_id)]


@router.post(
    f"{PREFIX}/invitations",
    status_code=status.HTTP_201_CREATED,
    summary="Invite someone by e-mail; the token is shown once",
    responses=_SCOPED,
)
def invite(body: InvitationCreate, scope: CompanyScope, container: App) -> JsonObject:
    issued = services.invite_member(
        scope.company_id,
        actor_id=scope.user_id,
        email=body.email,
        role=MemberRole(body.role),
        uow=container.uow(),
    )
    return {**invitation_dict(issued.invitation), "token": issued.token}


@router.delete(
    f"{PREFIX}/invitations/{{invitation_id}}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an invitation",
    responses=_SCOPED,
)
def revoke(invitation_id: str, scope: CompanyScope, container: App) -> None:
    services.revoke_invitation(
        scope.company_id, invitation_id, actor_id=scope.user_id, uow=container.uow()
    )


# -- credit, invoices, statements ----------------------------------------------------------
@router.get(
    f"{PREFIX}/credit", summary="Credit line: limit, used, available, terms", responses=_SCOPED
)
def get_credit(scope: CompanyScope, container: App) -> list[JsonObject]:
    with container.engine.connect() as conn:
        return queries.credit_line(conn, scope.company_id)


@router.get(
    f"{PREFIX}/invoices",
    summary="Net-terms invoices with due dates and overdue flags",
    responses=_SCOPED,
)
def list_invoices(
    scope: CompanyScope,
    container: App,
    invoice_status: Annotated[
        str | None, Query(alias="status", pattern="^(open|paid|void)$")
    ] = None,
    overdue: bool = False,
) -> list[JsonObject]:
    with container.engine.connect() as conn:
        return queries.company_invoices(
            conn,
            scope.company_id,
            now=container.clock.now(),
            status=invoice_status,
            overdue_only=overdue,
        )


@router.get(
    f"{PREFIX}/statement",
    summary="A month's statement of account (net terms)",
    responses={**_SCOPED, 422: {"description": "invalid_period"}},
)
def get_statement(
    scope: CompanyScope,
    container: App,
    period: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", examples=["2026-12"])],
) -> JsonObject:
    year, month = int(period[:4]), int(period[5:])
    if not 1 <= month <= 12:
        raise ValidationError("A period is YYYY-MM.", code="invalid_period")
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    with container.engine.connect() as conn:
        return {
            "period": period,
            **queries.statement(
                conn, scope.company_id, start=start, end=end, currency=scope.currency
            ),
        }


# -- platform admins -----------------------------------------------------------------------
@router.put(
    "/admin/companies/{company_id}/credit",
    summary="Grant or change a company's credit limit and payment terms",
    responses={
        403: {"description": "platform_admin_required"},
        404: {"description": "company_not_found"},
        409: {"description": "credit_in_use"},
    },
)
def set_credit(
    company_id: str, body: CreditTermsSet, _admin: PlatformAdmin, container: App
) -> JsonObject:
    with container.uow() as uow:
        if uow.companies.get(company_id) is None:
            raise NotFoundError("No such company.", code="company_not_found")
    limit = Money.of(body.limit.amount, body.limit.currency)
    if limit.is_negative:
        raise ValidationError("A credit limit is not negative.", code="invalid_credit_limit")
    assert container.credit_terms is not None
    if not container.credit_terms.set_account(company_id, limit, terms_days=body.terms_days):
        raise ConflictError(
            "The company uses more credit than the new limit.", code="credit_in_use"
        )
    with container.engine.connect() as conn:
        return {"company_id": company_id, "accounts": queries.credit_line(conn, company_id)}


@router.put(
    "/admin/companies/{company_id}/status",
    summary="Suspend or reinstate a company",
    responses={
        403: {"description": "platform_admin_required"},
        404: {"description": "company_not_found"},
    },
)
def set_status(
    company_id: str, body: CompanyStatusSet, _admin: PlatformAdmin, container: App
) -> JsonObject:
    company = services.set_company_status(
        company_id, CompanyStatus(body.status), uow=container.uow()
    )
    return company_dict(company)
