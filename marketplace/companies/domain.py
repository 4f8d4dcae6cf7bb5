"""Companies buying on Agora: who may request, approve and administer, where goods go,
which cost centre pays, and the spending policies that bound each member.

Standard library only. A user belongs to at most one company (the unique membership).
Budgets are per cost centre and calendar month: ``committed`` is what placed purchase
orders encumber, ``spent`` what has been paid or invoiced and settled; the available
amount is ``limit - committed - spent``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from marketplace.shared.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from marketplace.shared.money import Money


class MemberRole(StrEnum):
    REQUESTER = "requester"  # raises purchase requests
    APPROVER = "approver"  # requests, and approves others' requests routed to them
    BUYER_ADMIN = "buyer_admin"  # everything: members, policies, locations, rules

    @property
    def can_approve(self) -> bool:
        return self is not MemberRole.REQUESTER


class CompanyStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # no new purchase requests or orders


class OverrunPolicy(StrEnum):
    BLOCK = "block"  # a request beyond the budget is refused
    REQUIRE_APPROVAL = "require_approval"  # it goes to approvers (a rule on budget_overrun)


@dataclass
class Company:
    id: str
    name: str
    tax_id: str | None
    status: CompanyStatus
    currency: str  # budgets and limits are in this currency
    approval_ttl_days: int  # a pending approval expires after this many days
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ShippingAddress:
    name: str
    phone: str
    country: str
    region: str
    city: str
    line1: str
    line2: str = ""
    postal_code: str = ""


@dataclass
class CostCentre:
    id: str
    company_id: str
    code: str
    name: str
    monthly_budget: Money | None  # None: no budget, nothing to track
    overrun: OverrunPolicy
    created_at: datetime


@dataclass
class Location:
    id: str
    company_id: str
    name: str
    address: ShippingAddress
    cost_centre_id: str | None  # the default cost centre of requests shipping here
    created_at: datetime


@dataclass
class Member:
    company_id: str
    user_id: str
    role: MemberRole
    order_limit: Money | None  # a request above it needs approval; None: no limit
    allowed_category_ids: tuple[str, ...]  # empty: every category
    joined_at: datetime


@dataclass
class Invitation:
    id: str
    company_id: str
    email: str
    role: MemberRole
    token_hash: str
    invited_by: str
    expires_at: datetime
    created_at: datetime
    accepted_by: str | None = None
    accepted_at: datetime | None = None
    revoked_at: datetime | None = None

    def is_open(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True)
class BudgetPeriod:
    cost_centre_id: str
    period: str  # "YYYY-MM"
    limit: Money
    committed: Money
    spent: Money

    @property
    def available(self) -> Money:
        return self.limit - self.committed - self.spent


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str = field(repr=False)  # shown once, only its hash is stored


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_invitation_token() -> str:
    return "inv_" + secrets.token_urlsafe(24)


# -- errors ---------------------------------------------------------------------------
class CompanyNotFoundError(NotFoundError):
    code = "company_not_found"


class NotCompanyMemberError(PermissionDeniedError):
    code = "company_membership_required"


class CompanyRoleRequiredError(PermissionDeniedError):
    code = "company_role_required"


class AlreadyInCompanyError(ConflictError):
    code = "already_in_company"


class InvitationInvalidError(NotFoundError):
    """Unknown, expired, revoked or already used (the caller learns no more)."""

    code = "invitation_invalid"


class LocationNotFoundError(NotFoundError):
    code = "location_not_found"


class CostCentreNotFoundError(NotFoundError):
    code = "cost_centre_not_found"


class MemberNotFoundError(NotFoundError):
    code = "member_not_found"


class CompanyValidationError(ValidationError):
    code = "invalid_company_input"


class CodeTakenError(ConflictError):
    code = "cost_centre_code_taken"


class LastAdminError(ConflictError):
    code = "last_buyer_admin"


class CompanySuspendedError(PermissionDeniedError):
    code = "company_suspended"
