"""Console: price suggestions (what the model suggests, why, and what it expects; accept or
reject through the advice services, as the API does) and demand forecasts (a SKU's history
and forecast with its prediction interval as a band, and the replenishment advice)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from marketplace.advice import queries, services
from marketplace.advice.commands import AcceptPriceSuggestion, RejectPriceSuggestion
from marketplace.advice.domain import PriceSuggestionNotFoundError
from marketplace.advice.domain.suggestions import SuggestionStatus
from marketplace.catalog import queries as catalog
from marketplace.shared.errors import DomainError
from serving.advice.replenishment import Policy, position_dict, replenishment_page
from serving.web.charts import BandPoint, Point, Texts, band_chart
from serving.web.console_catalog import _text
from serving.web.console_paging import Pager, pager
from serving.web.console_scope import Console, ConsoleContext, done, page, refusal

router = APIRouter(include_in_schema=False, tags=["web"])
STATUSES = tuple(s.value for s in SuggestionStatus)
HISTORY_DAYS = 56
MAX_NOTE = 1000
PER_PAGE = 20
GUARDRAILS = (
    "merchant_min",
    "merchant_max",
    "max_step",
    "margin_floor",
    "observed_range",
    "competitor",
)  # fmt: skip  (pricing.domain.Constraint)


def _titles(c: ConsoleContext, product_ids: list[str]) -> dict[str, str]:
    with catalog.read_connection(c.page.container.engine) as conn:
        return catalog.product_titles(conn, product_ids, locale=c.page.locale)


def _suggestions(c: ConsoleContext, status: str | None, at: Pager) -> dict[str, Any]:
    now = c.page.container.clock.now()
    with queries.read_connection(c.page.container.engine) as conn:
        items, key = queries.list_suggestions(conn, c.merchant_id, now=now, status=status,
                                              after=at.after, limit=at.per)  # fmt: skip
    titles = _titles(c, [s["product_id"] for s in items])
    return {"suggestions": items, "titles": titles,
            "pager": at.following(key, f"{c.base}/pricing", status=status or "")}  # fmt: skip


@router.get("/merchant/{merchant_id}/pricing", response_class=HTMLResponse)
async def pricing_page(c: Console, status: str | None = "pending") -> HTMLResponse:
    status = status if status in STATUSES else None
    at = pager(c.page.request, PER_PAGE)
    data = await run_in_threadpool(_suggestions, c, status, at)
    values = {**data, "status": status, "statuses": STATUSES, "guardrails": GUARDRAILS}
    return page(c, "console/pricing.html", "pricing", values)


def _current(c: ConsoleContext, suggestion_id: str) -> dict[str, Any]:
    with queries.read_connection(c.page.container.engine) as conn:
        view = queries.suggestion_view(conn, c.merchant_id, suggestion_id,
                                       now=c.page.container.clock.now())  # fmt: skip
    if view is None:
        raise PriceSuggestionNotFoundError("No such price suggestion.",
                                           suggestion_id=suggestion_id)  # fmt: skip
    return view


@router.post("/merchant/{merchant_id}/pricing/{suggestion_id}/{decision}",
             response_class=HTMLResponse)  # fmt: skip
async def decide(c: Console, suggestion_id: str, decision: str) -> Response:
    """Accept (the list price becomes the suggested one) or reject. A suggestion decided
    already is refused here, saying how it was decided (the API answers a repeated accept
    with the accepted suggestion; a page that shows a decided one has nothing to redo)."""
    if decision not in ("accept", "reject"):
        return refusal(c, "unknown_action", status_code=404)
    note = _text(await c.page.request.form(), "note")[:MAX_NOTE]
    container = c.page.container
    try:
        view = await run_in_threadpool(_current, c, suggestion_id)
        if view["status"] != SuggestionStatus.PENDING.value:
            return refusal(c, f"suggestion_{view['status']}")
        if decision == "accept":
            cmd = AcceptPriceSuggestion(c.merchant_id, suggestion_id, actor_id=c.actor)
            await run_in_threadpool(services.accept_price_suggestion, cmd, uow=container.uow(),
                                    cache=container.cache)  # fmt: skip
        else:
            reject = RejectPriceSuggestion(c.merchant_id, suggestion_id, actor_id=c.actor,
                                           note=note)  # fmt: skip
            await run_in_threadpool(services.reject_price_suggestion, reject, uow=container.uow())
    except DomainError as exc:
        return refusal(c, exc)
    return done(c, "/pricing", decision + "ed")


# -- forecasts ----------------------------------------------------------------------------------
def _forecast(c: ConsoleContext, sku_id: str | None) -> dict[str, Any]:
    container = c.page.container
    now = container.clock.now()
    with queries.read_connection(container.engine) as conn:
        stored = queries.merchant_forecasts(conn, c.merchant_id, limit=100)
        codes = _sku_codes(conn, [f.sku_id for f in stored])
        chosen = sku_id if sku_id in codes else (stored[0].sku_id if stored else None)
        view = queries.forecast_view(conn, c.merchant_id, chosen, now=now,
                                     history_days=HISTORY_DAYS) if chosen else None  # fmt: skip
        advice, _ = replenishment_page(conn, c.merchant_id, policy=Policy(), today=now.date(),
                                       limit=50)  # fmt: skip
    positions = [position_dict(p) for a in advice for p in a.positions]
    return {"skus": codes, "chosen": chosen, "view": view, "positions": positions}


def _sku_codes(conn: Any, sku_ids: list[str]) -> dict[str, str]:
    from sqlalchemy import select

    from marketplace.catalog.adapters.tables import skus

    if not sku_ids:
        return {}
    rows = conn.execute(select(skus.c.id, skus.c.sku_code).where(skus.c.id.in_(sku_ids)))
    found = {r.id: r.sku_code for r in rows}
    return {s: found.get(s, s) for s in sku_ids}


def _chart(c: ConsoleContext, view: dict[str, Any] | None, code: str) -> Any:
    if view is None:
        return None
    t = c.t

    def label(day: str) -> str:
        return date.fromisoformat(day).strftime("%m-%d")

    history = [Point(label(h["date"]), float(h["units"])) for h in view["history"]]
    forecast = [BandPoint(label(f["date"]), float(f["mean"]), f["lower"], f["upper"])
                for f in view["forecast"]]  # fmt: skip
    texts = Texts(
        t("console.forecast.chart", sku=code),
        t("console.forecast.desc", days=len(history), horizon=len(forecast),
          level=round(view["interval_level"] * 100)),
        t("core.chart.table"), t("console.dash.day"), t("console.forecast.units"), t("core.empty"),
    )  # fmt: skip
    headings = (t("console.dash.day"), t("console.forecast.actual"), t("console.forecast.mean"),
                t("console.forecast.lower"), t("console.forecast.upper"))  # fmt: skip
    return band_chart("chart-forecast", history, forecast, texts, headings=headings)


@router.get("/merchant/{merchant_id}/forecast", response_class=HTMLResponse)
async def forecast_page(c: Console, sku: str | None = None) -> HTMLResponse:
    data = await run_in_threadpool(_forecast, c, sku)
    chart = _chart(c, data["view"], data["skus"].get(data["chosen"] or "", ""))
    return page(c, "console/forecast.html", "forecast", {**data, "chart": chart})
