"""Seed data of the admin and B2B buyer pages' tests, built through the real API and services:
a supplier with a listed, stocked SKU, a company whose buyer admin signs in (a ship-to
location and a credit line), a merchant application waiting for review, and a supplier's
quote submitted through the rfq service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace
from marketplace.companies import services as companies
from marketplace.companies.domain import ShippingAddress
from marketplace.parties import services as parties
from marketplace.rfq import services as rfqs
from marketplace.rfq.commands import QuoteLineRequest, SubmitQuote
from marketplace.shared.money import Money
from tests.e2e.test_rfq_api import _sku as stocked_sku
from tests.factories import (
    API,
    DEFAULT_PASSWORD,
    MerchantFixture,
    create_approved_merchant,
    login,
    register_user,
    unique_email,
)

PASSWORD = DEFAULT_PASSWORD
ADDRESS = ShippingAddress(
    name="Wang Fang", phone="13800000000", country="CN", region="Zhejiang", city="Hangzhou",
    line1="88 Wensan Road",
)  # fmt: skip


def ok(response: Any, expected: int = 200) -> Any:
    assert response.status_code == expected, response.text
    return response.json() if response.content else None


@dataclass
class TradeWorld:
    admin_email: str  # a platform admin
    buyer_email: str  # the company's buyer admin
    buyer_id: str
    company_id: str
    location_id: str
    supplier: MerchantFixture
    supplier_name: str
    sku_id: str


def make_admin(app: Marketplace, client: TestClient) -> tuple[str, dict[str, str]]:
    email = unique_email("admin")
    register_user(client, email=email)
    parties.create_platform_admin(email, None, uow=app.uow(), passwords=app.passwords)
    return email, login(client, email)


def pending_application(client: TestClient, name: str) -> tuple[str, str]:
    """A merchant that applied and submitted for review: (merchant id, owner e-mail)."""
    email = unique_email("applicant")
    register_user(client, email=email)
    h = login(client, email)
    body = {"name": name, "kind": "third_party", "legal_name": f"{name} Co., Ltd.",
            "contact_email": email, "city": "Hangzhou", "region": "Zhejiang"}  # fmt: skip
    merchant = ok(client.post(f"{API}/merchants", json=body, headers=h), 201)
    ok(client.post(f"{API}/merchants/{merchant['id']}/submit", headers=h))
    return str(merchant["id"]), email


def make_trade_world(app: Marketplace, client: TestClient, *, credit: str = "10000") -> TradeWorld:
    admin_email, admin_h = make_admin(app, client)
    names = {"names": {"en": "Fasteners", "zh": "紧固件"}}
    category = ok(client.post(f"{API}/admin/categories", headers=admin_h, json=names), 201)
    name = f"Ningbo Bolts {unique_email('s')[:12]}"
    supplier = create_approved_merchant(client, app, kind="supplier", name=name,
                                        admin_headers=admin_h)  # fmt: skip
    sku_id = stocked_sku(client, supplier, category["id"])  # listed, 5,000 in stock
    buyer_email = unique_email("buyer")
    buyer = register_user(client, email=buyer_email, display_name="Zhou Min")
    company = companies.create_company(
        companies.CreateCompany("Acme Manufacturing", buyer["id"]), uow=app.uow()
    )
    location = companies.add_location(company.id, actor_id=buyer["id"], name="Plant 1",
                                      address=ADDRESS, uow=app.uow())  # fmt: skip
    assert app.credit_terms is not None
    app.credit_terms.set_account(company.id, Money.of(credit, "CNY"), terms_days=30)
    return TradeWorld(admin_email, buyer_email, buyer["id"], company.id, location.id, supplier,
                      name, sku_id)  # fmt: skip


def submit_quote(app: Marketplace, world: TradeWorld, rfq_id: str, price: str) -> str:
    """The supplier quotes every item of the RFQ at ``price`` (CNY), through the service."""
    from marketplace.rfq import queries

    with app.engine.connect() as conn:
        view = queries.supplier_view(conn, world.supplier.id, rfq_id, app.clock.now())
    assert view is not None, "the supplier was not invited"
    lines = tuple(
        QuoteLineRequest(item_no=item["item_no"], sku_id=world.sku_id,
                         unit_price=Money.of(price, "CNY"), lead_time_days=5)
        for item in view["items"]
    )  # fmt: skip
    cmd = SubmitQuote(rfq_id=rfq_id, merchant_id=world.supplier.id, lines=lines,
                      valid_until=app.clock.now() + timedelta(days=3),
                      notes="Cartons of 500")  # fmt: skip
    return rfqs.submit_quote(cmd, uow=app.uow()).id


def quoted_order(app: Marketplace, world: TradeWorld, price: str = "0.45") -> str:
    """An RFQ for 500 bolts sent to the supplier, quoted and accepted, as the pages do it:
    the purchase order is placed on credit terms (an invoice is issued). Returns the RFQ id."""
    from marketplace.purchasing.services import submit_purchase_request
    from marketplace.rfq.commands import AcceptQuote, CreateRfq, ItemRequest

    cmd = CreateRfq(company_id=world.company_id, actor_id=world.buyer_id, title="Bolts, May",
                    items=(ItemRequest(quantity=500, spec="M8 hex bolt, 40 mm"),),
                    deadline=app.clock.now() + timedelta(days=5),
                    location_id=world.location_id)  # fmt: skip
    rfq = rfqs.create_rfq(cmd, uow=app.uow())
    rfqs.send_rfq(world.company_id, rfq.id, actor_id=world.buyer_id,
                  supplier_ids=[world.supplier.id], uow=app.uow())  # fmt: skip
    quote_id = submit_quote(app, world, rfq.id, price)
    accepted = rfqs.accept_quote(AcceptQuote(world.company_id, rfq.id, quote_id,
                                             actor_id=world.buyer_id), uow=app.uow())  # fmt: skip
    request = rfqs.purchase_request_for(accepted, requester_id=world.buyer_id,
                                        payment_method="credit_terms")  # fmt: skip
    placed = submit_purchase_request(request, uow=app.uow(), placement=app.placement)
    assert placed.order_ids, placed.status
    return rfq.id
