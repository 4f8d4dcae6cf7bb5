"""The cart over HTTP: a guest cart merged on login, a cart across merchants, the currency
switched with an admin's FX rate, member and tier prices, and every refusal (its problem
code, and that nothing changed)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace
from marketplace.parties import services as parties
from marketplace.parties.domain import MemberLevel
from tests.e2e import catalog_api
from tests.e2e.catalog_api import ok, problem
from tests.factories import (
    API,
    api_key_headers,
    create_approved_merchant,
    db_snapshot,
    issue_api_key,
    login,
    new_user_headers,
    register_user,
    unique_email,
)

CART = f"{API}/cart"
TOKEN = "X-Cart-Token"


@dataclass
class Market:
    """Two approved merchants (A and B) selling through the real endpoints."""

    client: TestClient
    app: Marketplace
    a: catalog_api.Shop
    b: catalog_api.Shop

    def sku(self, shop: catalog_api.Shop, price: str = "199.00", *, stock: int = 50,
            **prices: Any) -> str:  # fmt: skip
        product = shop.create_product()
        sku: str = shop.add_sku(product["id"], sales_attributes={"size": "M"})["id"]
        shop.set_prices(sku, price, **prices)
        headers = shop.merchant.headers
        ok(self.client.post(f"{shop.base}/products/{product['id']}/list", headers=headers))
        if stock:
            warehouse = ok(
                self.client.post(
                    f"{shop.base}/warehouses", headers=headers,
                    json={"code": f"W{sku[-6:]}", "name": "Hangzhou", "country": "CN",
                          "region": "Zhejiang"},
                ),
                201,
            )  # fmt: skip
            body = {"sku_id": sku, "warehouse_id": warehouse["id"], "quantity": stock}
            ok(self.client.post(f"{shop.base}/stock/inbound", json=body, headers=headers), 201)
        return sku

    def add(self, sku: str, quantity: int = 1, **headers: str) -> Any:
        return self.client.post(f"{CART}/lines", json={"sku_id": sku, "quantity": quantity},
                                headers=headers)  # fmt: skip

    def cart(self, **kw: Any) -> dict[str, Any]:
        return ok(self.client.get(CART, **kw))  # type: ignore[no-any-return]


def _market(client: TestClient, app: Marketplace) -> Market:
    a = catalog_api.open_shop(client, app)
    merchant = create_approved_merchant(client, app, admin_headers=a.admin, name="Shop Bee")
    return Market(client, app, a, dataclasses.replace(a, merchant=merchant))


@pytest.fixture
def market(sqlite_client: TestClient, sqlite_app: Marketplace) -> Market:
    return _market(sqlite_client, sqlite_app)


def _lines(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["sku_id"]: line for group in view["groups"] for line in group["lines"]}


def _guest_then_login_merges(m: Market) -> None:
    sku = m.sku(m.a)
    empty = m.client.get(CART)
    assert ok(empty)["id"] is None
    assert (empty.json()["total"], TOKEN.lower() in empty.headers) == (
        {"amount": "0.00", "currency": "CNY"}, False,
    )  # fmt: skip
    created = m.add(sku, 2)
    token = ok(created)["guest_token"]
    assert token.startswith("gct_")
    assert created.headers[TOKEN] == token
    again = ok(m.add(sku, 1, **{TOKEN: token}))
    assert (again["guest_token"], again["id"], _lines(again)[sku]["quantity"]) == (
        None, created.json()["id"], 3,
    )  # fmt: skip

    email = unique_email("buyer")
    register_user(m.client, email=email)
    bearer = login(m.client, email)
    merged = m.cart(headers=bearer | {TOKEN: token})
    assert merged["merge"] == {"merged": True, "lines": 1, "capped": [], "skipped": []}
    assert merged["id"] != created.json()["id"]
    assert _lines(merged)[sku]["quantity"] == 3
    problem(m.client.get(CART, headers={TOKEN: token}), 404, "cart_not_found")
    again = ok(m.client.post(f"{CART}/merge", headers=bearer | {TOKEN: token}))
    assert again["merge"]["merged"] is False
    assert _lines(m.cart(headers=bearer))[sku]["quantity"] == 3


def test_a_guest_cart_merges_into_the_buyers_on_login(market: Market) -> None:
    _guest_then_login_merges(market)


def test_a_guest_cart_merges_into_the_buyers_on_login_postgres(
    pg_client: TestClient, pg_app: Marketplace
) -> None:
    _guest_then_login_merges(_market(pg_client, pg_app))


def test_a_cart_across_merchants_groups_lines_with_live_availability(market: Market) -> None:
    m = market
    dress, scarce, gone = m.sku(m.a, "199.00"), m.sku(m.a, "10.00", stock=1), m.sku(m.b, stock=0)
    bee = m.sku(m.b, "20.50")
    _, bearer = new_user_headers(m.client)
    for sku, quantity in ((dress, 2), (bee, 3), (scarce, 2), (gone, 1)):
        ok(m.add(sku, quantity, **bearer))
    view = m.cart(headers=bearer, params={"locale": "en"})
    names = [g["merchant"]["name"] for g in view["groups"]]
    assert names == [_merchant_name(m, m.a), "Shop Bee"]
    assert view["groups"][1]["shop"]["name"] == "Shop Bee shop"
    assert [g["subtotal"]["amount"] for g in view["groups"]] == ["398.00", "61.50"]
    assert (view["total"]["amount"], view["quantity"], view["line_count"]) == ("459.50", 8, 4)
    lines = _lines(view)
    assert (lines[dress]["title"], lines[dress]["unit_price"], lines[dress]["line_total"]) == (
        "Summer dress", {"amount": "199.00", "currency": "CNY"},
        {"amount": "398.00", "currency": "CNY"},
    )  # fmt: skip
    assert (lines[dress]["price_rule"], lines[dress]["fx"], lines[dress]["available"]) == (
        "list", None, 50,
    )  # fmt: skip
    assert [lines[s]["problem"] for s in (dress, bee, scarce, gone)] == [
        None, None, "insufficient_stock", "out_of_stock",
    ]  # fmt: skip
    assert view["problem_count"] == 2
    zh = m.cart(headers=bearer | {"Accept-Language": "zh-CN"})
    assert _lines(zh)[dress]["title"] == "夏季连衣裙"


def _merchant_name(m: Market, shop: catalog_api.Shop) -> str:
    merchant = ok(
        m.client.get(f"{API}/merchants/{shop.merchant.id}", headers=shop.merchant.headers)
    )
    return str(merchant["name"])


def test_edit_remove_and_clear(market: Market) -> None:
    m = market
    a, b = m.sku(m.a), m.sku(m.b)
    _, bearer = new_user_headers(m.client)
    ok(m.add(a, 1, **bearer))
    version = ok(m.add(b, 1, **bearer))["version"]
    patched = ok(m.client.patch(f"{CART}/lines/{a}", json={"quantity": 4}, headers=bearer))
    assert (_lines(patched)[a]["quantity"], patched["version"]) == (4, version + 1)
    removed = ok(m.client.delete(f"{CART}/lines/{b}", headers=bearer))
    assert list(_lines(removed)) == [a]
    cleared = ok(m.client.delete(CART, headers=bearer))
    assert (cleared["groups"], cleared["id"], cleared["total"]["amount"]) == (
        [], removed["id"], "0.00",
    )  # fmt: skip


def test_switching_currency_uses_the_admins_fx_rate(market: Market) -> None:
    m = market
    sku = m.sku(m.a, "199.00", tiers=[{"min_quantity": 10, "price": "180.00"}],
                member_prices=[{"level": "gold", "price": "170.00"}])  # fmt: skip
    user, bearer = new_user_headers(m.client)
    ok(m.add(sku, 1, **bearer))
    usd = ok(m.client.put(f"{CART}/currency", json={"currency": "usd"}, headers=bearer))
    line = _lines(usd)[sku]
    assert (usd["currency"], line["problem"], line["unit_price"], usd["total"]["amount"]) == (
        "USD", "no_price", None, "0.00",
    )  # fmt: skip

    today = m.app.clock.now().date().isoformat()
    rates = {"rate_date": today, "source": "PBOC", "rates": [
        {"base": "USD", "quote": "CNY", "rate": "7.2"}]}  # fmt: skip
    ok(m.client.put(f"{API}/admin/fx/rates", json=rates, headers=m.a.admin))
    line = _lines(m.cart(headers=bearer))[sku]
    # 199.00 CNY at 1/7.2 = 27.6388... -> 27.64 USD
    assert (line["unit_price"]["amount"], line["list_price"]["amount"], line["problem"]) == (
        "27.64", "27.64", None,
    )  # fmt: skip
    assert (line["fx"]["source_currency"], line["fx"]["rate_date"]) == ("CNY", today)
    assert line["fx"]["rate"].startswith("0.138888888")
    tier = ok(m.client.patch(f"{CART}/lines/{sku}", json={"quantity": 10}, headers=bearer))
    # 180.00 CNY -> 25.00 USD, x 10
    assert (_lines(tier)[sku]["price_rule"], _lines(tier)[sku]["line_total"]["amount"]) == (
        "tier", "250.00",
    )  # fmt: skip

    parties.set_member_level(user["id"], MemberLevel.GOLD, uow=m.app.uow())
    gold = login(m.client, user["email"])  # the level travels in the access token
    back = ok(m.client.put(f"{CART}/currency", json={"currency": "CNY"}, headers=gold))
    line = _lines(back)[sku]
    assert (line["price_rule"], line["unit_price"]["amount"], line["fx"]) == (
        "member", "170.00", None,
    )  # fmt: skip


def test_refusals_change_nothing(market: Market) -> None:
    m = market
    sku = m.sku(m.a)
    _, bearer = new_user_headers(m.client)
    ok(m.add(sku, 990, **bearer))
    token = ok(m.add(sku, 1))["guest_token"]
    key = issue_api_key(m.client, m.a.merchant)["secret"]
    # A key's first use records last_used_at (a minute passes before the next such write).
    problem(m.client.get(CART, headers=api_key_headers(key)), 403, "api_key_not_allowed")
    before = db_snapshot(m.app)
    refusals: list[tuple[str, str, Any, dict[str, str], int, str]] = [
        ("POST", "/lines", {"sku_id": "sku_nope", "quantity": 1}, bearer, 422,
         "sku_not_available"),
        ("POST", "/lines", {"sku_id": "sku_nope", "quantity": 1}, {}, 422, "sku_not_available"),
        ("POST", "/lines", {"sku_id": sku, "quantity": 0}, bearer, 422, "invalid_quantity"),
        ("POST", "/lines", {"sku_id": sku, "quantity": 1000}, {}, 422, "invalid_quantity"),
        ("POST", "/lines", {"sku_id": sku, "quantity": "x"}, bearer, 422,
         "request_validation_failed"),
        ("POST", "/lines", {"sku_id": sku, "quantity": 10}, bearer, 409, "cart_quantity_limit"),
        ("POST", "/lines", {"sku_id": sku}, {TOKEN: "gct_forged"}, 404, "cart_not_found"),
        ("PATCH", f"/lines/{sku}", {"quantity": 1000}, bearer, 422, "invalid_quantity"),
        ("PATCH", "/lines/sku_nope", {"quantity": 2}, bearer, 404, "cart_line_not_found"),
        ("DELETE", "/lines/sku_nope", None, {TOKEN: token}, 404, "cart_line_not_found"),
        ("PUT", "/currency", {"currency": "XXX"}, bearer, 422, "unsupported_currency"),
        ("POST", "/merge", None, {TOKEN: token}, 401, "not_authenticated"),
        ("POST", "/merge", None, bearer, 422, "cart_token_required"),
        ("POST", "/merge", None, bearer | {TOKEN: "gct_forged"}, 404, "cart_not_found"),
        ("GET", "", None, api_key_headers(key), 403, "api_key_not_allowed"),
        ("GET", "", None, {"Authorization": "Bearer not-a-jwt"}, 401, "not_authenticated"),
    ]  # fmt: skip
    for method, path, body, headers, status, code in refusals:
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs["json"] = body
        problem(m.client.request(method, CART + path, **kwargs), status, code)
    assert db_snapshot(m.app) == before


def test_the_login_merge_stands_even_when_the_change_is_refused(market: Market) -> None:
    m = market
    sku = m.sku(m.a)
    token = ok(m.add(sku, 2))["guest_token"]
    _, bearer = new_user_headers(m.client)
    problem(m.add("sku_nope", 1, **bearer, **{TOKEN: token}), 422, "sku_not_available")
    assert _lines(m.cart(headers=bearer))[sku]["quantity"] == 2
