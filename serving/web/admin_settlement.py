"""The admin's commission rules (see docs/adr/0016): create a rule (rate, floors and caps per
currency, an effective period) and pause or resume one, through the settlement services as
``/api/v1/admin/commission-rules`` does."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from marketplace.bootstrap import Marketplace
from marketplace.settlement import queries as settlement_queries
from marketplace.settlement import services as settlement
from marketplace.settlement.domain.errors import InvalidCommissionRuleError
from marketplace.shared.errors import DomainError
from marketplace.shared.money import Money
from serving.web.admin_scope import Admin, problem
from serving.web.display import CURRENCIES
from serving.web.frame import PageContext, render

router = APIRouter(include_in_schema=False, tags=["web"])


def _rules(container: Marketplace) -> list[Any]:
    page = settlement_queries.list_commission_rules(
        container.engine, scope=None, scope_id=None, include_archived=False, limit=200,
        after=None,
    )  # fmt: skip
    return list(page.items)


async def _commissions(
    ctx: PageContext, *, form: Mapping[str, str] | None = None, notice: str | None = None,
    error: str | None = None, status: int = 200, template: str = "admin/_commissions.html",
) -> Response:  # fmt: skip
    rules = await run_in_threadpool(_rules, ctx.container)
    values = {"rules": rules, "form": form or {}, "notice": notice, "error": error,
              "currencies": CURRENCIES}  # fmt: skip
    return render(ctx, template, values, status_code=status)


@router.get("/admin/commissions", response_class=HTMLResponse)
async def commissions_page(ctx: Admin) -> Response:
    return await _commissions(ctx, template="admin/commissions.html")


def _limits(form: Mapping[str, str], kind: str) -> tuple[Money, ...]:
    """The floors or caps typed in, one per currency; empty boxes are no limit."""
    return tuple(
        Money.of(form[f"{kind}_{code}"].strip(), code)
        for code in CURRENCIES
        if form.get(f"{kind}_{code}", "").strip()
    )


def _day(form: Mapping[str, str], name: str) -> datetime | None:
    """A date box as 00:00 UTC that day; empty: no bound."""
    text = form.get(name, "").strip()
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), time(), UTC)
    except ValueError:
        raise InvalidCommissionRuleError(
            f"{text!r} is not a date (YYYY-MM-DD).", code="invalid_effective_period", field=name
        ) from None


def _rule_command(form: Mapping[str, str]) -> settlement.CreateCommissionRule:
    return settlement.CreateCommissionRule(
        scope=form.get("scope", ""), rate=form.get("rate", "").strip(),
        scope_id=form.get("scope_id", "").strip() or None, floors=_limits(form, "floor"),
        caps=_limits(form, "cap"), effective_from=_day(form, "effective_from"),
        effective_to=_day(form, "effective_to"), note=form.get("note", "").strip() or None,
    )  # fmt: skip


@router.post("/admin/commissions", response_class=HTMLResponse)
async def create_commission(ctx: Admin, request: Request) -> Response:
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str) and len(v) <= 500}
    try:
        cmd = _rule_command(form)
        rule = await run_in_threadpool(
            settlement.create_commission_rule, cmd, uow=ctx.container.uow()
        )
    except DomainError as exc:
        return await _commissions(ctx, form=form, status=422,
                                  error=problem(ctx, exc, "admin.commissions"))  # fmt: skip
    notice = ctx.t("admin.commissions.created", rate=ctx.display.percent(rule.rate, 2))
    return await _commissions(ctx, notice=notice)


@router.post("/admin/commissions/{rule_id}/active", response_class=HTMLResponse)
async def set_commission_active(
    rule_id: str, ctx: Admin, is_active: Annotated[str, Form(max_length=5)] = ""
) -> Response:
    cmd = settlement.UpdateCommissionRule(rule_id, {"is_active": is_active == "true"})
    try:
        await run_in_threadpool(settlement.update_commission_rule, cmd, uow=ctx.container.uow())
    except DomainError as exc:
        return await _commissions(ctx, status=422, error=problem(ctx, exc, "admin.commissions"))
    key = "admin.commissions.activated" if is_active == "true" else "admin.commissions.deactivated"
    return await _commissions(ctx, notice=ctx.t(key))
