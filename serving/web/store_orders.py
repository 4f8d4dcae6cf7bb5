"""The buyer's orders: the list, an order with its tracking and history, paying an unpaid
order, and asking for a refund."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from marketplace.ordering import queries as order_queries
from marketplace.ordering.domain import Order
from marketplace.ordering.domain.errors import OrderNotFoundError
from marketplace.payments.services import RequestRefund, request_refund
from marketplace.shared.errors import DomainError
from serving.api.pagination import decode_cursor, encode_cursor
from serving.web.frame import PageContext, SignedIn, redirect, render
from serving.web.store_cart import _pay
from serving.web.store_common import _ID_RE, IdPath, _merchant_names, _methods

router = APIRouter(include_in_schema=False, tags=["web"])


def _orders_data(ctx: PageContext, cursor: str | None, group: str | None) -> dict[str, Any]:
    assert ctx.viewer is not None
    with ctx.container.engine.connect() as conn:
        items, key = order_queries.list_orders(conn, buyer_id=ctx.viewer.user_id,
                                               after=decode_cursor(cursor), limit=20)  # fmt: skip
    with ctx.container.uow() as uow:
        names = _merchant_names(uow, {o["merchant_id"] for o in items})
    return {"orders": items, "names": names, "next_cursor": encode_cursor(key),
            "group": group if group and _ID_RE.fullmatch(group) else None}  # fmt: skip


@router.get("/orders", response_class=HTMLResponse)
async def orders_page(
    ctx: SignedIn,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
    group: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    data = await run_in_threadpool(_orders_data, ctx, cursor, group)
    return render(ctx, "store/orders.html", {**data, "cursor": cursor})


def _tracking(history: list[Any]) -> str | None:
    shipped = [h for h in history if str(h.to_status) == "shipped"]
    return shipped[-1].reason or None if shipped else None


def _order_data(ctx: PageContext, order_id: str) -> dict[str, Any]:
    with ctx.container.uow() as uow:
        order: Order | None = uow.orders.get(order_id)
        if order is None or ctx.viewer is None or order.buyer_id != ctx.viewer.user_id:
            raise OrderNotFoundError("No such order.", order_id=order_id)
        history = uow.orders.history(order_id)
        refunds = uow.refunds.of_order(order_id)
        siblings = [o for o in uow.orders.of_group(order.group_id) if o.id != order_id]
        names = _merchant_names(uow, {order.merchant_id} | {o.merchant_id for o in siblings})
    now = ctx.container.clock.now()
    return {"order": order, "history": history, "refunds": refunds, "siblings": siblings,
            "names": names, "tracking": _tracking(history), "methods": _methods(ctx),
            "payable": str(order.status) == "pending_payment" and order.expires_at > now,
            "refundable": str(order.status) in REFUNDABLE
            and order.refunded < order.total}  # fmt: skip


REFUNDABLE = ("paid", "fulfilling", "shipped", "delivered", "completed")


@router.get("/orders/{order_id}", response_class=HTMLResponse)
async def order_page(ctx: SignedIn, order_id: IdPath) -> HTMLResponse:
    data = await run_in_threadpool(_order_data, ctx, order_id)
    return render(ctx, "store/order.html", data)


@router.post("/orders/{order_id}/pay")
async def pay_order(
    ctx: SignedIn, order_id: IdPath, method: Annotated[str, Form(max_length=20)] = "sandbox"
) -> Response:
    await run_in_threadpool(_order_data, ctx, order_id)  # the buyer's own, else 404
    url = await run_in_threadpool(lambda: _pay(ctx, method, order_ids=(order_id,),
                                               back=f"/orders/{order_id}"))  # fmt: skip
    return redirect(url, ctx.request)


@router.post("/orders/{order_id}/refunds", response_class=HTMLResponse)
async def ask_refund(
    ctx: SignedIn, order_id: IdPath, reason: Annotated[str, Form(max_length=300)] = ""
) -> HTMLResponse:
    error = None
    if not reason.strip():
        error = ctx.t("store.refund.reason_required")
    else:
        assert ctx.viewer is not None
        cmd = RequestRefund(order_id=order_id, reason=reason.strip(), buyer_id=ctx.viewer.user_id)
        try:
            await run_in_threadpool(lambda: request_refund(cmd, uow=ctx.container.uow()))
        except OrderNotFoundError:
            raise
        except DomainError as exc:
            error = exc.message
    data = await run_in_threadpool(_order_data, ctx, order_id)
    return render(ctx, "store/_refunds.html", {**data, "error": error},
                  status_code=422 if error else 200)  # fmt: skip
