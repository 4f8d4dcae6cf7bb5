"""The platform admin's pages (see docs/adr/0016): an overview, merchant onboarding review
(approve, reject, suspend, reinstate), the models in service and the system's health. The
category tree (``admin_catalog``) and the commission rules (``admin_settlement``) are
sections whose routers this one includes.

Every page is for platform admins only (anyone else gets the 403 page). Writes go through
the same services as ``/api/v1/admin/...``; the reads are small selects for a few counts.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from marketplace.bootstrap import Marketplace
from marketplace.events.adapters.tables import event_consumer_offsets, outbox_events
from marketplace.ordering.adapters.tables import orders
from marketplace.parties import queries as party_queries
from marketplace.parties import services as parties
from marketplace.parties.adapters.tables import merchants
from marketplace.parties.domain import (
    IllegalMerchantTransitionError,
    MerchantAction,
    MerchantStatus,
)
from marketplace.shared.errors import DomainError
from serving.web import admin_catalog, admin_settlement
from serving.web.admin_scope import Admin, problem
from serving.web.frame import PageContext, render

router = APIRouter(include_in_schema=False, tags=["web"])
for _section in (admin_catalog, admin_settlement):
    router.include_router(_section.router)
PENDING = MerchantStatus.PENDING_REVIEW.value


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


async def _apply(
    ctx: PageContext, merchant_id: str, action: MerchantAction, reason: str | None
) -> tuple[DomainError | None, int]:
    """Move the merchant along its status machine: the refusal and its HTTP status, or
    (None, 200). An unknown merchant is the 404 page."""
    assert ctx.viewer is not None
    try:
        await run_in_threadpool(_review, ctx.container, merchant_id, action, ctx.viewer.user_id,
                                reason)  # fmt: skip
    except DomainError as exc:
        if exc.code == "merchant_not_found":
            raise
        return exc, 409 if isinstance(exc, IllegalMerchantTransitionError) else 422
    return None, 200


async def _decide(
    ctx: PageContext, merchant_id: str, action: MerchantAction, reason: str | None
) -> Response:
    refused, status = await _apply(ctx, merchant_id, action, reason)
    error = problem(ctx, refused, "admin.merchants") if refused else None
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


# Suspending hides an approved merchant's shop and products; reinstating shows them again.
# The status machine (marketplace.parties.domain.TRANSITIONS) decides what is allowed.
def _refusal(ctx: PageContext, error: DomainError, action: MerchantAction, status: str) -> str:
    if isinstance(error, IllegalMerchantTransitionError):
        return ctx.t(
            f"admin.merchants.cannot.{action.value}", status=ctx.t(f"admin.status.{status}")
        )
    if error.code == "reason_required":
        return ctx.t("admin.merchants.suspend_reason_required")
    return problem(ctx, error, "admin.merchants")


async def _standing(
    ctx: PageContext, merchant_id: str, action: MerchantAction, reason: str | None
) -> Response:
    """Suspend or reinstate, then the merchant's row as it now stands (with why not)."""
    error, status = await _apply(ctx, merchant_id, action, reason)
    merchant = await run_in_threadpool(parties.get_merchant, merchant_id, uow=ctx.container.uow())
    values = {
        "m": merchant,
        "done": None if error else action.value,
        "error": _refusal(ctx, error, action, merchant.status.value) if error else None,
    }
    return render(ctx, "admin/_merchant_row.html", values, status_code=status)  # fmt: skip


@router.post("/admin/merchants/{merchant_id}/suspend", response_class=HTMLResponse)
async def suspend(
    merchant_id: str, ctx: Admin, reason: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    return await _standing(ctx, merchant_id, MerchantAction.SUSPEND, reason.strip() or None)


@router.post("/admin/merchants/{merchant_id}/reinstate", response_class=HTMLResponse)
async def reinstate(
    merchant_id: str, ctx: Admin, reason: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    return await _standing(ctx, merchant_id, MerchantAction.REINSTATE, reason.strip() or None)


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
