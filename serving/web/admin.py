"""The platform admin's pages (see docs/adr/0016): an overview, merchant onboarding review,
the category tree, commission rules, the models in service and the system's health.

Every page is for platform admins only (anyone else gets the 403 page). Writes go through
the same services as ``/api/v1/admin/...``; the reads are small selects for a few counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from marketplace.bootstrap import Marketplace
from marketplace.catalog import services as catalog
from marketplace.catalog.adapters.tables import categories
from marketplace.catalog.domain.commands import CreateCategory, UpdateCategory
from marketplace.events.adapters.tables import event_consumer_offsets, outbox_events
from marketplace.ordering.adapters.tables import orders
from marketplace.parties import queries as party_queries
from marketplace.parties import services as parties
from marketplace.parties.adapters.tables import merchants
from marketplace.parties.domain import MerchantAction, MerchantStatus, PlatformAdminRequiredError
from marketplace.settlement import queries as settlement_queries
from marketplace.settlement import services as settlement
from marketplace.shared.errors import DomainError
from marketplace.shared.money import Money
from serving.web.display import CURRENCIES
from serving.web.frame import PageContext, SignedIn, render

router = APIRouter(include_in_schema=False, tags=["web"])
PENDING = MerchantStatus.PENDING_REVIEW.value


async def admin_context(ctx: SignedIn) -> PageContext:
    """The page's context, for platform admins only (others: the 403 page)."""
    assert ctx.viewer is not None
    if not ctx.viewer.is_platform_admin:
        raise PlatformAdminRequiredError("Only platform administrators may see this page.")
    return ctx


Admin = Annotated[PageContext, Depends(admin_context)]


def _problem(ctx: PageContext, error: DomainError, prefix: str) -> str:
    """A reader's message for a refused write: the page's own words, then the service's."""
    key = f"{prefix}.{error.code}"
    from serving.web.messages import MESSAGES

    own = ctx.t(key) if key in MESSAGES else ctx.t("admin.refused")
    return f"{own} ({error.message})"


# -- overview ------------------------------------------------------------------------------
def _counts(container: Marketplace) -> dict[str, int]:
    start = datetime.combine(container.clock.now().astimezone(UTC).date(), time(), UTC)
    with container.engine.connect() as conn:
        rows = conn.execute(
            select(merchants.c.status, func.count()).group_by(merchants.c.status)
        ).all()
        by_status: dict[str, int] = {str(status): int(count) for status, count in rows}
        today = conn.execute(
            select(func.count()).select_from(orders).where(orders.c.created_at >= start)
        ).scalar_one()
    return {
        "pending": int(by_status.get(PENDING, 0)),
        "approved": int(by_status.get(MerchantStatus.APPROVED.value, 0)),
        "merchants": int(sum(by_status.values())),
        "orders_today": int(today),
    }


@router.get("/admin", response_class=HTMLResponse)
async def overview(ctx: Admin) -> Response:
    counts = await run_in_threadpool(_counts, ctx.container)
    return render(ctx, "admin/overview.html", {"counts": counts})


# -- merchants -------------------------------------------------------------------------------
def _application(container: Marketplace, merchant_id: str) -> dict[str, Any]:
    merchant = parties.get_merchant(merchant_id, uow=container.uow())
    members = party_queries.members_of(container.engine, merchant_id)
    owner = next((m for m in members if m.role == "merchant_owner"), None)
    return {"merchant": merchant, "owner_email": owner.email if owner else None}


def _merchants_page(
    container: Marketplace, status: str | None, after: str | None
) -> dict[str, Any]:
    pending, _ = party_queries.list_merchants(container.engine, status=PENDING, limit=50)
    rows, last = party_queries.list_merchants(container.engine, status=status, after_id=after,
                                              limit=50)  # fmt: skip
    return {
        "applications": [_application(container, m.id) for m in pending],
        "merchants": rows, "next_after": last, "status": status or "",
        "statuses": [s.value for s in MerchantStatus],
    }  # fmt: skip


@router.get("/admin/merchants", response_class=HTMLResponse)
async def merchants_page(
    ctx: Admin,
    status: Annotated[str | None, Query(max_length=20)] = None,
    after: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    status = status if status in {s.value for s in MerchantStatus} else None
    values = await run_in_threadpool(_merchants_page, ctx.container, status, after)
    return render(ctx, "admin/merchants.html", values)


def _review(
    container: Marketplace, merchant_id: str, action: MerchantAction, admin_id: str,
    reason: str | None,
) -> None:  # fmt: skip
    parties.change_merchant_status(
        merchant_id, action, uow=container.uow(), actor_user_id=admin_id, reason=reason,
        on_visibility_change=container.on_merchant_visibility_change,
    )  # fmt: skip


async def _decide(
    ctx: PageContext, merchant_id: str, action: MerchantAction, reason: str | None
) -> Response:
    assert ctx.viewer is not None
    error, status = None, 200
    try:
        await run_in_threadpool(_review, ctx.container, merchant_id, action, ctx.viewer.user_id,
                                reason)  # fmt: skip
    except DomainError as exc:
        if exc.code == "merchant_not_found":
            raise
        error = _problem(ctx, exc, "admin.merchants")
        status = 409 if exc.code == "illegal_merchant_transition" else 422
    values = await run_in_threadpool(_application, ctx.container, merchant_id)
    done = None if error else action.value
    return render(ctx, "admin/_application.html", {**values, "error": error, "done": done},
                  status_code=status)  # fmt: skip


@router.post("/admin/merchants/{merchant_id}/approve", response_class=HTMLResponse)
async def approve(merchant_id: str, ctx: Admin) -> Response:
    return await _decide(ctx, merchant_id, MerchantAction.APPROVE, None)


@router.post("/admin/merchants/{merchant_id}/reject", response_class=HTMLResponse)
async def reject(
    merchant_id: str, ctx: Admin, reason: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    return await _decide(ctx, merchant_id, MerchantAction.REJECT, reason.strip() or None)


# -- categories ------------------------------------------------------------------------------
def _tree(container: Marketplace) -> list[dict[str, Any]]:
    """Every category, active or not, nested; parents come first (ordered by depth)."""
    c = categories.c
    with container.engine.connect() as conn:
        rows = conn.execute(select(categories).order_by(c.depth, c.position, c.id)).all()
    nodes: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for row in rows:
        node = {"id": row.id, "slug": row.slug, "names": dict(row.names), "position": row.position,
                "is_active": row.is_active, "depth": row.depth, "children": []}  # fmt: skip
        nodes[row.id] = node
        parent = nodes.get(row.parent_id) if row.parent_id else None
        (parent["children"] if parent else roots).append(node)
    return roots


async def _tree_fragment(
    ctx: PageContext, *, notice: str | None = None, error: str | None = None, status: int = 200
) -> Response:
    tree = await run_in_threadpool(_tree, ctx.container)
    return render(ctx, "admin/_tree.html", {"tree": tree, "notice": notice, "error": error},
                  status_code=status)  # fmt: skip


@router.get("/admin/categories", response_class=HTMLResponse)
async def categories_page(ctx: Admin) -> Response:
    tree = await run_in_threadpool(_tree, ctx.container)
    return render(ctx, "admin/categories.html", {"tree": tree, "notice": None, "error": None})


def _names(en: str, zh: str) -> dict[str, str]:
    return {tag: name.strip() for tag, name in (("en", en), ("zh", zh)) if name.strip()}


@router.post("/admin/categories", response_class=HTMLResponse)
async def add_category(
    ctx: Admin,
    name_en: Annotated[str, Form(max_length=200)] = "",
    name_zh: Annotated[str, Form(max_length=200)] = "",
    parent_id: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    cmd = CreateCategory(names=_names(name_en, name_zh), parent_id=parent_id or None)
    try:
        created = await run_in_threadpool(catalog.create_category, cmd, uow=ctx.container.uow())
    except DomainError as exc:
        return await _tree_fragment(ctx, error=_problem(ctx, exc, "admin.categories"), status=422)
    name = created.names.get(ctx.locale) or next(iter(created.names.values()))
    return await _tree_fragment(ctx, notice=ctx.t("admin.categories.added", name=name))


@router.post("/admin/categories/{category_id}", response_class=HTMLResponse)
async def update_category(
    category_id: str,
    ctx: Admin,
    name_en: Annotated[str, Form(max_length=200)] = "",
    name_zh: Annotated[str, Form(max_length=200)] = "",
    position: Annotated[int, Form(ge=0, le=100_000)] = 0,
    is_active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    names = _names(name_en, name_zh)
    cmd = UpdateCategory(category_id, names=names, position=position,
                         is_active=is_active == "on")  # fmt: skip
    try:
        await run_in_threadpool(catalog.update_category, cmd, uow=ctx.container.uow())
    except DomainError as exc:
        return await _tree_fragment(ctx, error=_problem(ctx, exc, "admin.categories"), status=422)
    name = names.get(ctx.locale) or next(iter(names.values()), category_id)
    return await _tree_fragment(ctx, notice=ctx.t("admin.categories.saved", name=name))


# -- commission rules --------------------------------------------------------------------------
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


def _rule_command(form: Mapping[str, str]) -> settlement.CreateCommissionRule:
    floors = tuple(
        Money.of(form[f"floor_{code}"].strip(), code)
        for code in CURRENCIES
        if form.get(f"floor_{code}", "").strip()
    )
    return settlement.CreateCommissionRule(
        scope=form.get("scope", ""), rate=form.get("rate", "").strip(),
        scope_id=form.get("scope_id", "").strip() or None, floors=floors,
        note=form.get("note", "").strip() or None,
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
                                  error=_problem(ctx, exc, "admin.commissions"))  # fmt: skip
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
        return await _commissions(ctx, status=422, error=_problem(ctx, exc, "admin.commissions"))
    key = "admin.commissions.activated" if is_active == "true" else "admin.commissions.deactivated"
    return await _commissions(ctx, notice=ctx.t(key))


# -- models and health -------------------------------------------------------------------------
def _models(request: Request, container: Marketplace) -> dict[str, Any]:
    """What ``GET /api/v1/models`` answers, as the page shows it."""
    from serving.advice.champions import recorded_models, registered_champions
    from serving.api.routers.models import FAMILIES
    from serving.api.routers.recommendations import recs_runtime
    from serving.api.schemas.models import AdviceChampionsRead, MlflowSyncRead

    runtime = recs_runtime(request)
    report = runtime.mlflow.last_report if runtime.mlflow is not None else None
    recorded = recorded_models(container.engine)
    settings = container.settings
    champions = (
        AdviceChampionsRead.of(registered_champions(settings.mlflow_tracking_uri), recorded)
        if settings.recs_mlflow_sync
        else None
    )
    return {
        "models": [entry for family in FAMILIES for entry in family(request)],
        "recs_load_error": runtime.registry.last_error,
        "mlflow_sync": MlflowSyncRead.of(report) if report is not None else None,
        "advice": recorded, "champions": champions,
    }  # fmt: skip


@router.get("/admin/models", response_class=HTMLResponse)
async def models_page(ctx: Admin) -> Response:
    values = await run_in_threadpool(_models, ctx.request, ctx.container)
    return render(ctx, "admin/models.html", values)


def _check(probe: Any) -> str:
    try:
        result = probe()
    except Exception as exc:  # a probe reports, it does not raise
        return f"error: {type(exc).__name__}"
    return "ok" if result is not False else "error: no answer"


def _event_lag(container: Marketplace) -> dict[str, Any]:
    """How far behind the events are: outbox rows not yet relayed (with Redis), or how far
    each consumer group has read the outbox table (without)."""
    o = outbox_events.c
    now = container.clock.now()
    with container.engine.connect() as conn:
        waiting, oldest = conn.execute(
            select(func.count(), func.min(o.occurred_at)).where(o.published_at.is_(None))
        ).one()
        newest = conn.execute(select(func.max(o.id))).scalar_one() or 0
        groups = conn.execute(select(event_consumer_offsets)).all()
    return {
        "streamed": container.has_redis,
        "unpublished": int(waiting) if container.has_redis else None,
        "oldest_age": (now - oldest).total_seconds() if container.has_redis and oldest else None,
        "groups": [{"name": g.consumer_group, "behind": int(newest) - int(g.last_outbox_id),
                    "updated_at": g.updated_at} for g in groups],
    }  # fmt: skip


def _health(request: Request, container: Marketplace) -> dict[str, Any]:
    from serving.api.routers.recommendations import recs_runtime

    checks = {"database": _check(container.check_database)}
    if container.has_redis:
        checks["redis"] = _check(container.cache.ping)
    runtime = recs_runtime(request)
    served = runtime.served()
    jobs = container.settings.jobs_in_process_seconds
    return {
        "checks": checks, "ready": all(v == "ok" for v in checks.values()),
        "served": served, "recs_load_error": runtime.registry.last_error,
        "jobs_seconds": jobs, "lag": _event_lag(container),
        "checked_at": container.clock.now(),
    }  # fmt: skip


@router.get("/admin/health", response_class=HTMLResponse)
async def health_page(ctx: Admin) -> Response:
    values = await run_in_threadpool(_health, ctx.request, ctx.container)
    return render(ctx, "admin/health.html", values)
