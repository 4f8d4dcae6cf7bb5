"""Sourcing over HTTP: supplier profiles and offers, another merchant kept out, non-supplier
merchants refused, admin verification, the B2B search with a company's contract prices,
bad query parameters, and supplier metrics from real placed, paid and shipped orders."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from marketplace.bootstrap import Marketplace, bootstrap
from marketplace.companies import services as companies
from marketplace.config import Settings
from marketplace.ordering.commands import ChangeOrderStatus
from marketplace.payments.services import (
    DecideRefund,
    RequestRefund,
    StartPayment,
    decide_refund,
    process_refund,
    request_refund,
    start_payment,
)
from marketplace.shared.adapters.cache import InMemoryCache
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from marketplace.sourcing import services as sourcing
from marketplace.sourcing.domain import ServedRegion
from serving.api.app import create_app
from tests.factories import (
    API,
    MerchantFixture,
    create_approved_merchant,
    db_snapshot,
    drain_events,
    make_platform_admin,
    new_user_headers,
)
from tests.integration.ordering.seed import SHANGHAI, Market


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CNY"}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


PROFILE = {
    "default_moq": 10,
    "description": "Hand tools since 1998",
    "certifications": [{"name": "ISO 9001", "issuer": "SGS", "valid_until": "2027-06-30"}],
    "regions": [
        {
            "country": "CN",
            "region": "Shanghai",
            "lead_time_days": 2,
            "shipping_per_unit": money("0.10"),
            "shipping_per_order": money("20.00"),
        },
        {
            "country": "CN",
            "lead_time_days": 6,
            "shipping_per_unit": money("0.50"),
            "shipping_per_order": money("50.00"),
        },
    ],
}
TIERS = [
    {"min_quantity": 10, "unit_price": money("5.00")},
    {"min_quantity": 100, "unit_price": money("4.50")},
]


@dataclass
class Setup:
    client: TestClient
    app: Marketplace
    admin: dict[str, str]
    category_id: str


@pytest.fixture
def setup(pg_client: TestClient, pg_app: Marketplace) -> Setup:
    admin = make_platform_admin(pg_client, pg_app)
    category = ok(
        pg_client.post(f"{API}/admin/categories", json={"names": {"en": "Tools"}}, headers=admin),
        201,
    )
    return Setup(pg_client, pg_app, admin, category["id"])


def listed_sku(s: Setup, m: MerchantFixture, title: str) -> str:
    base, h = f"{API}/merchants/{m.id}", m.headers
    product = ok(
        s.client.post(
            f"{base}/products",
            headers=h,
            json={
                "category_id": s.category_id,
                "translations": {"en": {"title": title}},
                "attributes": {"material": "steel"},
            },
        ),
        201,
    )
    sku = ok(
        s.client.post(
            f"{base}/products/{product['id']}/skus",
            headers=h,
            json={"sku_code": title.upper().replace(" ", "-")[:20]},
        ),
        201,
    )
    ok(
        s.client.put(
            f"{base}/skus/{sku['id']}/prices",
            headers=h,
            json={"currency": "CNY", "list_price": "6.00"},
        )
    )
    ok(s.client.post(f"{base}/products/{product['id']}/list", headers=h))
    return str(sku["id"])


def supplier_with_offer(
    s: Setup, title: str = "Claw hammer"
) -> tuple[MerchantFixture, dict[str, Any]]:
    m = create_approved_merchant(s.client, s.app, admin_headers=s.admin)
    ok(s.client.put(f"{API}/merchants/{m.id}/supplier-profile", json=PROFILE, headers=m.headers))
    sku_id = listed_sku(s, m, title)
    offer = ok(
        s.client.post(
            f"{API}/merchants/{m.id}/offers",
            headers=m.headers,
            json={"sku_id": sku_id, "tiers": TIERS},
        ),
        201,
    )
    return m, offer


def test_a_supplier_keeps_its_profile_and_offers_and_buyers_find_them(setup: Setup) -> None:
    s = setup
    m, offer = supplier_with_offer(s)
    assert (offer["moq"], offer["currency"], offer["lead_time_days"]) == (10, "CNY", None)
    base = f"{API}/merchants/{m.id}"
    profile = ok(s.client.get(f"{base}/supplier-profile", headers=m.headers))
    assert [r["region"] for r in profile["regions"]] == ["", "Shanghai"]
    assert profile["is_verified"] is False
    assert profile["metrics"] == {
        "fulfilled_orders": 0,
        "on_time_rate": None,
        "rating": None,
        "refreshed_at": None,
    }
    page = ok(s.client.get(f"{base}/offers", headers=m.headers))
    assert [o["id"] for o in page["items"]] == [offer["id"]]
    changed = ok(
        s.client.patch(
            f"{base}/offers/{offer['id']}", headers=m.headers, json={"lead_time_days": 1}
        )
    )
    assert changed["lead_time_days"] == 1
    _, buyer = new_user_headers(s.client, stem="buyer")
    found = ok(
        s.client.get(
            f"{API}/b2b/offers",
            headers=buyer,
            params={"q": "hammer", "quantity": 200, "country": "CN", "region": "Shanghai"},
        )
    )
    hit = found["items"][0]
    # 4.50 + 0.10 + 20.00 / 200 = 4.70 a unit, 940.00 for 200; the offer's 1-day lead time
    assert (hit["offer_id"], hit["title"], hit["price_rule"]) == (
        offer["id"],
        "Claw hammer",
        "tier:100",
    )
    assert hit["landed_unit_price"] == money("4.70")
    assert hit["landed_total"] == money("940.00")
    assert (hit["lead_time_days"], hit["attributes"]["material"]) == (1, "steel")
    assert found["company_pricing"] is False
    ok(s.client.patch(f"{base}/offers/{offer['id']}", headers=m.headers, json={"is_active": False}))
    assert ok(s.client.get(f"{API}/b2b/offers", headers=buyer))["items"] == []
    public = ok(s.client.get(f"{API}/b2b/suppliers/{m.id}"))
    assert (public["active_offers"], public["kind"], public["default_moq"]) == (
        0,
        "third_party",
        10,
    )
    ok(s.client.delete(f"{base}/offers/{offer['id']}", headers=m.headers), 204)
    assert ok(s.client.get(f"{base}/offers", headers=m.headers))["items"] == []


def test_another_merchant_cannot_touch_the_offers(setup: Setup) -> None:
    s = setup
    a, offer = supplier_with_offer(s)
    b = create_approved_merchant(s.client, s.app, admin_headers=s.admin)
    ok(s.client.put(f"{API}/merchants/{b.id}/supplier-profile", json=PROFILE, headers=b.headers))
    before = db_snapshot(s.app)
    own, theirs = f"{API}/merchants/{b.id}", f"{API}/merchants/{a.id}"
    calls = [
        ("PATCH", f"{own}/offers/{offer['id']}", {"is_active": False}, 404, "offer_not_found"),
        ("DELETE", f"{own}/offers/{offer['id']}", None, 404, "offer_not_found"),
        ("GET", f"{own}/offers/{offer['id']}", None, 404, "offer_not_found"),
        (
            "POST",
            f"{own}/offers",
            {"sku_id": offer["sku_id"], "tiers": TIERS},
            404,
            "sku_not_found",
        ),
        (
            "POST",
            f"{own}/contract-prices",
            {
                "company_id": "cmp_x",
                "sku_id": offer["sku_id"],
                "unit_price": money("1.00"),
                "valid_from": "2026-01-01",
            },
            404,
            "sku_not_found",
        ),
        (
            "PATCH",
            f"{theirs}/offers/{offer['id']}",
            {"is_active": False},
            403,
            "merchant_access_denied",
        ),
        ("DELETE", f"{theirs}/offers/{offer['id']}", None, 403, "merchant_access_denied"),
    ]
    for method, url, body, status, code in calls:
        response = s.client.request(method, url, json=body, headers=b.headers)
        assert (response.status_code, response.json()["code"]) == (status, code), (method, url)
    assert db_snapshot(s.app) == before


def test_a_self_operated_merchant_has_no_supplier_profile_or_offers(setup: Setup) -> None:
    s = setup
    m = create_approved_merchant(s.client, s.app, kind="self_operated", admin_headers=s.admin)
    sku_id = listed_sku(s, m, "Own brand hammer")
    before = db_snapshot(s.app)
    base = f"{API}/merchants/{m.id}"
    for method, url, body in [
        ("PUT", f"{base}/supplier-profile", PROFILE),
        ("POST", f"{base}/offers", {"sku_id": sku_id, "tiers": TIERS}),
    ]:
        response = s.client.request(method, url, json=body, headers=m.headers)
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "merchant_not_supplier"
    missing = s.client.get(f"{base}/supplier-profile", headers=m.headers)
    assert (missing.status_code, missing.json()["code"]) == (404, "supplier_profile_not_found")
    assert db_snapshot(s.app) == before


def test_offers_and_profiles_refuse_bad_input(setup: Setup) -> None:
    s = setup
    m, offer = supplier_with_offer(s)
    base = f"{API}/merchants/{m.id}"
    before = db_snapshot(s.app)
    rising = [
        {"min_quantity": 10, "unit_price": money("5.00")},
        {"min_quantity": 100, "unit_price": money("6.00")},
    ]
    twice = {**PROFILE, "regions": [PROFILE["regions"][0], PROFILE["regions"][0]]}  # type: ignore[index]
    cases = [
        (
            "POST",
            f"{base}/offers",
            {"sku_id": offer["sku_id"], "tiers": TIERS},
            409,
            "offer_exists",
        ),
        ("PATCH", f"{base}/offers/{offer['id']}", {"tiers": rising}, 422, "invalid_price_tiers"),
        ("PUT", f"{base}/supplier-profile", twice, 422, "duplicate_region"),
        (
            "PUT",
            f"{base}/supplier-profile",
            {**PROFILE, "currency": "USD"},
            409,
            "supplier_currency_locked",
        ),
        (
            "POST",
            f"{base}/contract-prices",
            {
                "company_id": "acme",
                "sku_id": offer["sku_id"],
                "unit_price": money("1.00"),
                "valid_from": "2026-01-01",
            },
            422,
            "invalid_company_id",
        ),
        (
            "POST",
            f"{base}/contract-prices",
            {
                "company_id": "cmp_x",
                "sku_id": offer["sku_id"],
                "unit_price": money("1.00"),
                "valid_from": "2026-02-01",
                "valid_until": "2026-01-01",
            },
            422,
            "invalid_validity",
        ),
    ]
    for method, url, body, status, code in cases:
        response = s.client.request(method, url, json=body, headers=m.headers)
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert db_snapshot(s.app) == before


def test_only_platform_admins_verify_suppliers(setup: Setup) -> None:
    s = setup
    m, _ = supplier_with_offer(s)
    before = db_snapshot(s.app)
    refused = s.client.post(f"{API}/admin/suppliers/{m.id}/verify", headers=m.headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "platform_admin_required")
    assert db_snapshot(s.app) == before
    verified = ok(s.client.post(f"{API}/admin/suppliers/{m.id}/verify", headers=s.admin))
    assert verified["is_verified"] is True
    assert ok(s.client.get(f"{API}/b2b/suppliers/{m.id}"))["is_verified"] is True


def test_a_company_member_sees_the_companys_contract_price(setup: Setup) -> None:
    s = setup
    m, offer = supplier_with_offer(s)
    member, member_headers = new_user_headers(s.client, stem="member")
    company = companies.create_company(
        companies.CreateCompany("Acme", member["id"]), uow=s.app.uow()
    )
    today = s.app.clock.now().date()
    contract = ok(
        s.client.post(
            f"{API}/merchants/{m.id}/contract-prices",
            headers=m.headers,
            json={
                "company_id": company.id,
                "sku_id": offer["sku_id"],
                "unit_price": money("3.90"),
                "valid_from": today.isoformat(),
            },
        ),
        201,
    )
    listed = ok(s.client.get(f"{API}/merchants/{m.id}/contract-prices", headers=m.headers))
    assert [c["id"] for c in listed["items"]] == [contract["id"]]
    mine = ok(s.client.get(f"{API}/b2b/offers", headers=member_headers, params={"quantity": 10}))
    assert mine["company_pricing"] is True
    assert mine["items"][0]["unit_price"] == money("3.90")
    assert mine["items"][0]["price_rule"] == f"contract:{contract['id']}"
    _, stranger = new_user_headers(s.client, stem="stranger")
    other = ok(s.client.get(f"{API}/b2b/offers", headers=stranger, params={"quantity": 10}))
    assert (other["items"][0]["unit_price"], other["items"][0]["price_rule"]) == (
        money("5.00"),
        "tier:10",
    )
    ok(
        s.client.delete(
            f"{API}/merchants/{m.id}/contract-prices/{contract['id']}", headers=m.headers
        ),
        204,
    )
    again = ok(s.client.get(f"{API}/b2b/offers", headers=member_headers, params={"quantity": 10}))
    assert again["items"][0]["price_rule"] == "tier:10"


def test_the_search_refuses_bad_parameters(setup: Setup) -> None:
    s = setup
    supplier_with_offer(s)
    _, buyer = new_user_headers(s.client, stem="buyer")
    assert s.client.get(f"{API}/b2b/offers").status_code == 401
    cases = [
        ({"sort": "cheapest"}, 422, "request_validation_failed"),
        ({"quantity": 0}, 422, "request_validation_failed"),
        ({"attr": "material"}, 422, "invalid_offer_query"),
        ({"max_unit_price": "5.00"}, 422, "invalid_offer_query"),
        ({"max_unit_price": "5.001", "currency": "CNY"}, 422, "money_precision"),
        ({"region": "Shanghai"}, 422, "invalid_offer_query"),
        ({"cursor": "not-a-cursor"}, 400, "invalid_cursor"),
    ]
    for params, status, code in cases:
        response = s.client.get(f"{API}/b2b/offers", headers=buyer, params=params)
        assert (response.status_code, response.json()["code"]) == (status, code), params
    missing = s.client.get(f"{API}/b2b/suppliers/mer_01JD3X8Q6V9M2K4N7P0R5T8W1Y")
    assert (missing.status_code, missing.json()["code"]) == (404, "supplier_profile_not_found")


def test_search_pages_with_a_cursor(setup: Setup) -> None:
    s = setup
    m, first = supplier_with_offer(s, "Claw hammer")
    second = ok(
        s.client.post(
            f"{API}/merchants/{m.id}/offers",
            headers=m.headers,
            json={
                "sku_id": listed_sku(s, m, "Sledge hammer"),
                "tiers": [{"min_quantity": 1, "unit_price": money("9.00")}],
            },
        ),
        201,
    )
    _, buyer = new_user_headers(s.client, stem="buyer")
    page = ok(s.client.get(f"{API}/b2b/offers", headers=buyer, params={"limit": 1}))
    assert [h["offer_id"] for h in page["items"]] == [first["id"]]
    more = ok(
        s.client.get(
            f"{API}/b2b/offers", headers=buyer, params={"limit": 1, "cursor": page["next_cursor"]}
        )
    )
    assert ([h["offer_id"] for h in more["items"]], more["next_cursor"]) == ([second["id"]], None)
    other = s.client.get(
        f"{API}/b2b/offers",
        headers=buyer,
        params={"limit": 1, "cursor": page["next_cursor"], "q": "sledge"},
    )
    assert (other.status_code, other.json()["code"]) == (400, "invalid_cursor")


# -- metrics from real orders ------------------------------------------------------------------
@pytest.fixture
def market_client(
    pg_engine: Engine, pg_url: str, clock: FixedClock
) -> Iterator[tuple[Market, TestClient]]:
    settings = Settings(database_url=pg_url, env="test", log_json=False)  # type: ignore[call-arg]
    app = bootstrap(settings, engine=pg_engine, cache=InMemoryCache(), clock=clock)
    with TestClient(create_app(app)) as client:
        yield Market(app, clock), client


def _paid_order(market: Market, buyer: str, sku_id: str, address: Any = SHANGHAI) -> str:
    group = market.checkout(buyer, [(sku_id, 1)], address=address)
    start_payment(
        StartPayment(buyer_id=buyer, method="wallet", group_id=group.id),
        uow=market.app.uow(),
        gateways=market.app.gateways,
        notify_url=market.app.notify_url,
    )
    return group.orders[0].id


def _ship(market: Market, merchant_id: str, order_id: str) -> None:
    from marketplace.ordering.services import change_status

    change_status(
        ChangeOrderStatus(
            order_id, "shipped", actor="test", reason="SF 1", merchant_id=merchant_id
        ),
        uow=market.app.uow(),
    )


def test_supplier_metrics_come_from_shipped_orders(
    market_client: tuple[Market, TestClient],
) -> None:
    market, client = market_client
    seller = market.seller({"pen": "10.00"}, stock={"pen": 10})
    regions = (ServedRegion("CN", "Shanghai", 2, Money.of("0", "CNY"), Money.of("0", "CNY")),)
    sourcing.put_supplier_profile(
        sourcing.PutSupplierProfile(seller.merchant_id, regions=regions), uow=market.app.uow()
    )
    buyer = market.buyer()
    assert market.app.wallet is not None
    market.app.wallet.top_up(buyer, Money.of("1000.00", "CNY"), reference="gift")
    pen = seller.skus["pen"]
    on_time, late, refunded, unshipped = (_paid_order(market, buyer, pen) for _ in range(4))
    market.later(days=1)
    _ship(market, seller.merchant_id, on_time)
    _ship(market, seller.merchant_id, refunded)
    market.later(days=3)  # 4 days after payment: past the 2-day lead time
    _ship(market, seller.merchant_id, late)
    with market.app.uow() as uow:
        line = uow.orders.get(refunded)
        assert line is not None
        line_id = line.lines[0].id
    refund = request_refund(
        RequestRefund(refunded, "broken", lines={line_id: 1}, buyer_id=buyer), uow=market.app.uow()
    )
    decide_refund(DecideRefund(refund.id, seller.merchant_id, approve=True), uow=market.app.uow())
    process_refund(refund.id, uow=market.app.uow(), gateways=market.app.gateways)
    assert unshipped  # paid, never shipped: not counted
    metrics = sourcing.refresh_supplier_metrics(seller.merchant_id, uow=market.app.uow())
    assert metrics.fulfilled_orders == 3
    public = ok(client.get(f"{API}/b2b/suppliers/{seller.merchant_id}"))
    # on time 2 of 3; kept 2 of 3: 5 x (0.7 x 2 + 0.3 x 2) / 3 = 3.33
    assert public["metrics"]["fulfilled_orders"] == 3
    assert public["metrics"]["on_time_rate"] == "0.6667"
    assert public["metrics"]["rating"] == "3.33"
    assert sourcing.refresh_all_supplier_metrics(uow=market.app.uow()) == 1


def _rename_the_product(s: Setup, m: MerchantFixture, title: str) -> dict[str, str]:
    """Rename the one offered product in the catalog; returns a buyer's headers."""
    _, buyer = new_user_headers(s.client, stem="buyer")
    product_id = ok(s.client.get(f"{API}/b2b/offers", headers=buyer))["items"][0]["product_id"]
    ok(
        s.client.patch(
            f"{API}/merchants/{m.id}/products/{product_id}",
            headers=m.headers,
            json={"translations": {"en": {"title": title}}},
        )
    )
    return buyer


def test_a_renamed_product_is_found_under_its_new_title_after_the_consumer_runs(
    setup: Setup,
) -> None:
    s = setup
    m, _ = supplier_with_offer(s, "Claw hammer")
    buyer = _rename_the_product(s, m, "Framing hammer")

    def titles(q: str) -> list[str]:
        found = ok(s.client.get(f"{API}/b2b/offers", headers=buyer, params={"q": q}))
        return [hit["title"] for hit in found["items"]]

    assert titles("framing") == []  # the offer still holds the old copy
    drain_events(s.app)
    assert titles("framing") == ["Framing hammer"]
    assert titles("hammer") == ["Framing hammer"]  # (its SKU code, CLAW-HAMMER, still says claw)


def test_the_sourcing_sweeps_run_from_the_command_line(
    setup: Setup, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from marketplace.config import get_settings
    from serving.cli import app as cli

    s = setup
    m, offer = supplier_with_offer(s, "Claw hammer")
    buyer = _rename_the_product(s, m, "Framing hammer")
    monkeypatch.setenv("AGORA_DATABASE_URL", pg_url)
    monkeypatch.setenv("AGORA_ENV", "test")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        listings = runner.invoke(cli, ["sourcing", "refresh-listings", "--merchant", m.id])
        metrics = runner.invoke(cli, ["sourcing", "refresh-metrics"])
    finally:
        get_settings.cache_clear()
    assert listings.exit_code == 0, listings.output
    assert "refreshed 1 offer(s)" in listings.output
    assert metrics.exit_code == 0, metrics.output
    assert "refreshed the metrics of 1 supplier(s)" in metrics.output
    found = ok(s.client.get(f"{API}/b2b/offers", headers=buyer, params={"q": "framing"}))
    assert [hit["offer_id"] for hit in found["items"]] == [offer["id"]]
