"""Submit purchase requests and take them through approval (审批流)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from marketplace.companies.domain import (
    BudgetPeriod,
    CompanyStatus,
    CompanySuspendedError,
    CostCentre,
    CostCentreNotFoundError,
    LocationNotFoundError,
    Member,
    MemberRole,
    OverrunPolicy,
    period_of,
)
from marketplace.companies.services import member_of
from marketplace.purchasing import commands
from marketplace.purchasing.domain import (
    ApprovalRule,
    ApprovalStep,
    BudgetExceededError,
    DuplicateRequestError,
    InvalidPurchaseRequestError,
    NotYourApprovalError,
    PurchaseRequest,
    PurchaseRequestNotFoundError,
    RequestEvent,
    RequestLine,
    RequestStateError,
    RequestStatus,
    RuleKind,
    SelfApprovalError,
    StepStatus,
    steps_for,
)
from marketplace.purchasing.ports import PurchasingUnitOfWork
from marketplace.purchasing.services.pricing import (
    category_trails,
    check_lines,
    price_request_lines,
)
from marketplace.shared.ids import new_id
from marketplace.shared.money import Money, sum_money

MAX_NOTE = 2_000


def submit_request(
    cmd: commands.SubmitPurchaseRequest, *, uow: PurchasingUnitOfWork
) -> PurchaseRequest:
    """Price, check and store the request: ``approved`` when nothing needs approval, else
    ``pending_approval`` with its steps. Placing is the caller's next step (see
    ``purchasing.services.submit_purchase_request``)."""
    lines = check_lines(cmd.lines)
    if len(cmd.note) > MAX_NOTE:
        raise InvalidPurchaseRequestError(f"A note has at most {MAX_NOTE} characters.")
    with uow:
        if cmd.idempotency_key:
            found = uow.purchase_requests.id_for_key(cmd.company_id, cmd.idempotency_key)
            if found is not None:
                existing = uow.purchase_requests.get(found)
                assert existing is not None
                return existing
        member, company_currency = _active_member(uow, cmd.company_id, cmd.requester_id)
        centre = _cost_centre(uow, cmd.company_id, cmd.location_id, cmd.cost_centre_id)
        now = uow.clock.now()
        request = PurchaseRequest(
            id=new_id("pr"),
            company_id=cmd.company_id,
            requester_id=cmd.requester_id,
            location_id=cmd.location_id,
            cost_centre_id=centre.id if centre else None,
            payment_method=cmd.payment_method,
            currency=company_currency,
            total=Money.zero(company_currency),
            status=RequestStatus.PENDING_APPROVAL,
            note=cmd.note.strip(),
            source=cmd.source[:80],
            idempotency_key=cmd.idempotency_key,
            approval_reasons=(),
            expires_at=None,
            created_at=now,
            updated_at=now,
        )
        _price_and_route(uow, request, lines, member, centre)
        try:
            uow.purchase_requests.add(request)
        except DuplicateRequestError:
            uow.rollback()  # a concurrent twin with the same key won
            found = uow.purchase_requests.id_for_key(cmd.company_id, cmd.idempotency_key or "")
            existing = uow.purchase_requests.get(found) if found else None
            if existing is None:
                raise
            return existing
        uow.purchase_requests.record(
            [
                RequestEvent(
                    request.id,
                    now,
                    f"user:{cmd.requester_id}",
                    "submitted",
                    None,
                    request.status.value,
                    details={
                        "total": request.total.to_dict(),
                        "source": request.source,
                        "approval_reasons": list(request.approval_reasons),
                    },
                )
            ]
        )
        uow.commit()
    return request


def revise_request(
    request_id: str,
    lines: Sequence[commands.RequestLine],
    *,
    company_id: str,
    actor_id: str,
    note: str | None = None,
    uow: PurchasingUnitOfWork,
) -> PurchaseRequest:
    """The requester answers "changes requested" with new lines: priced and routed again."""
    checked = check_lines(lines)
    with uow:
        request = _get(uow, request_id, company_id)
        if request.requester_id != actor_id:
            raise NotYourApprovalError(
                "Only the requester revises a request.", code="not_the_requester"
            )
        if request.status is not RequestStatus.CHANGES_REQUESTED:
            raise RequestStateError(f"A {request.status} request cannot be revised.")
        member, _ = _active_member(uow, request.company_id, actor_id)
        centre = (
            uow.companies.get_cost_centre(request.cost_centre_id)
            if request.cost_centre_id
            else None
        )
        if note is not None:
            request.note = note.strip()[:MAX_NOTE]
        _price_and_route(uow, request, checked, member, centre)
        request.version += 1
        uow.purchase_requests.save(request, lines_changed=True)
        uow.purchase_requests.record(
            [
                RequestEvent(
                    request.id,
                    request.updated_at,
                    f"user:{actor_id}",
                    "revised",
                    RequestStatus.CHANGES_REQUESTED.value,
                    request.status.value,
                    details={"total": request.total.to_dict()},
                )
            ]
        )
        uow.commit()
    return request


def decide(
    request_id: str,
    *,
    company_id: str,
    actor_id: str,
    decision: str,
    reason: str = "",
    uow: PurchasingUnitOfWork,
) -> PurchaseRequest:
    """An approver of the current step approves, rejects (a reason is required) or asks for
    changes. Approving the last step makes the request ``approved``."""
    if decision not in ("approve", "reject", "request_changes"):
        raise InvalidPurchaseRequestError(
            "Decide approve, reject or request_changes.", code="invalid_decision"
        )
    reason = reason.strip()
    if decision != "approve" and not reason:
        raise InvalidPurchaseRequestError("Say why.", code="reason_required")
    with uow:
        request = _get(uow, request_id, company_id)
        approver = member_of(uow.companies, request.company_id, actor_id)
        step = request.current_step
        if request.status is not RequestStatus.PENDING_APPROVAL or step is None:
            raise RequestStateError(f"A {request.status} request awaits no decision.")
        _check_approver(request, step, approver)
        now = uow.clock.now()
        step.decided_by, step.decided_at, step.comment = actor_id, now, reason[:2000]
        previous = request.status
        if decision == "approve":
            step.status = StepStatus.APPROVED
            following = next((s for s in request.steps if s.status is StepStatus.WAITING), None)
            if following is not None:
                following.status = StepStatus.PENDING
            else:
                request.move_to(RequestStatus.APPROVED, now)
        elif decision == "reject":
            step.status = StepStatus.REJECTED
            request.move_to(RequestStatus.REJECTED, now)
            _cancel_open_steps(request)
        else:
            step.status = StepStatus.CANCELLED
            request.move_to(RequestStatus.CHANGES_REQUESTED, now)
            _cancel_open_steps(request)
        request.version += 1
        uow.purchase_requests.save(request)
        uow.purchase_requests.record(
            [
                RequestEvent(
                    request.id,
                    now,
                    f"user:{actor_id}",
                    {
                        "approve": "approved",
                        "reject": "rejected",
                        "request_changes": "changes_requested",
                    }[decision],
                    previous.value,
                    request.status.value,
                    reason,
                    {"step": step.position},
                )
            ]
        )
        uow.commit()
    return request


def cancel_request(
    request_id: str, *, company_id: str, actor_id: str, reason: str = "", uow: PurchasingUnitOfWork
) -> PurchaseRequest:
    """The requester (or a buyer admin) withdraws a request not yet ordered."""
    with uow:
        request = _get(uow, request_id, company_id)
        actor = member_of(uow.companies, request.company_id, actor_id)
        if actor_id != request.requester_id and actor.role is not MemberRole.BUYER_ADMIN:
            raise NotYourApprovalError(
                "Only the requester or a buyer admin cancels.", code="not_the_requester"
            )
        now = uow.clock.now()
        previous = request.move_to(RequestStatus.CANCELLED, now)
        _cancel_open_steps(request)
        uow.budgets.release(request.id, now=now)
        request.version += 1
        uow.purchase_requests.save(request)
        uow.purchase_requests.record(
            [
                RequestEvent(
                    request.id,
                    now,
                    f"user:{actor_id}",
                    "cancelled",
                    previous.value,
                    "cancelled",
                    reason.strip()[:2000],
                )
            ]
        )
        uow.commit()
    return request


def expire_requests(*, uow: PurchasingUnitOfWork, batch_size: int = 100) -> int:
    """Pending approvals past their deadline become ``expired`` (nothing was ordered)."""
    with uow:
        ids = uow.purchase_requests.expired_ids(uow.clock.now(), limit=batch_size)
    expired = 0
    for request_id in ids:
        with uow:
            request = uow.purchase_requests.get(request_id, for_update=True)
            now = uow.clock.now()
            if (
                request is None
                or request.status is not RequestStatus.PENDING_APPROVAL
                or request.expires_at is None
                or request.expires_at > now
            ):
                continue
            request.move_to(RequestStatus.EXPIRED, now)
            _cancel_open_steps(request)
            request.version += 1
            uow.purchase_requests.save(request)
            uow.purchase_requests.record(
                [
                    RequestEvent(
                        request.id,
                        now,
                        "system:expiry",
                        "expired",
                        "pending_approval",
                        "expired",
                        "No decision before the approval deadline.",
                    )
                ]
            )
            uow.commit()
            expired += 1
    return expired


# -- routing ----------------------------------------------------------------------------
def _price_and_route(
    uow: PurchasingUnitOfWork,
    request: PurchaseRequest,
    lines: list[commands.RequestLine],
    member: Member,
    centre: CostCentre | None,
) -> None:
    """Price the lines, apply the budget policy and the approval rules: set the status,
    the steps and the reasons on ``request``."""
    request.lines = price_request_lines(
        uow, lines, company_id=request.company_id, currency=request.currency, member=member
    )
    request.total = sum_money((ln.line_total for ln in request.lines), request.currency)
    now = uow.clock.now()
    over_budget = _over_budget(uow, centre, request.total, now)
    if over_budget and centre is not None and centre.overrun is OverrunPolicy.BLOCK:
        raise BudgetExceededError(
            f"The cost centre {centre.code} has {over_budget.available} left this month.",
            available=over_budget.available.to_dict(),
            total=request.total.to_dict(),
        )
    rules = uow.purchase_requests.rules(request.company_id, active_only=True)
    matched = _matching(uow, rules, request, over_budget=over_budget is not None)
    implicit = []
    if member.order_limit is not None and request.total > member.order_limit:
        implicit.append("order_limit")
    if over_budget and not any(r.kind is RuleKind.BUDGET_OVERRUN for r in matched):
        implicit.append("budget_overrun")
    steps = steps_for(matched, implicit=tuple(implicit))
    request.approval_reasons = tuple(
        dict.fromkeys(
            [*(r.name for r in matched), *implicit, *(["budget_overrun"] if over_budget else [])]
        )
    )
    request.steps = [
        ApprovalStep(
            request.id, i, approvers, reasons, StepStatus.PENDING if i == 0 else StepStatus.WAITING
        )
        for i, (approvers, reasons) in enumerate(steps)
    ]
    request.updated_at = now
    if steps:
        request.status = RequestStatus.PENDING_APPROVAL
        company = uow.companies.get(request.company_id)
        request.expires_at = now + timedelta(days=company.approval_ttl_days if company else 7)
    else:
        request.status, request.expires_at = RequestStatus.APPROVED, None


def _over_budget(
    uow: PurchasingUnitOfWork, centre: CostCentre | None, total: Money, now: datetime
) -> BudgetPeriod | None:
    """This month's budget figures when ``total`` does not fit in them, else None."""
    if centre is None or centre.monthly_budget is None:
        return None
    period = period_of(now.date())
    figures = uow.budgets.get(centre.id, period)
    if figures is None:
        zero = Money.zero(centre.monthly_budget.currency.code)
        figures = BudgetPeriod(centre.id, period, centre.monthly_budget, zero, zero)
    return figures if total > figures.available else None


def _matching(
    uow: PurchasingUnitOfWork,
    rules: list[ApprovalRule],
    request: PurchaseRequest,
    *,
    over_budget: bool,
) -> list[ApprovalRule]:
    trails = category_trails(uow, [ln.category_id for ln in request.lines])
    categories = set().union(*trails.values()) if trails else set()
    merchants = request.merchant_ids
    matched = []
    for rule in rules:
        if rule.kind is RuleKind.AMOUNT_OVER:
            hit = (
                rule.threshold is not None
                and rule.threshold.currency.code == request.currency
                and request.total > rule.threshold
            )
        elif rule.kind is RuleKind.CATEGORY:
            hit = bool(categories & set(rule.ids))
        elif rule.kind is RuleKind.SUPPLIER:
            hit = bool(merchants & set(rule.ids))
        else:
            hit = over_budget
        if hit:
            matched.append(rule)
    return matched


def _check_approver(request: PurchaseRequest, step: ApprovalStep, approver: Member) -> None:
    if approver.user_id == request.requester_id:
        raise SelfApprovalError("Nobody approves their own request.")
    if step.approver_ids:
        if approver.user_id not in step.approver_ids:
            raise NotYourApprovalError("This step is not yours to decide.")
    elif not approver.role.can_approve:
        raise NotYourApprovalError("This step needs an approver or a buyer admin.")


def _cancel_open_steps(request: PurchaseRequest) -> None:
    for step in request.steps:
        if step.status in (StepStatus.PENDING, StepStatus.WAITING):
            step.status = StepStatus.CANCELLED


def _active_member(uow: PurchasingUnitOfWork, company_id: str, user_id: str) -> tuple[Member, str]:
    member = member_of(uow.companies, company_id, user_id)
    company = uow.companies.get(company_id)
    assert company is not None
    if company.status is not CompanyStatus.ACTIVE:
        raise CompanySuspendedError("The company may not buy now.")
    return member, company.currency


def _cost_centre(
    uow: PurchasingUnitOfWork, company_id: str, location_id: str, centre_id: str | None
) -> CostCentre | None:
    location = uow.companies.get_location(location_id)
    if location is None or location.company_id != company_id:
        raise LocationNotFoundError("No such location.")
    centre_id = centre_id or location.cost_centre_id
    if centre_id is None:
        return None
    centre = uow.companies.get_cost_centre(centre_id)
    if centre is None or centre.company_id != company_id:
        raise CostCentreNotFoundError("No such cost centre.")
    return centre


def _get(uow: PurchasingUnitOfWork, request_id: str, company_id: str) -> PurchaseRequest:
    """The request, locked, if it belongs to this company (else 404: nothing leaks)."""
    request = uow.purchase_requests.get(request_id, for_update=True)
    if request is None or request.company_id != company_id:
        raise PurchaseRequestNotFoundError("No such purchase request.")
    return request


__all__ = [
    "RequestLine",
    "cancel_request",
    "decide",
    "expire_requests",
    "revise_request",
    "submit_request",
]
