"""Price suggestions and demand forecasts over HTTP, on PostgreSQL (with Redis) and SQLite:
a merchant lists its suggestions, accepts one (the storefront shows the new price, the
events say why, the row says who), rejects another; refusals carry stable codes and change
nothing; a SKU's forecast comes with its sales history."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from marketplace.advice import services
from marketplace.advice.commands import (
    ForecastInput,
    RecordDemandForecasts,
    RecordPriceSuggestions,
    SuggestionInput,
)
from marketplace.bootstrap import Marketplace, bootstrap
from marketplace.events.adapters.tables import outbox_events
from marketplace.payments.domain import GatewayNotification, TransactionKind, TransactionPhase
from marketplace.payments.services import StartPayment, apply_notification, start_payment
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from serving.api.app import create_app
from tests.e2e.catalog_api import API, Shop, lift_fence, ok, open_shop, problem
from tests.factories import create_approved_merchant, db_snapshot, new_user_headers

EFFECTS: dict[str, Any] = {
    "units": {"expected": -4.5, "low": -9.0, "high": -1.0},
    "revenue": {"expected": "310.00", "low": "120.00", "high": "480.00"},
    "profit": None,
    "interval_level": 0.9,
}
ADDRESS = {"name": "Li Lei", "phone": "13800000000", "country": "CN", "region": "Shanghai",
           "city": "Shanghai", "line1": "1 Century Ave"}  # fmt: skip


@dataclass
class World:
    client: TestClient
    app: Marketplace
    clock: FixedClock
    shop: Shop

    @property
    def base(self) -> str:
        return f"{self.shop.base}/pricing/suggestions"

    @property
    def headers(self) -> dict[str, str]:
        return self.shop.merchant.headers

    def suggest(self, sku_id: str, current: str, suggested: str, *, merchant_id: str | None = None,
                **kw: Any) -> str:  # fmt: skip
        item = SuggestionInput(
            sku_id=sku_id, currency="CNY", current_price=Money.of(current, "CNY"),
            suggested_price=Money.of(suggested, "CNY"), objective="revenue",
            expected_effects=EFFECTS, elasticity=-0.6, elasticity_ci=(-0.9, -0.3),
            binding_guardrails=("max_step", "observed_range"), **kw,
        )  # fmt: skip
        cmd = RecordPriceSuggestions(merchant_id or self.shop.merchant.id, "elasticity_glm", "4",
                                     (item,))  # fmt: skip
        return services.record_price_suggestions(cmd, uow=self.app.uow())[0].id

    def events(self, topic: str) -> list[dict[str, Any]]:
        with self.app.engine.connect() as conn:
            rows = conn.execute(select(outbox_events).where(outbox_events.c.topic == topic)
                                .order_by(outbox_events.c.id)).mappings()  # fmt: skip
            return [dict(r) for r in rows]


@pytest.fixture(params=["pg", "sqlite"])
def world(request: pytest.FixtureRequest, clock: FixedClock) -> Iterator[World]:
    base: Marketplace = request.getfixturevalue(f"{request.param}_app")
    app = bootstrap(base.settings, engine=base.engine, cache=base.cache, clock=clock)
    with TestClient(create_app(app)) as client:
        yield World(client, app, clock, open_shop(client, app))


def _list_price(world: World, product_id: str) -> dict[str, Any]:
    detail = ok(world.client.get(f"{API}/products/{product_id}", params={"locale": "en"}))
    return {"sku": detail["skus"][0]["prices"][0], "price": detail["price"]}


def test_accepting_changes_the_storefront_price_and_says_who_and_why(world: World) -> None:
    c, h = world.client, world.headers
    product_id, sku = world.shop.listed_product("100.00")
    world.shop.set_prices(sku, "100.00", tiers=[{"min_quantity": 10, "price": "90.00"}],
                          member_prices=[{"level": "gold", "price": "85.00"}])  # fmt: skip
    lift_fence(world.app, product_id)  # the next read caches the page: accepting must drop it
    assert _list_price(world, product_id)["price"] == {"amount": "100.00", "currency": "CNY"}
    sid = world.suggest(sku, "100.00", "110.00")

    page = ok(c.get(world.base, params={"status": "pending"}, headers=h))
    assert [s["id"] for s in page["items"]] == [sid]
    assert page["next_cursor"] is None
    shown = ok(c.get(f"{world.base}/{sid}", headers=h))
    assert shown == page["items"][0]
    assert {k: shown[k] for k in ("status", "objective", "current_price", "suggested_price",
                                  "price_change", "price_change_percent", "elasticity",
                                  "binding_guardrails", "reason", "model")} == {
        "status": "pending", "objective": "revenue",
        "current_price": {"amount": "100.00", "currency": "CNY"},
        "suggested_price": {"amount": "110.00", "currency": "CNY"},
        "price_change": {"amount": "10.00", "currency": "CNY"}, "price_change_percent": "10.00",
        "elasticity": {"value": -0.6, "ci_low": -0.9, "ci_high": -0.3},
        "binding_guardrails": ["max_step", "observed_range"], "reason": None,
        "model": {"name": "elasticity_glm", "version": "4"},
    }  # fmt: skip
    assert shown["expected_effects"]["units"] == {"expected": -4.5, "low": -9.0, "high": -1.0}
    assert shown["expected_effects"]["revenue"]["low"] == {"amount": "120.00", "currency": "CNY"}
    assert shown["expected_effects"]["profit"] is None

    world.clock.advance(timedelta(minutes=3))
    accepted = ok(c.post(f"{world.base}/{sid}/accept", headers=h))
    assert (accepted["status"], accepted["decided_by"], accepted["decided_at"]) == (
        "accepted", world.shop.merchant.owner_user_id, world.clock.now().isoformat()
    )  # fmt: skip
    storefront = _list_price(world, product_id)
    assert storefront["price"] == {"amount": "110.00", "currency": "CNY"}
    assert storefront["sku"]["tiers"][0]["price"] == {"amount": "99.00", "currency": "CNY"}
    assert storefront["sku"]["member_prices"][0]["price"] == {"amount": "93.50",
                                                              "currency": "CNY"}  # fmt: skip

    changed = world.events("price.changed")
    assert [e["payload"]["source"] for e in changed] == [
        None, None, {"kind": "price_suggestion", "id": sid}
    ]  # fmt: skip
    [decided] = world.events("price_suggestion.decided")
    assert (decided["key"], decided["payload"]["decision"], decided["payload"]["decided_by"]) == (
        sid, "accepted", world.shop.merchant.owner_user_id
    )  # fmt: skip

    # A retried request answers the same and changes nothing.
    before = db_snapshot(world.app)
    assert ok(c.post(f"{world.base}/{sid}/accept", headers=h)) == accepted
    assert db_snapshot(world.app) == before
    assert ok(c.get(world.base, params={"status": "pending"}, headers=h))["items"] == []


def test_refusals_have_stable_codes_and_change_nothing(world: World) -> None:
    c, h = world.client, world.headers
    skus = [world.shop.listed_product(price)[1] for price in ("100.00", "50.00", "20.00", "5.00")]
    stale = world.suggest(skus[0], "100.00", "95.00")
    world.shop.set_prices(skus[0], "104.00")  # the merchant changed the price since
    expiring = world.suggest(skus[1], "50.00", "45.00",
                             expires_at=world.clock.now() + timedelta(minutes=1))  # fmt: skip
    decided = world.suggest(skus[2], "20.00", "22.00")
    ok(c.post(f"{world.base}/{decided}/reject", headers=h, json={"note": "no"}))
    superseded = world.suggest(skus[3], "5.00", "5.50")
    world.suggest(skus[3], "5.00", "5.20")
    rival = create_approved_merchant(c, world.app, admin_headers=world.shop.admin)
    rival_shop = Shop(c, world.app, world.shop.admin, rival, world.shop.category_id)
    foreign = world.suggest(rival_shop.listed_product("300.00")[1], "300.00", "280.00",
                            merchant_id=rival.id)  # fmt: skip
    world.clock.advance(timedelta(minutes=2))

    before = db_snapshot(world.app)
    refusals = [
        (f"{world.base}/{stale}/accept", None, h, 409, "suggestion_stale"),
        (f"{world.base}/{expiring}/accept", None, h, 409, "suggestion_expired"),
        (f"{world.base}/{expiring}/reject", {}, h, 409, "suggestion_expired"),
        (f"{world.base}/{decided}/accept", None, h, 409, "suggestion_not_pending"),
        (f"{world.base}/{superseded}/accept", None, h, 409, "suggestion_not_pending"),
        (f"{world.base}/{superseded}/reject", None, h, 409, "suggestion_not_pending"),
        (f"{world.base}/{foreign}/accept", None, h, 404, "price_suggestion_not_found"),
        (f"{world.base}/psg_unknown/accept", None, h, 404, "price_suggestion_not_found"),
        (f"{world.base}/{stale}/accept", None, rival.headers, 403, "merchant_access_denied"),
        (f"{world.base}/{stale}/accept", None, {}, 401, "not_authenticated"),
        (f"{world.base}/{stale}/reject", {"note": "x" * 1001}, h, 422,
         "request_validation_failed"),
    ]  # fmt: skip
    for url, body, headers, status, code in refusals:
        kwargs: dict[str, Any] = {"headers": headers} | ({"json": body} if body is not None else {})
        refused = problem(c.post(url, **kwargs), status, code)
        assert refused["instance"] == url.removeprefix("http://testserver")
    stale_body = problem(c.post(f"{world.base}/{stale}/accept", headers=h), 409,
                         "suggestion_stale")  # fmt: skip
    assert stale_body["list_price"] == {"amount": "104.00", "currency": "CNY"}
    problem(c.get(f"{world.base}/{foreign}", headers=h), 404, "price_suggestion_not_found")
    assert db_snapshot(world.app) == before
    shown = ok(c.get(f"{world.base}/{expiring}", headers=h))
    assert (shown["status"], shown["is_expired"]) == ("expired", True)


def test_reject_filters_and_pages(world: World) -> None:
    c, h = world.client, world.headers
    skus = [world.shop.listed_product(price)[1] for price in ("10.00", "20.00", "30.00")]
    ids = []
    for sku, price in zip(skus, ("10.00", "20.00", "30.00"), strict=True):
        ids.append(world.suggest(sku, price, "12.00"))
        world.clock.advance(timedelta(seconds=1))
    rejected = ok(c.post(f"{world.base}/{ids[0]}/reject", headers=h,
                         json={"note": "Our competitor is cheaper"}))  # fmt: skip
    assert (rejected["status"], rejected["decision_note"], rejected["decided_by"]) == (
        "rejected", "Our competitor is cheaper", world.shop.merchant.owner_user_id
    )  # fmt: skip
    assert ok(c.post(f"{world.base}/{ids[1]}/reject", headers=h))["decision_note"] is None
    newer = world.suggest(skus[2], "30.00", "27.00")

    def listed(**params: Any) -> list[str]:
        return [s["id"] for s in ok(c.get(world.base, params=params, headers=h))["items"]]

    assert listed() == [newer, ids[2], ids[1], ids[0]]
    assert listed(status="pending") == [newer]
    assert listed(status="rejected") == [ids[1], ids[0]]
    assert listed(status="superseded") == [ids[2]]
    assert listed(sku_id=skus[2]) == [newer, ids[2]]
    walked, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = ok(c.get(world.base, params=params, headers=h))
        walked += [s["id"] for s in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert walked == listed()
    problem(c.get(world.base, params={"status": "maybe"}, headers=h), 422, "invalid_advice_query")
    problem(c.get(world.base, params={"cursor": "!!"}, headers=h), 400, "invalid_cursor")
    [event] = [e for e in world.events("price_suggestion.decided") if e["key"] == ids[0]]
    assert (event["payload"]["decision"], event["payload"]["note"]) == (
        "rejected", "Our competitor is cheaper"
    )  # fmt: skip


def test_a_forecast_comes_with_its_sales_history(world: World) -> None:
    c, h = world.client, world.headers
    _, sku = world.shop.listed_product("30.00")
    where = {"code": "SH-1", "name": "Shanghai", "country": "CN", "region": "Shanghai"}
    warehouse = ok(c.post(f"{world.shop.base}/warehouses", headers=h, json=where), 201)
    ok(c.post(f"{world.shop.base}/stock/inbound", headers=h, json={
        "sku_id": sku, "warehouse_id": warehouse["id"], "quantity": 20}), 201)  # fmt: skip
    buyer, buyer_headers = new_user_headers(c)
    group = ok(
        c.post(
            f"{API}/checkout",
            headers=buyer_headers,
            json={"address": ADDRESS, "lines": [{"sku_id": sku, "quantity": 3}]},
        ),
        201,
    )
    _pay(world.app, buyer["id"], group["id"])
    ok(
        c.post(
            f"{API}/checkout",
            headers=buyer_headers,  # never paid: not demand
            json={"address": ADDRESS, "lines": [{"sku_id": sku, "quantity": 4}]},
        ),
        201,
    )

    url = f"{world.shop.base}/forecasts/{sku}"
    problem(c.get(url, headers=h), 404, "forecast_not_found")
    today = world.clock.now().date()
    start = today + timedelta(days=1)
    cmd = RecordDemandForecasts("ets", "2", world.clock.now(), (ForecastInput(
        sku, start, [2.0, 2.5], quantiles={"0.05": [0.0, 1.0], "0.5": [2.0, 2.0],
                                           "0.95": [5.0, 6.0]},
        backtest={"mase": 0.84}),))  # fmt: skip
    services.record_demand_forecasts(cmd, uow=world.app.uow())

    shown = ok(c.get(url, params={"history_days": 7}, headers=h))
    assert shown["history"] == [
        {"date": (today - timedelta(days=6 - i)).isoformat(), "units": 3 if i == 6 else 0}
        for i in range(7)
    ]
    assert shown["forecast"] == [
        {"date": start.isoformat(), "mean": 2.0, "lower": 0.0, "upper": 5.0,
         "quantiles": {"0.05": 0.0, "0.5": 2.0, "0.95": 5.0}},
        {"date": (start + timedelta(days=1)).isoformat(), "mean": 2.5, "lower": 1.0,
         "upper": 6.0, "quantiles": {"0.05": 1.0, "0.5": 2.0, "0.95": 6.0}},
    ]  # fmt: skip
    assert {k: shown[k] for k in ("model", "generated_at", "interval_level", "horizon_days",
                                  "backtest", "start_date")} == {
        "model": {"name": "ets", "version": "2"}, "generated_at": world.clock.now().isoformat(),
        "interval_level": 0.9, "horizon_days": 2, "backtest": {"mase": 0.84},
        "start_date": start.isoformat(),
    }  # fmt: skip
    assert len(ok(c.get(url, headers=h))["history"]) == 90  # the default

    rival = create_approved_merchant(c, world.app, admin_headers=world.shop.admin)
    problem(c.get(f"{API}/merchants/{rival.id}/forecasts/{sku}", headers=rival.headers), 404,
            "sku_not_found")  # fmt: skip
    problem(c.get(f"{world.shop.base}/forecasts/sku_unknown", headers=h), 404, "sku_not_found")
    problem(c.get(url, params={"history_days": 0}, headers=h), 422, "request_validation_failed")
    problem(c.get(url, headers=rival.headers), 403, "merchant_access_denied")


def _pay(app: Marketplace, buyer_id: str, group_id: str) -> None:
    payment, _ = start_payment(
        StartPayment(buyer_id=buyer_id, method="sandbox", group_id=group_id), uow=app.uow(),
        gateways=app.gateways, notify_url=app.notify_url,
    )  # fmt: skip
    apply_notification(GatewayNotification(
        gateway="sandbox", payment_id=payment.id, gateway_reference=f"SBX-{payment.id}",
        kind=TransactionKind.CAPTURE, phase=TransactionPhase.SUCCESS, amount=payment.amount,
    ), uow=app.uow())  # fmt: skip
