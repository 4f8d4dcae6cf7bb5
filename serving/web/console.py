"""The merchant console (see docs/adr/0016): ``/merchant/{merchant_id}/...`` for the
merchant's members and platform admins. This module holds the picker and the dashboard and
includes the sections' routers: products and stock (``console_catalog``), orders, refunds
and settlement (``console_orders``), pricing suggestions and forecasts (``console_advice``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from marketplace.advice import queries as advice_queries
from serving.web import console_advice, console_catalog, console_orders
from serving.web.charts import Point, Texts, bar_chart, line_chart
from serving.web.console_data import Dashboard, dashboard
from serving.web.console_scope import Console, ConsoleContext, page
from serving.web.display import plain
from serving.web.frame import SignedIn, redirect, render

router = APIRouter(include_in_schema=False, tags=["web"])
for _section in (console_catalog, console_orders, console_advice):
    router.include_router(_section.router)


@router.get("/merchant", response_class=HTMLResponse)
def picker(ctx: SignedIn) -> Response:
    """The merchants the reader works for; straight to the console when there is one."""
    assert ctx.viewer is not None
    chosen = ctx.request.query_params.get("merchant")
    if chosen and ctx.viewer.merchant(chosen):
        return redirect(f"/merchant/{chosen}")
    if len(ctx.viewer.merchants) == 1:
        return redirect(f"/merchant/{ctx.viewer.merchants[0].merchant_id}")
    return render(ctx, "console/picker.html", {})


def _pending_suggestions(c: ConsoleContext) -> int:
    container = c.page.container
    with advice_queries.read_connection(container.engine) as conn:
        items, _ = advice_queries.list_suggestions(conn, c.merchant_id, now=container.clock.now(),
                                                   status="pending", limit=100)  # fmt: skip
    return len(items)


def _board(c: ConsoleContext) -> tuple[Dashboard, int]:
    container = c.page.container
    with container.engine.connect() as conn:
        board = dashboard(conn, c.merchant_id, today=container.clock.now().date())
    return board, _pending_suggestions(c)


def _charts(c: ConsoleContext, board: Dashboard) -> dict[str, Any]:
    money, t = plain, c.t
    sales = [Point(d.day.strftime("%m-%d"), float(d.net.amount), money(d.net))
             for d in board.sales]  # fmt: skip
    counts = [Point(d.day.strftime("%m-%d"), float(d.orders)) for d in board.sales]
    top = [Point(p.title, float(p.net.amount), money(p.net)) for p in board.top]
    ccy = board.currency or ""
    return {
        "sales_chart": line_chart("chart-sales", sales, Texts(
            t("console.dash.sales_chart", currency=ccy),
            t("console.dash.sales_desc", first=board.first.isoformat(),
              last=board.last.isoformat(), currency=ccy),
            t("core.chart.table"), t("console.dash.day"), t("console.dash.net_sales"),
            t("core.empty"))),
        "orders_chart": bar_chart("chart-orders", counts, Texts(
            t("console.dash.orders_chart"), t("console.dash.orders_desc"),
            t("core.chart.table"), t("console.dash.day"), t("console.dash.orders"),
            t("core.empty"))),
        "top_chart": bar_chart("chart-top", top, Texts(
            t("console.dash.top_chart", currency=ccy), t("console.dash.top_desc"),
            t("core.chart.table"), t("console.dash.product"), t("console.dash.net_sales"),
            t("console.dash.no_sales"))),
    }  # fmt: skip


@router.get("/merchant/{merchant_id}", response_class=HTMLResponse)
async def dashboard_page(c: Console) -> HTMLResponse:
    board, pending = await run_in_threadpool(_board, c)
    to_ship = board.by_status.get("paid", 0) + board.by_status.get("fulfilling", 0)
    values = {"board": board, "pending": pending, "to_ship": to_ship, **_charts(c, board)}
    return page(c, "console/dashboard.html", "dashboard", values)
