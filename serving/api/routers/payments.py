"""Payments: start one for a checkout or several orders, receive gateway notifications,
refunds and after-sales, wallets and B2B credit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from marketplace.ordering.domain.errors import OrderNotFoundError
from marketplace.payments.domain import (
    Payment,
    PaymentNotFoundError,
    Refund,
    RefundKind,
    RefundNotFoundError,
)
from marketplace.payments.services import (
    DecideRefund,
    RequestRefund,
    StartPayment,
    confirm_return,
    decide_refund,
    process_refund,
    receive_notification,
    record_return_shipment,
    request_refund,
    start_payment,
)
from marketplace.payments.services.invoices import settle_invoice
from marketplace.shared.errors import ConflictError
from marketplace.shared.money import Money
from serving.api.deps import App
from serving.api.schemas.orders import (
    CreditAccountSet,
    JsonObject,
    PaymentCreate,
    RefundCreate,
    RefundDecision,
    ReturnShipment,
    WalletCredit,
)
from serving.api.security import CurrentUser, MerchantScope, PlatformAdmin

router = APIRouter(tags=["payments"])

_Responses = dict[int | str, dict[str, Any]]
_AUTH: _Responses = {401: {"description": "not_authenticated"}}
_SCOPED: _Responses = {
    401: {"description": "not_authenticated"},
    403: {"description": "merchant_access_denied"},
    404: {"description": "merchant_not_found / refund_not_found"},
    409: {"description": "refund_not_allowed"},
}
_ADMIN: _Responses = {
    401: {"description": "not_authenticated"},
    403: {"description": "platform_admin_required"},
}


def payment_dict(payment: Payment) -> JsonObject:
    return {
        "id": payment.id, "buyer_id": payment.buyer_id, "method": str(payment.method),
        "status": str(payment.status), "amount": payment.amount.to_dict(),
        "captured": payment.captured.to_dict(), "refunded": payment.refunded.to_dict(),
        "order_ids": list(payment.order_ids), "expires_at": payment.expires_at.isoformat(),
        "created_at": payment.created_at.isoformat(),
    }  # fmt: skip


def refund_dict(refund: Refund) -> JsonObject:
    return {
        "id": refund.id, "order_id": refund.order_id, "payment_id": refund.payment_id,
        "merchant_id": refund.merchant_id, "status": str(refund.status),
        "kind": str(refund.kind), "amount": refund.amount.to_dict(), "reason": refund.reason,
        "note": refund.note, "source": refund.source, "failure": refund.failure,
        "lines": [{"line_id": x.line_id, "quantity": x.quantity, "amount": x.amount.to_dict()}
                  for x in refund.lines],
        "created_at": refund.created_at.isoformat() if refund.created_at else None,
    }  # fmt: skip


@router.post(
    "/payments",
    status_code=status.HTTP_201_CREATED,
    summary="Pay a checkout group or several unpaid orders at once; returns the next action",
    responses={
        **_AUTH,
        404: {"description": "order_not_found"},
        409: {"description": "orders_not_payable / insufficient_wallet_balance / "
                             "credit_limit_exceeded"},
        422: {"description": "invalid_payment / unknown_payment_method"},
    },
)  # fmt: skip
def create_payment(body: PaymentCreate, principal: CurrentUser, container: App) -> JsonObject:
    assert principal.user_id is not None
    cmd = StartPayment(buyer_id=principal.user_id, method=body.method, group_id=body.group_id,
                       order_ids=tuple(body.order_ids), return_url=body.return_url)  # fmt: skip
    payment, action = start_payment(cmd, uow=container.uow(), gateways=container.gateways,
                                    notify_url=container.notify_url)  # fmt: skip
    return {
        "payment": payment_dict(payment),
        "action": {"kind": str(action.kind), "url": action.url, "data": dict(action.data)},
    }


@router.get(
    "/payments/{payment_id}",
    summary="One of your payments",
    responses={**_AUTH, 404: {"description": "payment_not_found"}},
)
def get_payment(payment_id: str, principal: CurrentUser, container: App) -> JsonObject:
    with container.uow() as uow:
        payment = uow.payments.get(payment_id)
        refunds = uow.refunds.of_payment(payment_id) if payment else []
    if payment is None or payment.buyer_id != principal.user_id:
        raise PaymentNotFoundError("No such payment.", payment_id=payment_id)
    return {**payment_dict(payment), "refunds": [refund_dict(r) for r in refunds]}


@router.post(
    "/payments/notify/{gateway}",
    summary="A gateway's asynchronous notification (signed; applied exactly once)",
    responses={
        200: {"description": "applied, or already processed (header Agora-Notification)"},
        400: {"description": "invalid_notification: bad signature, tampered or malformed"},
        404: {"description": "unknown_gateway / payment_not_found"},
        409: {"description": "notification_mismatch: amount or currency differs"},
    },
)
async def notify(gateway: str, request: Request, background: BackgroundTasks,
                 container: App) -> Response:  # fmt: skip
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    applied = await run_in_threadpool(
        receive_notification, gateway, headers, body, uow_factory=container.uow,
        gateways=container.gateways,
    )  # fmt: skip
    for refund_id in applied.refunds_to_send:
        background.add_task(_send_refund, container, refund_id)
    ack = container.gateways[gateway].acknowledgement(accepted=True)
    outcome = "already_processed" if applied.outcome == "duplicate" else "applied"
    return Response(ack.body, status_code=ack.status_code, media_type=ack.media_type,
                    headers={"Agora-Notification": outcome})  # fmt: skip


def _send_refund(container: App, refund_id: str) -> None:
    process_refund(refund_id, uow=container.uow(), gateways=container.gateways,
                   notify_url=container.notify_url)  # fmt: skip


# -- after-sales -------------------------------------------------------------------------
@router.post(
    "/orders/{order_id}/refunds",
    status_code=status.HTTP_201_CREATED,
    summary="Ask for a refund of a paid order (whole, or some units of some lines)",
    responses={**_AUTH, 404: {"description": "order_not_found"},
               409: {"description": "refund_not_allowed / refund_exceeds_capture"},
               422: {"description": "invalid_refund"}},
)  # fmt: skip
def create_refund(order_id: str, body: RefundCreate, principal: CurrentUser,
                  container: App) -> JsonObject:  # fmt: skip
    cmd = RequestRefund(order_id=order_id, reason=body.reason, lines=body.lines,
                        kind=RefundKind(body.kind), buyer_id=principal.user_id)  # fmt: skip
    return refund_dict(request_refund(cmd, uow=container.uow()))


@router.post(
    "/orders/{order_id}/refunds/{refund_id}/return-shipment",
    summary="Tell the merchant how the goods are coming back (carrier, tracking number)",
    responses={
        **_AUTH,
        404: {"description": "refund_not_found"},
        409: {"description": "refund_not_allowed"},
    },
)
def ship_return(
    order_id: str, refund_id: str, body: ReturnShipment, principal: CurrentUser, container: App
) -> JsonObject:
    assert principal.user_id is not None
    refund = record_return_shipment(
        refund_id, buyer_id=principal.user_id, tracking=body.tracking, uow=container.uow()
    )
    if refund.order_id != order_id:
        raise RefundNotFoundError("No such refund.", refund_id=refund_id)
    return refund_dict(refund)


@router.post(
    "/merchants/{merchant_id}/refunds/{refund_id}/approve",
    summary="Approve a refund request (returns first, for return-and-refund)",
    responses=_SCOPED,
)
def approve_refund(refund_id: str, body: RefundDecision, scope: MerchantScope,
                   container: App, background: BackgroundTasks) -> JsonObject:  # fmt: skip
    cmd = DecideRefund(refund_id, scope.merchant_id, approve=True, note=body.reason,
                       restock=body.restock)  # fmt: skip
    refund = decide_refund(cmd, uow=container.uow())
    if str(refund.status) == "pending":
        background.add_task(_send_refund, container, refund.id)
    return refund_dict(refund)


@router.post(
    "/merchants/{merchant_id}/refunds/{refund_id}/reject",
    summary="Reject a refund request, with a reason",
    responses=_SCOPED,
)
def reject_refund(refund_id: str, body: RefundDecision, scope: MerchantScope,
                  container: App) -> JsonObject:  # fmt: skip
    cmd = DecideRefund(refund_id, scope.merchant_id, approve=False, note=body.reason)
    return refund_dict(decide_refund(cmd, uow=container.uow()))


@router.post(
    "/merchants/{merchant_id}/refunds/{refund_id}/receive-return",
    summary="The returned goods arrived: restock them and send the refund",
    responses=_SCOPED,
)
def receive_return(refund_id: str, scope: MerchantScope, container: App,
                   background: BackgroundTasks) -> JsonObject:  # fmt: skip
    refund = confirm_return(refund_id, merchant_id=scope.merchant_id, uow=container.uow())
    background.add_task(_send_refund, container, refund.id)
    return refund_dict(refund)


@router.get(
    "/merchants/{merchant_id}/orders/{order_id}/refunds",
    summary="Refunds of one of the merchant's orders",
    responses=_SCOPED,
)
def list_order_refunds(order_id: str, scope: MerchantScope, container: App) -> JsonObject:
    with container.uow() as uow:
        order = uow.orders.get(order_id)
        if order is None or order.merchant_id != scope.merchant_id:
            raise OrderNotFoundError("No such order.", order_id=order_id)
        refunds = uow.refunds.of_order(order_id)
    return {"items": [refund_dict(r) for r in refunds]}


# -- wallets and credit (platform admins) ------------------------------------------------
@router.post(
    "/admin/wallets/{user_id}/credits",
    status_code=status.HTTP_201_CREATED,
    summary="Add store credit to a buyer's wallet (once per reference)",
    responses=_ADMIN,
)
def credit_buyer_wallet(user_id: str, body: WalletCredit, admin: PlatformAdmin,
                        container: App) -> JsonObject:  # fmt: skip
    amount = Money.of(body.amount.amount, body.amount.currency)
    wallet = container.wallet
    assert wallet is not None
    added = wallet.top_up(user_id, amount, reference=body.reference)
    balance = wallet.balance(user_id, amount.currency.code)
    return {"user_id": user_id, "added": added, "balance": balance.to_dict()}


@router.put(
    "/admin/credit-accounts/{buyer_id}",
    summary="Grant or change a B2B buyer's credit limit and payment terms",
    responses={**_ADMIN, 409: {"description": "credit_limit_below_use"}},
)
def set_credit_account(buyer_id: str, body: CreditAccountSet, admin: PlatformAdmin,
                       container: App) -> JsonObject:  # fmt: skip
    limit = Money.of(body.limit, body.currency)
    credit = container.credit_terms
    assert credit is not None
    if not credit.set_account(buyer_id, limit, terms_days=body.terms_days):
        raise ConflictError("The buyer already uses more credit than that.",
                            code="credit_limit_below_use")  # fmt: skip
    return {"buyer_id": buyer_id, "limit": limit.to_dict(), "terms_days": body.terms_days}


@router.get("/invoices", summary="Your invoices of credit terms (账期账单)", responses=_AUTH)
def list_my_invoices(principal: CurrentUser, container: App) -> JsonObject:
    assert principal.user_id is not None
    with container.uow() as uow:
        found = uow.invoices.of_buyer(principal.user_id)
    return {"items": [i.to_dict() for i in found]}


@router.post(
    "/admin/invoices/{invoice_id}/settle",
    summary="Record that a B2B buyer paid an invoice: credit freed, ledger posted (once)",
    responses={**_ADMIN, 404: {"description": "invoice_not_found"},
               409: {"description": "invoice_not_open"}},
)  # fmt: skip
def settle_buyer_invoice(invoice_id: str, admin: PlatformAdmin, container: App) -> JsonObject:
    return settle_invoice(invoice_id, uow=container.uow()).to_dict()
