"""The web pages on the API's app: static files, sign-in, the error pages, and each area's
router (storefront, merchant console, B2B buyer, platform admin). See docs/adr/0016."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from marketplace.bootstrap import Marketplace
from marketplace.parties import services as parties
from marketplace.shared.errors import AuthenticationError
from serving.api.security import csrf_ok
from serving.web import admin, b2b, console, store, trade
from serving.web.display import Display, chosen_currency
from serving.web.frame import (
    LoginRequiredError,
    Page,
    PageContext,
    redirect,
    render,
    to_login,
)
from serving.web.i18n import negotiate
from serving.web.session import (
    CSRF_FIELD,
    REFRESH_COOKIE,
    SID_COOKIE,
    clear_session,
    safe_next,
    set_session,
)

STATIC = Path(__file__).parent / "static"
router = APIRouter(include_in_schema=False, tags=["web"])
WEB_PREFIXES = ("/login", "/logout", "/p/", "/c/", "/search", "/cart", "/checkout", "/orders",
                "/merchant", "/b2b", "/admin", "/account", "/s/")  # fmt: skip


def install_web(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(router)
    for area in (store, console, b2b, trade, admin):
        app.include_router(area.router)
    app.state.html_errors = html_error

    @app.exception_handler(LoginRequiredError)
    async def _login(request: Request, exc: LoginRequiredError) -> Response:
        return to_login(request, exc.next_path)


def _is_page(request: Request) -> bool:
    route = request.scope.get("route")
    if route is not None:
        return "web" in (getattr(route, "tags", None) or [])
    path = request.url.path
    return path == "/" or path.startswith(WEB_PREFIXES)


def html_error(request: Request, status: int, code: str, detail: str) -> Response | None:
    """The error page of a web page's request (``serving.api.errors`` asks first)."""
    if not _is_page(request):
        return None
    if status == 401:
        return to_login(request, request.url.path)
    container: Marketplace = request.app.state.marketplace
    locale = negotiate(request)
    display = Display(container, locale, chosen_currency(request), container.clock.now().date())
    ctx = PageContext(request, container, None, locale, display)
    template = "error_fragment.html" if request.headers.get("hx-request") else "error.html"
    known = status if status in (403, 404, 422) else 500 if status >= 500 else None
    return render(ctx, template, {"status": status, "code": code, "detail": detail,
                                  "known": known}, status_code=status)  # fmt: skip


@router.get("/login", response_class=HTMLResponse)
def login_page(ctx: Page, next: str = "/") -> Response:
    if ctx.viewer is not None:
        return redirect(safe_next(next))
    demo = ctx.container.settings.env == "development"  # make demo's accounts, not in production
    return render(ctx, "login.html", {"next": safe_next(next), "failed": False, "demo_hint": demo})


@router.post("/login", response_class=HTMLResponse)
async def login(
    ctx: Page,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2048)] = "/",
    csrf: Annotated[str, Form(alias=CSRF_FIELD, max_length=128)] = "",
) -> Response:
    request, container = ctx.request, ctx.container
    if not csrf_ok(request, csrf):
        return render(ctx, "login.html", {"next": safe_next(next), "failed": True},
                      status_code=403)  # fmt: skip
    try:
        pair = await run_in_threadpool(_login, container, email, password)
    except AuthenticationError:
        return render(ctx, "login.html", {"next": safe_next(next), "failed": True, "email": email},
                      status_code=401)  # fmt: skip
    sid = request.cookies.get(SID_COOKIE)
    if sid:
        from serving.api.routers.events import link_login_session

        await run_in_threadpool(link_login_session, container, pair.access_token, sid)
    response = redirect(safe_next(next))
    set_session(response, container, pair)
    return response


def _login(container: Marketplace, email: str, password: str) -> parties.TokenPair:
    from datetime import timedelta

    return parties.login(
        email.strip(), password, uow=container.uow(), passwords=container.passwords,
        tokens=container.tokens,
        refresh_ttl=timedelta(seconds=container.settings.refresh_token_ttl_seconds),
    )  # fmt: skip


@router.post("/logout")
async def logout(
    request: Request, csrf: Annotated[str, Form(alias=CSRF_FIELD, max_length=128)] = ""
) -> Response:
    if not csrf_ok(request, csrf):
        return Response("CSRF check failed", status_code=403)
    container: Marketplace = request.app.state.marketplace
    refresh = request.cookies.get(REFRESH_COOKIE)
    if refresh:
        await run_in_threadpool(parties.logout, refresh, uow=container.uow())
    response = redirect("/")
    clear_session(response)
    return response
