"""Use cases of accounts and sessions: registration, login, refresh-token rotation, logout,
platform admins and member levels."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from marketplace.parties.domain import (
    EmailTakenError,
    InvalidCredentialsError,
    InvalidRefreshTokenError,
    MemberLevel,
    RefreshToken,
    RefreshTokenReusedError,
    TokenPair,
    User,
    UserNotFoundError,
    check_password_policy,
    normalize_email,
)
from marketplace.parties.ports import AccessTokenCodec, PartiesUnitOfWork, PasswordHasher
from marketplace.parties.services.api_keys import sha256_hex
from marketplace.shared.errors import ValidationError
from marketplace.shared.ids import new_id, new_ulid


@dataclass(frozen=True)
class RegisterUser:
    email: str
    password: str
    display_name: str | None = None
    locale: str = "zh"


def register_user(cmd: RegisterUser, *, uow: PartiesUnitOfWork, passwords: PasswordHasher) -> User:
    """Create a buyer account; e-mails are unique regardless of case."""
    email = normalize_email(cmd.email)
    check_password_policy(cmd.password)
    with uow:
        if uow.users.get_by_email(email) is not None:
            raise EmailTakenError(f"{email} is already registered.", email=email)
        now = uow.clock.now()
        user = User(
            id=new_id("usr"),
            email=email,
            password_hash=passwords.hash(cmd.password),
            display_name=(cmd.display_name or "").strip() or email.split("@")[0],
            locale=cmd.locale,
            member_level=MemberLevel.REGULAR,
            is_platform_admin=False,
            is_active=True,
            created_at=now,
            updated_at=now,
        )
        uow.users.add(user)
        uow.commit()
    return user


def get_user(user_id: str, *, uow: PartiesUnitOfWork) -> User:
    with uow:
        user = uow.users.get(user_id)
    if user is None:
        raise UserNotFoundError(f"No user {user_id}.")
    return user


def login(
    email: str,
    password: str,
    *,
    uow: PartiesUnitOfWork,
    passwords: PasswordHasher,
    tokens: AccessTokenCodec,
    refresh_ttl: timedelta,
) -> TokenPair:
    """Check the password and open a new session (a new refresh-token family)."""
    try:
        email = normalize_email(email)
    except ValidationError:
        raise InvalidCredentialsError("Wrong e-mail or password.") from None
    with uow:
        user = uow.users.get_by_email(email)
        # Hash even for an unknown e-mail, so timing does not reveal which e-mails exist.
        stored = user.password_hash if user else _DUMMY_HASH.get(passwords)
        if not passwords.verify(stored, password) or user is None or not user.is_active:
            raise InvalidCredentialsError("Wrong e-mail or password.")
        now = uow.clock.now()
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash(password)
        user.last_login_at = now
        uow.users.save(user)
        pair = _issue_pair(user, family_id=new_ulid(), uow=uow, tokens=tokens, ttl=refresh_ttl)
        uow.commit()
    return pair


def refresh_session(
    refresh_token: str, *, uow: PartiesUnitOfWork, tokens: AccessTokenCodec, refresh_ttl: timedelta
) -> TokenPair:
    """Rotate: the presented refresh token is spent and a new pair is issued. Presenting a
    spent token again means it leaked; the whole family is revoked."""
    with uow:
        now = uow.clock.now()
        stored = uow.refresh_tokens.get_by_hash(sha256_hex(refresh_token))
        if stored is None or stored.revoked_at is not None or now >= stored.expires_at:
            raise InvalidRefreshTokenError("The refresh token is not valid.")
        if not uow.refresh_tokens.mark_used(stored.id, now=now):
            uow.refresh_tokens.revoke_family(stored.family_id, now=now)
            uow.commit()
            raise RefreshTokenReusedError(
                "This refresh token was already used; the session has been closed."
            )
        user = uow.users.get(stored.user_id)
        if user is None or not user.is_active:
            raise InvalidRefreshTokenError("The refresh token is not valid.")
        pair = _issue_pair(
            user, family_id=stored.family_id, uow=uow, tokens=tokens, ttl=refresh_ttl
        )
        uow.commit()
    return pair


def logout(refresh_token: str, *, uow: PartiesUnitOfWork) -> None:
    """Revoke the session the refresh token belongs to. Unknown tokens are ignored."""
    with uow:
        stored = uow.refresh_tokens.get_by_hash(sha256_hex(refresh_token))
        if stored is not None:
            uow.refresh_tokens.revoke_family(stored.family_id, now=uow.clock.now())
            uow.commit()


def _issue_pair(
    user: User, *, family_id: str, uow: PartiesUnitOfWork, tokens: AccessTokenCodec, ttl: timedelta
) -> TokenPair:
    now = uow.clock.now()
    secret = secrets.token_urlsafe(32)
    uow.refresh_tokens.add(
        RefreshToken(
            id=new_id("rt"),
            user_id=user.id,
            token_hash=sha256_hex(secret),
            family_id=family_id,
            expires_at=now + ttl,
            created_at=now,
        )
    )
    access = tokens.issue(user, now=now)
    return TokenPair(access_token=access.token, expires_in=access.expires_in, refresh_token=secret)


class _DummyHash:
    """A hash of a random password, made once per hasher, for constant-time logins."""

    def __init__(self) -> None:
        self._by_hasher: dict[int, str] = {}

    def get(self, passwords: PasswordHasher) -> str:
        key = id(passwords)
        if key not in self._by_hasher:
            self._by_hasher[key] = passwords.hash(secrets.token_urlsafe(16))
        return self._by_hasher[key]


_DUMMY_HASH = _DummyHash()


def create_platform_admin(
    email: str, password: str | None, *, uow: PartiesUnitOfWork, passwords: PasswordHasher
) -> User:
    """Create a platform admin, or promote an existing user (password then optional)."""
    email = normalize_email(email)
    with uow:
        user = uow.users.get_by_email(email)
        now = uow.clock.now()
        if user is None:
            if password is None:
                raise ValidationError("A new admin needs a password.", code="password_required")
            check_password_policy(password)
            user = User(
                id=new_id("usr"),
                email=email,
                password_hash=passwords.hash(password),
                display_name=email.split("@")[0],
                locale="zh",
                member_level=MemberLevel.REGULAR,
                is_platform_admin=True,
                is_active=True,
                created_at=now,
                updated_at=now,
            )
            uow.users.add(user)
        else:
            if password is not None:
                check_password_policy(password)
                user.password_hash = passwords.hash(password)
            user.is_platform_admin = True
            user.updated_at = now
            uow.users.save(user)
        uow.commit()
    return user


def set_member_level(user_id: str, level: MemberLevel, *, uow: PartiesUnitOfWork) -> User:
    with uow:
        user = uow.users.get(user_id)
        if user is None:
            raise UserNotFoundError(f"No user {user_id}.")
        user.member_level = level
        user.updated_at = uow.clock.now()
        uow.users.save(user)
        uow.commit()
    return user
