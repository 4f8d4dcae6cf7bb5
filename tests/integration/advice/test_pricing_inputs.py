"""Merchants' pricing policies and SKUs' pricing inputs through the services, on SQLite and
PostgreSQL: set, read back exactly, replace and clear; every refusal changes nothing; and
what the pricing producer reads for the whole catalog, in two statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, event, func, select

from marketplace.advice import queries, services
from marketplace.advice.adapters.tables import merchant_pricing_policies
from marketplace.advice.commands import SetPricingPolicy, SetSkuPricingInputs
from marketplace.advice.domain import (
    InvalidPriceBoundsError,
    InvalidPricingInputsError,
    InvalidPricingPolicyError,
    Objective,
    PricingCurrencyMismatchError,
    PricingPolicy,
    SkuPricingInputs,
)
from marketplace.catalog import services as catalog
from marketplace.catalog.domain.commands import SetSkuPrices, UpdateSku
from marketplace.catalog.domain.errors import SkuNotFoundError
from marketplace.parties.domain import MerchantNotFoundError
from marketplace.shared.currency import UnsupportedCurrencyError
from marketplace.shared.errors import DomainError
from marketplace.shared.money import InvalidMoneyError, Money
from tests.factories import db_snapshot
from tests.integration.advice.seed import Advice
from tests.integration.catalog_seed import Catalog, set_merchant_status


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def _set_policy(advice: Advice, merchant_id: str, actor: str = "usr_owner",
                **fields: Any) -> PricingPolicy:  # fmt: skip
    cmd = SetPricingPolicy(merchant_id, actor, **fields)
    return services.set_pricing_policy(cmd, uow=advice.market.app.uow())


def _set_inputs(advice: Advice, merchant_id: str, sku_id: str, currency: str = "CNY",
                **amounts: str | None) -> SkuPricingInputs:  # fmt: skip
    cmd = SetSkuPricingInputs(merchant_id, sku_id, "usr_owner", currency, **amounts)
    return services.set_sku_pricing_inputs(cmd, uow=advice.market.app.uow())


def _policy(advice: Advice, merchant_id: str) -> PricingPolicy:
    with advice.engine.connect() as conn:
        return queries.pricing_policy(conn, merchant_id)


def _inputs_view(advice: Advice, merchant_id: str, sku_id: str) -> dict[str, Any] | None:
    with advice.engine.connect() as conn:
        return queries.sku_inputs_view(conn, merchant_id, sku_id)


def _usd_price(advice: Advice, merchant_id: str, sku_id: str, amount: str) -> None:
    app = advice.market.app
    catalog.set_sku_prices(SetSkuPrices(merchant_id, sku_id, "USD", amount), uow=app.uow(),
                           cache=app.cache)  # fmt: skip


# -- the policy -----------------------------------------------------------------------------
def test_a_policy_is_the_defaults_until_set_then_replaced_whole(advice: Advice) -> None:
    seller = advice.market.seller({"dress": "100.00"})
    mid = seller.merchant_id
    assert _policy(advice, mid) == PricingPolicy.default(mid)
    assert queries.policy_dict(_policy(advice, mid))["is_default"] is True

    made = _set_policy(advice, mid, objective="revenue", max_step="0.05", margin_floor="0.25",
                       competitor_tolerance=None, charm=True)  # fmt: skip
    stored = _policy(advice, mid)
    assert stored == made
    assert (stored.objective, stored.max_step, stored.margin_floor) == (
        Objective.REVENUE, Decimal("0.05"), Decimal("0.25")
    )  # fmt: skip
    assert (stored.competitor_tolerance, stored.charm, stored.allow_outside_observed) == (
        None, True, False
    )  # fmt: skip
    assert (stored.updated_at, stored.updated_by) == (advice.market.clock.now(), "usr_owner")
    assert {k: v for k, v in queries.policy_dict(stored).items() if k != "updated_at"} == {
        "merchant_id": mid, "is_enabled": True, "objective": "revenue", "max_step": "0.05",
        "margin_floor": "0.25", "competitor_tolerance": None, "allow_outside_observed": False,
        "charm": True, "is_default": False, "updated_by": "usr_owner",
    }  # fmt: skip

    advice.market.later(minutes=5)
    _set_policy(advice, mid, actor="apikey:abc123")  # every field omitted: the defaults
    again = _policy(advice, mid)
    defaults = PricingPolicy.default(mid)
    assert (again.objective, again.max_step, again.margin_floor, again.competitor_tolerance,
            again.charm) == (defaults.objective, defaults.max_step, defaults.margin_floor,
                             defaults.competitor_tolerance, defaults.charm)  # fmt: skip
    assert (again.is_default, again.updated_at, again.updated_by) == (
        False, advice.market.clock.now(), "apikey:abc123"
    )  # fmt: skip
    with advice.engine.connect() as conn:
        assert conn.execute(
            select(func.count()).select_from(merchant_pricing_policies)
        ).scalar_one() == 1  # fmt: skip


def test_refused_policies_change_nothing(advice: Advice) -> None:
    mid = advice.market.seller({"dress": "100.00"}).merchant_id
    _set_policy(advice, mid, max_step="0.2")
    cases: list[tuple[dict[str, Any], type[DomainError], str]] = [
        ({"objective": "margin"}, InvalidPricingPolicyError, "invalid_pricing_policy"),
        ({"max_step": "0"}, InvalidPricingPolicyError, "invalid_pricing_policy"),
        ({"max_step": "1.5"}, InvalidPricingPolicyError, "invalid_pricing_policy"),
        ({"max_step": "0.12345"}, InvalidPricingPolicyError, "invalid_pricing_policy"),
        ({"margin_floor": "-0.1"}, InvalidPricingPolicyError, "invalid_pricing_policy"),
        ({"competitor_tolerance": "-0.01"}, InvalidPricingPolicyError,
         "invalid_pricing_policy"),
    ]  # fmt: skip
    before = db_snapshot(advice.market.app)
    for fields, error, code in cases:
        with pytest.raises(error) as refused:
            _set_policy(advice, mid, **fields)
        assert refused.value.code == code
    with pytest.raises(MerchantNotFoundError):
        _set_policy(advice, "mer_unknown")
    assert db_snapshot(advice.market.app) == before
    assert _policy(advice, mid).max_step == Decimal("0.2")


# -- SKU inputs -----------------------------------------------------------------------------
def test_sku_inputs_are_set_read_back_and_cleared(advice: Advice) -> None:
    seller = advice.market.seller({"dress": "100.00"})
    mid, dress = seller.merchant_id, seller.skus["dress"]
    assert _inputs_view(advice, mid, dress) == {
        "sku_id": dress, "currency": None, "unit_cost": None, "min_price": None,
        "max_price": None, "competitor_price": None, "updated_at": None, "updated_by": None,
        "list_prices": [{"amount": "100.00", "currency": "CNY"}],
    }  # fmt: skip

    made = _set_inputs(advice, mid, dress, unit_cost="42.50", min_price="80", max_price="130.00",
                       competitor_price="99.90")  # fmt: skip
    with advice.market.app.uow() as uow:
        assert uow.sku_pricing_inputs.get(dress) == made
    assert (made.unit_cost, made.min_price, made.max_price, made.competitor_price) == (
        cny("42.50"), cny("80.00"), cny("130.00"), cny("99.90")
    )  # fmt: skip
    view = _inputs_view(advice, mid, dress)
    assert view is not None
    assert (view["currency"], view["unit_cost"], view["min_price"], view["updated_by"]) == (
        "CNY", {"amount": "42.50", "currency": "CNY"}, {"amount": "80.00", "currency": "CNY"},
        "usr_owner",
    )  # fmt: skip

    # A replacement clears what it leaves out (null), here all but the cost.
    advice.market.later(minutes=1)
    _set_inputs(advice, mid, dress, unit_cost="40.00")
    view = _inputs_view(advice, mid, dress)
    assert view is not None
    assert (view["unit_cost"], view["min_price"], view["max_price"],
            view["competitor_price"]) == ({"amount": "40.00", "currency": "CNY"}, None, None,
                                          None)  # fmt: skip
    assert view["updated_at"] == advice.market.clock.now().isoformat()

    # In another of the SKU's list currencies, the inputs move to it (one row per SKU).
    _usd_price(advice, mid, dress, "14.00")
    _set_inputs(advice, mid, dress, "usd", unit_cost="6.10", max_price="19.99")
    with advice.market.app.uow() as uow:
        stored = uow.sku_pricing_inputs.get(dress)
    assert stored is not None
    assert (stored.currency, stored.unit_cost, stored.max_price, stored.min_price) == (
        "USD", Money.of("6.10", "USD"), Money.of("19.99", "USD"), None
    )  # fmt: skip


def test_refused_inputs_change_nothing(advice: Advice) -> None:
    seller = advice.market.seller({"dress": "100.00"})
    rival = advice.market.seller({"bag": "300.00"})
    mid, dress, bag = seller.merchant_id, seller.skus["dress"], rival.skus["bag"]
    _set_inputs(advice, mid, dress, unit_cost="42.00")
    cases: list[tuple[str, str, dict[str, str], type[DomainError], str]] = [
        (bag, "CNY", {"unit_cost": "1.00"}, SkuNotFoundError, "sku_not_found"),
        ("sku_unknown", "CNY", {}, SkuNotFoundError, "sku_not_found"),
        (dress, "USD", {"unit_cost": "6.00"}, PricingCurrencyMismatchError,
         "pricing_currency_mismatch"),
        (dress, "CNY", {"min_price": "90.00", "max_price": "80.00"}, InvalidPriceBoundsError,
         "invalid_price_bounds"),
        (dress, "CNY", {"unit_cost": "-1.00"}, InvalidPricingInputsError,
         "invalid_pricing_inputs"),
        (dress, "CNY", {"min_price": "0"}, InvalidPricingInputsError, "invalid_pricing_inputs"),
        (dress, "CNY", {"unit_cost": "1.001"}, InvalidMoneyError, "money_precision"),
        (dress, "CNY", {"competitor_price": "abc"}, InvalidMoneyError, "invalid_money"),
        (dress, "XYZ", {}, UnsupportedCurrencyError, "unsupported_currency"),
    ]  # fmt: skip
    before = db_snapshot(advice.market.app)
    for sku_id, currency, amounts, error, code in cases:
        with pytest.raises(error) as refused:
            _set_inputs(advice, mid, sku_id, currency, **amounts)
        assert refused.value.code == code, (sku_id, currency, amounts)
    assert db_snapshot(advice.market.app) == before
    # The rival's SKU is not even visible to the merchant.
    assert _inputs_view(advice, mid, bag) is None
    assert _inputs_view(advice, rival.merchant_id, bag) is not None


# -- what the producer reads ----------------------------------------------------------------
@contextmanager
def _counting(conn: Connection) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        if args[2].lstrip().upper().startswith("SELECT"):  # not SQLite's BEGIN
            statements.append(args[2])

    event.listen(conn, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(conn, "before_cursor_execute", count)


def test_the_producer_reads_effective_policies_and_inputs_in_two_statements(
    advice: Advice,
) -> None:
    market, app = advice.market, advice.market.app
    a = market.seller({"dress": "100.00", "shirt": "50.00"})  # no policy: the defaults
    b = market.seller({"bag": "300.00"})
    c = market.seller({"hat": "20.00"})
    d = market.seller({"coat": "800.00"})
    dress, shirt, bag = a.skus["dress"], a.skus["shirt"], b.skus["bag"]
    _usd_price(advice, a.merchant_id, dress, "14.00")  # inputs in CNY: none for USD
    _set_inputs(advice, a.merchant_id, dress, unit_cost="42.50", min_price="80.00",
                competitor_price="99.00")  # fmt: skip
    builder = Catalog(market.engine, market.clock)
    with app.uow() as uow:
        shirt_product = uow.products.get_by_sku(shirt)
    assert shirt_product is not None
    # The shirt gets a second SKU so that the first may go inactive while it stays listed.
    large_shirt = builder.sku(a.merchant_id, shirt_product.id, {"size": "L"}, "55.00")
    catalog.update_sku(UpdateSku(a.merchant_id, shirt, is_active=False), uow=app.uow(),
                       cache=app.cache)  # fmt: skip
    builder.product(a.merchant_id, builder.category("Drafts"), titles={"en": "Draft"},
                    skus=(({}, "9.00"),), listed=False)  # fmt: skip
    _set_policy(advice, b.merchant_id, objective="revenue", max_step=None, charm=True)
    _set_policy(advice, c.merchant_id, is_enabled=False)
    set_merchant_status(market.engine, d.merchant_id, "suspended")

    with queries.read_connection(market.engine) as conn, _counting(conn) as statements:
        found = queries.pricing_inputs(conn)
    assert len(statements) == 2
    assert [m.merchant_id for m in found] == sorted([a.merchant_id, b.merchant_id])
    by_id = {m.merchant_id: m for m in found}

    first = by_id[a.merchant_id]
    assert first.policy == PricingPolicy.default(a.merchant_id)
    assert [(r.sku_id, r.currency, r.list_price, r.unit_cost, r.min_price, r.max_price,
             r.competitor_price) for r in first.skus] == [
        (dress, "CNY", cny("100.00"), cny("42.50"), cny("80.00"), None, cny("99.00")),
        (dress, "USD", Money.of("14.00", "USD"), None, None, None, None),
        (large_shirt, "CNY", cny("55.00"), None, None, None, None),
    ]  # fmt: skip
    second = by_id[b.merchant_id]
    assert (second.policy.objective, second.policy.max_step, second.policy.charm) == (
        Objective.REVENUE, None, True
    )  # fmt: skip
    assert second.policy.margin_floor == Decimal("0")  # omitted: the default
    assert [(r.sku_id, r.list_price, r.unit_cost) for r in second.skus] == [
        (bag, cny("300.00"), None)
    ]  # fmt: skip

    with market.engine.connect() as conn:
        assert [m.merchant_id for m in queries.pricing_inputs(conn, b.merchant_id)] == [
            b.merchant_id
        ]  # fmt: skip
        assert queries.pricing_inputs(conn, c.merchant_id) == []  # disabled
        assert queries.pricing_inputs(conn, d.merchant_id) == []  # suspended
        assert queries.pricing_inputs(conn, "mer_unknown") == []
