"""Commission: quoting order lines at placement, and the admin's rule maintenance."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from marketplace.settlement.commands import CreateCommissionRule, UpdateCommissionRule
from marketplace.settlement.domain import (
    CommissionInput,
    CommissionRule,
    CommissionRuleNotFoundError,
    CommissionScope,
    FrozenCommission,
    InvalidCommissionRuleError,
    UnknownCommissionScopeError,
    freeze_commission,
    in_utc,
    match_rule,
    parse_rate,
)
from marketplace.settlement.ports import SettlementUnitOfWork
from marketplace.shared.ids import new_id

log = logging.getLogger("agora.settlement")

UPDATABLE = frozenset(
    {"rate", "floors", "caps", "is_active", "effective_from", "effective_to", "note"}
)


def quote_commissions(
    lines: Sequence[CommissionInput],
    *,
    uow: SettlementUnitOfWork,
    at: datetime | None = None,
) -> list[FrozenCommission]:
    """The commission of each line, to freeze on the order lines at placement.

    Runs inside the caller's open unit of work and only reads (one query for the rules
    of all lines). A line no rule matches gets a zero commission with ``rule_id`` None,
    and a warning is logged, since a platform normally has a default rule.
    """
    for line in lines:
        line.validate()
    if not lines:
        return []
    when = at or uow.clock.now()
    rules = uow.commission_rules.candidates(
        merchant_ids={line.merchant_id for line in lines},
        category_ids={c for line in lines for c in line.category_ids},
        at=when,
    )
    frozen = [freeze_commission(match_rule(rules, line, when), line) for line in lines]
    for line, commission in zip(lines, frozen, strict=True):
        if commission.rule_id is None:
            log.warning(
                "no commission rule matched; commission is zero",
                extra={"merchant_id": line.merchant_id, "category_ids": list(line.category_ids)},
            )
    return frozen


def _scope(value: str) -> CommissionScope:
    try:
        return CommissionScope(value)
    except ValueError:
        raise InvalidCommissionRuleError(
            f"{value!r} is not a scope (platform, category, merchant).",
            code="invalid_commission_scope",
            field="scope",
        ) from None


def create_commission_rule(
    cmd: CreateCommissionRule, *, uow: SettlementUnitOfWork
) -> CommissionRule:
    """A new rule; its merchant or category must exist."""
    scope = _scope(cmd.scope)
    with uow:
        now = uow.clock.now()
        rule = CommissionRule(
            id=new_id("cr"), scope=scope, scope_id=cmd.scope_id, rate=parse_rate(cmd.rate),
            created_at=now, updated_at=now, floors=tuple(cmd.floors), caps=tuple(cmd.caps),
            is_active=cmd.is_active, effective_from=in_utc(cmd.effective_from),
            effective_to=in_utc(cmd.effective_to), note=cmd.note,
        )  # fmt: skip
        rule.validate()
        if cmd.scope_id is not None and not uow.commission_rules.scope_exists(scope, cmd.scope_id):
            raise UnknownCommissionScopeError(
                f"No {scope} {cmd.scope_id}.", scope=scope.value, scope_id=cmd.scope_id
            )
        uow.commission_rules.add(rule)
        uow.commit()
    return rule


def _changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise InvalidCommissionRuleError(f"{sorted(unknown)} cannot change.")
    normalized = dict(changes)
    if "rate" in normalized:
        normalized["rate"] = parse_rate(normalized["rate"])
    for name in ("effective_from", "effective_to"):
        if name in normalized:
            normalized[name] = in_utc(normalized[name])
    for name in ("floors", "caps"):
        if name in normalized:
            normalized[name] = tuple(normalized[name] or ())
    if normalized.get("is_active", True) is None:
        raise InvalidCommissionRuleError("is_active cannot be null.", field="is_active")
    return normalized


def _live_rule(uow: SettlementUnitOfWork, rule_id: str) -> CommissionRule:
    rule = uow.commission_rules.get(rule_id)
    if rule is None or rule.archived_at is not None:
        raise CommissionRuleNotFoundError("No such commission rule.", rule_id=rule_id)
    return rule


def update_commission_rule(
    cmd: UpdateCommissionRule, *, uow: SettlementUnitOfWork
) -> CommissionRule:
    """Change a rule; commissions already frozen on orders keep their old figures."""
    changes = _changes(cmd.changes)
    with uow:
        current = _live_rule(uow, cmd.rule_id)
        updated = current.with_changes(changes, now=uow.clock.now())
        uow.commission_rules.update(updated)
        uow.commit()
    return updated


def archive_commission_rule(rule_id: str, *, uow: SettlementUnitOfWork) -> CommissionRule:
    """Delete a rule for matching; the row stays, since frozen commissions name it."""
    with uow:
        current = _live_rule(uow, rule_id)
        now = uow.clock.now()
        archived = dataclasses.replace(current, archived_at=now, updated_at=now)
        uow.commission_rules.update(archived)
        uow.commit()
    return archived
