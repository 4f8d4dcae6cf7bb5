"""Parties: users, merchants (with their status machine), memberships, shops, credentials.

Standard library only. Aggregates change state through methods that check the rules and
return what happened, so the service layer can persist it (e.g. a status-history row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from marketplace.shared.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)


class MerchantKind(StrEnum):
    SELF_OPERATED = "self_operated"
    THIRD_PARTY = "third_party"
    SUPPLIER = "supplier"  # sells to other merchants (S2B2C)


class MerchantStatus(StrEnum):
    ONBOARDING = "onboarding"
    PENDING_REVIEW = "pending_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class MemberRole(StrEnum):
    OWNER = "merchant_owner"
    STAFF = "merchant_staff"


class MemberLevel(StrEnum):
    REGULAR = "regular"
    SILVER = "silver"
    GOLD = "gold"
    PLATINUM = "platinum"


# -- errors ---------------------------------------------------------------------------
class EmailTakenError(ConflictError):
    code = "email_taken"


class WeakPasswordError(ValidationError):
    code = "weak_password"


class InvalidEmailError(ValidationError):
    code = "invalid_email"


class InvalidCredentialsError(AuthenticationError):
    code = "invalid_credentials"


class InvalidRefreshTokenError(AuthenticationError):
    code = "invalid_refresh_token"


class RefreshTokenReusedError(AuthenticationError):
    code = "refresh_token_reused"


class IllegalMerchantTransitionError(ConflictError):
    code = "illegal_merchant_transition"


class ReasonRequiredError(ValidationError):
    code = "reason_required"


class MerchantNotFoundError(NotFoundError):
    code = "merchant_not_found"


class UserNotFoundError(NotFoundError):
    code = "user_not_found"


class ShopNotFoundError(NotFoundError):
    code = "shop_not_found"


class ApiKeyNotFoundError(NotFoundError):
    code = "api_key_not_found"


class MemberNotFoundError(NotFoundError):
    code = "member_not_found"


class SlugTakenError(ConflictError):
    code = "slug_taken"


class ApiKeyNameTakenError(ConflictError):
    code = "api_key_name_taken"


class AlreadyMemberError(ConflictError):
    code = "already_member"


class OwnerRemovalError(ConflictError):
    code = "cannot_remove_owner"


class MerchantAccessDeniedError(PermissionDeniedError):
    code = "merchant_access_denied"


class MerchantOwnerRequiredError(PermissionDeniedError):
    code = "merchant_owner_required"


class PlatformAdminRequiredError(PermissionDeniedError):
    code = "platform_admin_required"


# -- rules ----------------------------------------------------------------------------
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")


def normalize_email(email: str) -> str:
    """Trim and lower-case; refuse what is plainly not an address."""
    value = email.strip().lower()
    if len(value) > 320 or not _EMAIL.match(value):
        raise InvalidEmailError(f"{email!r} is not a valid e-mail address.")
    return value


def check_password_policy(password: str) -> None:
    """At least 8 characters, with at least one letter and one digit."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPasswordError(f"Passwords may have at most {MAX_PASSWORD_LENGTH} characters.")
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        raise WeakPasswordError("Passwords need both letters and digits.")


def check_slug(slug: str) -> str:
    if not _SLUG.match(slug):
        raise ValidationError(
            f"{slug!r} is not a valid slug (lower-case letters, digits and dashes).",
            code="invalid_slug",
        )
    return slug


def slugify(text: str) -> str:
    """A URL slug from a name; non-ASCII names fall back to an empty string."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60]


# -- aggregates -----------------------------------------------------------------------
@dataclass
class User:
    id: str
    email: str
    password_hash: str
    display_name: str
    locale: str
    member_level: MemberLevel
    is_platform_admin: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime
    phone: str | None = None
    last_login_at: datetime | None = None


@dataclass(frozen=True)
class Membership:
    merchant_id: str
    user_id: str
    role: MemberRole
    created_at: datetime


@dataclass(frozen=True)
class StatusChange:
    """One step of a merchant's status machine, as written to its history."""

    merchant_id: str
    from_status: MerchantStatus | None
    to_status: MerchantStatus
    actor_user_id: str | None
    reason: str | None
    at: datetime


class MerchantAction(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[MerchantStatus]
    target: MerchantStatus
    needs_reason: bool


_S = MerchantStatus
TRANSITIONS: dict[MerchantAction, Transition] = {
    MerchantAction.SUBMIT: Transition(
        frozenset({_S.ONBOARDING, _S.REJECTED}), _S.PENDING_REVIEW, False
    ),
    MerchantAction.APPROVE: Transition(frozenset({_S.PENDING_REVIEW}), _S.APPROVED, False),
    MerchantAction.REJECT: Transition(frozenset({_S.PENDING_REVIEW}), _S.REJECTED, True),
    MerchantAction.SUSPEND: Transition(frozenset({_S.APPROVED}), _S.SUSPENDED, True),
    MerchantAction.REINSTATE: Transition(frozenset({_S.SUSPENDED}), _S.APPROVED, False),
}


@dataclass
class Merchant:
    id: str
    name: str
    slug: str
    kind: MerchantKind
    status: MerchantStatus
    default_currency: str
    default_locale: str
    created_at: datetime
    updated_at: datetime
    legal_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    region: str | None = None
    city: str | None = None
    status_reason: str | None = None
    approved_at: datetime | None = None

    @property
    def is_approved(self) -> bool:
        return self.status is MerchantStatus.APPROVED

    def submit(self, *, actor: str | None, now: datetime) -> StatusChange:
        """The merchant asks for review (first time, or again after a rejection)."""
        return self.apply(MerchantAction.SUBMIT, actor=actor, now=now)

    def approve(self, *, actor: str | None, now: datetime) -> StatusChange:
        return self.apply(MerchantAction.APPROVE, actor=actor, now=now)

    def reject(self, *, actor: str | None, reason: str, now: datetime) -> StatusChange:
        return self.apply(MerchantAction.REJECT, actor=actor, reason=reason, now=now)

    def suspend(self, *, actor: str | None, reason: str, now: datetime) -> StatusChange:
        return self.apply(MerchantAction.SUSPEND, actor=actor, reason=reason, now=now)

    def reinstate(self, *, actor: str | None, now: datetime) -> StatusChange:
        return self.apply(MerchantAction.REINSTATE, actor=actor, now=now)

    def apply(
        self,
        action: MerchantAction,
        *,
        actor: str | None,
        now: datetime,
        reason: str | None = None,
    ) -> StatusChange:
        """Move along the status machine, or raise without changing anything."""
        rule = TRANSITIONS[action]
        if self.status not in rule.sources:
            raise IllegalMerchantTransitionError(
                f"Cannot {action.value} a merchant that is {self.status.value}.",
                from_status=self.status.value,
                to_status=rule.target.value,
            )
        reason = (reason or "").strip() or None
        if rule.needs_reason and reason is None:
            raise ReasonRequiredError(f"To {action.value} a merchant, give a reason.")
        change = StatusChange(self.id, self.status, rule.target, actor, reason, now)
        self.status = rule.target
        self.status_reason = reason
        self.updated_at = now
        if rule.target is MerchantStatus.APPROVED and self.approved_at is None:
            self.approved_at = now
        return change


@dataclass
class Shop:
    id: str
    merchant_id: str
    name: str
    slug: str
    is_open: bool
    created_at: datetime
    updated_at: datetime
    description: str | None = None


@dataclass
class ApiKey:
    id: str
    merchant_id: str
    name: str
    prefix: str
    key_hash: str
    scopes: list[str]
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


@dataclass
class RefreshToken:
    id: str
    user_id: str
    token_hash: str
    family_id: str
    expires_at: datetime
    created_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token says about its bearer."""

    user_id: str
    token_id: str
    is_platform_admin: bool
    member_level: str
    expires_at: datetime


@dataclass(frozen=True)
class IssuedAccessToken:
    token: str
    token_id: str
    expires_in: int


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str
    token_type: str = "bearer"


@dataclass(frozen=True)
class IssuedApiKey:
    """An API key as issued: the plain ``secret`` is shown this once and never stored."""

    key: ApiKey
    secret: str
