"""Companies' approval rules, managed by buyer admins."""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.companies.domain import MemberRole
from marketplace.companies.services import require_role
from marketplace.purchasing.domain import (
    ApprovalRule,
    ApprovalRuleNotFoundError,
    InvalidPurchaseRequestError,
    RuleKind,
)
from marketplace.purchasing.ports import PurchasingUnitOfWork
from marketplace.shared.ids import new_id
from marketplace.shared.money import Money

MAX_STEPS = 10


@dataclass(frozen=True, slots=True)
class RuleSpec:
    name: str
    kind: RuleKind
    steps: tuple[tuple[str, ...], ...]
    threshold: Money | None = None
    ids: tuple[str, ...] = ()
    position: int = 0
    is_active: bool = True


def add_rule(
    company_id: str, spec: RuleSpec, *, actor_id: str, uow: PurchasingUnitOfWork
) -> ApprovalRule:
    with uow:
        require_role(uow.companies, company_id, actor_id, MemberRole.BUYER_ADMIN)
        _check(uow, company_id, spec)
        rule = ApprovalRule(
            id=new_id("apr"),
            company_id=company_id,
            name=spec.name.strip(),
            kind=spec.kind,
            threshold=spec.threshold,
            ids=spec.ids,
            steps=spec.steps,
            position=spec.position,
            is_active=spec.is_active,
            created_at=uow.clock.now(),
        )
        uow.purchase_requests.add_rule(rule)
        uow.commit()
    return rule


def update_rule(
    company_id: str, rule_id: str, spec: RuleSpec, *, actor_id: str, uow: PurchasingUnitOfWork
) -> ApprovalRule:
    """Replace a rule's fields (requests already routed keep their steps)."""
    with uow:
        require_role(uow.companies, company_id, actor_id, MemberRole.BUYER_ADMIN)
        rule = uow.purchase_requests.get_rule(rule_id)
        if rule is None or rule.company_id != company_id:
            raise ApprovalRuleNotFoundError("No such approval rule.")
        _check(uow, company_id, spec)
        rule.name, rule.kind, rule.threshold = spec.name.strip(), spec.kind, spec.threshold
        rule.ids, rule.steps, rule.position = spec.ids, spec.steps, spec.position
        rule.is_active = spec.is_active
        uow.purchase_requests.save_rule(rule)
        uow.commit()
    return rule


def _check(uow: PurchasingUnitOfWork, company_id: str, spec: RuleSpec) -> None:
    def bad(message: str) -> InvalidPurchaseRequestError:
        return InvalidPurchaseRequestError(message, code="invalid_approval_rule")

    if not 1 <= len(spec.name.strip()) <= 120:
        raise bad("A rule name has 1-120 characters.")
    if not 1 <= len(spec.steps) <= MAX_STEPS:
        raise bad(f"A rule has 1 to {MAX_STEPS} steps.")
    company = uow.companies.get(company_id)
    assert company is not None
    if spec.kind is RuleKind.AMOUNT_OVER:
        t = spec.threshold
        if t is None or t.is_negative or t.currency.code != company.currency:
            raise bad(f"An amount rule needs a non-negative threshold in {company.currency}.")
    elif spec.kind in (RuleKind.CATEGORY, RuleKind.SUPPLIER) and not spec.ids:
        raise bad("A category or supplier rule names at least one id.")
    approvers = {m.user_id: m for m in uow.companies.members(company_id)}
    for step in spec.steps:
        for user_id in step:
            member = approvers.get(user_id)
            if member is None or not member.role.can_approve:
                raise bad(
                    "Every named approver is an approver or buyer admin of the company.",
                )
