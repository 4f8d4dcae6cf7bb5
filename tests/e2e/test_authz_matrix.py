"""The authorization matrix: no merchant reaches into another merchant's data.

Every route under ``/api/v1/merchants/{merchant_id}`` is found by walking ``app.routes``
(so routes added later by any area are covered), then called with merchant B's owner, B's
staff and B's API key against merchant A: each call must be 403 or 404 and leave every
table exactly as it was. Anonymous calls must be 401.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace, bootstrap
from marketplace.events import queries as events_queries
from marketplace.events.domain import DomainEvent, Topic
from marketplace.events.services import dispatch_event
from marketplace.shared.clock import FixedClock
from serving.api.app import create_app
from tests.factories import (
    API,
    MerchantFixture,
    add_staff,
    api_key_headers,
    create_approved_merchant,
    db_snapshot,
    issue_api_key,
    make_platform_admin,
)

PREFIX = f"{API}/merchants/{{merchant_id}}"
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")
_SKIPPED_METHODS = {"HEAD", "OPTIONS"}
# What the parties area itself contributes; others' routes come on top.
OWN_ROUTES = {
    ("GET", f"{PREFIX}"),
    ("PATCH", f"{PREFIX}"),
    ("POST", f"{PREFIX}/submit"),
    ("GET", f"{PREFIX}/members"),
    ("POST", f"{PREFIX}/members"),
    ("DELETE", f"{PREFIX}/members/{{user_id}}"),
    ("GET", f"{PREFIX}/shops"),
    ("POST", f"{PREFIX}/shops"),
    ("PATCH", f"{PREFIX}/shops/{{shop_id}}"),
    ("GET", f"{PREFIX}/api-keys"),
    ("POST", f"{PREFIX}/api-keys"),
    ("DELETE", f"{PREFIX}/api-keys/{{key_id}}"),
}


def _route_paths(routes: Iterable[Any]) -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every HTTP route, looking inside included routers."""
    try:  # FastAPI versions that keep included routers as nested route objects
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - older FastAPI: routes are already flat
        contexts: Iterable[Any] = routes
    else:
        contexts = iter_route_contexts(list(routes))
    for route in contexts:
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if path and methods:
            yield path, set(methods)


def merchant_routes(app: FastAPI) -> list[tuple[str, str]]:
    found = {
        (method, path)
        for path, methods in _route_paths(app.routes)
        if path == PREFIX or path.startswith(PREFIX + "/")
        for method in methods - _SKIPPED_METHODS
    }
    return sorted(found, key=lambda mp: (mp[1], mp[0]))


@dataclass
class World:
    client: TestClient
    app: Marketplace
    a: MerchantFixture
    a_key_id: str
    a_staff_id: str
    b: MerchantFixture
    b_staff: dict[str, str]
    b_key: dict[str, str]
    a_resources: dict[str, str]

    def fill(self, path: str, merchant_id: str) -> str:
        """Put merchant A's real ids (or plausible ones) into the path parameters."""
        known = {
            "merchant_id": merchant_id,
            "shop_id": self.a.shop_id,
            "user_id": self.a_staff_id,
            "key_id": self.a_key_id,
            **self.a_resources,
        }

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            stem = name.removesuffix("_id") or "x"
            return known.get(name, f"{stem[:6]}_01JD3X8Q6V9M2K4N7P0R5T8W1Y")

        return _PARAM.sub(value, path)


@pytest.fixture
def world(pg_app: Marketplace) -> Iterator[World]:
    # A clock that stands still: an API key's last_used_at is stamped once, on first use, and
    # never again during the test, so the table snapshot stays comparable.
    app = bootstrap(pg_app.settings, engine=pg_app.engine, cache=pg_app.cache, clock=FixedClock())
    with TestClient(create_app(app)) as client:
        admin = make_platform_admin(client, app)
        a = create_approved_merchant(client, app, name="Merchant A", admin_headers=admin)
        a_staff, _ = add_staff(client, a)
        a_key = issue_api_key(client, a)
        b = create_approved_merchant(client, app, name="Merchant B", admin_headers=admin)
        _, b_staff = add_staff(client, b)
        b_key = api_key_headers(issue_api_key(client, b)["secret"])
        assert client.get(f"{API}/merchants/{b.id}", headers=b_key).status_code == 200
        resources = _merchant_a_catalog_and_stock(client, admin, a)
        resources |= _merchant_a_webhook_and_delivery(client, app, a)
        resources |= _merchant_a_settlement(client, admin, app, a)
        resources |= _merchant_a_rfq_quote(client, app, a, resources["sku_id"])
        resources |= _merchant_a_price_suggestion(app, a, resources["sku_id"])
        yield World(client, app, a, a_key["id"], a_staff["id"], b, b_staff, b_key, resources)


def _merchant_a_price_suggestion(
    app: Marketplace, a: MerchantFixture, sku_id: str
) -> dict[str, str]:
    """A pending price suggestion for A's SKU (10.00 -> 9.50), recorded as the producer does."""
    from marketplace.advice.commands import RecordPriceSuggestions, SuggestionInput
    from marketplace.advice.services import record_price_suggestions
    from marketplace.shared.money import Money

    effects = {"units": {"expected": 1.0, "low": 0.0, "high": 2.0},
               "revenue": {"expected": "1.00", "low": "0.00", "high": "2.00"}}  # fmt: skip
    suggestion = SuggestionInput(
        sku_id=sku_id, currency="CNY", current_price=Money.of("10.00", "CNY"),
        suggested_price=Money.of("9.50", "CNY"), objective="revenue", expected_effects=effects,
        elasticity=-1.5, elasticity_ci=(-2.0, -1.0),
    )  # fmt: skip
    cmd = RecordPriceSuggestions(merchant_id=a.id, model_name="test", model_version="1",
                                 suggestions=(suggestion,))  # fmt: skip
    (recorded,) = record_price_suggestions(cmd, uow=app.uow())
    return {"suggestion_id": recorded.id}


def _merchant_a_catalog_and_stock(
    client: TestClient, admin: dict[str, str], a: MerchantFixture
) -> dict[str, str]:
    """A listed product with a priced SKU, a stocked warehouse and an active reservation,
    all merchant A's, created through the API: real ids for every path parameter."""

    def ok(response: Any, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json()

    base, h = f"{API}/merchants/{a.id}", a.headers
    category = ok(
        client.post(f"{API}/admin/categories", json={"names": {"en": "Tools"}}, headers=admin), 201
    )
    product = ok(
        client.post(
            f"{base}/products",
            headers=h,
            json={"category_id": category["id"], "translations": {"en": {"title": "Hammer"}}},
        ),
        201,
    )
    sku = ok(
        client.post(
            f"{base}/products/{product['id']}/skus", headers=h, json={"sku_code": "A-HAMMER"}
        ),
        201,
    )
    ok(
        client.put(
            f"{base}/skus/{sku['id']}/prices",
            headers=h,
            json={"currency": "CNY", "list_price": "10.00"},
        )
    )
    ok(client.post(f"{base}/products/{product['id']}/list", headers=h))
    warehouse = ok(
        client.post(
            f"{base}/warehouses",
            headers=h,
            json={"code": "A-1", "name": "A", "country": "CN", "region": "Zhejiang"},
        ),
        201,
    )
    ok(
        client.post(
            f"{base}/stock/inbound",
            headers=h,
            json={"sku_id": sku["id"], "warehouse_id": warehouse["id"], "quantity": 5},
        ),
        201,
    )
    reservation = ok(
        client.post(
            f"{base}/reservations",
            headers=h,
            json={
                "sku_id": sku["id"],
                "warehouse_id": warehouse["id"],
                "quantity": 1,
                "reference": "order-a",
            },
        ),
        201,
    )
    order_id, refund_id = _a_paid_order_with_refund_request(client, admin, sku["id"])
    return {
        "product_id": product["id"],
        "sku_id": sku["id"],
        "warehouse_id": warehouse["id"],
        "reservation_id": reservation["id"],
        "order_id": order_id,
        "refund_id": refund_id,
    }


def _a_paid_order_with_refund_request(
    client: TestClient, admin: dict[str, str], sku_id: str
) -> tuple[str, str]:
    """A buyer's paid order of merchant A's SKU (by wallet) and a pending refund request."""
    from tests.factories import new_user_headers

    buyer, headers = new_user_headers(client, stem="buyer")
    credit = {"amount": {"amount": "500.00", "currency": "CNY"}, "reference": "authz"}
    assert client.post(f"{API}/admin/wallets/{buyer['id']}/credits", json=credit,
                       headers=admin).status_code == 201  # fmt: skip
    address = {"name": "B", "phone": "138", "country": "CN", "region": "Zhejiang",
               "city": "Hangzhou", "line1": "1 Road"}  # fmt: skip
    group = client.post(
        f"{API}/checkout",
        headers=headers,
        json={"address": address, "lines": [{"sku_id": sku_id, "quantity": 1}]},
    ).json()
    paid = client.post(f"{API}/payments", headers=headers,
                       json={"group_id": group["id"], "method": "wallet"})  # fmt: skip
    assert paid.status_code == 201, paid.text
    order_id = group["orders"][0]["id"]
    refund = client.post(f"{API}/orders/{order_id}/refunds", headers=headers,
                         json={"reason": "authz matrix"})  # fmt: skip
    assert refund.status_code == 201, refund.text
    return order_id, refund.json()["id"]


def _merchant_a_webhook_and_delivery(
    client: TestClient, app: Marketplace, a: MerchantFixture
) -> dict[str, str]:
    """A webhook of merchant A (through the API) and one delivery of an event to it."""
    response = client.post(
        f"{API}/merchants/{a.id}/webhooks",
        headers=a.headers,
        json={"url": "https://hooks.example.com/a", "topics": ["order.paid"]},
    )
    assert response.status_code == 201, response.text
    webhook_id = response.json()["id"]
    event = DomainEvent(Topic.ORDER_PAID, "ord_a", {}, app.clock.now(), merchant_id=a.id)
    assert dispatch_event(event, uow=app.uow()) == 1
    page = events_queries.list_deliveries(app.engine, merchant_id=a.id, webhook_id=webhook_id)
    return {"webhook_id": webhook_id, "delivery_id": page.items[0].id}


def _merchant_a_settlement(
    client: TestClient, admin: dict[str, str], app: Marketplace, a: MerchantFixture
) -> dict[str, str]:
    """A capture for merchant A posted in June 2025, a payout of part of it and the closed
    statement of that month, so settlement paths get A's real payout and statement ids."""
    from datetime import UTC, datetime

    from marketplace.settlement import services as settlement
    from marketplace.settlement.domain import MerchantShare
    from marketplace.shared.money import Money

    june = datetime(2025, 6, 1, tzinfo=UTC)
    uow = app.uow()
    uow.clock = FixedClock(june)
    with uow:
        share = MerchantShare(
            a.id, "ord_authz_a", Money.of("100.00", "CNY"), Money.of("5.00", "CNY")
        )
        settlement.post_payment_captured(
            uow=uow, payment_id="pay_authz_a", funding_account="gateway:sandbox",
            shares=[share], at=june,
        )  # fmt: skip
        uow.commit()
    payout = client.post(f"{API}/admin/payouts", headers=admin, json={
        "merchant_id": a.id, "amount": {"amount": "10.00", "currency": "CNY"}})  # fmt: skip
    assert payout.status_code == 201, payout.text
    statement = client.post(f"{API}/admin/settlement/statements", headers=admin, json={
        "merchant_id": a.id, "currency": "CNY", "start": "2025-06-01T00:00:00Z",
        "end": "2025-07-01T00:00:00Z"})  # fmt: skip
    assert statement.status_code == 201, statement.text
    return {"payout_id": payout.json()["id"], "statement_id": statement.json()["id"]}


def _merchant_a_rfq_quote(
    client: TestClient, app: Marketplace, a: MerchantFixture, sku_id: str
) -> dict[str, str]:
    """A company's RFQ sent to merchant A (through the services), and A's quote on it."""
    from datetime import timedelta

    from marketplace.companies import services as companies
    from marketplace.companies.domain import ShippingAddress
    from marketplace.rfq import services as rfq_services
    from marketplace.rfq.commands import CreateRfq, ItemRequest
    from tests.factories import new_user_headers

    buyer, _ = new_user_headers(client, stem="rfq-buyer")
    company = companies.create_company(
        companies.CreateCompany("Buyer Co", buyer["id"]), uow=app.uow()
    )
    address = ShippingAddress("B", "138", "CN", "Zhejiang", "Hangzhou", "1 Road")
    location = companies.add_location(company.id, actor_id=buyer["id"], name="Plant",
                                      address=address, uow=app.uow())  # fmt: skip
    rfq = rfq_services.create_rfq(CreateRfq(
        company.id, buyer["id"], "Hammers", (ItemRequest(quantity=10, spec="hammer"),),
        deadline=app.clock.now() + timedelta(days=7), location_id=location.id,
    ), uow=app.uow())  # fmt: skip
    rfq_services.send_rfq(company.id, rfq.id, actor_id=buyer["id"], supplier_ids=[a.id],
                          uow=app.uow())  # fmt: skip
    quote = client.post(f"{API}/merchants/{a.id}/rfqs/{rfq.id}/quotes", headers=a.headers, json={
        "valid_until": (app.clock.now() + timedelta(days=3)).isoformat(),
        "lines": [{"item_no": 1, "sku_id": sku_id, "lead_time_days": 2,
                   "unit_price": {"amount": "9.00", "currency": "CNY"}}],
    })  # fmt: skip
    assert quote.status_code == 201, quote.text
    return {"rfq_id": rfq.id, "quote_id": quote.json()["id"]}


SETTLEMENT_ROUTES = {
    ("GET", f"{PREFIX}/settlement/balance"),
    ("GET", f"{PREFIX}/settlement/statements"),
    ("GET", f"{PREFIX}/settlement/statements/{{statement_id}}"),
    ("GET", f"{PREFIX}/settlement/preview"),
    ("GET", f"{PREFIX}/payouts"),
    ("GET", f"{PREFIX}/payouts/{{payout_id}}"),
}


def test_the_matrix_covers_the_settlement_routes(world: World) -> None:
    assert set(merchant_routes(world.client.app)) >= SETTLEMENT_ROUTES  # type: ignore[arg-type]
    # A's own people do reach them (the 403/404 below are not a broken route).
    for method, path in sorted(SETTLEMENT_ROUTES):
        params = {"currency": "CNY", "start": "2025-06-01T00:00:00Z",
                  "end": "2025-07-01T00:00:00Z"}  # fmt: skip
        url = world.fill(path, world.a.id)
        response = world.client.request(method, url, headers=world.a.headers, params=params)
        assert response.status_code == 200, (url, response.text)


# Bodies that pass validation, so that the resource check (not body validation) answers.
VALID_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", f"{PREFIX}/shops/{{shop_id}}"): {"name": "Taken over"},
    ("PATCH", f"{PREFIX}/products/{{product_id}}"): {"brand": "Taken over"},
    ("POST", f"{PREFIX}/products/{{product_id}}/skus"): {"sku_code": "B-STOLEN"},
    ("PATCH", f"{PREFIX}/skus/{{sku_id}}"): {"weight_grams": 1},
    ("PUT", f"{PREFIX}/skus/{{sku_id}}/prices"): {"currency": "CNY", "list_price": "0.01"},
    ("PATCH", f"{PREFIX}/warehouses/{{warehouse_id}}"): {"name": "Taken over"},
    ("PATCH", f"{PREFIX}/webhooks/{{webhook_id}}"): {"description": "Taken over"},
    ("POST", f"{PREFIX}/webhooks/{{webhook_id}}/rotate-secret"): {},
    ("POST", f"{PREFIX}/webhooks/{{webhook_id}}/deliveries/{{delivery_id}}/retry"): {},
    ("POST", f"{PREFIX}/orders/{{order_id}}/fulfil"): {"reason": "taken over"},
    ("POST", f"{PREFIX}/orders/{{order_id}}/ship"): {"reason": "SF 123"},
    ("POST", f"{PREFIX}/orders/{{order_id}}/deliver"): {"reason": "taken over"},
    ("POST", f"{PREFIX}/refunds/{{refund_id}}/approve"): {"reason": "ok", "restock": True},
    ("POST", f"{PREFIX}/refunds/{{refund_id}}/reject"): {"reason": "no"},
    ("POST", f"{PREFIX}/refunds/{{refund_id}}/receive-return"): {},
    ("PATCH", f"{PREFIX}/offers/{{offer_id}}"): {"is_active": False},
    ("POST", f"{PREFIX}/rfqs/{{rfq_id}}/quotes"): {
        "valid_until": "2030-01-01T00:00:00Z",
        "lines": [
            {
                "item_no": 1,
                "sku_id": "sku_01JD3X8Q6V9M2K4N7P0R5T8W1Y",
                "lead_time_days": 1,
                "unit_price": {"amount": "1.00", "currency": "CNY"},
            }
        ],
    },
    ("POST", f"{PREFIX}/rfqs/{{rfq_id}}/quotes/{{quote_id}}/withdraw"): {},
    ("POST", f"{PREFIX}/pricing/suggestions/{{suggestion_id}}/accept"): {},
    ("POST", f"{PREFIX}/pricing/suggestions/{{suggestion_id}}/reject"): {"note": "taken over"},
    ("PUT", f"{PREFIX}/pricing/skus/{{sku_id}}"): {"currency": "CNY", "unit_cost": "1.00"},
}


def _call(client: TestClient, method: str, url: str, headers: dict[str, str]) -> Any:
    if method in {"POST", "PUT", "PATCH"}:
        return client.request(method, url, json={}, headers=headers)
    return client.request(method, url, headers=headers)


def test_the_matrix_covers_at_least_the_parties_routes(world: World) -> None:
    routes = set(merchant_routes(world.client.app))  # type: ignore[arg-type]
    assert routes >= OWN_ROUTES
    # A merchant route spelling its parameter differently would slip past the matrix (and
    # past MerchantScope, which reads ``merchant_id``).
    misnamed = [
        path
        for path, _ in _route_paths(world.client.app.routes)
        if path.startswith(f"{API}/merchants/{{") and not path.startswith(PREFIX)
    ]
    assert not misnamed


def test_another_merchants_people_and_keys_cannot_touch_merchant_a(world: World) -> None:
    routes = merchant_routes(world.client.app)  # type: ignore[arg-type]
    assert routes
    callers = {"B owner": world.b.headers, "B staff": world.b_staff, "B api key": world.b_key}
    before = db_snapshot(world.app)
    failures = []
    for method, path in routes:
        url = world.fill(path, world.a.id)
        for who, headers in callers.items():
            response = _call(world.client, method, url, headers)
            body = response.json() if response.content else {}
            if response.status_code not in (403, 404) or "code" not in body:
                failures.append(f"{who}: {method} {url} -> {response.status_code} {body}")
            elif response.status_code == 403 and body["code"] != "merchant_access_denied":
                failures.append(f"{who}: {method} {url} -> 403 {body['code']}")
    assert not failures, "\n".join(failures)
    assert db_snapshot(world.app) == before


def test_anonymous_callers_are_401(world: World) -> None:
    before = db_snapshot(world.app)
    failures = []
    for method, path in merchant_routes(world.client.app):  # type: ignore[arg-type]
        response = _call(world.client, method, world.fill(path, world.a.id), {})
        if response.status_code != 401 or response.json().get("code") != "not_authenticated":
            failures.append(f"{method} {path} -> {response.status_code} {response.text[:200]}")
    assert not failures, "\n".join(failures)
    assert db_snapshot(world.app) == before


def test_unknown_merchant_is_404_for_everyone_signed_in(world: World) -> None:
    missing = "mer_01JD3X8Q6V9M2K4N7P0R5T8W1Y"
    before = db_snapshot(world.app)
    failures = []
    for method, path in merchant_routes(world.client.app):  # type: ignore[arg-type]
        for headers in (world.b.headers, world.b_key):
            response = _call(world.client, method, world.fill(path, missing), headers)
            if response.status_code != 404 or response.json().get("code") != "merchant_not_found":
                failures.append(f"{method} {path} -> {response.status_code} {response.text[:200]}")
    assert not failures, "\n".join(failures)
    assert db_snapshot(world.app) == before


def test_merchant_a_resources_through_merchant_b_paths_are_not_found(world: World) -> None:
    """B's owner puts A's real shop, member, key, product, SKU, warehouse and reservation
    ids under B's own merchant path, with a valid body: always 404, nothing changes."""
    routes = [(m, p) for m, p in merchant_routes(world.client.app) if len(_PARAM.findall(p)) > 1]  # type: ignore[arg-type]
    mutations = {(m, p) for m, p in routes if m in {"POST", "PUT", "PATCH"}}
    # Every mutation with a body is exercised with a valid one (bodiless POSTs need none).
    bodiless = {
        (m, p) for m, p in mutations if p.endswith(("/list", "/delist", "/commit", "/release"))
    }
    assert mutations - bodiless <= set(VALID_BODIES), mutations - bodiless - set(VALID_BODIES)
    before = db_snapshot(world.app)
    failures = []
    for method, path in routes:
        url = world.fill(path, world.b.id)
        body = VALID_BODIES.get((method, path), {} if method in {"POST", "PUT", "PATCH"} else None)
        response = world.client.request(method, url, json=body, headers=world.b.headers)
        if response.status_code != 404 or "code" not in response.json():
            failures.append(f"{method} {url} -> {response.status_code} {response.text[:200]}")
    assert not failures, "\n".join(failures)
    assert db_snapshot(world.app) == before
