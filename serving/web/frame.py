"""What every page shares: who is reading (``Viewer``), in which language and currency, and
``render``, which fills the frame (``base.html``) around a page's template.

Routes of the web pages take ``Page`` (anyone) or ``SignedIn`` (a signed-in user; anyone
else is sent to the sign-in page and back). Both resolve the session cookie through the
API's own ``resolve_principal``, so a page and ``/api/v1`` agree on who is calling.
Mutations from pages are htmx or fetch requests carrying ``X-CSRF-Token``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from marketplace.bootstrap import Marketplace
from marketplace.companies import queries as company_queries
from marketplace.parties import queries as party_queries
from marketplace.parties import services as parties
from marketplace.shared.errors import AuthenticationError
from serving.api.security import CSRF_COOKIE, resolve_principal
from serving.web.display import CURRENCIES, Display, chosen_currency
from serving.web.i18n import LOCALES, negotiate, pick, translate
from serving.web.session import SID_COOKIE, login_url

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["CURRENCIES"] = CURRENCIES
templates.env.globals["LOCALES"] = LOCALES


@dataclass(frozen=True)
class MerchantRole:
    merchant_id: str
    name: str
    status: str
    role: str


@dataclass(frozen=True)
class Viewer:
    """The signed-in reader of a page."""

    user_id: str
    display_name: str
    email: str
    is_platform_admin: bool
    merchants: tuple[MerchantRole, ...] = ()
    company_id: str | None = None
    company_name: str | None = None
    company_role: str | None = None
    company_currency: str | None = None

    def merchant(self, merchant_id: str) -> MerchantRole | None:
        return next((m for m in self.merchants if m.merchant_id == merchant_id), None)


@dataclass
class PageContext:
    """One request's reader, language and currency display."""

    request: Request
    container: Marketplace
    viewer: Viewer | None
    locale: str
    display: Display
    extra: dict[str, Any] = field(default_factory=dict)

    def t(self, key: str, /, **values: object) -> str:
        return translate(self.locale, key, **values)


def _viewer(container: Marketplace, user_id: str, is_admin: bool) -> Viewer:
    user = parties.get_user(user_id, uow=container.uow())
    merchants = tuple(
        MerchantRole(m.merchant_id, m.merchant_name, m.merchant_status, m.role)
        for m in party_queries.memberships_of(container.engine, user_id)
    )
    with container.engine.connect() as conn:
        company = company_queries.membership_of_user(conn, user_id)
    return Viewer(
        user_id=user_id, display_name=user.display_name or user.email, email=user.email,
        is_platform_admin=is_admin, merchants=merchants,
        company_id=company.company_id if company else None,
        company_name=company.company_name if company else None,
        company_role=company.role if company else None,
        company_currency=company.currency if company else None,
    )  # fmt: skip


async def page_context(request: Request) -> PageContext:
    container: Marketplace = request.app.state.marketplace
    viewer = None
    try:
        principal = await resolve_principal(request, None, None)
    except AuthenticationError:
        principal = None  # a stale cookie reads as signed out; the middleware clears it
    if principal is not None and principal.user_id is not None:
        viewer = await run_in_threadpool(
            _viewer, container, principal.user_id, principal.is_platform_admin
        )
    locale = negotiate(request)
    display = Display(container, locale, chosen_currency(request), container.clock.now().date())
    return PageContext(request, container, viewer, locale, display)


class LoginRequiredError(Exception):
    """Raised by ``SignedIn``; the web app answers with a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


async def signed_in(ctx: Annotated[PageContext, Depends(page_context)]) -> PageContext:
    if ctx.viewer is None:
        request = ctx.request
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequiredError(path)
    return ctx


Page = Annotated[PageContext, Depends(page_context)]
SignedIn = Annotated[PageContext, Depends(signed_in)]


def render(
    ctx: PageContext, template: str, context: dict[str, Any] | None = None, *,
    status_code: int = 200, headers: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    """``template`` with the frame's values: ``t``, ``money``, ``number``, ``viewer``,
    ``lang``, ``ccy``, ``csrf``, ``pick`` (catalogue texts) and ``path``."""
    request = ctx.request
    values = {
        "t": ctx.t, "lang": ctx.locale, "viewer": ctx.viewer, "ccy": ctx.display.currency,
        "money": ctx.display.money, "number": ctx.display.number,
        "percent": ctx.display.percent, "csrf": request.cookies.get(CSRF_COOKIE, ""),
        "sid": request.cookies.get(SID_COOKIE, ""),
        "pick": lambda texts, fallback="": pick(ctx.locale, texts, fallback),
        "path": request.url.path, "query": request.url.query,
        **ctx.extra, **(context or {}),
    }  # fmt: skip
    response = templates.TemplateResponse(request, template, values, status_code=status_code,
                                          headers=headers)  # fmt: skip
    if request.query_params.get("lang") in LOCALES:
        response.set_cookie("agora_lang", ctx.locale, max_age=365 * 24 * 3600, samesite="lax")
    if "ccy" in request.query_params:
        response.set_cookie("agora_ccy", ctx.display.currency or "", max_age=365 * 24 * 3600,
                            samesite="lax")  # fmt: skip
    return response


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def redirect(url: str, request: Request | None = None) -> Response:
    """A redirect that htmx follows too (``HX-Redirect``)."""
    if request is not None and is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def to_login(request: Request, next_path: str) -> Response:
    return redirect(login_url(next_path), request)
