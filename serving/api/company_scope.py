"""Who may act for a B2B company: the ``CompanyScope`` dependency.

Company routes live under ``/api/v1/b2b/companies/{company_id}``. The caller must be a
signed-in user (API keys act only for merchants) and a member of that company; any other
caller gets 403 ``company_membership_required`` (an unknown company answers the same, so
ids cannot be probed). Roles are checked by the services (``company_role_required``);
``CompanyAdminScope`` and ``CompanyApproverScope`` check them up front for routes that
are for those roles only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool

from marketplace.companies import queries
from marketplace.companies.domain import CompanyRoleRequiredError, NotCompanyMemberError
from marketplace.companies.queries import CompanyMembership
from serving.api.security import CurrentUser


@dataclass(frozen=True)
class CompanyContext:
    company_id: str
    user_id: str
    role: str  # requester | approver | buyer_admin
    currency: str
    status: str


def _membership(request: Request, user_id: str) -> CompanyMembership | None:
    with request.app.state.marketplace.engine.connect() as conn:
        return queries.membership_of_user(conn, user_id)


async def require_company_member(
    request: Request,
    company_id: Annotated[str, Path(description="The company's id (cmp_...)")],
    user: CurrentUser,
) -> CompanyContext:
    assert user.user_id is not None  # CurrentUser refuses API keys
    membership = await run_in_threadpool(_membership, request, user.user_id)
    if membership is None or membership.company_id != company_id:
        raise NotCompanyMemberError("You are not a member of this company.")
    return CompanyContext(
        company_id, user.user_id, membership.role, membership.currency, membership.company_status
    )


CompanyScope = Annotated[CompanyContext, Depends(require_company_member)]


def _role_checker(*roles: str):  # type: ignore[no-untyped-def]
    async def check(scope: CompanyScope) -> CompanyContext:
        if scope.role not in roles:
            raise CompanyRoleRequiredError(
                f"This needs the role {' or '.join(roles)}.", required=list(roles)
            )
        return scope

    return check


CompanyAdminScope = Annotated[CompanyContext, Depends(_role_checker("buyer_admin"))]
CompanyApproverScope = Annotated[CompanyContext, Depends(_role_checker("approver", "buyer_admin"))]
