"""SQLAlchemy Core repositories of the parties area, hand-mapped to the domain dataclasses."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, Table, and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from marketplace.parties.adapters.tables import (
    api_keys,
    merchant_members,
    merchant_status_history,
    merchants,
    refresh_tokens,
    shops,
    users,
)
from marketplace.parties.domain import (
    AlreadyMemberError,
    ApiKey,
    ApiKeyNameTakenError,
    EmailTakenError,
    MemberLevel,
    MemberRole,
    Membership,
    Merchant,
    MerchantKind,
    MerchantStatus,
    RefreshToken,
    Shop,
    SlugTakenError,
    StatusChange,
    User,
)
from marketplace.shared.errors import DomainError


def _insert_or(
    conn: Connection, table: Table, values: Mapping[str, Any], error: Callable[[], DomainError]
) -> None:
    """Insert inside a savepoint, so a unique clash becomes a domain error and the
    surrounding transaction stays usable."""
    try:
        with conn.begin_nested():
            conn.execute(insert(table).values(**values))
    except IntegrityError as exc:
        raise error() from exc


def _fields(obj: object, table: Table) -> dict[str, Any]:
    return {c.name: getattr(obj, c.name) for c in table.columns if hasattr(obj, c.name)}


# -- users --------------------------------------------------------------------------
def _user(row: RowMapping) -> User:
    return User(
        id=row["id"],
        email=row["email"],
        password_hash=row["password_hash"],
        display_name=row["display_name"],
        locale=row["locale"],
        member_level=MemberLevel(row["member_level"]),
        is_platform_admin=row["is_platform_admin"],
        is_active=row["is_active"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        phone=row["phone"],
        last_login_at=row["last_login_at"],
    )


class SqlUserRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, user: User) -> None:
        values = _fields(user, users) | {"member_level": user.member_level.value}
        _insert_or(
            self.connection,
            users,
            values,
            lambda: EmailTakenError(f"{user.email} is already registered.", email=user.email),
        )

    def get(self, user_id: str) -> User | None:
        row = self.connection.execute(select(users).where(users.c.id == user_id)).mappings()
        found = row.first()
        return _user(found) if found else None

    def get_by_email(self, email: str) -> User | None:
        rows = self.connection.execute(select(users).where(users.c.email == email)).mappings()
        found = rows.first()
        return _user(found) if found else None

    def save(self, user: User) -> None:
        values = _fields(user, users) | {"member_level": user.member_level.value}
        values.pop("id")
        self.connection.execute(update(users).where(users.c.id == user.id).values(**values))


# -- merchants, memberships, status history -------------------------------------------
def _merchant(row: RowMapping) -> Merchant:
    return Merchant(
        id=row["id"],
        name=row["name"],
        slug=row["slug"],
        kind=MerchantKind(row["kind"]),
        status=MerchantStatus(row["status"]),
        default_currency=row["default_currency"],
        default_locale=row["default_locale"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        legal_name=row["legal_name"],
        contact_email=row["contact_email"],
        contact_phone=row["contact_phone"],
        region=row["region"],
        city=row["city"],
        status_reason=row["status_reason"],
        approved_at=row["approved_at"],
    )


def _merchant_values(merchant: Merchant) -> dict[str, Any]:
    return _fields(merchant, merchants) | {
        "kind": merchant.kind.value,
        "status": merchant.status.value,
    }


def _membership(row: RowMapping) -> Membership:
    return Membership(
        row["merchant_id"], row["user_id"], MemberRole(row["role"]), row["created_at"]
    )


class SqlMerchantRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, merchant: Merchant) -> None:
        _insert_or(
            self.connection,
            merchants,
            _merchant_values(merchant),
            lambda: SlugTakenError(f"The slug {merchant.slug!r} is taken.", slug=merchant.slug),
        )

    def get(self, merchant_id: str, *, for_update: bool = False) -> Merchant | None:
        query = select(merchants).where(merchants.c.id == merchant_id)
        if for_update:
            query = query.with_for_update()
        row = self.connection.execute(query).mappings().first()
        return _merchant(row) if row else None

    def save(self, merchant: Merchant) -> None:
        values = _merchant_values(merchant)
        values.pop("id")
        query = update(merchants).where(merchants.c.id == merchant.id).values(**values)
        try:
            with self.connection.begin_nested():
                self.connection.execute(query)
        except IntegrityError as exc:
            raise SlugTakenError(f"The slug {merchant.slug!r} is taken.") from exc

    def add_status_change(self, change: StatusChange) -> None:
        self.connection.execute(
            insert(merchant_status_history).values(
                merchant_id=change.merchant_id,
                from_status=change.from_status.value if change.from_status else None,
                to_status=change.to_status.value,
                actor_user_id=change.actor_user_id,
                reason=change.reason,
                at=change.at,
            )
        )

    def history(self, merchant_id: str) -> Sequence[StatusChange]:
        h = merchant_status_history
        rows = self.connection.execute(
            select(h).where(h.c.merchant_id == merchant_id).order_by(h.c.at, h.c.id)
        ).mappings()
        return [
            StatusChange(
                merchant_id=r["merchant_id"],
                from_status=MerchantStatus(r["from_status"]) if r["from_status"] else None,
                to_status=MerchantStatus(r["to_status"]),
                actor_user_id=r["actor_user_id"],
                reason=r["reason"],
                at=r["at"],
            )
            for r in rows
        ]

    def add_member(self, membership: Membership) -> None:
        _insert_or(
            self.connection,
            merchant_members,
            {
                "merchant_id": membership.merchant_id,
                "user_id": membership.user_id,
                "role": membership.role.value,
                "created_at": membership.created_at,
            },
            lambda: AlreadyMemberError("That user is already a member of this merchant."),
        )

    def get_member(self, merchant_id: str, user_id: str) -> Membership | None:
        m = merchant_members
        row = (
            self.connection.execute(
                select(m).where(m.c.merchant_id == merchant_id, m.c.user_id == user_id)
            )
            .mappings()
            .first()
        )
        return _membership(row) if row else None

    def remove_member(self, merchant_id: str, user_id: str) -> bool:
        m = merchant_members
        result = self.connection.execute(
            delete(m).where(m.c.merchant_id == merchant_id, m.c.user_id == user_id)
        )
        return result.rowcount > 0

    def members(self, merchant_id: str) -> Sequence[Membership]:
        m = merchant_members
        rows = self.connection.execute(
            select(m).where(m.c.merchant_id == merchant_id).order_by(m.c.created_at, m.c.user_id)
        ).mappings()
        return [_membership(r) for r in rows]

    def memberships_of(self, user_id: str) -> Sequence[Membership]:
        m = merchant_members
        rows = self.connection.execute(
            select(m).where(m.c.user_id == user_id).order_by(m.c.created_at)
        ).mappings()
        return [_membership(r) for r in rows]


# -- shops ----------------------------------------------------------------------------
def _shop(row: RowMapping) -> Shop:
    return Shop(
        id=row["id"],
        merchant_id=row["merchant_id"],
        name=row["name"],
        slug=row["slug"],
        is_open=row["is_open"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        description=row["description"],
    )


class SqlShopRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, shop: Shop) -> None:
        _insert_or(
            self.connection,
            shops,
            _fields(shop, shops),
            lambda: SlugTakenError(f"The shop slug {shop.slug!r} is taken.", slug=shop.slug),
        )

    def get(self, shop_id: str) -> Shop | None:
        row = self.connection.execute(select(shops).where(shops.c.id == shop_id)).mappings()
        found = row.first()
        return _shop(found) if found else None

    def get_by_slug(self, slug: str) -> Shop | None:
        row = self.connection.execute(select(shops).where(shops.c.slug == slug)).mappings()
        found = row.first()
        return _shop(found) if found else None

    def list_for_merchant(self, merchant_id: str) -> Sequence[Shop]:
        rows = self.connection.execute(
            select(shops).where(shops.c.merchant_id == merchant_id).order_by(shops.c.created_at)
        ).mappings()
        return [_shop(r) for r in rows]

    def save(self, shop: Shop) -> None:
        values = _fields(shop, shops)
        values.pop("id")
        values.pop("merchant_id")
        try:
            with self.connection.begin_nested():
                self.connection.execute(update(shops).where(shops.c.id == shop.id).values(**values))
        except IntegrityError as exc:
            raise SlugTakenError(f"The shop slug {shop.slug!r} is taken.", slug=shop.slug) from exc


# -- API keys -------------------------------------------------------------------------
def _api_key(row: RowMapping) -> ApiKey:
    return ApiKey(
        id=row["id"],
        merchant_id=row["merchant_id"],
        name=row["name"],
        prefix=row["prefix"],
        key_hash=row["key_hash"],
        scopes=list(row["scopes"] or []),
        created_by=row["created_by"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )


class SqlApiKeyRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, key: ApiKey) -> None:
        _insert_or(
            self.connection,
            api_keys,
            _fields(key, api_keys),
            lambda: ApiKeyNameTakenError(f"This merchant already has a key named {key.name!r}."),
        )

    def get(self, key_id: str) -> ApiKey | None:
        row = self.connection.execute(select(api_keys).where(api_keys.c.id == key_id)).mappings()
        found = row.first()
        return _api_key(found) if found else None

    def get_by_prefix(self, prefix: str) -> ApiKey | None:
        query = select(api_keys).where(api_keys.c.prefix == prefix)
        found = self.connection.execute(query).mappings().first()
        return _api_key(found) if found else None

    def list_for_merchant(self, merchant_id: str) -> Sequence[ApiKey]:
        rows = self.connection.execute(
            select(api_keys)
            .where(api_keys.c.merchant_id == merchant_id)
            .order_by(api_keys.c.created_at, api_keys.c.id)
        ).mappings()
        return [_api_key(r) for r in rows]

    def revoke(self, key_id: str, *, now: datetime) -> bool:
        result = self.connection.execute(
            update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount > 0

    def touch(self, key_id: str, *, now: datetime, min_interval_seconds: int) -> None:
        stale = now - timedelta(seconds=min_interval_seconds)
        self.connection.execute(
            update(api_keys)
            .where(
                api_keys.c.id == key_id,
                or_(api_keys.c.last_used_at.is_(None), api_keys.c.last_used_at <= stale),
            )
            .values(last_used_at=now)
        )


# -- refresh tokens -------------------------------------------------------------------
def _refresh_token(row: RowMapping) -> RefreshToken:
    return RefreshToken(
        id=row["id"],
        user_id=row["user_id"],
        token_hash=row["token_hash"],
        family_id=row["family_id"],
        expires_at=row["expires_at"],
        created_at=row["created_at"],
        used_at=row["used_at"],
        revoked_at=row["revoked_at"],
    )


class SqlRefreshTokenRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, token: RefreshToken) -> None:
        self.connection.execute(insert(refresh_tokens).values(**_fields(token, refresh_tokens)))

    def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        query = select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
        found = self.connection.execute(query).mappings().first()
        return _refresh_token(found) if found else None

    def mark_used(self, token_id: str, *, now: datetime) -> bool:
        t = refresh_tokens
        result = self.connection.execute(
            update(t)
            .where(and_(t.c.id == token_id, t.c.used_at.is_(None), t.c.revoked_at.is_(None)))
            .values(used_at=now)
        )
        return result.rowcount == 1

    def revoke_family(self, family_id: str, *, now: datetime) -> int:
        t = refresh_tokens
        result = self.connection.execute(
            update(t)
            .where(t.c.family_id == family_id, t.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount
