"""Read side of the pricing policy and inputs: what the merchant reads back, and what the
pricing producer prices the catalog with (``pricing_inputs``: two statements, however many
merchants and SKUs there are).

A merchant without a stored policy has the defaults (``PricingPolicy.default``). A SKU's
inputs are in one currency; for a SKU listed in several currencies, the others carry no
inputs (a cost in CNY says nothing about a price in USD without a rate).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, select, true

from marketplace.advice.adapters.pricing_inputs import inputs_from_row, policy_from_row
from marketplace.advice.adapters.tables import merchant_pricing_policies, sku_pricing_inputs
from marketplace.advice.domain import PricingPolicy, SkuPricingInputs
from marketplace.advice.domain.pricing_inputs import MONEY_FIELDS, fraction_text
from marketplace.catalog.adapters.tables import products, sku_prices, skus
from marketplace.parties.adapters.tables import merchants
from marketplace.shared.money import Money


@dataclass(frozen=True, slots=True)
class SkuPricingRow:
    """One SKU's list price in one currency, with the inputs the merchant set in that
    currency (None where unknown)."""

    sku_id: str
    sku_code: str
    product_id: str
    currency: str
    list_price: Money
    unit_cost: Money | None = None
    min_price: Money | None = None
    max_price: Money | None = None
    competitor_price: Money | None = None


@dataclass(frozen=True, slots=True)
class MerchantPricingInputs:
    merchant_id: str
    policy: PricingPolicy  # the effective one: the defaults when none is stored
    skus: list[SkuPricingRow] = field(default_factory=list)  # by SKU id, then currency


def pricing_inputs(conn: Connection, merchant_id: str | None = None) -> list[MerchantPricingInputs]:
    """For each approved merchant whose policy leaves suggestions enabled (or only
    ``merchant_id``, if it is one), by id: its effective policy and, per active SKU of a
    listed product, each list price with the SKU's inputs in that currency."""
    m, p = merchants.c, merchant_pricing_policies.c
    enabled = (
        select(m.id, *merchant_pricing_policies.c)
        .select_from(merchants.outerjoin(merchant_pricing_policies, p.merchant_id == m.id))
        .where(m.status == "approved", p.is_enabled.is_(None) | p.is_enabled.is_(true()))
    )
    if merchant_id is not None:
        enabled = enabled.where(m.id == merchant_id)
    found = {
        r.id: MerchantPricingInputs(r.id, _effective_policy(r))
        for r in conn.execute(enabled.order_by(m.id))
    }
    if not found:
        return []
    s, sp, i = skus.c, sku_prices.c, sku_pricing_inputs.c
    rows = conn.execute(
        select(s.merchant_id, s.id, s.sku_code, s.product_id, sp.currency, sp.amount_minor,
               i.unit_cost_minor, i.min_price_minor, i.max_price_minor,
               i.competitor_price_minor)
        .select_from(
            skus.join(products, products.c.id == s.product_id)
            .join(sku_prices, and_(sp.sku_id == s.id, sp.price_type == "list"))
            .outerjoin(sku_pricing_inputs, and_(i.sku_id == s.id, i.currency == sp.currency))
        )
        .where(s.status == "active", products.c.status == "listed",
               s.merchant_id.in_(enabled.with_only_columns(m.id).scalar_subquery()))
        .order_by(s.merchant_id, s.id, sp.currency)
    )  # fmt: skip
    for r in rows:
        found[r.merchant_id].skus.append(_sku_row(r))
    return list(found.values())


def _sku_row(r: Any) -> SkuPricingRow:
    def money(minor: int | None) -> Money | None:
        return Money.from_minor(int(minor), r.currency) if minor is not None else None

    return SkuPricingRow(
        sku_id=r.id, sku_code=r.sku_code, product_id=r.product_id, currency=r.currency,
        list_price=Money.from_minor(int(r.amount_minor), r.currency),
        unit_cost=money(r.unit_cost_minor), min_price=money(r.min_price_minor),
        max_price=money(r.max_price_minor), competitor_price=money(r.competitor_price_minor),
    )  # fmt: skip


def _effective_policy(row: Any) -> PricingPolicy:
    """The stored policy of an outer-joined row, or the defaults (no policy: all null)."""
    return policy_from_row(row) if row.merchant_id is not None else PricingPolicy.default(row.id)


# -- the merchant's views -------------------------------------------------------------------
def pricing_policy(conn: Connection, merchant_id: str) -> PricingPolicy:
    """The merchant's effective policy: the stored one, else the defaults."""
    row = conn.execute(
        select(merchant_pricing_policies)
        .where(merchant_pricing_policies.c.merchant_id == merchant_id)
    ).first()  # fmt: skip
    return policy_from_row(row) if row is not None else PricingPolicy.default(merchant_id)


def policy_dict(policy: PricingPolicy) -> dict[str, Any]:
    """JSON-ready: fractions as decimal strings (null: off)."""
    return {
        "merchant_id": policy.merchant_id, "is_enabled": policy.is_enabled,
        "objective": policy.objective.value, "max_step": fraction_text(policy.max_step),
        "margin_floor": fraction_text(policy.margin_floor),
        "competitor_tolerance": fraction_text(policy.competitor_tolerance),
        "allow_outside_observed": policy.allow_outside_observed, "charm": policy.charm,
        "is_default": policy.is_default,
        "updated_at": policy.updated_at.isoformat() if policy.updated_at else None,
        "updated_by": policy.updated_by,
    }  # fmt: skip


def sku_inputs_view(conn: Connection, merchant_id: str, sku_id: str) -> dict[str, Any] | None:
    """The SKU's pricing inputs beside its list prices; None unless it is the merchant's.
    A SKU without inputs shows them all null (and no currency)."""
    owner = conn.execute(select(skus.c.merchant_id).where(skus.c.id == sku_id)).scalar()
    if owner != merchant_id:
        return None
    row = conn.execute(select(sku_pricing_inputs).where(sku_pricing_inputs.c.sku_id == sku_id))
    stored = row.first()
    list_prices = [
        Money.from_minor(int(r.amount_minor), r.currency).to_dict()
        for r in conn.execute(
            select(sku_prices.c.currency, sku_prices.c.amount_minor)
            .where(sku_prices.c.sku_id == sku_id, sku_prices.c.price_type == "list")
            .order_by(sku_prices.c.currency)
        )
    ]  # fmt: skip
    inputs = inputs_from_row(stored) if stored is not None else None
    return inputs_dict(sku_id, inputs) | {"list_prices": list_prices}


def inputs_dict(sku_id: str, inputs: SkuPricingInputs | None) -> dict[str, Any]:
    amounts: Mapping[str, Money | None] = {
        name: getattr(inputs, name) if inputs is not None else None for name in MONEY_FIELDS
    }
    return {
        "sku_id": sku_id, "currency": inputs.currency if inputs is not None else None,
        **{name: a.to_dict() if a is not None else None for name, a in amounts.items()},
        "updated_at": inputs.updated_at.isoformat() if inputs and inputs.updated_at else None,
        "updated_by": inputs.updated_by if inputs is not None else None,
    }  # fmt: skip
