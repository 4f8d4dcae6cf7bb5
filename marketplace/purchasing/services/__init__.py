"""Use cases of purchasing. ``submit_purchase_request`` and ``approve_and_place`` are what
callers use: they store the request and place the order when policy allows."""

from __future__ import annotations

from marketplace.payments.domain import UnknownPaymentMethodError
from marketplace.purchasing import commands
from marketplace.purchasing.domain import PurchaseRequest, RequestStatus
from marketplace.purchasing.ports import PurchasingUnitOfWork
from marketplace.purchasing.services.placement import (
    Placement,
    place_request,
    resume_placements,
)
from marketplace.purchasing.services.reorder import reorder_lines
from marketplace.purchasing.services.rules import RuleSpec, add_rule, update_rule
from marketplace.purchasing.services.workflow import (
    cancel_request,
    decide,
    expire_requests,
    revise_request,
    submit_request,
)


def submit_purchase_request(
    cmd: commands.SubmitPurchaseRequest, *, uow: PurchasingUnitOfWork, placement: Placement
) -> PurchaseRequest:
    """Submit; place the purchase order at once when no approval is needed. A payment
    method the marketplace does not offer is refused before anything is stored."""
    if cmd.payment_method not in placement.gateways:
        raise UnknownPaymentMethodError(
            f"Payment method must be one of {', '.join(sorted(placement.gateways))}.",
            method=cmd.payment_method,
        )
    request = submit_request(cmd, uow=uow)
    return _place_if_approved(
        request, actor=f"user:{cmd.requester_id}", uow=uow, placement=placement
    )


def decide_and_place(
    request_id: str,
    *,
    company_id: str,
    actor_id: str,
    decision: str,
    reason: str = "",
    uow: PurchasingUnitOfWork,
    placement: Placement,
) -> PurchaseRequest:
    """Record an approver's decision; the final approval places the order."""
    request = decide(
        request_id,
        company_id=company_id,
        actor_id=actor_id,
        decision=decision,
        reason=reason,
        uow=uow,
    )
    return _place_if_approved(request, actor=f"user:{actor_id}", uow=uow, placement=placement)


def revise_and_place(
    request_id: str,
    lines: tuple[commands.RequestLine, ...],
    *,
    company_id: str,
    actor_id: str,
    note: str | None = None,
    uow: PurchasingUnitOfWork,
    placement: Placement,
) -> PurchaseRequest:
    request = revise_request(
        request_id, lines, company_id=company_id, actor_id=actor_id, note=note, uow=uow
    )
    return _place_if_approved(request, actor=f"user:{actor_id}", uow=uow, placement=placement)


def _place_if_approved(
    request: PurchaseRequest, *, actor: str, uow: PurchasingUnitOfWork, placement: Placement
) -> PurchaseRequest:
    if request.status is not RequestStatus.APPROVED:
        return request
    return place_request(request.id, actor=actor, uow=uow, placement=placement)


__all__ = [
    "Placement",
    "RuleSpec",
    "add_rule",
    "cancel_request",
    "decide",
    "decide_and_place",
    "expire_requests",
    "place_request",
    "reorder_lines",
    "resume_placements",
    "revise_and_place",
    "revise_request",
    "submit_purchase_request",
    "submit_request",
    "update_rule",
]
