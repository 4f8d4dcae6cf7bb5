"""Signing in to the web pages: the same tokens as the API, kept in cookies.

- ``agora_access``: the access JWT (HttpOnly, SameSite=Lax). The API accepts it in place of
  ``Authorization: Bearer`` (``serving.api.security``), so page scripts call ``/api/v1``
  directly; an unsafe method then needs ``X-CSRF-Token`` equal to the ``agora_csrf`` cookie
  (double submit; SameSite already stops other sites' forms).
- ``agora_refresh``: the refresh token (HttpOnly, path ``/``). ``WebSessionMiddleware``
  trades it for a new pair when the access token is missing or expired, before the request
  reaches a route, so a page or an API call never sees an expired session.
- ``agora_csrf``: random, readable by scripts; page forms and htmx send it back.
- ``agora_sid``: the anonymous browsing session of behaviour events; linked to the user at
  sign-in, as ``X-Agora-Session`` does for the API.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.responses import Response

from marketplace.bootstrap import Marketplace
from marketplace.parties import services
from marketplace.parties.domain import TokenPair
from marketplace.shared.errors import AuthenticationError
from serving.api.security import ACCESS_COOKIE, CSRF_COOKIE

REFRESH_COOKIE = "agora_refresh"
SID_COOKIE = "agora_sid"
CSRF_FIELD = "csrf"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
log = logging.getLogger("agora.web.session")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _secure(container: Marketplace) -> bool:
    return container.settings.env == "production"


def set_session(response: Response, container: Marketplace, pair: TokenPair) -> None:
    """The cookies of a signed-in browser (after login or a refresh)."""
    secure = _secure(container)
    refresh_age = container.settings.refresh_token_ttl_seconds
    response.set_cookie(ACCESS_COOKIE, pair.access_token, max_age=refresh_age, httponly=True,
                        samesite="lax", secure=secure, path="/")  # fmt: skip
    response.set_cookie(REFRESH_COOKIE, pair.refresh_token, max_age=refresh_age, httponly=True,
                        samesite="lax", secure=secure, path="/")  # fmt: skip


def clear_session(response: Response) -> None:
    for name in (ACCESS_COOKIE, REFRESH_COOKIE):
        response.delete_cookie(name, path="/")


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def login_url(next_path: str) -> str:
    return f"/login?next={quote(next_path, safe='/')}"


def safe_next(value: str | None) -> str:
    """Only a path on this site: never ``//host`` or a scheme (an open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


class WebSessionMiddleware:
    """Refresh an expired browser session before the route runs; give every browser a CSRF
    cookie and an anonymous session id."""

    def __init__(self, app: ASGIApp, container: Callable[[], Marketplace]) -> None:
        self.app = app
        self.container = container

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        headers = MutableHeaders(scope=scope)
        cookies = _cookies(headers.get("cookie", ""))
        outgoing: list[str] = []
        container = self.container()
        if cookies.get(REFRESH_COOKIE) and not _access_valid(container, cookies.get(ACCESS_COOKIE)):
            pair = await run_in_threadpool(_refresh, container, cookies[REFRESH_COOKIE])
            probe = Response()
            if pair is None:
                clear_session(probe)
                cookies.pop(ACCESS_COOKIE, None)
                cookies.pop(REFRESH_COOKIE, None)
            else:
                set_session(probe, container, pair)
                cookies[ACCESS_COOKIE] = pair.access_token
                cookies[REFRESH_COOKIE] = pair.refresh_token
            outgoing += [v.decode("latin-1") for k, v in probe.raw_headers if k == b"set-cookie"]
        # Pages hand out the CSRF cookie and the browsing session; API clients (bearer
        # tokens, API keys) get no cookies they did not ask for.
        page = not scope["path"].startswith(("/api/", "/healthz", "/readyz", "/metrics"))
        for name, make in ((CSRF_COOKIE, new_csrf), (SID_COOKIE, new_csrf)):
            if page and not cookies.get(name):
                cookies[name] = make()
                probe = Response()
                probe.set_cookie(name, cookies[name], max_age=365 * 24 * 3600, samesite="lax",
                                 secure=_secure(container), path="/",
                                 httponly=name == SID_COOKIE)  # fmt: skip
                outgoing += [v.decode("latin-1") for k, v in probe.raw_headers
                             if k == b"set-cookie"]  # fmt: skip
        if outgoing:  # the route sees the cookies as they are after this request
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start" and outgoing:
                out = MutableHeaders(scope=message)
                for value in outgoing:
                    out.append("set-cookie", value)
            await send(message)

        await self.app(scope, receive, send_with_cookies)


def _cookies(header: str) -> dict[str, str]:
    return cookie_parser(header)  # lenient, as Starlette reads request.cookies


def _access_valid(container: Marketplace, token: str | None) -> bool:
    if not token:
        return False
    try:
        container.tokens.verify(token, now=container.clock.now())
    except AuthenticationError:
        return False
    return True


# A page fires several requests at once (the page, htmx fragments, events): all carry the
# same expired access token and the same refresh token, and a refresh token is spent once
# (presenting it again revokes the session). So the first request refreshes and the others
# of the next seconds get the same new pair. Per process; a browser keeps to one process
# behind a sticky load balancer, else the refresh cookie may be spent by another worker.
# (Auth0 calls this a reuse interval; a leaked refresh token is usable that long.)
_GRACE_SECONDS = 30.0
_recent: dict[str, tuple[float, TokenPair]] = {}
_refreshing = threading.Lock()


def _refresh(container: Marketplace, refresh_token: str) -> TokenPair | None:
    key = hashlib.sha256(refresh_token.encode()).hexdigest()
    with _refreshing:
        now = container.clock.now().timestamp()
        for stale in [k for k, (at, _) in _recent.items() if now - at > _GRACE_SECONDS]:
            del _recent[stale]
        if key in _recent:
            return _recent[key][1]
        try:
            pair = services.refresh_session(
                refresh_token, uow=container.uow(), tokens=container.tokens,
                refresh_ttl=timedelta(seconds=container.settings.refresh_token_ttl_seconds),
            )  # fmt: skip
        except AuthenticationError:
            log.info("web session refresh refused; signing the browser out")
            return None
        _recent[key] = (now, pair)
        return pair
