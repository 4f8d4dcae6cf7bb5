"""Who is calling, and may they? Dependencies for routers.

Credentials: ``Authorization: Bearer <access JWT>`` for users, ``X-API-Key: agora_...``
(or ``Authorization: Bearer agora_...``) for a merchant's API key, or for the web pages'
scripts the ``agora_access`` session cookie (``serving.web.session``): with the cookie, an
unsafe method must send ``X-CSRF-Token`` equal to the ``agora_csrf`` cookie, else 403
``csrf_failed``. A JWT is verified
locally; an API key costs one indexed lookup; a merchant scope one more (merchant joined to
the caller's membership).

- ``CurrentUser``: a signed-in *user* (401 ``not_authenticated``; an API key is refused
  with 403 ``api_key_not_allowed``, since keys act only for their merchant).
- ``OptionalUser``: the principal when credentials are sent (users or API keys), else None;
  bad credentials are still 401.
- ``PlatformAdmin``: 403 ``platform_admin_required`` for anyone else.
- ``MerchantScope``: reads the ``merchant_id`` path parameter. Unknown merchant 404
  ``merchant_not_found``; not a member (nor platform admin, nor that merchant's API key)
  403 ``merchant_access_denied``.
- ``MerchantOwnerScope``: owner or platform admin, else 403 ``merchant_owner_required``.
- ``ApprovedMerchantScope``: ``MerchantScope`` for an approved merchant only, else 403
  ``merchant_not_approved`` (for selling: publishing products, taking orders).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from starlette.requests import cookie_parser

from marketplace.bootstrap import Marketplace
from marketplace.parties import queries, services
from marketplace.parties.domain import (
    MerchantAccessDeniedError,
    MerchantNotFoundError,
    MerchantOwnerRequiredError,
    PlatformAdminRequiredError,
)
from marketplace.shared.errors import AuthenticationError, PermissionDeniedError
from serving.api.idempotency import PrincipalResolver, default_principal

TOKEN_URL = "/api/v1/auth/token"
ACCESS_COOKIE = "agora_access"
CSRF_COOKIE = "agora_csrf"
CSRF_HEADER = "X-CSRF-Token"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)
_api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="A merchant API key: agora_<prefix>_<secret>"
)


@dataclass(frozen=True)
class Principal:
    user_id: str | None  # None for an API key
    is_platform_admin: bool
    member_level: str  # "regular" for API keys
    api_key_merchant_id: str | None
    api_key_prefix: str | None

    @property
    def is_api_key(self) -> bool:
        return self.api_key_merchant_id is not None


@dataclass(frozen=True)
class MerchantContext:
    merchant_id: str
    actor: str  # user id, or "apikey:<prefix>"
    role: str  # "merchant_owner" | "merchant_staff" | "platform_admin" | "api_key"


class ApiKeyNotAllowedError(PermissionDeniedError):
    code = "api_key_not_allowed"


class CsrfFailedError(PermissionDeniedError):
    code = "csrf_failed"


class MerchantNotApprovedError(PermissionDeniedError):
    code = "merchant_not_approved"


def _container(request: Request) -> Marketplace:
    container: Marketplace = request.app.state.marketplace
    return container


def _cookie(header: str, name: str) -> str | None:
    return cookie_parser(header).get(name)


def csrf_ok(request: Request, submitted: str | None = None) -> bool:
    """The double-submit check: the ``X-CSRF-Token`` header (scripts, htmx), or a form's
    ``submitted`` field, equals the ``agora_csrf`` cookie."""
    cookie = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER) or submitted
    return bool(cookie) and bool(sent) and hmac.compare_digest(str(cookie), str(sent))


def _is_api_key(credential: str) -> bool:
    return credential.startswith(services.API_KEY_PREFIX + "_")


async def resolve_principal(
    request: Request,
    token: Annotated[str | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key_header)],
) -> Principal | None:
    """The verified caller, None when no credentials were sent; 401 for bad ones."""
    if token and _is_api_key(token):
        token, api_key = None, api_key or token
    if token and api_key:
        raise AuthenticationError("Send a bearer token or an API key, not both.")
    container = _container(request)
    if not token and not api_key and request.cookies.get(ACCESS_COOKIE):
        token = request.cookies[ACCESS_COOKIE]
        if request.method in _UNSAFE and not csrf_ok(request):
            raise CsrfFailedError(f"Send the {CSRF_HEADER} header with the session cookie.")
    if token:
        claims = container.tokens.verify(token, now=container.clock.now())
        return Principal(
            user_id=claims.user_id,
            is_platform_admin=claims.is_platform_admin,
            member_level=claims.member_level,
            api_key_merchant_id=None,
            api_key_prefix=None,
        )
    if api_key:
        key = await run_in_threadpool(
            services.authenticate_api_key,
            api_key,
            uow=container.uow(),
            touch_interval_seconds=container.settings.api_key_touch_interval_seconds,
        )
        return Principal(
            user_id=None,
            is_platform_admin=False,
            member_level="regular",
            api_key_merchant_id=key.merchant_id,
            api_key_prefix=key.prefix,
        )
    return None


_Resolved = Annotated[Principal | None, Depends(resolve_principal)]


async def optional_principal(principal: _Resolved) -> Principal | None:
    return principal


async def require_principal(principal: _Resolved) -> Principal:
    if principal is None:
        raise AuthenticationError("Sign in to do this.")
    if principal.is_api_key:
        raise ApiKeyNotAllowedError("API keys may only call merchant endpoints.")
    return principal


async def require_platform_admin(principal: _Resolved) -> Principal:
    if principal is None:
        raise AuthenticationError("Sign in to do this.")
    if not principal.is_platform_admin:
        raise PlatformAdminRequiredError("Only platform administrators may do this.")
    return principal


CurrentUser = Annotated[Principal, Depends(require_principal)]
OptionalUser = Annotated[Principal | None, Depends(optional_principal)]
PlatformAdmin = Annotated[Principal, Depends(require_platform_admin)]


async def require_merchant_scope(
    request: Request,
    merchant_id: Annotated[str, Path(description="The merchant's id (mer_...)")],
    principal: _Resolved,
) -> MerchantContext:
    """The caller acting for the merchant in the path (see the module docstring)."""
    if principal is None:
        raise AuthenticationError("Sign in to do this.")
    if principal.is_api_key and principal.api_key_merchant_id == merchant_id:
        # A key exists only while its merchant does: no lookup needed.
        return MerchantContext(merchant_id, f"apikey:{principal.api_key_prefix}", "api_key")
    engine = _container(request).engine
    access = await run_in_threadpool(
        queries.merchant_access, engine, merchant_id, principal.user_id
    )
    if access is None:
        raise MerchantNotFoundError(f"No merchant {merchant_id}.")
    request.state.merchant_status = access.status
    if principal.user_id is not None:
        if access.member_role is not None:
            return MerchantContext(merchant_id, principal.user_id, access.member_role)
        if principal.is_platform_admin:
            return MerchantContext(merchant_id, principal.user_id, "platform_admin")
    raise MerchantAccessDeniedError("You may not act for this merchant.")


MerchantScope = Annotated[MerchantContext, Depends(require_merchant_scope)]


async def require_merchant_owner(scope: MerchantScope) -> MerchantContext:
    if scope.role not in ("merchant_owner", "platform_admin"):
        raise MerchantOwnerRequiredError("Only the merchant's owner may do this.")
    return scope


MerchantOwnerScope = Annotated[MerchantContext, Depends(require_merchant_owner)]


async def require_approved_merchant(request: Request, scope: MerchantScope) -> MerchantContext:
    """The merchant scope, for a merchant that is approved (selling is allowed)."""
    status = getattr(request.state, "merchant_status", None)
    if status is None:  # an API key of this merchant skipped the lookup
        engine = _container(request).engine
        access = await run_in_threadpool(queries.merchant_access, engine, scope.merchant_id, None)
        status = access.status if access else None
    if status != "approved":
        raise MerchantNotApprovedError(
            "The merchant is not approved to sell.", merchant_status=status
        )
    return scope


ApprovedMerchantScope = Annotated[MerchantContext, Depends(require_approved_merchant)]


def actor_user_id(scope: MerchantContext) -> str | None:
    """The user behind a merchant-scoped call (None when it came with an API key)."""
    return None if scope.role == "api_key" else scope.actor


# -- idempotency scoping ----------------------------------------------------------------
def verified_principal_resolver(container: Callable[[], Marketplace]) -> PrincipalResolver:
    """Scope Idempotency-Keys by a verified identity rather than by the raw credential.

    ``user:<sub>`` for a valid JWT (so a retry after a token refresh still matches);
    ``key:<prefix>:<digest>`` for a well-formed API key (keys never rotate, and the digest
    of the whole key keeps a forged key with a known prefix out); anything else by the hash
    of what was sent, which a forger cannot reproduce.
    """

    def resolve(headers: dict[str, str]) -> str:
        scheme, _, credential = headers.get("authorization", "").partition(" ")
        api_key = headers.get("x-api-key")
        credential = credential.strip()
        if scheme.lower() == "bearer" and credential:
            if _is_api_key(credential):
                api_key = credential
            else:
                app = container()
                try:
                    claims = app.tokens.verify(credential, now=app.clock.now())
                except AuthenticationError:
                    return default_principal(headers)
                return f"user:{claims.user_id}"
        access = _cookie(headers.get("cookie", ""), ACCESS_COOKIE)
        if access and not api_key and not headers.get("authorization"):  # the web session
            app = container()
            try:
                return f"user:{app.tokens.verify(access, now=app.clock.now()).user_id}"
            except AuthenticationError:
                return default_principal(headers)
        if api_key:
            parsed = services.parse_api_key(api_key)
            if parsed is not None:
                digest = hashlib.sha256(api_key.encode()).hexdigest()[:24]
                return f"key:{parsed[0]}:{digest}"
        guest = headers.get("x-cart-token")
        if guest and not headers.get("authorization") and not api_key:
            # Guests share no credential: scope their keys by the cart they hold, so one
            # guest can never be replayed another's response (and its cart token).
            return "guest:" + hashlib.sha256(guest.encode()).hexdigest()[:32]
        return default_principal(headers)

    return resolve
