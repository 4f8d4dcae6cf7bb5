"""In-memory implementations of the parties ports, for unit tests of the services.

The unit of work keeps one store; leaving the ``with`` block without ``commit()`` puts the
store back as it was, like a rolled-back transaction.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self

from marketplace.parties.domain import (
    AlreadyMemberError,
    ApiKey,
    ApiKeyNameTakenError,
    EmailTakenError,
    Membership,
    Merchant,
    RefreshToken,
    Shop,
    SlugTakenError,
    StatusChange,
    User,
)
from marketplace.shared.clock import Clock, FixedClock


@dataclass
class Store:
    users: dict[str, User] = field(default_factory=dict)
    merchants: dict[str, Merchant] = field(default_factory=dict)
    history: list[StatusChange] = field(default_factory=list)
    members: dict[tuple[str, str], Membership] = field(default_factory=dict)
    shops: dict[str, Shop] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)


class FakeUserRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, user: User) -> None:
        if any(u.email == user.email for u in self.store.users.values()):
            raise EmailTakenError("taken")
        self.store.users[user.id] = replace(user)

    def get(self, user_id: str) -> User | None:
        user = self.store.users.get(user_id)
        return replace(user) if user else None

    def get_by_email(self, email: str) -> User | None:
        found = next((u for u in self.store.users.values() if u.email == email), None)
        return replace(found) if found else None

    def save(self, user: User) -> None:
        self.store.users[user.id] = replace(user)


class FakeMerchantRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, merchant: Merchant) -> None:
        if any(m.slug == merchant.slug for m in self.store.merchants.values()):
            raise SlugTakenError("taken")
        self.store.merchants[merchant.id] = replace(merchant)

    def get(self, merchant_id: str, *, for_update: bool = False) -> Merchant | None:
        merchant = self.store.merchants.get(merchant_id)
        return replace(merchant) if merchant else None

    def save(self, merchant: Merchant) -> None:
        self.store.merchants[merchant.id] = replace(merchant)

    def add_status_change(self, change: StatusChange) -> None:
        self.store.history.append(change)

    def history(self, merchant_id: str) -> Sequence[StatusChange]:
        return [c for c in self.store.history if c.merchant_id == merchant_id]

    def add_member(self, membership: Membership) -> None:
        key = (membership.merchant_id, membership.user_id)
        if key in self.store.members:
            raise AlreadyMemberError("already")
        self.store.members[key] = membership

    def get_member(self, merchant_id: str, user_id: str) -> Membership | None:
        return self.store.members.get((merchant_id, user_id))

    def remove_member(self, merchant_id: str, user_id: str) -> bool:
        return self.store.members.pop((merchant_id, user_id), None) is not None

    def members(self, merchant_id: str) -> Sequence[Membership]:
        return [m for m in self.store.members.values() if m.merchant_id == merchant_id]

    def memberships_of(self, user_id: str) -> Sequence[Membership]:
        return [m for m in self.store.members.values() if m.user_id == user_id]


class FakeShopRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _check_slug(self, shop: Shop) -> None:
        if any(s.slug == shop.slug and s.id != shop.id for s in self.store.shops.values()):
            raise SlugTakenError("taken")

    def add(self, shop: Shop) -> None:
        self._check_slug(shop)
        self.store.shops[shop.id] = replace(shop)

    def get(self, shop_id: str) -> Shop | None:
        shop = self.store.shops.get(shop_id)
        return replace(shop) if shop else None

    def get_by_slug(self, slug: str) -> Shop | None:
        return next((replace(s) for s in self.store.shops.values() if s.slug == slug), None)

    def list_for_merchant(self, merchant_id: str) -> Sequence[Shop]:
        return [replace(s) for s in self.store.shops.values() if s.merchant_id == merchant_id]

    def save(self, shop: Shop) -> None:
        self._check_slug(shop)
        self.store.shops[shop.id] = replace(shop)


class FakeApiKeyRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, key: ApiKey) -> None:
        if any(
            k.merchant_id == key.merchant_id and k.name == key.name
            for k in self.store.api_keys.values()
        ):
            raise ApiKeyNameTakenError("taken")
        self.store.api_keys[key.id] = replace(key)

    def get(self, key_id: str) -> ApiKey | None:
        key = self.store.api_keys.get(key_id)
        return replace(key) if key else None

    def get_by_prefix(self, prefix: str) -> ApiKey | None:
        return next((replace(k) for k in self.store.api_keys.values() if k.prefix == prefix), None)

    def list_for_merchant(self, merchant_id: str) -> Sequence[ApiKey]:
        return [replace(k) for k in self.store.api_keys.values() if k.merchant_id == merchant_id]

    def revoke(self, key_id: str, *, now: datetime) -> bool:
        key = self.store.api_keys[key_id]
        if key.revoked_at is not None:
            return False
        key.revoked_at = now
        return True

    def touch(self, key_id: str, *, now: datetime, min_interval_seconds: int) -> None:
        key = self.store.api_keys[key_id]
        if key.last_used_at is None or key.last_used_at <= now - timedelta(
            seconds=min_interval_seconds
        ):
            key.last_used_at = now


class FakeRefreshTokenRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, token: RefreshToken) -> None:
        self.store.refresh_tokens[token.id] = replace(token)

    def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        return next(
            (replace(t) for t in self.store.refresh_tokens.values() if t.token_hash == token_hash),
            None,
        )

    def mark_used(self, token_id: str, *, now: datetime) -> bool:
        token = self.store.refresh_tokens[token_id]
        if token.used_at is not None or token.revoked_at is not None:
            return False
        token.used_at = now
        return True

    def revoke_family(self, family_id: str, *, now: datetime) -> int:
        count = 0
        for token in self.store.refresh_tokens.values():
            if token.family_id == family_id and token.revoked_at is None:
                token.revoked_at = now
                count += 1
        return count


class FakeUnitOfWork:
    def __init__(self, clock: Clock | None = None, store: Store | None = None) -> None:
        self.clock: Clock = clock or FixedClock()
        self.store = store or Store()
        self.commits = 0
        self._saved: Store | None = None

    @property
    def users(self) -> FakeUserRepository:
        return FakeUserRepository(self.store)

    @property
    def merchants(self) -> FakeMerchantRepository:
        return FakeMerchantRepository(self.store)

    @property
    def shops(self) -> FakeShopRepository:
        return FakeShopRepository(self.store)

    @property
    def api_keys(self) -> FakeApiKeyRepository:
        return FakeApiKeyRepository(self.store)

    @property
    def refresh_tokens(self) -> FakeRefreshTokenRepository:
        return FakeRefreshTokenRepository(self.store)

    def __enter__(self) -> Self:
        self._saved = copy.deepcopy(self.store)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._saved is not None:
            # Whatever was not committed is lost.
            self.store.__dict__.update(self._saved.__dict__)
            self._saved = None

    def commit(self) -> None:
        self.commits += 1
        self._saved = copy.deepcopy(self.store)


class PlainTextPasswords:
    """A transparent hasher for unit tests of the services (argon2 has its own tests)."""

    def hash(self, password: str) -> str:
        return "plain$" + password

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "plain$" + password

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith("plain$")
