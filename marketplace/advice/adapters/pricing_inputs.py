"""SQL repositories of merchants' pricing policies and SKUs' pricing inputs, bound to the
unit of work's connection. Each is one row, written with one atomic upsert."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from marketplace.advice.adapters.repositories import sku_facts
from marketplace.advice.adapters.tables import merchant_pricing_policies, sku_pricing_inputs
from marketplace.advice.domain import Objective, PricingPolicy, SkuPricingInputs
from marketplace.advice.domain.pricing_inputs import MONEY_FIELDS
from marketplace.advice.ports import SkuFacts
from marketplace.db.sql import dialect_insert
from marketplace.shared.money import Money


class SqlPricingPolicyRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, merchant_id: str) -> PricingPolicy | None:
        row = self._conn.execute(
            select(merchant_pricing_policies)
            .where(merchant_pricing_policies.c.merchant_id == merchant_id)
        ).first()  # fmt: skip
        return policy_from_row(row) if row is not None else None

    def put(self, policy: PricingPolicy) -> None:
        values = {
            "merchant_id": policy.merchant_id, "is_enabled": policy.is_enabled,
            "objective": policy.objective.value, "max_step": policy.max_step,
            "margin_floor": policy.margin_floor,
            "competitor_tolerance": policy.competitor_tolerance,
            "allow_outside_observed": policy.allow_outside_observed, "charm": policy.charm,
            "updated_at": policy.updated_at, "updated_by": policy.updated_by,
        }  # fmt: skip
        _upsert(self._conn, merchant_pricing_policies, values, key="merchant_id")


class SqlSkuPricingInputsRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, sku_id: str) -> SkuPricingInputs | None:
        row = self._conn.execute(
            select(sku_pricing_inputs).where(sku_pricing_inputs.c.sku_id == sku_id)
        ).first()
        return inputs_from_row(row) if row is not None else None

    def put(self, inputs: SkuPricingInputs) -> None:
        values: dict[str, Any] = {
            "sku_id": inputs.sku_id, "merchant_id": inputs.merchant_id,
            "currency": inputs.currency, "updated_at": inputs.updated_at,
            "updated_by": inputs.updated_by,
        }  # fmt: skip
        for field in MONEY_FIELDS:
            amount: Money | None = getattr(inputs, field)
            values[f"{field}_minor"] = amount.minor if amount is not None else None
        _upsert(self._conn, sku_pricing_inputs, values, key="sku_id")

    def sku(self, sku_id: str) -> SkuFacts | None:
        return sku_facts(self._conn, [sku_id]).get(sku_id)


def _upsert(conn: Connection, table: Any, values: dict[str, Any], *, key: str) -> None:
    stmt = dialect_insert(conn, table).values(values)
    changed = {k: stmt.excluded[k] for k in values if k != key}
    conn.execute(stmt.on_conflict_do_update(index_elements=[key], set_=changed))


# -- rows <-> domain ----------------------------------------------------------------------
def policy_from_row(r: Any) -> PricingPolicy:
    return PricingPolicy(
        r.merchant_id, is_enabled=bool(r.is_enabled), objective=Objective(r.objective),
        max_step=r.max_step, margin_floor=r.margin_floor,
        competitor_tolerance=r.competitor_tolerance,
        allow_outside_observed=bool(r.allow_outside_observed), charm=bool(r.charm),
        updated_at=r.updated_at, updated_by=r.updated_by,
    )  # fmt: skip


def inputs_from_row(r: Any) -> SkuPricingInputs:
    def money(minor: int | None) -> Money | None:
        return Money.from_minor(int(minor), r.currency) if minor is not None else None

    return SkuPricingInputs(
        sku_id=r.sku_id, merchant_id=r.merchant_id, currency=r.currency,
        unit_cost=money(r.unit_cost_minor), min_price=money(r.min_price_minor),
        max_price=money(r.max_price_minor), competitor_price=money(r.competitor_price_minor),
        updated_at=r.updated_at, updated_by=r.updated_by,
    )  # fmt: skip
