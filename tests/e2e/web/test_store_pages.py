"""The storefront's pages over HTTP (TestClient on PostgreSQL): product pages, languages,
search, the cart's refusals, checkout of an empty cart, and orders visible to their buyer
only."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from marketplace.bootstrap import Marketplace
from marketplace.ordering.adapters.tables import orders
from marketplace.payments.adapters.tables import refunds
from serving.api.app import create_app
from tests.browser.store_world import StoreWorld, build_store
from tests.e2e.catalog_api import API, ok
from tests.factories import DEFAULT_PASSWORD, register_user, unique_email

pytestmark = pytest.mark.postgres

ADDRESS = {"name": "Wang Fang", "phone": "13800000000", "country": "CN", "region": "Shanghai",
           "city": "Shanghai", "line1": "1 Century Avenue"}  # fmt: skip


@pytest.fixture
def world(pg_app: Marketplace, tmp_path: Path) -> Iterator[StoreWorld]:
    settings = pg_app.settings.model_copy(update={"models_dir": tmp_path / "models"})
    app = dataclasses.replace(pg_app, settings=settings)
    with TestClient(create_app(app), follow_redirects=False) as client:
        yield build_store(client, app)


def _sign_in(client: TestClient, email: str) -> None:
    client.cookies.delete("agora_access")
    client.cookies.delete("agora_refresh")
    client.get("/login")
    form = {"email": email, "password": DEFAULT_PASSWORD, "next": "/",
            "csrf": client.cookies["agora_csrf"]}  # fmt: skip
    assert client.post("/login", data=form).status_code == 303


def _htmx(client: TestClient) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRF-Token": client.cookies["agora_csrf"]}


def _cart_quantities(world: StoreWorld) -> dict[str, int]:
    cart = ok(world.client.get(f"{API}/cart", headers=_htmx(world.client)))
    return {line["sku_id"]: line["quantity"] for g in cart["groups"] for line in g["lines"]}


def _order_count(app: Marketplace) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(orders)).scalar_one())


def test_a_product_page_in_both_languages_and_404_when_unknown_or_unlisted(
    world: StoreWorld,
) -> None:
    client, product = world.client, world.products[1]  # the linen dress, with a tier
    zh = client.get(f"/p/{product.id}", headers={"accept-language": "zh-CN"})
    assert zh.status_code == 200
    assert product.title_zh in zh.text
    assert "加入购物车" in zh.text
    assert 'data-testid="product-price"' in zh.text
    assert "¥199.00" in zh.text
    assert all(f'value="{sku}"' in zh.text for sku in product.skus)  # the SKU picker
    assert "¥169.00" in zh.text  # the quantity tier
    assert "Hangzhou Silk" in zh.text  # the seller
    en = client.get(f"/p/{product.id}?lang=en")
    assert product.title_en in en.text
    assert "Add to cart" in en.text
    assert "In stock (20)" in en.text
    assert client.get("/p/prd_nope").status_code == 404
    seller = world.sellers[0]
    ok(client.post(f"{seller.base}/products/{product.id}/delist", headers=seller.headers))
    gone = client.get(f"/p/{product.id}?lang=en")
    assert gone.status_code == 404
    assert "This page does not exist." in gone.text


def test_home_and_categories_speak_chinese_and_english(world: StoreWorld) -> None:
    client = world.client
    zh = client.get("/", headers={"accept-language": "zh-CN"}).text
    assert "热销榜" in zh
    assert "连衣裙" in zh
    assert "厨房用品" in zh
    assert 'class="price"' in zh
    assert 'data-product-id="' in zh
    en = client.get("/?lang=en").text
    assert "Trending now" in en
    assert "Dresses" in en
    assert "You may like" in en
    page = client.get(f"/c/{world.categories['dresses']}?sort=price_asc").text
    assert "Linen summer dress" in page
    assert "Silk qipao dress" in page
    assert "Summer" in page  # a subcategory chip
    assert "Bamboo steamer" not in page
    assert client.get("/c/cat_nope").status_code == 404


def test_search_finds_products_and_says_when_nothing_matches(world: StoreWorld) -> None:
    client = world.client
    # Without a trained search index the service matches the products' own-language titles.
    found = client.get("/search?q=炒锅&lang=en")
    assert found.status_code == 200
    assert "Cast iron wok" in found.text  # shown in the reader's language
    assert "铸铁炒锅" in client.get("/search?q=炒锅&lang=zh").text
    assert "Results for “炒锅”" in found.text
    assert '"type": "search"' in found.text
    assert '"attribution_id": "rec_' in found.text
    none = client.get("/search?q=zzzqqqxx&lang=en")
    assert none.status_code == 200
    assert "Nothing found for “zzzqqqxx”" in none.text
    assert "没有找到" in client.get("/search?q=zzzqqqxx&lang=zh").text


def test_checkout_refuses_an_empty_cart_with_a_clear_message(world: StoreWorld) -> None:
    client = world.client
    assert client.get("/checkout").status_code == 303  # signed out: to the sign-in page
    _sign_in(client, world.buyer_email)
    page = client.get("/checkout?lang=en")
    assert "Your cart is empty: there is nothing to check out." in page.text
    before = _order_count(world.client.app.state.marketplace)  # type: ignore[attr-defined]
    placed = client.post("/checkout?lang=en", data={"key": "k-empty-cart-1", **ADDRESS},
                         headers=_htmx(client))  # fmt: skip
    assert placed.status_code == 422
    assert "Your cart is empty: there is nothing to check out." in placed.text
    assert _order_count(world.client.app.state.marketplace) == before  # type: ignore[attr-defined]


def test_a_bad_quantity_is_refused_with_a_message_and_changes_nothing(world: StoreWorld) -> None:
    client, sku = world.client, world.products[0].skus[0]
    _sign_in(client, world.buyer_email)
    added = client.post("/cart/add?lang=en", data={"sku_id": sku, "quantity": "2"},
                        headers=_htmx(client))  # fmt: skip
    assert added.status_code == 200
    assert "Items in your cart: 2." in added.text
    assert '"type": "add_to_cart"' in added.text
    for bad in ("0", "-1", "abc", "10000", "1.5"):
        refused = client.post(f"/cart/lines/{sku}?lang=en", data={"quantity": bad},
                              headers=_htmx(client))  # fmt: skip
        assert refused.status_code == 422, bad
        assert "Enter a whole number from 1 to 9999." in refused.text
        again = client.post("/cart/add?lang=en", data={"sku_id": sku, "quantity": bad},
                            headers=_htmx(client))  # fmt: skip
        assert again.status_code == 422, bad
    assert _cart_quantities(world) == {sku: 2}
    no_csrf = client.post(f"/cart/lines/{sku}", data={"quantity": "3"},
                          headers={"HX-Request": "true"})  # fmt: skip
    assert no_csrf.status_code == 403
    assert _cart_quantities(world) == {sku: 2}


def test_an_order_page_is_its_buyers_only(world: StoreWorld) -> None:
    client = world.client
    _sign_in(client, world.buyer_email)
    for product in (world.products[0], world.products[3]):  # two merchants
        client.post("/cart/add", data={"sku_id": product.skus[0]}, headers=_htmx(client))
    placed = client.post("/checkout", data={"key": "k-two-merchants-1", **ADDRESS},
                         headers=_htmx(client))  # fmt: skip
    assert placed.status_code == 204, placed.text
    group_url = placed.headers["HX-Redirect"]
    group = client.get(group_url + "?lang=en")
    assert group.text.count('class="card suborder"') == 2
    twice = client.post("/checkout", data={"key": "k-two-merchants-1", **ADDRESS},
                        headers=_htmx(client))  # fmt: skip
    assert twice.headers["HX-Redirect"] == group_url  # the same key places nothing new
    mine = ok(client.get(f"{API}/orders", headers=_htmx(client)))["items"]
    assert len(mine) == 2
    order_id = mine[0]["id"]
    assert client.get(f"/orders/{order_id}").status_code == 200
    assert order_id in client.get("/orders").text

    other = unique_email("other")
    register_user(client, email=other)
    _sign_in(client, other)
    assert client.get(f"/orders/{order_id}").status_code == 404
    assert client.get(group_url).status_code == 404
    assert order_id not in client.get("/orders").text
    refund = client.post(f"/orders/{order_id}/refunds", data={"reason": "mine now"},
                         headers=_htmx(client))  # fmt: skip
    assert refund.status_code == 404


def _refund_count(app: Marketplace, order_id: str) -> int:
    with app.engine.connect() as conn:
        stmt = select(func.count()).select_from(refunds).where(refunds.c.order_id == order_id)
        return int(conn.execute(stmt).scalar_one())


def test_a_guest_cart_is_merged_into_the_buyers_cart_on_signing_in(world: StoreWorld) -> None:
    client = world.client
    qipao, steamer = world.products[0].skus[0], world.products[3].skus[0]  # two merchants
    _sign_in(client, world.buyer_email)
    client.post("/cart/add", data={"sku_id": qipao}, headers=_htmx(client))
    assert _cart_quantities(world) == {qipao: 1}
    for name in ("agora_access", "agora_refresh"):  # signed out: a guest now
        client.cookies.delete(name)

    for sku, quantity in ((qipao, "2"), (steamer, "1")):
        added = client.post("/cart/add?lang=en", data={"sku_id": sku, "quantity": quantity},
                            headers=_htmx(client))  # fmt: skip
        assert added.status_code == 200, added.text
    assert client.cookies.get("agora_cart")
    guest = client.get("/cart?lang=en").text
    assert "Silk qipao dress" in guest
    assert "Bamboo steamer" in guest

    _sign_in(client, world.buyer_email)
    page = client.get("/cart?lang=en")
    assert page.status_code == 200
    assert "Silk qipao dress" in page.text
    assert "Bamboo steamer" in page.text
    assert 'agora_cart=""' in page.headers["set-cookie"]  # the guest cookie is dropped
    assert client.cookies.get("agora_cart") is None
    assert _cart_quantities(world) == {qipao: 3, steamer: 1}  # the same SKU's quantities add
    assert client.get("/cart").status_code == 200
    assert _cart_quantities(world) == {qipao: 3, steamer: 1}  # merged once


def _paid_order(client: TestClient) -> str:
    """Place a one-line checkout from the pages and pay it at the sandbox cashier's page."""
    placed = client.post("/checkout", data={"key": "k-refund-flow-1", **ADDRESS},
                         headers=_htmx(client))  # fmt: skip
    group_url = placed.headers["HX-Redirect"]
    pay = client.post(f"{group_url}/pay", data={"method": "sandbox"}, headers=_htmx(client))
    cashier_url = pay.headers["HX-Redirect"]
    assert cashier_url.startswith("/sandbox/pay/pay_")
    cashier = client.get(cashier_url + "&lang=en")
    assert cashier.status_code == 200
    assert "Sandbox cashier" in cashier.text
    assert "¥399.00" in cashier.text
    assert 'name="t"' in cashier.text
    for outcome in ("succeed", "fail", "cancel", "timeout", "notify_twice", "out_of_order"):
        assert f'name="outcome" value="{outcome}"' in cashier.text
    assert "沙箱收银台" in client.get(cashier_url + "&lang=zh").text
    token = cashier_url.split("t=", 1)[1]
    paid = client.post(cashier_url.split("?", 1)[0], data={"t": token, "outcome": "succeed"})
    assert paid.status_code == 303
    assert paid.headers["location"].endswith(f"/orders?group={group_url.rsplit('/', 1)[1]}")
    mine = ok(client.get(f"{API}/orders", headers=_htmx(client)))["items"]
    assert [o["status"] for o in mine] == ["paid"]
    return str(mine[0]["id"])


def test_a_buyer_asks_for_a_refund_from_the_order_page(world: StoreWorld) -> None:
    client = world.client
    app: Marketplace = client.app.state.marketplace  # type: ignore[attr-defined]
    _sign_in(client, world.buyer_email)
    client.post("/cart/add", data={"sku_id": world.products[0].skus[0]}, headers=_htmx(client))
    order_id = _paid_order(client)
    page = client.get(f"/orders/{order_id}?lang=en").text
    assert 'data-status="paid"' in page
    assert "Ask for a refund" in page

    blank = client.post(f"/orders/{order_id}/refunds?lang=en", data={"reason": "  "},
                        headers=_htmx(client))  # fmt: skip
    assert blank.status_code == 422
    assert "Say why you want a refund." in blank.text
    assert _refund_count(app, order_id) == 0

    asked = client.post(f"/orders/{order_id}/refunds?lang=en", data={"reason": "Wrong size"},
                        headers=_htmx(client))  # fmt: skip
    assert asked.status_code == 200, asked.text
    assert asked.text.count("data-refund-id=") == 1
    assert "Refund requested" in asked.text
    assert "Wrong size" in asked.text
    assert "¥399.00" in asked.text  # the whole order: one line, free shipping
    assert _refund_count(app, order_id) == 1
    again = client.get(f"/orders/{order_id}?lang=zh").text
    assert "退款申请中" in again
    assert "Wrong size" in again

    twice = client.post(f"/orders/{order_id}/refunds?lang=en", data={"reason": "Again"},
                        headers=_htmx(client))  # fmt: skip
    assert twice.status_code == 422
    assert 'role="alert"' in twice.text
    assert _refund_count(app, order_id) == 1
