"""Replenishment advice over HTTP, on PostgreSQL (with Redis) and SQLite: reorder points
and suggested orders per SKU and warehouse match a hand computation, demand splits across
warehouses by available stock, ``only_reorder`` keeps what needs an order now, pages walk
the SKUs, and another merchant's SKUs never show."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketplace.advice import services
from marketplace.advice.commands import ForecastInput, RecordDemandForecasts
from marketplace.bootstrap import Marketplace, bootstrap
from marketplace.shared.clock import FixedClock
from serving.api.app import create_app
from tests.e2e.catalog_api import API, Shop, ok, open_shop, problem
from tests.factories import create_approved_merchant, db_snapshot

# Standard normal quantiles (any table): z(0.95), z(0.90).
Z95, Z90 = 1.6448536269514722, 1.2815515655446004
# A flat forecast: 10 units a day, daily sigma 3 read off the 0.95 quantile.
MEAN, SIGMA, HORIZON = 10.0, 3.0, 30


@dataclass
class World:
    client: TestClient
    app: Marketplace
    clock: FixedClock
    shop: Shop

    @property
    def url(self) -> str:
        return f"{self.shop.base}/replenishment"

    @property
    def headers(self) -> dict[str, str]:
        return self.shop.merchant.headers

    def warehouse(self, code: str, shop: Shop | None = None) -> str:
        shop = shop or self.shop
        body = {"code": code, "name": code, "country": "CN", "region": "Shanghai"}
        created = ok(self.client.post(f"{shop.base}/warehouses", headers=shop.merchant.headers,
                                      json=body), 201)  # fmt: skip
        return str(created["id"])

    def stock(self, sku: str, warehouse: str, on_hand: int, reserved: int = 0) -> None:
        h, base = self.headers, self.shop.base
        ok(self.client.post(f"{base}/stock/inbound", headers=h, json={
            "sku_id": sku, "warehouse_id": warehouse, "quantity": on_hand}), 201)  # fmt: skip
        if reserved:
            ok(self.client.post(f"{base}/reservations", headers=h, json={
                "sku_id": sku, "warehouse_id": warehouse, "quantity": reserved,
                "reference": f"order-{sku}-{warehouse}"}), 201)  # fmt: skip

    def forecast(self, *skus: str, days_ago: int = 0) -> None:
        """A flat forecast made now, starting ``days_ago`` days before today."""
        upper, start = MEAN + SIGMA * Z95, self.clock.now().date() - timedelta(days=days_ago)
        items = tuple(
            ForecastInput(sku, start, [MEAN] * HORIZON, quantiles={
                "0.05": [MEAN - SIGMA * Z95] * HORIZON, "0.5": [MEAN] * HORIZON,
                "0.95": [upper] * HORIZON})
            for sku in skus
        )  # fmt: skip
        cmd = RecordDemandForecasts("ets", "3", self.clock.now(), items)
        services.record_demand_forecasts(cmd, uow=self.app.uow())

    def get(self, **params: Any) -> dict[str, Any]:
        return ok(self.client.get(self.url, params=params, headers=self.headers))  # type: ignore[no-any-return]


@pytest.fixture(params=["pg", "sqlite"])
def world(request: pytest.FixtureRequest, clock: FixedClock) -> Iterator[World]:
    base: Marketplace = request.getfixturevalue(f"{request.param}_app")
    app = bootstrap(base.settings, engine=base.engine, cache=base.cache, clock=clock)
    with TestClient(create_app(app)) as client:
        yield World(client, app, clock, open_shop(client, app))


def _figures(position: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "lead_time_demand",
        "review_period_demand",
        "safety_stock",
        "reorder_point",
        "order_up_to",
        "inventory_position",
        "order_quantity",
        "below_reorder_point",
    )
    return {k: position[k] for k in keys}  # fmt: skip


def test_one_warehouse_matches_the_hand_computation(world: World) -> None:
    _, sku = world.shop.listed_product("30.00")
    warehouse = world.warehouse("SH-1")
    world.stock(sku, warehouse, on_hand=50, reserved=8)
    world.forecast(sku)

    page = world.get()
    assert (page["service_level"], page["review_period_days"], page["next_cursor"]) == (
        0.95, 7, None
    )  # fmt: skip
    assert page["as_of"] == world.clock.now().date().isoformat()
    assert {"on_order", "demand_split", "order_rounding"} <= set(page["assumptions"])
    [item] = page["items"]
    assert item["forecast"] == {
        "model": {"name": "ets", "version": "3"},
        "generated_at": world.clock.now().isoformat(),
        "start_date": world.clock.now().date().isoformat(),
        "first_day_used": world.clock.now().date().isoformat(), "days_left": HORIZON,
    }  # fmt: skip
    [position] = item["positions"]
    # Lead time 7 days (the default: the merchant is no supplier), review period 7:
    # lead-time demand 7 x 10 = 70, sigma 3 x sqrt(7) = 7.937, safety 1.645 x 7.937 = 13.056,
    # reorder point 83.056, order-up-to 83.056 + 70 = 153.056; available 50 - 8 = 42, so
    # order ceil(153.056 - 42) = 112.
    assert {k: position[k] for k in ("sku_id", "warehouse_id", "warehouse_code", "on_hand",
                                     "reserved", "available", "on_order", "demand_share",
                                     "lead_time_days", "lead_time_source", "moq", "pack_size",
                                     "unavailable_reason")} == {
        "sku_id": sku, "warehouse_id": warehouse, "warehouse_code": "SH-1", "on_hand": 50,
        "reserved": 8, "available": 42, "on_order": 0, "demand_share": 1.0,
        "lead_time_days": 7, "lead_time_source": "default", "moq": 1, "pack_size": 1,
        "unavailable_reason": None,
    }  # fmt: skip
    sigma_lead = SIGMA * math.sqrt(7)
    assert round(sigma_lead, 2) == 7.94
    assert _figures(position) == {
        "lead_time_demand": {"mean": 70.0, "sigma": 7.94}, "review_period_demand": 70.0,
        "safety_stock": 13.06, "reorder_point": 83.06, "order_up_to": 153.06,
        "inventory_position": 42, "order_quantity": 112, "below_reorder_point": True,
    }  # fmt: skip

    # Service level 0.90 and a 3-day review: safety 1.2816 x 7.937 = 10.172, reorder point
    # 80.172, order-up-to 80.172 + 30 = 110.172, order ceil(110.172 - 42) = 69.
    assert round(Z90 * sigma_lead, 2) == 10.17
    tuned = world.get(service_level=0.9, review_period_days=3)
    assert (tuned["service_level"], tuned["review_period_days"]) == (0.9, 3)
    assert _figures(tuned["items"][0]["positions"][0]) == {
        "lead_time_demand": {"mean": 70.0, "sigma": 7.94}, "review_period_demand": 30.0,
        "safety_stock": 10.17, "reorder_point": 80.17, "order_up_to": 110.17,
        "inventory_position": 42, "order_quantity": 69, "below_reorder_point": True,
    }  # fmt: skip


def test_past_forecast_days_are_skipped_and_a_short_forecast_is_not_used(world: World) -> None:
    _, recent = world.shop.listed_product("30.00")
    _, old = world.shop.listed_product("40.00")
    world.stock(recent, world.warehouse("SH-1"), on_hand=42)
    world.forecast(recent, days_ago=16)  # 14 days left: enough for 7 + 7
    world.forecast(old, days_ago=17)  # 13 left: not enough
    today = world.clock.now().date()

    by_sku = {i["sku_id"]: i for i in world.get()["items"]}
    assert by_sku[recent]["forecast"]["start_date"] == (today - timedelta(days=16)).isoformat()
    assert (by_sku[recent]["forecast"]["first_day_used"],
            by_sku[recent]["forecast"]["days_left"]) == (today.isoformat(), 14)  # fmt: skip
    assert by_sku[recent]["positions"][0]["order_quantity"] == 112  # as on its first day
    [short] = by_sku[old]["positions"]
    assert by_sku[old]["forecast"]["days_left"] == 13
    assert {k: short[k] for k in ("unavailable_reason", "order_quantity", "safety_stock",
                                  "lead_time_demand", "below_reorder_point",
                                  "inventory_position")} == {
        "unavailable_reason": "forecast_too_short", "order_quantity": None,
        "safety_stock": None, "lead_time_demand": None, "below_reorder_point": None,
        "inventory_position": 0,
    }  # fmt: skip
    assert world.get(only_reorder=True, sku_id=old)["items"] == []
    # A 6-day review fits into 13 days.
    shorter = world.get(review_period_days=6, sku_id=old)["items"][0]["positions"][0]
    assert (shorter["unavailable_reason"], shorter["review_period_demand"]) == (None, 60.0)


def test_demand_splits_across_warehouses_by_available_stock(world: World) -> None:
    _, stocked = world.shop.listed_product("30.00")
    _, empty = world.shop.listed_product("40.00")
    a, b = world.warehouse("WH-A"), world.warehouse("WH-B")
    world.stock(stocked, a, on_hand=30)
    world.stock(stocked, b, on_hand=12, reserved=2)
    world.forecast(stocked, empty)

    by_sku = {i["sku_id"]: {p["warehouse_code"]: p for p in i["positions"]}
              for i in world.get()["items"]}  # fmt: skip
    # 30 of the 40 available units are in A: A serves 3/4 of the demand, B 1/4.
    at_a, at_b = by_sku[stocked]["WH-A"], by_sku[stocked]["WH-B"]
    assert (at_a["demand_share"], at_b["demand_share"]) == (0.75, 0.25)
    assert _figures(at_a) == {
        "lead_time_demand": {"mean": 52.5, "sigma": 5.95}, "review_period_demand": 52.5,
        "safety_stock": 9.79, "reorder_point": 62.29, "order_up_to": 114.79,
        "inventory_position": 30, "order_quantity": 85, "below_reorder_point": True,
    }  # fmt: skip
    assert _figures(at_b) == {
        "lead_time_demand": {"mean": 17.5, "sigma": 1.98}, "review_period_demand": 17.5,
        "safety_stock": 3.26, "reorder_point": 20.76, "order_up_to": 38.26,
        "inventory_position": 10, "order_quantity": 29, "below_reorder_point": True,
    }  # fmt: skip
    # No stock anywhere: equal shares.
    assert [p["demand_share"] for p in by_sku[empty].values()] == [0.5, 0.5]
    assert [p["lead_time_demand"]["mean"] for p in by_sku[empty].values()] == [35.0, 35.0]


def test_only_reorder_keeps_the_positions_that_need_an_order_now(world: World) -> None:
    _, plenty = world.shop.listed_product("30.00")
    _, low = world.shop.listed_product("40.00")
    a, b = world.warehouse("WH-A"), world.warehouse("WH-B")
    world.stock(plenty, a, on_hand=1000)
    world.stock(low, a, on_hand=20)
    world.forecast(plenty, low)

    by_sku = {i["sku_id"]: i["positions"] for i in world.get()["items"]}
    assert list(by_sku) == sorted([plenty, low])
    full = {p["warehouse_code"]: p for p in by_sku[plenty]}
    assert (full["WH-A"]["order_quantity"], full["WH-A"]["below_reorder_point"]) == (0, False)
    # B holds none of the SKU while A does: no demand, nothing to order (see assumptions).
    assert (full["WH-B"]["order_quantity"], full["WH-B"]["reorder_point"]) == (0, 0.0)

    [item] = world.get(only_reorder=True)["items"]
    assert item["sku_id"] == low
    assert [(p["warehouse_id"], p["order_quantity"]) for p in item["positions"]] == [(a, 134)]
    assert b not in {p["warehouse_id"] for p in item["positions"]}
    assert world.get(only_reorder=True, sku_id=plenty)["items"] == []


def test_pages_walk_the_skus_and_filters_select_them(world: World) -> None:
    skus = sorted(world.shop.listed_product(p)[1] for p in ("10.00", "20.00", "30.00"))
    world.warehouse("WH-A")
    world.forecast(*skus)

    def walk(**params: Any) -> list[list[str]]:
        pages, cursor = [], None
        while True:
            page = world.get(**params, **({"cursor": cursor} if cursor else {}))
            pages.append([i["sku_id"] for i in page["items"]])
            if (cursor := page["next_cursor"]) is None:
                return pages

    assert walk(limit=2) == [skus[:2], skus[2:]]
    assert walk(limit=3) == [skus]
    assert walk(limit=1, only_reorder=True) == [[s] for s in skus]
    assert walk(sku_id=skus[1]) == [[skus[1]]]
    assert walk(sku_id=[skus[2], skus[0]], limit=1) == [[skus[0]], [skus[2]]]


def test_another_merchants_skus_stay_out_and_bad_params_are_refused(world: World) -> None:
    c, h = world.client, world.headers
    _, mine = world.shop.listed_product("30.00")
    assert world.get()["items"] == []  # no forecast yet
    rival = create_approved_merchant(c, world.app, admin_headers=world.shop.admin)
    rival_shop = Shop(c, world.app, world.shop.admin, rival, world.shop.category_id)
    _, theirs = rival_shop.listed_product("50.00")
    world.warehouse("RV-1", rival_shop)
    world.forecast(theirs)
    assert world.get()["items"] == []
    assert world.get(sku_id=theirs)["items"] == []
    world.forecast(mine)
    assert [i["sku_id"] for i in world.get(sku_id=[mine, theirs])["items"]] == [mine]
    rival_url = f"{API}/merchants/{rival.id}/replenishment"
    assert [i["sku_id"] for i in ok(c.get(rival_url, headers=rival.headers))["items"]] == [theirs]

    before = db_snapshot(world.app)
    for params in ({"service_level": 0.3}, {"service_level": 1.0}, {"service_level": "x"},
                   {"review_period_days": 0}, {"review_period_days": 91}, {"limit": 0},
                   {"limit": 101}, {"only_reorder": "maybe"},
                   {"sku_id": [f"sku_{i}" for i in range(101)]}):  # fmt: skip
        problem(c.get(world.url, params=params, headers=h), 422, "request_validation_failed")
    problem(c.get(world.url, params={"cursor": "!!"}, headers=h), 400, "invalid_cursor")
    problem(c.get(world.url, params={"cursor": "eyJ2IjoxfQ"}, headers=h), 400, "invalid_cursor")
    problem(c.get(world.url, headers=rival.headers), 403, "merchant_access_denied")
    problem(c.get(world.url), 401, "not_authenticated")
    assert db_snapshot(world.app) == before
