"""Access tokens: claims, signature, expiry against an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from marketplace.parties.adapters.tokens import JwtAccessTokens
from marketplace.parties.domain import MemberLevel, User
from marketplace.shared.clock import FixedClock
from marketplace.shared.errors import AuthenticationError
from tests.unit.parties.conftest import SECRET

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def user(**overrides: object) -> User:
    fields: dict[str, object] = {
        "id": "usr_1", "email": "a@example.com", "password_hash": "x", "display_name": "A",
        "locale": "zh", "member_level": MemberLevel.GOLD, "is_platform_admin": False,
        "is_active": True, "created_at": T0, "updated_at": T0,
    }  # fmt: skip
    fields.update(overrides)
    return User(**fields)  # type: ignore[arg-type]


def test_issue_then_verify(tokens: JwtAccessTokens, clock: FixedClock) -> None:
    issued = tokens.issue(user(is_platform_admin=True), now=clock.now())
    assert issued.expires_in == 900
    claims = tokens.verify(issued.token, now=clock.now())
    assert claims.user_id == "usr_1"
    assert claims.is_platform_admin is True
    assert claims.member_level == "gold"
    assert claims.token_id == issued.token_id
    assert claims.expires_at == clock.now() + timedelta(seconds=900)


def test_the_token_carries_the_standard_claims(tokens: JwtAccessTokens, clock: FixedClock) -> None:
    issued = tokens.issue(user(), now=clock.now())
    raw = jwt.decode(issued.token, options={"verify_signature": False})
    assert {"sub", "iss", "iat", "exp", "jti", "typ"} <= raw.keys()
    assert raw["typ"] == "access"
    assert raw["iss"] == "agora-test"
    assert jwt.get_unverified_header(issued.token)["alg"] == "HS256"


def test_expiry_follows_the_clock(tokens: JwtAccessTokens, clock: FixedClock) -> None:
    issued = tokens.issue(user(), now=clock.now())
    clock.advance(timedelta(seconds=899))
    tokens.verify(issued.token, now=clock.now())
    clock.advance(timedelta(seconds=1))
    with pytest.raises(AuthenticationError) as err:
        tokens.verify(issued.token, now=clock.now())
    assert err.value.code == "not_authenticated"
    assert err.value.details["reason"] == "token_expired"


def test_a_token_from_the_future_is_refused(tokens: JwtAccessTokens, clock: FixedClock) -> None:
    issued = tokens.issue(user(), now=clock.now() + timedelta(hours=1))
    with pytest.raises(AuthenticationError):
        tokens.verify(issued.token, now=clock.now())


def _forge(claims: dict[str, object], secret: str = SECRET, alg: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=alg)


def _claims(now: datetime, **overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "sub": "usr_1", "iss": "agora-test", "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + 60, "jti": "j", "typ": "access",
    }  # fmt: skip
    base.update(overrides)
    return base


@pytest.mark.parametrize(
    "token_for",
    [
        pytest.param(lambda now: _forge(_claims(now), secret="x" * 40), id="wrong-secret"),
        pytest.param(lambda now: _forge(_claims(now, iss="evil")), id="wrong-issuer"),
        pytest.param(lambda now: _forge(_claims(now, typ="refresh")), id="wrong-type"),
        pytest.param(
            lambda now: _forge({k: v for k, v in _claims(now).items() if k != "jti"}),
            id="missing-jti",
        ),
        pytest.param(lambda now: _forge(_claims(now), alg="HS512"), id="other-algorithm"),
        pytest.param(lambda now: jwt.encode(_claims(now), None, algorithm="none"), id="alg-none"),
        pytest.param(lambda now: "not.a.jwt", id="garbage"),
    ],
)
def test_bad_tokens_are_refused(tokens: JwtAccessTokens, clock: FixedClock, token_for) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AuthenticationError) as err:
        tokens.verify(token_for(clock.now()), now=clock.now())
    assert err.value.code == "not_authenticated"


def test_a_tampered_payload_is_refused(tokens: JwtAccessTokens, clock: FixedClock) -> None:
    token = tokens.issue(user(), now=clock.now()).token
    header, payload, signature = token.split(".")
    forged_payload = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b"usr_1", b"usr_2")
    ).decode()
    with pytest.raises(AuthenticationError):
        tokens.verify(f"{header}.{forged_payload}.{signature}", now=clock.now())


def test_short_secrets_are_refused() -> None:
    with pytest.raises(ValueError, match="32"):
        JwtAccessTokens(secret="short", issuer="agora", ttl_seconds=60)
