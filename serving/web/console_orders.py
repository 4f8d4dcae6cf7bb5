"""Console: the merchant's (sub-)orders (list, detail, start fulfilment, ship with a carrier
and tracking number, mark delivered), refund requests (approve, reject) and settlement
(balance, statements, payouts), through the services the API's routers use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from marketplace.ordering import queries
from marketplace.ordering.commands import ChangeOrderStatus
from marketplace.ordering.domain import OrderStatus
from marketplace.ordering.domain.errors import OrderNotFoundError
from marketplace.ordering.services import change_status
from marketplace.ordering.services.views import history_dict, order_dict
from marketplace.payments.services import (
    DecideRefund,
    confirm_return,
    decide_refund,
    process_refund,
)
from marketplace.settlement import queries as settlement
from marketplace.shared.errors import DomainError
from serving.api.routers.payments import refund_dict
from serving.web.console_catalog import Problems, _invalid, _text
from serving.web.console_paging import Pager, pager
from serving.web.console_scope import Console, ConsoleContext, done, page, refusal

router = APIRouter(include_in_schema=False, tags=["web"])
MAX_REASON = 300
PER_PAGE = 50
Json = dict[str, Any]


def _orders(c: ConsoleContext, status: str | None, at: Pager) -> tuple[list[Json], Pager]:
    with c.page.container.engine.connect() as conn:
        items, key = queries.list_orders(conn, merchant_id=c.merchant_id, status=status,
                                         after=at.after, limit=at.per)  # fmt: skip
    return items, at.following(key, f"{c.base}/orders", status=status)


@router.get("/merchant/{merchant_id}/orders", response_class=HTMLResponse)
async def orders_page(c: Console, status: str | None = None) -> HTMLResponse:
    status = status if status in {s.value for s in OrderStatus} else None
    at = pager(c.page.request, PER_PAGE)
    items, at = await run_in_threadpool(_orders, c, status, at)
    return page(c, "console/orders.html", "orders", {
        "orders": items, "status": status, "statuses": [s.value for s in OrderStatus],
        "pager": at,
    })  # fmt: skip


def _order(c: ConsoleContext, order_id: str) -> dict[str, Any]:
    with c.page.container.uow() as uow:
        order = uow.orders.get(order_id)
        if order is None or order.merchant_id != c.merchant_id:
            raise OrderNotFoundError("No such order.", order_id=order_id)
        history = uow.orders.history(order_id)
        refunds = uow.refunds.of_order(order_id)
    return {**order_dict(order, merchant_view=True),
            "history": [history_dict(h) for h in history],
            "refunds": [refund_dict(r) for r in refunds]}  # fmt: skip


@router.get("/merchant/{merchant_id}/orders/{order_id}", response_class=HTMLResponse)
async def order_page(c: Console, order_id: str) -> HTMLResponse:
    order = await run_in_threadpool(_order, c, order_id)
    return page(c, "console/order.html", "orders", {"order": order})


async def _move(c: ConsoleContext, order_id: str, target: str, reason: str) -> Response:
    cmd = ChangeOrderStatus(order_id, target, actor=f"merchant:{c.actor}", reason=reason,
                            merchant_id=c.merchant_id)  # fmt: skip
    try:
        await run_in_threadpool(change_status, cmd, uow=c.page.container.uow())
    except DomainError as exc:
        return refusal(c, exc)
    return done(c, f"/orders/{order_id}", target)


@router.post("/merchant/{merchant_id}/orders/{order_id}/fulfil", response_class=HTMLResponse)
async def fulfil_order(c: Console, order_id: str) -> Response:
    return await _move(c, order_id, "fulfilling", "")


@router.post("/merchant/{merchant_id}/orders/{order_id}/ship", response_class=HTMLResponse)
async def ship_order(c: Console, order_id: str) -> Response:
    """Shipped with a carrier and a tracking number (the status change's reason, as the
    API's ship endpoint records them)."""
    form = await c.page.request.form()
    carrier, tracking = _text(form, "carrier"), _text(form, "tracking")
    problems = Problems()
    if not carrier:
        problems.add("carrier", "console.form.carrier_required")
    if not tracking or len(tracking) > 100 or any(ch.isspace() for ch in tracking):
        problems.add("tracking", "console.form.tracking_required")
    if problems:
        return _invalid(c, problems)
    return await _move(c, order_id, "shipped", f"{carrier[:100]} {tracking}")


@router.post("/merchant/{merchant_id}/orders/{order_id}/deliver", response_class=HTMLResponse)
async def deliver_order(c: Console, order_id: str) -> Response:
    return await _move(c, order_id, "delivered", "")


def _decide(c: ConsoleContext, refund_id: str, approve: bool, note: str, restock: bool) -> str:
    container = c.page.container
    refund = decide_refund(DecideRefund(refund_id, c.merchant_id, approve=approve, note=note,
                                        restock=restock), uow=container.uow())  # fmt: skip
    if str(refund.status) == "pending":  # approved, nothing to return: send it now
        process_refund(refund.id, uow=container.uow(), gateways=container.gateways,
                       notify_url=container.notify_url)  # fmt: skip
    return refund.order_id


def _receive(c: ConsoleContext, refund_id: str) -> str:
    container = c.page.container
    refund = confirm_return(refund_id, merchant_id=c.merchant_id, uow=container.uow())
    process_refund(refund.id, uow=container.uow(), gateways=container.gateways,
                   notify_url=container.notify_url)  # fmt: skip
    return refund.order_id


@router.post("/merchant/{merchant_id}/refunds/{refund_id}/{decision}",
             response_class=HTMLResponse)  # fmt: skip
async def decide(c: Console, refund_id: str, decision: str) -> Response:
    if decision == "receive":  # the returned goods arrived: restock, then send the refund
        try:
            order_id = await run_in_threadpool(_receive, c, refund_id)
        except DomainError as exc:
            return refusal(c, exc)
        return done(c, f"/orders/{order_id}", "refund_receive")
    if decision not in ("approve", "reject"):
        return refusal(c, "unknown_action", status_code=404)
    form = await c.page.request.form()
    note = _text(form, "note")[:MAX_REASON]
    approve = decision == "approve"
    work: Callable[..., str] = _decide
    try:
        order_id = await run_in_threadpool(work, c, refund_id, approve, note,
                                           form.get("restock") == "on")  # fmt: skip
    except DomainError as exc:
        return refusal(c, exc)
    return done(c, f"/orders/{order_id}", "refund_" + decision)


# -- settlement ---------------------------------------------------------------------------------
def _settlement(c: ConsoleContext) -> dict[str, Any]:
    engine = c.page.container.engine
    return {
        "balances": settlement.merchant_balances(engine, c.merchant_id),
        "statements": settlement.list_statements(engine, c.merchant_id, limit=24).items,
        "payouts": settlement.list_payouts(engine, merchant_id=c.merchant_id, limit=24).items,
    }


@router.get("/merchant/{merchant_id}/settlement", response_class=HTMLResponse)
async def settlement_page(c: Console) -> HTMLResponse:
    return page(c, "console/settlement.html", "settlement",
                await run_in_threadpool(_settlement, c))  # fmt: skip
