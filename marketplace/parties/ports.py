"""Ports of the parties area: repositories, the unit of work, password hashing, tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from marketplace.parties.domain import (
    AccessClaims,
    ApiKey,
    IssuedAccessToken,
    Membership,
    Merchant,
    RefreshToken,
    Shop,
    StatusChange,
    User,
)
from marketplace.shared.ports import UnitOfWork


class UserRepository(Protocol):
    def add(self, user: User) -> None:
        """Insert; raise ``EmailTakenError`` when the e-mail is already registered."""
        ...

    def get(self, user_id: str) -> User | None: ...

    def get_by_email(self, email: str) -> User | None: ...

    def save(self, user: User) -> None: ...


class MerchantRepository(Protocol):
    def add(self, merchant: Merchant) -> None:
        """Insert; raise ``SlugTakenError`` when the slug is in use."""
        ...

    def get(self, merchant_id: str, *, for_update: bool = False) -> Merchant | None: ...

    def save(self, merchant: Merchant) -> None: ...

    def add_status_change(self, change: StatusChange) -> None: ...

    def history(self, merchant_id: str) -> Sequence[StatusChange]: ...

    def add_member(self, membership: Membership) -> None:
        """Insert; raise ``AlreadyMemberError`` when the user is already a member."""
        ...

    def get_member(self, merchant_id: str, user_id: str) -> Membership | None: ...

    def remove_member(self, merchant_id: str, user_id: str) -> bool: ...

    def members(self, merchant_id: str) -> Sequence[Membership]: ...

    def memberships_of(self, user_id: str) -> Sequence[Membership]: ...


class ShopRepository(Protocol):
    def add(self, shop: Shop) -> None:
        """Insert; raise ``SlugTakenError`` when the slug is in use."""
        ...

    def get(self, shop_id: str) -> Shop | None: ...

    def get_by_slug(self, slug: str) -> Shop | None: ...

    def list_for_merchant(self, merchant_id: str) -> Sequence[Shop]: ...

    def save(self, shop: Shop) -> None:
        """Update; raise ``SlugTakenError`` when the new slug is in use."""
        ...


class ApiKeyRepository(Protocol):
    def add(self, key: ApiKey) -> None:
        """Insert; raise ``ApiKeyNameTakenError`` when the merchant has a key of that name."""
        ...

    def get(self, key_id: str) -> ApiKey | None: ...

    def get_by_prefix(self, prefix: str) -> ApiKey | None: ...

    def list_for_merchant(self, merchant_id: str) -> Sequence[ApiKey]: ...

    def revoke(self, key_id: str, *, now: datetime) -> bool: ...

    def touch(self, key_id: str, *, now: datetime, min_interval_seconds: int) -> None:
        """Set ``last_used_at``, at most once per interval (keeps writes off the hot path)."""
        ...


class RefreshTokenRepository(Protocol):
    def add(self, token: RefreshToken) -> None: ...

    def get_by_hash(self, token_hash: str) -> RefreshToken | None: ...

    def mark_used(self, token_id: str, *, now: datetime) -> bool:
        """Atomically mark an unused, unrevoked token used; False if it was not."""
        ...

    def revoke_family(self, family_id: str, *, now: datetime) -> int: ...


class MerchantVisibilityListener(Protocol):
    """Told, inside the transaction, when a merchant starts or stops being publicly visible
    (enters or leaves ``approved``); the catalog plugs in here to drop cached pages."""

    def __call__(self, merchant_id: str, *, uow: PartiesUnitOfWork) -> None: ...


class PartiesUnitOfWork(UnitOfWork, Protocol):
    @property
    def users(self) -> UserRepository: ...

    @property
    def merchants(self) -> MerchantRepository: ...

    @property
    def shops(self) -> ShopRepository: ...

    @property
    def api_keys(self) -> ApiKeyRepository: ...

    @property
    def refresh_tokens(self) -> RefreshTokenRepository: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class AccessTokenCodec(Protocol):
    """Signs and verifies short-lived access tokens (JWT in production)."""

    ttl_seconds: int

    def issue(self, user: User, *, now: datetime) -> IssuedAccessToken: ...

    def verify(self, token: str, *, now: datetime) -> AccessClaims:
        """Return the claims, or raise ``AuthenticationError``."""
        ...
