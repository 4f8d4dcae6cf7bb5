"""Access tokens: JWT (HS256) signed with the platform secret, checked against our clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from marketplace.parties.domain import AccessClaims, IssuedAccessToken, User
from marketplace.shared.errors import AuthenticationError
from marketplace.shared.ids import new_ulid

ALGORITHM = "HS256"
_REQUIRED = ["sub", "iss", "iat", "exp", "jti", "typ"]


class JwtAccessTokens:
    """Issue and verify access tokens. Verification is local: no database round trip."""

    def __init__(self, *, secret: str, issuer: str, ttl_seconds: int) -> None:
        if len(secret) < 32:
            raise ValueError("the JWT secret must be at least 32 characters")
        self._secret = secret
        self.issuer = issuer
        self.ttl_seconds = ttl_seconds

    def issue(self, user: User, *, now: datetime) -> IssuedAccessToken:
        jti = new_ulid()
        iat = int(now.timestamp())
        claims: dict[str, Any] = {
            "sub": user.id,
            "iss": self.issuer,
            "iat": iat,
            "exp": iat + self.ttl_seconds,
            "jti": jti,
            "typ": "access",
            # Carried in the token so that checking a request needs no query; a change
            # reaches the caller with the next token (at most one TTL later).
            "adm": user.is_platform_admin,
            "lvl": user.member_level.value,
        }
        token = jwt.encode(claims, self._secret, algorithm=ALGORITHM)
        return IssuedAccessToken(token=token, token_id=jti, expires_in=self.ttl_seconds)

    def verify(self, token: str, *, now: datetime) -> AccessClaims:
        try:
            # Time is checked below against the injected clock, not the wall clock.
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=self.issuer,
                options={"require": _REQUIRED, "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            raise AuthenticationError("The access token is not valid.") from exc
        if claims.get("typ") != "access" or not isinstance(claims.get("sub"), str):
            raise AuthenticationError("The access token is not valid.")
        expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
        issued_at = datetime.fromtimestamp(int(claims["iat"]), UTC)
        if now >= expires_at:
            raise AuthenticationError("The access token has expired.", reason="token_expired")
        if issued_at > now + timedelta(seconds=60):
            raise AuthenticationError("The access token is not valid yet.")
        return AccessClaims(
            user_id=claims["sub"],
            token_id=str(claims["jti"]),
            is_platform_admin=bool(claims.get("adm", False)),
            member_level=str(claims.get("lvl", "regular")),
            expires_at=expires_at,
        )
