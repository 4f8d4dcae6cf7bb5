"""Checkout and orders: buyers place and follow their orders; merchants fulfil theirs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, status

from marketplace.ordering import queries
from marketplace.ordering.commands import ChangeOrderStatus, LineRequest, PlaceCheckout
from marketplace.ordering.domain import Channel
from marketplace.ordering.domain.errors import CheckoutNotFoundError, OrderNotFoundError
from marketplace.ordering.services import change_status, place_checkout
from marketplace.ordering.services.views import group_dict, history_dict, order_dict
from marketplace.shared.money import Money
from serving.api.deps import App
from serving.api.pagination import decode_cursor, encode_cursor
from serving.api.schemas.orders import CheckoutCreate, JsonObject, StatusChangeIn
from serving.api.security import CurrentUser, MerchantScope, Principal

router = APIRouter(tags=["orders"])

_Responses = dict[int | str, dict[str, Any]]
_AUTH: _Responses = {401: {"description": "not_authenticated"}}
_SCOPED: _Responses = {
    401: {"description": "not_authenticated"},
    403: {"description": "merchant_access_denied"},
    404: {"description": "merchant_not_found / order_not_found"},
}
_MOVE: _Responses = {
    409: {"description": "illegal_order_transition / order_changed"},
    403: {"description": "order_move_not_allowed"},
}
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
Limit = Annotated[int, Query(ge=1, le=100)]
StatusFilter = Annotated[
    str | None, Query(alias="status", description="Only orders in this status")
]


def _buyer(principal: Principal) -> str:
    assert principal.user_id is not None  # CurrentUser refuses API keys
    return principal.user_id


@router.post(
    "/checkout",
    status_code=status.HTTP_201_CREATED,
    summary="Place a checkout: one order per merchant, stock held, one payment to make",
    responses={
        **_AUTH,
        409: {"description": "checkout_lines_unavailable / insufficient_stock / price_changed"},
        422: {"description": "cart_empty / invalid_checkout / invalid_delivery_option"},
    },
)
def create_checkout(
    body: CheckoutCreate,
    principal: CurrentUser,
    container: App,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JsonObject:
    expected = body.expected_total
    cmd = PlaceCheckout(
        buyer_id=_buyer(principal), address=body.address.to_domain(),
        delivery_option=body.delivery_option, channel=Channel(body.channel), currency=body.currency,
        member_level=principal.member_level, locale=body.locale,
        lines=tuple(LineRequest(x.sku_id, x.quantity) for x in body.lines) if body.lines else None,
        expected_total=Money.of(expected.amount, expected.currency) if expected else None,
        idempotency_key=idempotency_key,
    )  # fmt: skip
    group = place_checkout(cmd, uow=container.uow(), charges=container.charges)
    return group_dict(group)


@router.get(
    "/checkout/{group_id}",
    summary="A checkout group with its orders",
    responses={**_AUTH, 404: {"description": "checkout_not_found"}},
)
def get_checkout(group_id: str, principal: CurrentUser, container: App) -> JsonObject:
    with container.uow() as uow:
        group = uow.orders.get_group(group_id)
    if group is None or group.buyer_id != principal.user_id:
        raise CheckoutNotFoundError("No such checkout.", group_id=group_id)
    return group_dict(group)


@router.get("/orders", summary="Your orders, newest first", responses=_AUTH)
def list_my_orders(
    principal: CurrentUser, container: App, cursor: Cursor = None, limit: Limit = 20,
    status_: StatusFilter = None,
) -> JsonObject:  # fmt: skip
    with container.engine.connect() as conn:
        items, key = queries.list_orders(conn, buyer_id=_buyer(principal), status=status_,
                                         after=decode_cursor(cursor), limit=limit)  # fmt: skip
    return {"items": items, "next_cursor": encode_cursor(key)}


@router.get(
    "/orders/{order_id}",
    summary="One of your orders, with its status history",
    responses={**_AUTH, 404: {"description": "order_not_found"}},
)
def get_my_order(order_id: str, principal: CurrentUser, container: App) -> JsonObject:
    with container.uow() as uow:
        order = uow.orders.get(order_id)
        if order is None or order.buyer_id != principal.user_id:
            raise OrderNotFoundError("No such order.", order_id=order_id)
        history = uow.orders.history(order_id)
    return {**order_dict(order), "history": [history_dict(h) for h in history]}


def _buyer_move(order_id: str, target: str, body: StatusChangeIn, principal: Principal,
                container: App) -> JsonObject:  # fmt: skip
    cmd = ChangeOrderStatus(order_id, target, actor=f"user:{principal.user_id}",
                            reason=body.reason, buyer_id=_buyer(principal))  # fmt: skip
    return order_dict(change_status(cmd, uow=container.uow()))


@router.post(
    "/orders/{order_id}/cancel",
    summary="Cancel an unpaid order (stock released)",
    responses={**_AUTH, **_MOVE, 404: {"description": "order_not_found"}},
)
def cancel_order(order_id: str, body: StatusChangeIn, principal: CurrentUser,
                 container: App) -> JsonObject:  # fmt: skip
    return _buyer_move(order_id, "cancelled", body, principal, container)


@router.post(
    "/orders/{order_id}/confirm-delivery",
    summary="The goods arrived",
    responses={**_AUTH, **_MOVE, 404: {"description": "order_not_found"}},
)
def confirm_delivery(order_id: str, body: StatusChangeIn, principal: CurrentUser,
                     container: App) -> JsonObject:  # fmt: skip
    return _buyer_move(order_id, "delivered", body, principal, container)


@router.post(
    "/orders/{order_id}/complete",
    summary="Close a delivered order (确认收货)",
    responses={**_AUTH, **_MOVE, 404: {"description": "order_not_found"}},
)
def complete_order(order_id: str, body: StatusChangeIn, principal: CurrentUser,
                   container: App) -> JsonObject:  # fmt: skip
    return _buyer_move(order_id, "completed", body, principal, container)


# -- merchants ---------------------------------------------------------------------------
@router.get(
    "/merchants/{merchant_id}/orders",
    summary="The merchant's orders, newest first",
    responses=_SCOPED,
)
def list_merchant_orders(
    scope: MerchantScope, container: App, cursor: Cursor = None, limit: Limit = 20,
    status_: StatusFilter = None,
) -> JsonObject:  # fmt: skip
    with container.engine.connect() as conn:
        items, key = queries.list_orders(conn, merchant_id=scope.merchant_id, status=status_,
                                         after=decode_cursor(cursor), limit=limit)  # fmt: skip
    return {"items": items, "next_cursor": encode_cursor(key)}


@router.get(
    "/merchants/{merchant_id}/orders/{order_id}",
    summary="One of the merchant's orders, with commission and history",
    responses=_SCOPED,
)
def get_merchant_order(order_id: str, scope: MerchantScope, container: App) -> JsonObject:
    with container.uow() as uow:
        order = uow.orders.get(order_id)
        if order is None or order.merchant_id != scope.merchant_id:
            raise OrderNotFoundError("No such order.", order_id=order_id)
        history = uow.orders.history(order_id)
    return {**order_dict(order, merchant_view=True),
            "history": [history_dict(h) for h in history]}  # fmt: skip


def _merchant_move(order_id: str, target: str, body: StatusChangeIn, scope: MerchantScope,
                   container: App) -> JsonObject:  # fmt: skip
    cmd = ChangeOrderStatus(order_id, target, actor=f"merchant:{scope.actor}",
                            reason=body.reason, merchant_id=scope.merchant_id)  # fmt: skip
    return order_dict(change_status(cmd, uow=container.uow()), merchant_view=True)


@router.post(
    "/merchants/{merchant_id}/orders/{order_id}/fulfil",
    summary="Start picking and packing a paid order",
    responses={**_SCOPED, **_MOVE},
)
def fulfil_order(order_id: str, body: StatusChangeIn, scope: MerchantScope,
                 container: App) -> JsonObject:  # fmt: skip
    return _merchant_move(order_id, "fulfilling", body, scope, container)


@router.post(
    "/merchants/{merchant_id}/orders/{order_id}/ship",
    summary="The order left the warehouse (reason: carrier and tracking number)",
    responses={**_SCOPED, **_MOVE},
)
def ship_order(order_id: str, body: StatusChangeIn, scope: MerchantScope,
               container: App) -> JsonObject:  # fmt: skip
    return _merchant_move(order_id, "shipped", body, scope, container)


@router.post(
    "/merchants/{merchant_id}/orders/{order_id}/deliver",
    summary="The carrier delivered the order",
    responses={**_SCOPED, **_MOVE},
)
def deliver_order(order_id: str, body: StatusChangeIn, scope: MerchantScope,
                  container: App) -> JsonObject:  # fmt: skip
    return _merchant_move(order_id, "delivered", body, scope, container)
