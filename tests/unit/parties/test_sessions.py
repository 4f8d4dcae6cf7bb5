"""Registration, login, refresh-token rotation and theft detection, logout."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.parties import services
from marketplace.parties.adapters.tokens import JwtAccessTokens
from marketplace.parties.domain import (
    EmailTakenError,
    InvalidCredentialsError,
    InvalidEmailError,
    InvalidRefreshTokenError,
    RefreshTokenReusedError,
    WeakPasswordError,
)
from marketplace.shared.clock import FixedClock
from tests.unit.parties.fakes import FakeUnitOfWork, PlainTextPasswords

TTL = timedelta(days=30)
PASSWORD = "Passw0rd-123"


@pytest.fixture
def registered(uow: FakeUnitOfWork, passwords: PlainTextPasswords) -> str:
    cmd = services.RegisterUser(email="  Li.Wei@Example.COM ", password=PASSWORD)
    return services.register_user(cmd, uow=uow, passwords=passwords).id


def _login(uow: FakeUnitOfWork, passwords: PlainTextPasswords, tokens: JwtAccessTokens):  # type: ignore[no-untyped-def]
    return services.login(
        "li.wei@example.com", PASSWORD, uow=uow, passwords=passwords, tokens=tokens,
        refresh_ttl=TTL,
    )  # fmt: skip


def _refresh(uow: FakeUnitOfWork, tokens: JwtAccessTokens, token: str):  # type: ignore[no-untyped-def]
    return services.refresh_session(token, uow=uow, tokens=tokens, refresh_ttl=TTL)


def test_register_normalises_the_email(uow: FakeUnitOfWork, registered: str) -> None:
    user = uow.store.users[registered]
    assert user.email == "li.wei@example.com"
    assert user.display_name == "li.wei"
    assert user.member_level.value == "regular"
    assert not user.is_platform_admin
    assert user.password_hash != PASSWORD


def test_emails_are_unique_whatever_the_case(
    uow: FakeUnitOfWork, passwords: PlainTextPasswords, registered: str
) -> None:
    cmd = services.RegisterUser(email="LI.WEI@example.com", password=PASSWORD)
    with pytest.raises(EmailTakenError) as err:
        services.register_user(cmd, uow=uow, passwords=passwords)
    assert err.value.code == "email_taken"
    assert len(uow.store.users) == 1


@pytest.mark.parametrize(
    ("email", "password", "error"),
    [
        ("a@example.com", "short1", WeakPasswordError),
        ("a@example.com", "lettersonly", WeakPasswordError),
        ("not-an-email", PASSWORD, InvalidEmailError),
    ],
)
def test_register_refuses_bad_input(
    uow: FakeUnitOfWork, passwords: PlainTextPasswords, email: str, password: str, error: type
) -> None:
    with pytest.raises(error):
        services.register_user(
            services.RegisterUser(email=email, password=password), uow=uow, passwords=passwords
        )
    assert uow.store.users == {}


def test_login_issues_a_pair_and_stores_only_a_hash(
    uow: FakeUnitOfWork, passwords: PlainTextPasswords, tokens: JwtAccessTokens, registered: str,
    clock: FixedClock,
) -> None:  # fmt: skip
    pair = _login(uow, passwords, tokens)
    assert tokens.verify(pair.access_token, now=clock.now()).user_id == registered
    (stored,) = uow.store.refresh_tokens.values()
    assert stored.token_hash == services.sha256_hex(pair.refresh_token)
    assert pair.refresh_token not in stored.token_hash
    assert stored.expires_at == clock.now() + TTL
    assert uow.store.users[registered].last_login_at == clock.now()


@pytest.mark.parametrize(
    ("email", "password"),
    [("li.wei@example.com", "Wrong-pass1"), ("nobody@example.com", PASSWORD), ("x", PASSWORD)],
)
def test_bad_login(
    uow: FakeUnitOfWork, passwords: PlainTextPasswords, tokens: JwtAccessTokens, registered: str,
    email: str, password: str,
) -> None:  # fmt: skip
    with pytest.raises(InvalidCredentialsError) as err:
        services.login(
            email, password, uow=uow, passwords=passwords, tokens=tokens, refresh_ttl=TTL
        )
    assert err.value.code == "invalid_credentials"
    assert uow.store.refresh_tokens == {}


def test_refresh_rotates(
    uow: FakeUnitOfWork, passwords: PlainTextPasswords, tokens: JwtAccessTokens, registered: str,
    clock: FixedClock,
) -> None:  # fmt: skip
    first = _login(uow, passwords, tokens)
    clock.advance(timedelta(minutes=20))
    second = _refresh(uow, tokens, first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert tokens.verify(second.access_token, now=clock.now()).user_id == registered
    old = uow.refresh_tokens.get_by_hash(services.sha256_hex(first.refresh_token))
    new = uow.refresh_tokens.get_by_hash(services.sha256_hex(second.refresh_token))
    assert old is not None
    assert new is not None
    assert old.used_at == clock.now()
    assert new.family_id == old.family_id
    assert new.used_at is None
    assert new.revoked_at is None
    third = _refresh(uow, tokens, second.refresh_token)
    assert third.refresh_token not in {first.refresh_token, second.refresh_token}


def test_reuse_revokes_the_whole_family(
    uow: FakeUnitOfWork, passwords: PlainTextPasswords, tokens: JwtAccessTokens, registered: str
) -> None:
    first = _login(uow, passwords, tokens)
    other_session = _login(uow, passwords, tokens)
    second = _refresh(uow, tokens, first.refresh_token)  # the thief, or the user
    with pytest.raises(RefreshTokenReusedError) as err:
        _refresh(uow, tokens, first.refresh_token)  # the other one comes back with the old
    assert err.value.code == "refresh_token_reused"
    # The revocation was committed although the call failed...
    spent = uow.refresh_tokens.get_by_hash(services.sha256_hex(first.refresh_token))
    assert spent is not None
    family = [t for t in uow.store.refresh_tokens.values() if t.family_id == spent.family_id]
    assert len(family) == 2
    assert all(t.revoked_at is not None for t in family)
    with pytest.raises(InvalidRefreshTokenError):
        _refresh(uow, tokens, second.refresh_token)
    # ...and it touched only that session.
    assert _refresh(uow, tokens, other_session.refresh_token).access_token


def test_expired_and_unknown_refresh_tokens(
    uow: FakeUnitOfWork, passwords: PlainTextPasswords, tokens: JwtAccessTokens, registered: str,
    clock: FixedClock,
) -> None:  # fmt: skip
    pair = _login(uow, passwords, tokens)
    with pytest.raises(InvalidRefreshTokenError) as err:
        _refresh(uow, tokens, "made-up")
    assert err.value.code == "invalid_refresh_token"
    clock.advance(TTL)
    with pytest.raises(InvalidRefreshTokenError):
        _refresh(uow, tokens, pair.refresh_token)
    (stored,) = uow.store.refresh_tokens.values()
    assert stored.used_at is None
    assert stored.revoked_at is None


def test_logout_revokes_the_session(
    uow: FakeUnitOfWork, passwords: PlainTextPasswords, tokens: JwtAccessTokens, registered: str
) -> None:
    first = _login(uow, passwords, tokens)
    second = _refresh(uow, tokens, first.refresh_token)
    services.logout(second.refresh_token, uow=uow)
    assert all(t.revoked_at is not None for t in uow.store.refresh_tokens.values())
    with pytest.raises(InvalidRefreshTokenError):
        _refresh(uow, tokens, second.refresh_token)
    services.logout("unknown-token", uow=uow)  # silently nothing


def test_a_deactivated_user_cannot_log_in_or_refresh(
    uow: FakeUnitOfWork, passwords: PlainTextPasswords, tokens: JwtAccessTokens, registered: str
) -> None:
    pair = _login(uow, passwords, tokens)
    uow.store.users[registered].is_active = False
    with pytest.raises(InvalidCredentialsError):
        _login(uow, passwords, tokens)
    with pytest.raises(InvalidRefreshTokenError):
        _refresh(uow, tokens, pair.refresh_token)


def test_create_platform_admin_creates_or_promotes(
    uow: FakeUnitOfWork, passwords: PlainTextPasswords, registered: str
) -> None:
    promoted = services.create_platform_admin(
        "LI.WEI@example.com", None, uow=uow, passwords=passwords
    )
    assert promoted.id == registered
    assert promoted.is_platform_admin
    created = services.create_platform_admin(
        "root@example.com", "Adm1n-pass", uow=uow, passwords=passwords
    )
    assert created.is_platform_admin
    assert passwords.verify(created.password_hash, "Adm1n-pass")
    with pytest.raises(WeakPasswordError):
        services.create_platform_admin("x@example.com", "weak", uow=uow, passwords=passwords)
    assert len(uow.store.users) == 2
