"""SQL repository of commission rules (SQLAlchemy Core), bound to one unit of work."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    and_,
    bindparam,
    delete,
    exists,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Row

from marketplace.catalog.adapters.tables import categories
from marketplace.parties.adapters.tables import merchants
from marketplace.settlement.adapters.tables import commission_rule_limits, commission_rules
from marketplace.settlement.domain import CommissionRule, CommissionScope
from marketplace.shared.money import Money

Limits = dict[str, tuple[list[Money], list[Money]]]  # rule id -> (floors, caps)


def _candidates(by_merchant: bool, by_category: bool) -> Any:
    """Active rules in force at :at of the platform, and of the merchants
    (:merchant_ids) and categories (:category_ids) when asked."""
    r = commission_rules
    targets = [r.c.scope == CommissionScope.PLATFORM.value]
    if by_merchant:
        merchant_ids: BindParameter[Any] = bindparam("merchant_ids", expanding=True)
        targets.append(
            and_(r.c.scope == CommissionScope.MERCHANT.value, r.c.scope_id.in_(merchant_ids))
        )
    if by_category:
        category_ids: BindParameter[Any] = bindparam("category_ids", expanding=True)
        targets.append(
            and_(r.c.scope == CommissionScope.CATEGORY.value, r.c.scope_id.in_(category_ids))
        )
    at: BindParameter[Any] = bindparam("at")
    return select(r).where(
        or_(*targets),
        r.c.is_active.is_(True),
        r.c.archived_at.is_(None),
        or_(r.c.effective_from.is_(None), r.c.effective_from <= at),
        or_(r.c.effective_to.is_(None), r.c.effective_to > at),
    )


# Built once (executed with parameters, their cache keys are memoized).
_CANDIDATES = {(m, c): _candidates(m, c) for m in (False, True) for c in (False, True)}
_LIMITS = select(commission_rule_limits).where(
    commission_rule_limits.c.rule_id.in_(bindparam("ids", expanding=True))
)


def rule_from_row(row: Row[Any], floors: Sequence[Money], caps: Sequence[Money]) -> CommissionRule:
    m = row._mapping
    return CommissionRule(
        id=m["id"], scope=CommissionScope(m["scope"]), scope_id=m["scope_id"], rate=m["rate"],
        created_at=m["created_at"], updated_at=m["updated_at"],
        floors=tuple(sorted(floors, key=lambda x: x.currency.code)),
        caps=tuple(sorted(caps, key=lambda x: x.currency.code)),
        is_active=bool(m["is_active"]), effective_from=m["effective_from"],
        effective_to=m["effective_to"], note=m["note"], archived_at=m["archived_at"],
    )  # fmt: skip


def load_limits(conn: Connection, rule_ids: Iterable[str]) -> Limits:
    ids = list(rule_ids)
    found: Limits = {rule_id: ([], []) for rule_id in ids}
    if not ids:
        return found
    for row in conn.execute(_LIMITS, {"ids": ids}):
        m = row._mapping
        money = Money.from_minor(int(m["amount_minor"]), m["currency"])
        found[m["rule_id"]][0 if m["kind"] == "floor" else 1].append(money)
    return found


def rules_from_rows(conn: Connection, rows: Sequence[Row[Any]]) -> list[CommissionRule]:
    limits = load_limits(conn, (row._mapping["id"] for row in rows))
    return [rule_from_row(row, *limits[row._mapping["id"]]) for row in rows]


def _values(rule: CommissionRule) -> dict[str, Any]:
    return {
        "scope": rule.scope.value, "scope_id": rule.scope_id, "rate": rule.rate,
        "is_active": rule.is_active, "effective_from": rule.effective_from,
        "effective_to": rule.effective_to, "note": rule.note, "created_at": rule.created_at,
        "updated_at": rule.updated_at, "archived_at": rule.archived_at,
    }  # fmt: skip


class SqlCommissionRuleRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, rule: CommissionRule) -> None:
        self._conn.execute(insert(commission_rules).values(id=rule.id, **_values(rule)))
        self._write_limits(rule)

    def get(self, rule_id: str) -> CommissionRule | None:
        rows = self._conn.execute(
            select(commission_rules).where(commission_rules.c.id == rule_id)
        ).all()
        return rules_from_rows(self._conn, rows)[0] if rows else None

    def update(self, rule: CommissionRule) -> None:
        values = _values(rule)
        del values["scope"], values["scope_id"], values["created_at"]
        self._conn.execute(
            update(commission_rules).where(commission_rules.c.id == rule.id).values(**values)
        )
        self._conn.execute(
            delete(commission_rule_limits).where(commission_rule_limits.c.rule_id == rule.id)
        )
        self._write_limits(rule)

    def _write_limits(self, rule: CommissionRule) -> None:
        rows = [
            {"rule_id": rule.id, "kind": kind, "currency": m.currency.code, "amount_minor": m.minor}
            for kind, limits in (("floor", rule.floors), ("cap", rule.caps))
            for m in limits
        ]
        if rows:
            self._conn.execute(insert(commission_rule_limits), rows)

    def candidates(
        self, *, merchant_ids: Collection[str], category_ids: Collection[str], at: datetime
    ) -> list[CommissionRule]:
        query = _CANDIDATES[bool(merchant_ids), bool(category_ids)]
        params = {"merchant_ids": list(merchant_ids), "category_ids": list(category_ids), "at": at}
        return rules_from_rows(self._conn, self._conn.execute(query, params).all())

    def scope_exists(self, scope: CommissionScope, scope_id: str) -> bool:
        if scope is CommissionScope.MERCHANT:
            condition = exists().where(merchants.c.id == scope_id)
        elif scope is CommissionScope.CATEGORY:
            condition = exists().where(categories.c.id == scope_id)
        else:
            return True
        return bool(self._conn.execute(select(condition)).scalar())
