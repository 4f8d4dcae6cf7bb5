"""Who may open a merchant console page, and what each console page shares.

``Console`` resolves the ``merchant_id`` of the path as the API's ``MerchantScope`` does: an
unknown merchant is 404 ``merchant_not_found``; a reader who is neither one of its members
nor a platform admin is 403 ``merchant_access_denied`` (both the error page)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from marketplace.parties.adapters.tables import merchants
from marketplace.parties.domain import MerchantAccessDeniedError, MerchantNotFoundError
from marketplace.shared.errors import DomainError
from serving.web.frame import PageContext, SignedIn, redirect, render
from serving.web.messages import MESSAGES

SECTIONS = ("dashboard", "products", "stock", "orders", "settlement", "pricing", "forecast")


@dataclass
class ConsoleContext:
    """A console page's reader, acting for one merchant."""

    page: PageContext
    merchant_id: str
    merchant_name: str
    merchant_status: str
    role: str  # merchant_owner | merchant_staff | platform_admin

    @property
    def actor(self) -> str:
        assert self.page.viewer is not None
        return self.page.viewer.user_id

    @property
    def base(self) -> str:
        return f"/merchant/{self.merchant_id}"

    def t(self, key: str, /, **values: object) -> str:
        return self.page.t(key, **values)


def _merchant(ctx: PageContext, merchant_id: str) -> tuple[str, str]:
    with ctx.container.engine.connect() as conn:
        row = conn.execute(
            select(merchants.c.name, merchants.c.status).where(merchants.c.id == merchant_id)
        ).first()
    if row is None:
        raise MerchantNotFoundError(f"No merchant {merchant_id}.")
    return str(row.name), str(row.status)


async def console_context(
    ctx: SignedIn, merchant_id: Annotated[str, Path(max_length=40)]
) -> ConsoleContext:
    viewer = ctx.viewer
    assert viewer is not None
    name, status = await run_in_threadpool(_merchant, ctx, merchant_id)
    member = viewer.merchant(merchant_id)
    if member is not None:
        role = member.role
    elif viewer.is_platform_admin:
        role = "platform_admin"
    else:
        raise MerchantAccessDeniedError("You may not act for this merchant.")
    return ConsoleContext(ctx, merchant_id, name, status, role)


Console = Annotated[ConsoleContext, Depends(console_context)]


def page(c: ConsoleContext, template: str, section: str, values: dict[str, Any],
         *, status_code: int = 200) -> HTMLResponse:  # fmt: skip
    """A console page: the frame, the section's subnav and the merchant picker."""
    notice = c.page.request.query_params.get("done", "")
    key = f"console.done.{notice}"
    common = {
        "c": c, "section": section, "sections": SECTIONS, "base": c.base,
        "notice": c.t(key) if key in MESSAGES else "",
    }  # fmt: skip
    return render(c.page, template, {**common, **values}, status_code=status_code)


def done(c: ConsoleContext, path: str, what: str) -> Response:
    """After a change: back to ``path`` saying what was done (htmx follows HX-Redirect)."""
    sep = "&" if "?" in path else "?"
    return redirect(f"{c.base}{path}{sep}done={what}", c.page.request)


def refusal(c: ConsoleContext, error: DomainError | str, *, status_code: int = 409,
            field: str | None = None) -> HTMLResponse:  # fmt: skip
    """A form's refusal as the fragment htmx swaps into the form's message area: a known
    code in the reader's language, else the service's own words and its code."""
    if isinstance(error, str):
        code, detail = error, ""
    else:
        code, detail = error.code, error.message
        status_code = _status(error)
    key = f"console.refused.{code}"
    text = c.t(key) if key in MESSAGES else detail
    return render(c.page, "console/_refusal.html", {"code": code, "text": text, "field": field},
                  status_code=status_code)  # fmt: skip


def _status(error: DomainError) -> int:
    from serving.api.errors import status_for

    return status_for(error)
