"""Purchase requests and their approval (审批流).

A purchase request (PR) is what a company member wants to buy, priced when submitted.
Policies decide what happens next:

- a category the member may not buy, or a budget overrun on a cost centre whose policy
  is ``block``: refused at submission (nothing is stored);
- approval rules (amount over a threshold, a category, a supplier, a budget overrun) and
  the member's own order limit route it to approvers in sequential steps; each step is
  approved by any one of its approvers, never by the requester;
- otherwise it is placed at once as a purchase order.

Statuses: pending_approval -> approved -> placing -> ordered, with rejected,
changes_requested (the requester revises and resubmits), expired (no decision in time),
cancelled (by the requester), and failed (placing was refused: stock, credit, budget;
it may be placed again). An order is never placed before its request is approved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from marketplace.shared.errors import ConflictError, NotFoundError, PermissionDeniedError
from marketplace.shared.errors import ValidationError as _ValidationError
from marketplace.shared.money import Money


class RequestStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    PLACING = "placing"
    ORDERED = "ordered"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    FAILED = "failed"


S = RequestStatus
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.PENDING_APPROVAL: frozenset(
        {S.APPROVED, S.REJECTED, S.CHANGES_REQUESTED, S.EXPIRED, S.CANCELLED}
    ),
    S.CHANGES_REQUESTED: frozenset({S.PENDING_APPROVAL, S.APPROVED, S.CANCELLED}),
    S.APPROVED: frozenset({S.PLACING, S.CANCELLED}),
    S.PLACING: frozenset({S.ORDERED, S.FAILED}),
    S.FAILED: frozenset({S.PLACING, S.CANCELLED}),
    S.ORDERED: frozenset(),
    S.REJECTED: frozenset(),
    S.EXPIRED: frozenset(),
    S.CANCELLED: frozenset(),
}


class RuleKind(StrEnum):
    AMOUNT_OVER = "amount_over"  # the request's total exceeds ``threshold``
    CATEGORY = "category"  # a line in one of ``ids`` (or below it)
    SUPPLIER = "supplier"  # a line from one of the merchants ``ids``
    BUDGET_OVERRUN = "budget_overrun"  # the cost centre's month would go over budget


class StepStatus(StrEnum):
    WAITING = "waiting"  # an earlier step is not decided yet
    PENDING = "pending"  # the current step
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # the request left approval (changes, expiry, cancel)


@dataclass
class ApprovalRule:
    id: str
    company_id: str
    name: str
    kind: RuleKind
    threshold: Money | None  # AMOUNT_OVER
    ids: tuple[str, ...]  # CATEGORY, SUPPLIER
    # Sequential steps; each is the user ids any one of whom approves it. An empty step
    # means "any approver or buyer admin of the company".
    steps: tuple[tuple[str, ...], ...]
    position: int  # rules' steps are chained in this order
    is_active: bool
    created_at: datetime


@dataclass
class RequestLine:
    sku_id: str
    quantity: int
    merchant_id: str
    category_id: str
    title: str
    unit_price: Money
    price_source: str  # contract:<id> | tier:<qty> | quote:<id> | list
    line_total: Money


@dataclass
class ApprovalStep:
    request_id: str
    position: int
    approver_ids: tuple[str, ...]  # empty: any approver or buyer admin
    reasons: tuple[str, ...]  # why this step exists (rule names, "order_limit")
    status: StepStatus
    decided_by: str | None = None
    decided_at: datetime | None = None
    comment: str = ""


@dataclass(frozen=True)
class RequestEvent:
    """One line of the audit trail."""

    request_id: str
    at: datetime
    actor: str
    action: str  # submitted, approved, rejected, changes_requested, revised, placed, ...
    from_status: str | None
    to_status: str | None
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class PurchaseRequest:
    id: str
    company_id: str
    requester_id: str
    location_id: str
    cost_centre_id: str | None
    payment_method: str
    currency: str
    total: Money
    status: RequestStatus
    note: str
    source: str
    idempotency_key: str | None
    approval_reasons: tuple[str, ...]
    expires_at: datetime | None  # when a pending approval lapses
    created_at: datetime
    updated_at: datetime
    version: int = 1
    group_id: str | None = None  # the checkout group of the purchase order
    order_ids: tuple[str, ...] = ()
    failure_code: str | None = None
    lines: list[RequestLine] = field(default_factory=list)
    steps: list[ApprovalStep] = field(default_factory=list)

    def move_to(self, target: RequestStatus, now: datetime) -> RequestStatus:
        if target not in TRANSITIONS[self.status]:
            raise RequestStateError(
                f"A {self.status} purchase request cannot become {target}.",
                status=str(self.status),
                target=str(target),
            )
        previous, self.status, self.updated_at = self.status, target, now
        return previous

    @property
    def current_step(self) -> ApprovalStep | None:
        return next((s for s in self.steps if s.status is StepStatus.PENDING), None)

    @property
    def merchant_ids(self) -> set[str]:
        return {line.merchant_id for line in self.lines}


def steps_for(
    matched: list[ApprovalRule], *, implicit: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """The sequential steps (approver ids, reasons) of the matched rules, in rule order;
    a step with the same approvers as the one before is merged. ``implicit`` reasons
    (over the member's order limit, an accepted budget overrun) ride on the first step,
    or make one step for any approver when no rule matched."""
    steps: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    for rule in sorted(matched, key=lambda r: (r.position, r.id)):
        for approvers in rule.steps:
            if steps and steps[-1][0] == approvers:
                steps[-1] = (approvers, (*steps[-1][1], rule.name))
            else:
                steps.append((approvers, (rule.name,)))
    if implicit:
        if steps:
            steps[0] = (steps[0][0], (*steps[0][1], *implicit))
        else:
            steps.append(((), implicit))
    return steps


# -- errors ---------------------------------------------------------------------------
class PurchaseRequestNotFoundError(NotFoundError):
    code = "purchase_request_not_found"


class RequestStateError(ConflictError):
    code = "purchase_request_state"


class InvalidPurchaseRequestError(_ValidationError):
    code = "invalid_purchase_request"


class CategoryNotAllowedError(PermissionDeniedError):
    code = "category_not_allowed"


class BudgetExceededError(ConflictError):
    code = "budget_exceeded"


class NotYourApprovalError(PermissionDeniedError):
    code = "not_an_approver"


class SelfApprovalError(PermissionDeniedError):
    code = "self_approval_not_allowed"


class PlacementFailedError(ConflictError):
    """The approved request could not be placed (stock, credit, price); it is kept as
    ``failed`` and may be placed again."""

    code = "purchase_order_not_placed"


class DuplicateRequestError(Exception):
    """The company used this idempotency key already (a concurrent twin won)."""


class ApprovalRuleNotFoundError(NotFoundError):
    code = "approval_rule_not_found"
