"""Place an approved purchase request as a purchase order, through the same checkout and
payment path as any order (one sub-order per supplier), in steps that are each idempotent:

1. claim it (``placing``) and commit the cost centre's budget, in one transaction;
2. place the checkout (idempotency key ``pr:<id>:<attempt>``) at the agreed prices;
3. pay it when the method is internal: credit terms (an invoice against the company's
   credit limit, atomically checked) or the company's wallet; a gateway payment is left
   to the buyer, as for any order;
4. mark it ``ordered``.

A step that is refused (stock, credit, budget) undoes the earlier ones (the orders are
cancelled, their stock released, the budget released) and leaves the request ``failed``
with the reason; it may be placed again. A crash between steps leaves it ``placing``:
``resume_placements`` finishes it (each step finds its own earlier result).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta

from marketplace.companies.domain import (
    CompanyStatus,
    CompanySuspendedError,
    OverrunPolicy,
    period_of,
)
from marketplace.ordering.commands import AgreedPrice, ChangeOrderStatus, LineRequest, PlaceCheckout
from marketplace.ordering.domain import Address, Channel, CheckoutGroup, OrderStatus
from marketplace.ordering.services import Charges, change_status, place_checkout
from marketplace.payments.ports import PaymentGateway
from marketplace.payments.services import StartPayment, start_payment
from marketplace.purchasing.domain import (
    BudgetExceededError,
    PlacementFailedError,
    PurchaseRequest,
    PurchaseRequestNotFoundError,
    RequestEvent,
    RequestStateError,
    RequestStatus,
)
from marketplace.purchasing.ports import PurchasingUnitOfWork
from marketplace.shared.errors import DomainError

INTERNAL_METHODS = frozenset({"credit_terms", "wallet"})


@dataclass(frozen=True)
class Placement:
    """What placing needs from the rest of the marketplace (wired in bootstrap)."""

    charges: Charges
    gateways: Mapping[str, PaymentGateway]
    notify_url: Callable[[str], str]


def place_request(
    request_id: str, *, actor: str, uow: PurchasingUnitOfWork, placement: Placement
) -> PurchaseRequest:
    """Place an approved (or failed, again) request; return it ``ordered``, or raise
    ``PlacementFailedError`` (the request is then ``failed`` with the reason)."""
    request, attempt = _claim(request_id, actor=actor, uow=uow)
    if request.status is RequestStatus.ORDERED:
        return request
    group = _checkout(request, attempt, actor=actor, uow=uow, placement=placement)
    if request.payment_method in INTERNAL_METHODS:
        _pay(request, group, actor=actor, uow=uow, placement=placement)
    return _finish(request.id, group, actor=actor, uow=uow)


def resume_placements(
    *,
    uow: PurchasingUnitOfWork,
    placement: Placement,
    older_than: timedelta = timedelta(minutes=2),
    limit: int = 50,
) -> int:
    """Finish requests left ``approved`` or ``placing`` by a crash; returns how many."""
    with uow:
        ids = uow.purchase_requests.stuck_placing_ids(uow.clock.now() - older_than, limit=limit)
    done = 0
    for request_id in ids:
        try:
            place_request(request_id, actor="system:placement", uow=uow, placement=placement)
            done += 1
        except (PlacementFailedError, BudgetExceededError, RequestStateError):
            continue
    return done


def _claim(
    request_id: str, *, actor: str, uow: PurchasingUnitOfWork
) -> tuple[PurchaseRequest, int]:
    with uow:
        request = uow.purchase_requests.get(request_id, for_update=True)
        if request is None:
            raise PurchaseRequestNotFoundError("No such purchase request.")
        if request.status in (RequestStatus.ORDERED, RequestStatus.PLACING):
            return request, request.version  # done, or a crashed attempt to finish
        company = uow.companies.get(request.company_id)
        if company is None or company.status is not CompanyStatus.ACTIVE:
            raise CompanySuspendedError("The company may not place orders now.")
        now = uow.clock.now()
        previous = request.move_to(RequestStatus.PLACING, now)
        request.failure_code, request.version = None, request.version + 1
        if not _commit_budget(uow, request):
            request.move_to(RequestStatus.FAILED, now)
            request.failure_code = "budget_exceeded"
            uow.purchase_requests.save(request)
            uow.purchase_requests.record(
                [
                    RequestEvent(
                        request.id,
                        now,
                        actor,
                        "placement_failed",
                        previous.value,
                        "failed",
                        "The cost centre's budget for the month is used up.",
                        {"code": "budget_exceeded"},
                    )
                ]
            )
            uow.commit()
            raise BudgetExceededError(
                "The cost centre's budget for this month does not cover the request.",
                purchase_request_id=request.id,
            )
        uow.purchase_requests.save(request)
        uow.purchase_requests.record(
            [RequestEvent(request.id, now, actor, "placing", previous.value, "placing")]
        )
        uow.commit()
    return request, request.version


def _commit_budget(uow: PurchasingUnitOfWork, request: PurchaseRequest) -> bool:
    if request.cost_centre_id is None:
        return True
    centre = uow.companies.get_cost_centre(request.cost_centre_id)
    if centre is None or centre.monthly_budget is None:
        return True
    # An overrun that approvers accepted may go over; otherwise the budget must fit.
    accepted = "budget_overrun" in request.approval_reasons
    block = centre.overrun is OverrunPolicy.BLOCK or not accepted
    return uow.budgets.commit(
        reference=request.id,
        cost_centre_id=centre.id,
        period=period_of(uow.clock.now().date()),
        amount=request.total,
        limit=centre.monthly_budget,
        block=block,
        now=uow.clock.now(),
    )


def _checkout(
    request: PurchaseRequest,
    attempt: int,
    *,
    actor: str,
    uow: PurchasingUnitOfWork,
    placement: Placement,
) -> CheckoutGroup:
    with uow:
        location = uow.companies.get_location(request.location_id)
    assert location is not None  # locations are never deleted
    a = location.address
    cmd = PlaceCheckout(
        buyer_id=request.requester_id,
        address=Address(
            name=a.name,
            phone=a.phone,
            country=a.country,
            region=a.region,
            city=a.city,
            line1=a.line1,
            line2=a.line2 or None,
            postal_code=a.postal_code or None,
        ),
        channel=Channel.B2B,
        currency=request.currency,
        lines=tuple(LineRequest(ln.sku_id, ln.quantity) for ln in request.lines),
        idempotency_key=f"pr:{request.id}:{attempt}",
        actor=actor,
        company_id=request.company_id,
        agreed_prices=tuple(
            AgreedPrice(ln.sku_id, ln.unit_price, ln.price_source) for ln in request.lines
        ),
    )
    try:
        return place_checkout(cmd, uow=uow, charges=placement.charges)
    except DomainError as exc:
        _fail(request.id, exc, actor=actor, uow=uow)
        raise PlacementFailedError(
            exc.message, code=exc.code, purchase_request_id=request.id, **exc.details
        ) from exc


def _pay(
    request: PurchaseRequest,
    group: CheckoutGroup,
    *,
    actor: str,
    uow: PurchasingUnitOfWork,
    placement: Placement,
) -> None:
    cmd = StartPayment(
        buyer_id=request.requester_id, method=request.payment_method, group_id=group.id
    )
    try:
        start_payment(cmd, uow=uow, gateways=placement.gateways, notify_url=placement.notify_url)
    except DomainError as exc:
        for order in group.orders:  # give the stock back
            cancel = ChangeOrderStatus(
                order.id, OrderStatus.CANCELLED.value, actor=actor, reason=exc.code
            )
            with suppress(DomainError):  # already moved on (expired, cancelled)
                change_status(cancel, uow=uow)
        _fail(request.id, exc, actor=actor, uow=uow)
        raise PlacementFailedError(
            exc.message, code=exc.code, purchase_request_id=request.id, **exc.details
        ) from exc


def _fail(request_id: str, exc: DomainError, *, actor: str, uow: PurchasingUnitOfWork) -> None:
    with uow:
        request = uow.purchase_requests.get(request_id, for_update=True)
        assert request is not None
        if request.status is not RequestStatus.PLACING:
            return
        now = uow.clock.now()
        request.move_to(RequestStatus.FAILED, now)
        request.failure_code, request.version = exc.code, request.version + 1
        uow.budgets.release(request.id, now=now)
        uow.purchase_requests.save(request)
        uow.purchase_requests.record(
            [
                RequestEvent(
                    request.id,
                    now,
                    actor,
                    "placement_failed",
                    "placing",
                    "failed",
                    exc.message,
                    {"code": exc.code},
                )
            ]
        )
        uow.commit()


def _finish(
    request_id: str, group: CheckoutGroup, *, actor: str, uow: PurchasingUnitOfWork
) -> PurchaseRequest:
    with uow:
        request = uow.purchase_requests.get(request_id, for_update=True)
        assert request is not None
        if request.status is RequestStatus.PLACING:
            now = uow.clock.now()
            request.move_to(RequestStatus.ORDERED, now)
            request.group_id = group.id
            request.order_ids = tuple(o.id for o in group.orders)
            request.version += 1
            if request.payment_method == "wallet":  # paid in money now
                uow.budgets.spend(request.id, now=now)
            uow.purchase_requests.save(request)
            uow.purchase_requests.record(
                [
                    RequestEvent(
                        request.id,
                        now,
                        actor,
                        "ordered",
                        "placing",
                        "ordered",
                        details={
                            "group_id": group.id,
                            "order_ids": list(request.order_ids),
                            "total": group.total.to_dict(),
                        },
                    )
                ]
            )
            uow.commit()
    return request
