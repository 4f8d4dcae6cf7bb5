"""Keeping cost-centre budgets true after a purchase order is placed: an events consumer.

At placement the request's amount is *committed* (a wallet payment is *spent* at once).
What happens next arrives as events, each handled once per event id:

- ``order.paid`` of a gateway-paid purchase order: the money left, committed -> spent;
- ``invoice.settled`` of credit terms: the company paid its invoice, committed -> spent
  (until then it is owed, not spent: an unpaid invoice still counts against the budget,
  as committed);
- ``order.cancelled`` (cancelled or expired unpaid) once every sub-order of the request
  has left unpaid: nothing will be paid, committed -> released;
- ``order.refunded`` once every sub-order is refunded in full: spent -> released.

Partial refunds and the cancellation of one sub-order of several leave the budget as it
is: a commitment is one amount per request (see ADR 0010).
"""

from __future__ import annotations

from marketplace.events.domain import DomainEvent, Topic
from marketplace.ordering.domain import OrderStatus
from marketplace.payments.domain import PaymentMethod
from marketplace.purchasing.domain import PurchaseRequest, RequestStatus
from marketplace.purchasing.ports import PurchasingUnitOfWork

BUDGET_KEEPER = "purchasing-budget"  # consumer group and consumed_events name
TOPICS = frozenset(
    {Topic.ORDER_PAID, Topic.ORDER_CANCELLED, Topic.ORDER_REFUNDED, Topic.INVOICE_SETTLED}
)
_UNPAID_ENDS = frozenset({OrderStatus.CANCELLED, OrderStatus.EXPIRED})


def keep_budget(event: DomainEvent, uow: PurchasingUnitOfWork) -> None:
    """Move the request's budget commitment as the event says (inside ``uow``'s
    transaction: run it with ``events.consumers.handle_once``)."""
    if event.topic not in TOPICS:
        return
    request = _request_of(event, uow)
    if request is None or request.status is not RequestStatus.ORDERED:
        return
    now = uow.clock.now()
    method = request.payment_method
    if event.topic is Topic.ORDER_PAID:
        if method not in (PaymentMethod.CREDIT_TERMS, PaymentMethod.WALLET):
            uow.budgets.spend(request.id, now=now)
    elif event.topic is Topic.INVOICE_SETTLED:
        uow.budgets.spend(request.id, now=now)
    elif event.topic is Topic.ORDER_CANCELLED:
        if _all_orders_in(request, uow, _UNPAID_ENDS):
            uow.budgets.release(request.id, now=now)
    elif _all_orders_in(request, uow, frozenset({OrderStatus.REFUNDED})):
        uow.budgets.release(request.id, now=now)


def _request_of(event: DomainEvent, uow: PurchasingUnitOfWork) -> PurchaseRequest | None:
    group_id = event.payload.get("group_id")
    if group_id is None and event.topic is Topic.INVOICE_SETTLED:
        payment = uow.payments.get(str(event.payload["payment_id"]))
        orders = uow.orders.get_many(payment.order_ids[:1]) if payment else []
        group_id = orders[0].group_id if orders else None
    if not group_id:
        return None
    return uow.purchase_requests.by_group(str(group_id))


def _all_orders_in(
    request: PurchaseRequest, uow: PurchasingUnitOfWork, statuses: frozenset[OrderStatus]
) -> bool:
    orders = uow.orders.get_many(list(request.order_ids))
    return bool(orders) and all(o.status in statuses for o in orders)
