"""A merchant's pricing policy and SKUs' pricing inputs over HTTP, on PostgreSQL (with Redis)
and SQLite: defaults until set, exact decimal strings both ways, null switches a limit off
or clears an amount; refusals carry stable codes and change nothing; the producer's query
sees what was set."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketplace.advice import queries
from marketplace.bootstrap import Marketplace, bootstrap
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from serving.api.app import create_app
from tests.e2e.catalog_api import API, Shop, ok, open_shop, problem
from tests.factories import api_key_headers, create_approved_merchant, db_snapshot, issue_api_key

DEFAULTS = {
    "is_enabled": True, "objective": "profit", "max_step": "0.1", "margin_floor": "0",
    "competitor_tolerance": "0.05", "allow_outside_observed": False, "charm": False,
}  # fmt: skip


@dataclass
class World:
    client: TestClient
    app: Marketplace
    clock: FixedClock
    shop: Shop

    @property
    def policy_url(self) -> str:
        return f"{self.shop.base}/pricing/policy"

    def inputs_url(self, sku_id: str) -> str:
        return f"{self.shop.base}/pricing/skus/{sku_id}"

    @property
    def headers(self) -> dict[str, str]:
        return self.shop.merchant.headers


@pytest.fixture(params=["pg", "sqlite"])
def world(request: pytest.FixtureRequest, clock: FixedClock) -> Iterator[World]:
    base: Marketplace = request.getfixturevalue(f"{request.param}_app")
    app = bootstrap(base.settings, engine=base.engine, cache=base.cache, clock=clock)
    with TestClient(create_app(app)) as client:
        yield World(client, app, clock, open_shop(client, app))


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    return {k: body[k] for k in DEFAULTS}


def test_a_policy_reads_as_the_defaults_until_set_and_null_switches_a_limit_off(
    world: World,
) -> None:
    c, h, url = world.client, world.headers, world.policy_url
    shown = ok(c.get(url, headers=h))
    assert _fields(shown) == DEFAULTS
    assert (shown["is_default"], shown["updated_at"], shown["updated_by"]) == (True, None, None)

    body = {"objective": "revenue", "max_step": "0.05", "margin_floor": "0.2500",
            "competitor_tolerance": None, "charm": True}  # fmt: skip
    saved = ok(c.put(url, headers=h, json=body))
    assert _fields(saved) == DEFAULTS | {
        "objective": "revenue", "max_step": "0.05", "margin_floor": "0.25",
        "competitor_tolerance": None, "charm": True,
    }  # fmt: skip
    assert (saved["is_default"], saved["updated_by"], saved["updated_at"]) == (
        False, world.shop.merchant.owner_user_id, world.clock.now().isoformat()
    )  # fmt: skip
    assert ok(c.get(url, headers=h)) == saved

    # An API key of the merchant may set it too; an empty body is the defaults again.
    key = issue_api_key(c, world.shop.merchant)
    again = ok(c.put(url, headers=api_key_headers(key["secret"]), json={}))
    assert _fields(again) == DEFAULTS
    assert again["updated_by"].startswith("apikey:")

    with world.app.engine.connect() as conn:
        [found] = queries.pricing_inputs(conn, world.shop.merchant.id)
    assert found.policy.max_step == Decimal("0.1")


def test_policy_refusals_have_stable_codes_and_change_nothing(world: World) -> None:
    c, h, url = world.client, world.headers, world.policy_url
    ok(c.put(url, headers=h, json={"max_step": "0.2"}))
    rival = create_approved_merchant(c, world.app, admin_headers=world.shop.admin)
    before = db_snapshot(world.app)
    refusals: list[tuple[dict[str, Any], dict[str, str], int, str]] = [
        ({"objective": "margin"}, h, 422, "invalid_pricing_policy"),
        ({"max_step": "0"}, h, 422, "invalid_pricing_policy"),
        ({"max_step": "1.5"}, h, 422, "invalid_pricing_policy"),
        ({"max_step": "0.00001"}, h, 422, "invalid_pricing_policy"),
        ({"margin_floor": "-0.1"}, h, 422, "invalid_pricing_policy"),
        ({"competitor_tolerance": "-0.01"}, h, 422, "invalid_pricing_policy"),
        ({"max_step": 0.1}, h, 422, "request_validation_failed"),  # a JSON number
        ({"max_step": "ten"}, h, 422, "request_validation_failed"),
        ({"margin": "0.1"}, h, 422, "request_validation_failed"),
        ({}, rival.headers, 403, "merchant_access_denied"),
        ({}, {}, 401, "not_authenticated"),
    ]  # fmt: skip
    for body, headers, status, code in refusals:
        refused = problem(c.put(url, headers=headers, json=body), status, code)
        assert refused["instance"] == url
    problem(c.get(url, headers=rival.headers), 403, "merchant_access_denied")
    problem(c.get(f"{API}/merchants/mer_unknown/pricing/policy", headers=h), 404,
            "merchant_not_found")  # fmt: skip
    assert db_snapshot(world.app) == before
    assert ok(c.get(url, headers=h))["max_step"] == "0.2"


def test_sku_inputs_are_set_cleared_and_seen_by_the_producer(world: World) -> None:
    c, h = world.client, world.headers
    product_id, sku = world.shop.listed_product("100.00")
    url = world.inputs_url(sku)
    assert ok(c.get(url, headers=h)) == {
        "sku_id": sku, "currency": None, "unit_cost": None, "min_price": None,
        "max_price": None, "competitor_price": None, "updated_at": None, "updated_by": None,
        "list_prices": [{"amount": "100.00", "currency": "CNY"}],
    }  # fmt: skip

    body = {"currency": "CNY", "unit_cost": "42.5", "min_price": "80.00",
            "max_price": "130.00", "competitor_price": "99.90"}  # fmt: skip
    saved = ok(c.put(url, headers=h, json=body))
    assert {k: saved[k] for k in ("currency", "unit_cost", "min_price", "max_price",
                                  "competitor_price", "updated_by")} == {
        "currency": "CNY", "unit_cost": {"amount": "42.50", "currency": "CNY"},
        "min_price": {"amount": "80.00", "currency": "CNY"},
        "max_price": {"amount": "130.00", "currency": "CNY"},
        "competitor_price": {"amount": "99.90", "currency": "CNY"},
        "updated_by": world.shop.merchant.owner_user_id,
    }  # fmt: skip
    assert ok(c.get(url, headers=h)) == saved

    with world.app.engine.connect() as conn:
        [found] = queries.pricing_inputs(conn, world.shop.merchant.id)
    [row] = found.skus
    assert (row.sku_id, row.product_id, row.list_price, row.unit_cost, row.max_price) == (
        sku, product_id, Money.of("100.00", "CNY"), Money.of("42.50", "CNY"),
        Money.of("130.00", "CNY"),
    )  # fmt: skip

    cleared = ok(c.put(url, headers=h, json={"currency": "cny", "unit_cost": "40.00",
                                             "min_price": None}))  # fmt: skip
    assert (cleared["currency"], cleared["unit_cost"]["amount"], cleared["min_price"],
            cleared["max_price"], cleared["competitor_price"]) == ("CNY", "40.00", None, None,
                                                                   None)  # fmt: skip


def test_sku_input_refusals_have_stable_codes_and_change_nothing(world: World) -> None:
    c, h = world.client, world.headers
    _, sku = world.shop.listed_product("100.00")
    ok(c.put(world.inputs_url(sku), headers=h, json={"currency": "CNY", "unit_cost": "40.00"}))
    rival = create_approved_merchant(c, world.app, admin_headers=world.shop.admin)
    rival_shop = Shop(c, world.app, world.shop.admin, rival, world.shop.category_id)
    _, foreign = rival_shop.listed_product("300.00")
    url = world.inputs_url(sku)
    before = db_snapshot(world.app)
    refusals: list[tuple[str, dict[str, Any], dict[str, str], int, str]] = [
        (world.inputs_url(foreign), {"currency": "CNY"}, h, 404, "sku_not_found"),
        (world.inputs_url("sku_unknown"), {"currency": "CNY"}, h, 404, "sku_not_found"),
        (url, {"currency": "USD", "unit_cost": "6.00"}, h, 422, "pricing_currency_mismatch"),
        (url, {"currency": "CNY", "min_price": "90.00", "max_price": "80.00"}, h, 422,
         "invalid_price_bounds"),
        (url, {"currency": "CNY", "unit_cost": "-1.00"}, h, 422, "invalid_pricing_inputs"),
        (url, {"currency": "CNY", "competitor_price": "0"}, h, 422, "invalid_pricing_inputs"),
        (url, {"currency": "CNY", "unit_cost": "1.001"}, h, 422, "money_precision"),
        (url, {"currency": "XYZ"}, h, 422, "unsupported_currency"),
        (url, {"unit_cost": "1.00"}, h, 422, "request_validation_failed"),  # no currency
        (url, {"currency": "CNY", "unit_cost": 1.5}, h, 422, "request_validation_failed"),
        (url, {"currency": "CNY"}, rival.headers, 403, "merchant_access_denied"),
        (url, {"currency": "CNY"}, {}, 401, "not_authenticated"),
    ]  # fmt: skip
    for target, body, headers, status, code in refusals:
        problem(c.put(target, headers=headers, json=body), status, code)
    problem(c.get(world.inputs_url(foreign), headers=h), 404, "sku_not_found")
    assert db_snapshot(world.app) == before
    assert ok(c.get(url, headers=h))["unit_cost"] == {"amount": "40.00", "currency": "CNY"}
