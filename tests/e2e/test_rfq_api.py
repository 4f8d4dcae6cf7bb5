"""RFQs over HTTP: an RFQ to three suppliers, two quote, one quote expires, the other is
awarded and becomes a purchase request at the quoted price. Plus who may see and do what."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace, bootstrap
from marketplace.companies import services as companies
from marketplace.companies.domain import MemberRole, ShippingAddress
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from serving.api.app import create_app
from tests.e2e.catalog_api import ok, problem
from tests.factories import (
    API,
    MerchantFixture,
    create_approved_merchant,
    db_snapshot,
    login,
    make_platform_admin,
    register_user,
    unique_email,
)

ADDRESS = ShippingAddress(
    name="Wang Fang", phone="13800000000", country="CN", region="Zhejiang", city="Hangzhou",
    line1="88 Wensan Road",
)  # fmt: skip


@dataclass
class Buyer:
    email: str
    user_id: str
    headers: dict[str, str]


@dataclass
class World:
    client: TestClient
    app: Marketplace
    clock: FixedClock
    company_id: str
    location_id: str
    admin: Buyer  # buyer admin, creates the RFQ
    requester: Buyer  # another member of the company
    stranger: Buyer  # buyer admin of another company
    suppliers: list[MerchantFixture]  # three invited
    outsider: MerchantFixture  # a supplier not invited
    skus: dict[str, str]  # merchant id -> its SKU

    @property
    def base(self) -> str:
        return f"{API}/b2b/companies/{self.company_id}/rfqs"

    def relogin(self) -> None:
        """Access tokens expire with the clock: sign the buyers in again after moving it."""
        for buyer in (self.admin, self.requester, self.stranger):
            buyer.headers = login(self.client, buyer.email)


def _buyer(client: TestClient) -> Buyer:
    email = unique_email("buyer")
    user = register_user(client, email=email)
    return Buyer(email, user["id"], login(client, email))


def _sku(client: TestClient, merchant: MerchantFixture, category_id: str) -> str:
    base, h = f"{API}/merchants/{merchant.id}", merchant.headers
    body = {"category_id": category_id, "translations": {"en": {"title": "Hex bolt M8"}}}
    product = ok(client.post(f"{base}/products", headers=h, json=body), 201)
    sku = ok(client.post(f"{base}/products/{product['id']}/skus", headers=h,
                         json={"sku_code": f"BOLT-{merchant.id[-6:]}"}), 201)  # fmt: skip
    # Listed and stocked, so that an awarded quote can be ordered (at the quoted price).
    ok(client.put(f"{base}/skus/{sku['id']}/prices", headers=h,
                  json={"currency": "CNY", "list_price": "0.60"}))  # fmt: skip
    ok(client.post(f"{base}/products/{product['id']}/list", headers=h))
    where = {"code": "ZJ-1", "name": "Hangzhou", "country": "CN", "region": "Zhejiang"}
    warehouse = ok(client.post(f"{base}/warehouses", headers=h, json=where), 201)
    ok(client.post(f"{base}/stock/inbound", headers=h, json={
        "sku_id": sku["id"], "warehouse_id": warehouse["id"], "quantity": 5000}), 201)  # fmt: skip
    return str(sku["id"])


@pytest.fixture
def world(pg_app: Marketplace, clock: FixedClock) -> Iterator[World]:
    app = bootstrap(pg_app.settings, engine=pg_app.engine, cache=pg_app.cache, clock=clock)
    with TestClient(create_app(app)) as client:
        admin_h = make_platform_admin(client, app)
        category = ok(client.post(f"{API}/admin/categories", headers=admin_h,
                                  json={"names": {"en": "Fasteners"}}), 201)  # fmt: skip
        merchants = [
            create_approved_merchant(client, app, kind=kind, admin_headers=admin_h)
            for kind in ("supplier", "supplier", "third_party", "supplier")
        ]
        skus = {m.id: _sku(client, m, category["id"]) for m in merchants}
        admin, requester, stranger = _buyer(client), _buyer(client), _buyer(client)
        company = companies.create_company(
            companies.CreateCompany("Acme Manufacturing", admin.user_id), uow=app.uow()
        )
        location = companies.add_location(company.id, actor_id=admin.user_id, name="Plant 1",
                                          address=ADDRESS, uow=app.uow())  # fmt: skip
        issued = companies.invite_member(company.id, actor_id=admin.user_id,
                                         email=requester.email, role=MemberRole.REQUESTER,
                                         uow=app.uow())  # fmt: skip
        companies.accept_invitation(issued.token, user_id=requester.user_id, uow=app.uow())
        companies.create_company(companies.CreateCompany("Rival Ltd", stranger.user_id),
                                 uow=app.uow())  # fmt: skip
        assert app.credit_terms is not None
        app.credit_terms.set_account(company.id, Money.of("10000", "CNY"), terms_days=30)
        yield World(client, app, clock, company.id, location.id, admin, requester, stranger,
                    merchants[:3], merchants[3], skus)  # fmt: skip


def _quote_body(world: World, merchant: MerchantFixture, price: str, valid: timedelta) -> Any:
    return {
        "valid_until": (world.clock.now() + valid).isoformat(),
        "lines": [{"item_no": 1, "sku_id": world.skus[merchant.id], "lead_time_days": 5,
                   "unit_price": {"amount": price, "currency": "CNY"}}],
        "notes": "Delivered in cartons of 500",
    }  # fmt: skip


def _sent_rfq(world: World) -> dict[str, Any]:
    c = world.client
    body = {
        "title": "Bolts for line 3", "location_id": world.location_id,
        "deadline": (world.clock.now() + timedelta(days=5)).isoformat(),
        "items": [{"spec": "M8 hex bolt, 40 mm, A2-70", "quantity": 500, "unit": "pcs"}],
    }  # fmt: skip
    rfq = ok(c.post(world.base, json=body, headers=world.admin.headers), 201)
    assert rfq["status"] == "draft"
    sent = ok(c.post(f"{world.base}/{rfq['id']}/send", headers=world.admin.headers,
                     json={"supplier_ids": [m.id for m in world.suppliers]}))  # fmt: skip
    assert sent["status"] == "sent"
    assert [s["merchant_id"] for s in sent["suppliers"]] == sorted(m.id for m in world.suppliers)
    return sent  # type: ignore[no-any-return]


def test_rfq_to_three_suppliers_two_quote_one_expires_the_other_becomes_the_order(
    world: World,
) -> None:
    c = world.client
    rfq = _sent_rfq(world)
    a, b, _ = world.suppliers
    invitations = ok(c.get(f"{API}/merchants/{a.id}/rfqs", headers=a.headers))
    assert [i["id"] for i in invitations["items"]] == [rfq["id"]]
    seen = ok(c.get(f"{API}/merchants/{a.id}/rfqs/{rfq['id']}", headers=a.headers))
    assert seen["accepts_quotes"]
    assert "suppliers" not in seen

    url = f"{API}/merchants/{{}}/rfqs/{rfq['id']}/quotes"
    short = ok(c.post(url.format(a.id), headers=a.headers,
                      json=_quote_body(world, a, "0.40", timedelta(days=1))), 201)  # fmt: skip
    long = ok(c.post(url.format(b.id), headers=b.headers,
                     json=_quote_body(world, b, "0.45", timedelta(days=10))), 201)  # fmt: skip
    assert long["total"] == {"amount": "225.00", "currency": "CNY"}

    world.clock.advance(timedelta(days=2))  # A's quote lapses
    world.relogin()
    h = world.admin.headers
    compared = ok(c.get(f"{world.base}/{rfq['id']}", headers=h))
    side_by_side = {q["id"]: q for q in compared["quotes"]}
    assert side_by_side[short["id"]]["is_expired"]
    assert side_by_side[short["id"]]["status"] == "expired"
    assert not side_by_side[long["id"]]["is_expired"]
    assert side_by_side[long["id"]]["lead_time_days"] == 5
    assert side_by_side[long["id"]]["supplier_name"]
    assert compared["lowest_open_quote_id"] == long["id"]

    accept = f"{world.base}/{rfq['id']}/quotes/{{}}/accept"
    before = db_snapshot(world.app)
    problem(c.post(accept.format(short["id"]), headers=h), 409, "quote_expired")
    assert db_snapshot(world.app) == before

    result = ok(c.post(accept.format(long["id"]), headers=h))
    award, request = result["accepted_quote"], result["purchase_request"]
    assert (award["quote_id"], award["merchant_id"]) == (long["id"], b.id)
    [line] = request["lines"]
    assert (line["sku_id"], line["quantity"]) == (world.skus[b.id], 500)
    assert line["unit_price"] == {"amount": "0.45", "currency": "CNY"}  # quoted, not the list
    assert line["price_source"] == f"quote:{long['id']}"
    assert request["source"] == f"rfq:{rfq['id']}"
    assert (request["company_id"], request["location_id"]) == (world.company_id, world.location_id)
    assert (request["requester_id"], request["payment_method"]) == (
        world.admin.user_id, "credit_terms")  # fmt: skip
    # The purchase order is placed at the quoted price: 500 x 0.45 on the company's terms.
    assert request["status"] == "ordered"
    assert len(request["order_ids"]) == 1
    order = ok(c.get(f"{API}/orders/{request['order_ids'][0]}", headers=h))
    assert order["total"] == {"amount": "225.00", "currency": "CNY"}
    assert order["lines"][0]["unit_price"] == {"amount": "0.45", "currency": "CNY"}

    # The same award again is the same answer; another quote is too late.
    before = db_snapshot(world.app)
    replay = ok(c.post(accept.format(long["id"]), headers=h))
    assert replay == result
    problem(c.post(accept.format(short["id"]), headers=h), 409, "rfq_closed")
    assert db_snapshot(world.app) == before
    closed = ok(c.get(f"{world.base}/{rfq['id']}", headers=h))
    assert closed["status"] == "awarded"
    assert {q["id"]: q["status"] for q in closed["quotes"]} == {
        long["id"]: "accepted", short["id"]: "declined",
    }  # fmt: skip


def test_who_may_see_quote_and_award(world: World) -> None:
    c = world.client
    rfq = _sent_rfq(world)
    a = world.suppliers[0]
    quote = ok(c.post(f"{API}/merchants/{a.id}/rfqs/{rfq['id']}/quotes", headers=a.headers,
                      json=_quote_body(world, a, "0.40", timedelta(days=3))), 201)  # fmt: skip
    d = world.outsider
    rfq_url = f"{world.base}/{rfq['id']}"
    accept = f"{rfq_url}/quotes/{quote['id']}/accept"
    before = db_snapshot(world.app)
    # A supplier that was not invited does not learn the RFQ exists.
    problem(c.get(f"{API}/merchants/{d.id}/rfqs/{rfq['id']}", headers=d.headers), 404,
            "rfq_not_found")  # fmt: skip
    body = _quote_body(world, d, "0.30", timedelta(days=3))
    url = f"{API}/merchants/{d.id}/rfqs/{rfq['id']}/quotes"
    problem(c.post(url, headers=d.headers, json=body), 404, "rfq_not_found")
    assert ok(c.get(f"{API}/merchants/{d.id}/rfqs", headers=d.headers))["items"] == []
    # Nor may a supplier act under another merchant's path.
    problem(c.get(f"{API}/merchants/{a.id}/rfqs/{rfq['id']}", headers=d.headers), 403,
            "merchant_access_denied")  # fmt: skip
    # A member of another company is refused at the door.
    for method, url in (("GET", rfq_url), ("POST", accept), ("POST", f"{rfq_url}/cancel")):
        problem(c.request(method, url, headers=world.stranger.headers), 403,
                "company_membership_required")  # fmt: skip
    # A requester who did not create the RFQ sees it but may not award or cancel it.
    assert ok(c.get(rfq_url, headers=world.requester.headers))["id"] == rfq["id"]
    problem(c.post(accept, headers=world.requester.headers), 403, "rfq_manager_required")
    problem(c.post(f"{rfq_url}/cancel", headers=world.requester.headers), 403,
            "rfq_manager_required")  # fmt: skip
    problem(c.post(accept, headers={}), 401, "not_authenticated")
    assert db_snapshot(world.app) == before


def test_bad_input_is_refused_and_changes_nothing(world: World) -> None:
    c = world.client
    h = world.admin.headers
    before = db_snapshot(world.app)
    past = (world.clock.now() - timedelta(hours=1)).isoformat()
    item = {"spec": "bolts", "quantity": 5}
    problem(c.post(world.base, headers=h, json={"title": "x", "location_id": world.location_id,
                                                 "deadline": past, "items": [item]}),
            422, "invalid_rfq")  # fmt: skip
    future = (world.clock.now() + timedelta(days=1)).isoformat()
    problem(c.post(world.base, headers=h, json={"title": "x", "location_id": "loc_nope",
                                                 "deadline": future, "items": [item]}),
            404, "location_not_found")  # fmt: skip
    problem(c.post(world.base, headers=h, json={"title": "x", "location_id": world.location_id,
                                                 "deadline": future, "items": [{"quantity": 5}]}),
            422, "request_validation_failed")  # fmt: skip
    assert db_snapshot(world.app) == before
    body = {"title": "x", "location_id": world.location_id, "deadline": future, "items": [item]}
    rfq = ok(c.post(world.base, headers=h, json=body), 201)
    before = db_snapshot(world.app)
    problem(c.post(f"{world.base}/{rfq['id']}/send", headers=h,
                   json={"supplier_ids": ["mer_01JD3X8Q6V9M2K4N7P0R5T8W1Y"]}),
            422, "supplier_not_eligible")  # fmt: skip
    assert db_snapshot(world.app) == before
