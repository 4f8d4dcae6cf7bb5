"""B2B purchasing over HTTP: purchase requests, approvals, purchase orders, reorders and
approval rules, under ``/b2b/companies/{company_id}``.

Submitting places the purchase order at once when no policy stops it; otherwise the
request waits for its approvers, and the final approval places it. A placement that is
refused (stock, credit limit, budget) answers 409 with the cause's code (for example
``credit_limit_exceeded``) and the ``purchase_request_id``; the request stays ``failed``
and ``POST .../place`` tries again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, status

from marketplace.purchasing import commands, queries, services
from marketplace.purchasing.domain import PurchaseRequestNotFoundError, RuleKind
from marketplace.purchasing.views import event_dict, request_dict, rule_dict
from marketplace.shared.money import Money
from serving.api.company_scope import CompanyScope
from serving.api.deps import App
from serving.api.schemas.b2b import (
    ApprovalRuleIn,
    CancelIn,
    DecisionIn,
    PurchaseRequestCreate,
    PurchaseRequestRevise,
    ReorderIn,
    RequestLineIn,
)

router = APIRouter(tags=["b2b purchasing"])
JsonObject = dict[str, Any]
PREFIX = "/b2b/companies/{company_id}"
_Responses = dict[int | str, dict[str, Any]]
_SCOPED: _Responses = {
    401: {"description": "not_authenticated"},
    403: {"description": "company_membership_required / company_role_required"},
}
_PLACING: _Responses = {
    **_SCOPED,
    409: {
        "description": "credit_limit_exceeded / insufficient_balance / budget_exceeded / "
        "insufficient_stock / purchase_request_state"
    },
    422: {"description": "invalid_purchase_request / below_minimum_order_quantity"},
}


def _lines(lines: list[RequestLineIn]) -> tuple[commands.RequestLine, ...]:
    return tuple(commands.RequestLine(x.sku_id, x.quantity) for x in lines)


@router.post(
    f"{PREFIX}/purchase-requests",
    status_code=status.HTTP_201_CREATED,
    summary="Raise a purchase request: placed at once, or routed for approval",
    responses={
        **_PLACING,
        403: {"description": "category_not_allowed / company_membership_required"},
    },
)
def submit(
    body: PurchaseRequestCreate,
    scope: CompanyScope,
    container: App,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> JsonObject:
    cmd = commands.SubmitPurchaseRequest(
        company_id=scope.company_id,
        requester_id=scope.user_id,
        lines=_lines(body.lines),
        location_id=body.location_id,
        cost_centre_id=body.cost_centre_id,
        payment_method=body.payment_method,
        note=body.note,
        idempotency_key=idempotency_key,
    )
    request = services.submit_purchase_request(
        cmd, uow=container.uow(), placement=container.placement
    )
    return request_dict(request)


@router.get(
    f"{PREFIX}/purchase-requests", summary="The company's purchase requests", responses=_SCOPED
)
def list_requests(
    scope: CompanyScope,
    container: App,
    request_status: Annotated[str | None, Query(alias="status", max_length=20)] = None,
    mine: bool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> list[JsonObject]:
    with container.engine.connect() as conn:
        return queries.list_requests(
            conn,
            scope.company_id,
            status=request_status,
            requester_id=scope.user_id if mine else None,
            limit=limit,
        )


@router.get(f"{PREFIX}/approvals", summary="Requests waiting for your decision", responses=_SCOPED)
def awaiting(scope: CompanyScope, container: App) -> list[JsonObject]:
    with container.engine.connect() as conn:
        return queries.awaiting(conn, scope.company_id, scope.user_id)


@router.get(
    f"{PREFIX}/purchase-requests/{{request_id}}",
    summary="A purchase request with its approval steps and audit trail",
    responses={**_SCOPED, 404: {"description": "purchase_request_not_found"}},
)
def get_request(request_id: str, scope: CompanyScope, container: App) -> JsonObject:
    with container.uow() as uow:
        request = uow.purchase_requests.get(request_id)
        if request is None or request.company_id != scope.company_id:
            raise PurchaseRequestNotFoundError("No such purchase request.")
        trail = uow.purchase_requests.events(request_id)
    return {**request_dict(request), "history": [event_dict(e) for e in trail]}


@router.post(
    f"{PREFIX}/purchase-requests/{{request_id}}/decision",
    summary="Approve, reject (with a reason) or ask for changes",
    responses={
        **_PLACING,
        403: {"description": "not_an_approver / self_approval_not_allowed"},
        404: {"description": "purchase_request_not_found"},
    },
)
def decide(request_id: str, body: DecisionIn, scope: CompanyScope, container: App) -> JsonObject:
    request = services.decide_and_place(
        request_id,
        company_id=scope.company_id,
        actor_id=scope.user_id,
        decision=body.decision,
        reason=body.reason,
        uow=container.uow(),
        placement=container.placement,
    )
    return request_dict(request)


@router.post(
    f"{PREFIX}/purchase-requests/{{request_id}}/revise",
    summary="Answer a change request with new lines (routed again)",
    responses={**_PLACING, 404: {"description": "purchase_request_not_found"}},
)
def revise(
    request_id: str, body: PurchaseRequestRevise, scope: CompanyScope, container: App
) -> JsonObject:
    request = services.revise_and_place(
        request_id,
        _lines(body.lines),
        company_id=scope.company_id,
        actor_id=scope.user_id,
        note=body.note,
        uow=container.uow(),
        placement=container.placement,
    )
    return request_dict(request)


@router.post(
    f"{PREFIX}/purchase-requests/{{request_id}}/cancel",
    summary="Withdraw a request that is not ordered yet",
    responses={
        **_SCOPED,
        404: {"description": "purchase_request_not_found"},
        409: {"description": "purchase_request_state"},
    },
)
def cancel(request_id: str, body: CancelIn, scope: CompanyScope, container: App) -> JsonObject:
    request = services.cancel_request(
        request_id,
        company_id=scope.company_id,
        actor_id=scope.user_id,
        reason=body.reason,
        uow=container.uow(),
    )
    return request_dict(request)


@router.post(
    f"{PREFIX}/purchase-requests/{{request_id}}/place",
    summary="Place an approved or failed request again",
    responses={**_PLACING, 404: {"description": "purchase_request_not_found"}},
)
def place(request_id: str, scope: CompanyScope, container: App) -> JsonObject:
    with container.uow() as uow:
        request = uow.purchase_requests.get(request_id)
        if request is None or request.company_id != scope.company_id:
            raise PurchaseRequestNotFoundError("No such purchase request.")
    placed = services.place_request(
        request_id,
        actor=f"user:{scope.user_id}",
        uow=container.uow(),
        placement=container.placement,
    )
    return request_dict(placed)


@router.post(
    f"{PREFIX}/orders/{{order_id}}/reorder",
    status_code=status.HTTP_201_CREATED,
    summary="A new purchase request with a past order's lines (priced today)",
    responses={**_PLACING, 404: {"description": "order_not_found"}},
)
def reorder(order_id: str, body: ReorderIn, scope: CompanyScope, container: App) -> JsonObject:
    lines = services.reorder_lines(
        order_id, company_id=scope.company_id, actor_id=scope.user_id, uow=container.uow()
    )
    cmd = commands.SubmitPurchaseRequest(
        company_id=scope.company_id,
        requester_id=scope.user_id,
        lines=lines,
        location_id=body.location_id,
        cost_centre_id=body.cost_centre_id,
        payment_method=body.payment_method,
        source=f"reorder:{order_id}",
    )
    return request_dict(
        services.submit_purchase_request(cmd, uow=container.uow(), placement=container.placement)
    )


# -- approval rules ------------------------------------------------------------------------
@router.get(f"{PREFIX}/approval-rules", summary="Approval rules", responses=_SCOPED)
def list_rules(scope: CompanyScope, container: App) -> list[JsonObject]:
    with container.uow() as uow:
        return [rule_dict(r) for r in uow.purchase_requests.rules(scope.company_id)]


def _spec(body: ApprovalRuleIn) -> services.RuleSpec:
    t = body.threshold
    return services.RuleSpec(
        name=body.name,
        kind=RuleKind(body.kind),
        steps=tuple(tuple(s) for s in body.steps),
        threshold=Money.of(t.amount, t.currency) if t else None,
        ids=tuple(body.ids),
        position=body.position,
        is_active=body.is_active,
    )


@router.post(
    f"{PREFIX}/approval-rules",
    status_code=status.HTTP_201_CREATED,
    summary="Add an approval rule (buyer admins)",
    responses={**_SCOPED, 422: {"description": "invalid_approval_rule"}},
)
def add_rule(body: ApprovalRuleIn, scope: CompanyScope, container: App) -> JsonObject:
    return rule_dict(
        services.add_rule(
            scope.company_id, _spec(body), actor_id=scope.user_id, uow=container.uow()
        )
    )


@router.put(
    f"{PREFIX}/approval-rules/{{rule_id}}",
    summary="Replace an approval rule",
    responses={
        **_SCOPED,
        404: {"description": "approval_rule_not_found"},
        422: {"description": "invalid_approval_rule"},
    },
)
def update_rule(
    rule_id: str, body: ApprovalRuleIn, scope: CompanyScope, container: App
) -> JsonObject:
    return rule_dict(
        services.update_rule(
            scope.company_id, rule_id, _spec(body), actor_id=scope.user_id, uow=container.uow()
        )
    )
