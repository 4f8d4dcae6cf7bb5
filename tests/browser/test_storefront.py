"""A buyer's whole trip through the storefront in Chromium, on PostgreSQL: home, a category,
a recommended product clicked (its attribution id reaching the behaviour events), a search,
a cart holding two merchants' products, a checkout split into one order per merchant, the
sandbox cashier, and the orders seen by the buyer and by each merchant's console."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from marketplace.behaviour.adapters.tables import behaviour_events
from marketplace.bootstrap import Marketplace
from serving.api.app import create_app
from tests.browser.conftest import assert_accessible, shoot, sign_in
from tests.browser.store_world import PASSWORD, StoreWorld, build_store


def _world(app: Marketplace) -> StoreWorld:
    with TestClient(create_app(app)) as client:
        return build_store(client, app)


def _events(app: Marketplace, attribution_id: str) -> set[tuple[str, str | None]]:
    t = behaviour_events.c
    stmt = select(t.type, t.product_id).where(t.attribution_id == attribution_id)
    with app.engine.connect() as conn:
        return {(r.type, r.product_id) for r in conn.execute(stmt)}


def _wait_for(check: Any, seconds: float = 10.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def _add_to_cart(page: Any) -> None:
    page.get_by_role("button", name="Add to cart").click()
    page.locator("#cart-result .notice").wait_for()


def test_browse_recommendation_cart_of_two_merchants_checkout_pay_and_orders(
    pg_app: Marketplace, serve: Any, page: Any, phone_page: Any, tmp_path: Path
) -> None:
    settings = pg_app.settings.model_copy(update={"models_dir": tmp_path / "models"})
    app = dataclasses.replace(pg_app, settings=settings)  # no model yet: popular from the DB
    world = _world(app)
    silk, home = world.sellers
    base = serve(app)

    sign_in(page, base, world.buyer_email, PASSWORD)
    page.goto(f"{base}/")
    for_you = page.locator("section[aria-labelledby=shelf-for-you]")
    assert for_you.locator("article.card[data-product-id] .price").count() >= 2
    assert page.locator("section[aria-labelledby=shelf-trending] article.card").count() >= 2
    assert_accessible(page, context="store home")
    shoot(page, "store-home")

    page.get_by_role("navigation", name="Categories").get_by_role("link", name="Dresses").click()
    page.wait_for_url("**/c/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Dresses"
    assert page.locator("article.card[data-product-id]").count() == 3
    assert_accessible(page, context="category")
    shoot(page, "store-category")

    # A recommended product of the silk merchant, clicked from the home page's shelf.
    page.goto(f"{base}/")
    shelf = page.locator("section[aria-labelledby=shelf-for-you]")
    attribution = shelf.get_attribute("data-attribution-id")
    assert attribution
    assert attribution.startswith("rec_")
    silk_ids = {p.id for p in world.by_merchant(silk.id)}
    card = next(c for c in shelf.locator("article.card").all()
                if c.get_attribute("data-product-id") in silk_ids)  # fmt: skip
    clicked = card.get_attribute("data-product-id")
    card.get_by_role("link").click()
    page.wait_for_url(f"**/p/{clicked}?rec={attribution}")
    assert page.get_by_test_id("product-price").inner_text().startswith("¥")
    assert page.locator("section[aria-labelledby=shelf-similar] article.card .price").count() >= 1
    product = next(p for p in world.products if p.id == clicked)
    page.locator(f"#sku-{product.skus[1]}").check()  # size L, ten yuan dearer
    assert page.get_by_test_id("product-price").inner_text() == f"¥{float(product.price) + 10:,.2f}"
    _add_to_cart(page)
    assert_accessible(page, context="product page")
    shoot(page, "store-product")

    # A second merchant's product, found by search.
    page.get_by_label("Search products").fill("蒸笼")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?q=*")
    page.locator("article.card").first.get_by_role("link").click()
    page.wait_for_url("**/p/**")
    _add_to_cart(page)

    page.goto(f"{base}/cart")
    groups = page.locator("section.merchant-group")
    assert groups.count() == 2
    assert {groups.nth(i).get_attribute("data-merchant-id") for i in range(2)} == {silk.id, home.id}
    quantity = groups.locator("input[type=number]").first
    quantity.fill("2")
    groups.first.get_by_role("button", name="Update").click()
    page.locator("#cart input[type=number]").first.wait_for()
    _wait_for(lambda: page.locator("#cart input[type=number]").first.input_value() == "2")
    assert_accessible(page, context="cart")
    shoot(page, "store-cart")

    page.get_by_role("link", name="Check out").click()
    page.wait_for_url("**/checkout")
    for label, value in (("Recipient", "Wang Fang"), ("Phone", "13800000000"),
                         ("Province / state", "Shanghai"), ("City", "Shanghai"),
                         ("Street and number", "1 Century Avenue")):  # fmt: skip
        page.get_by_label(label).fill(value)
    assert page.locator(".suborder").count() == 2
    assert_accessible(page, context="checkout")
    shoot(page, "store-checkout")
    page.get_by_role("button", name="Place order").dblclick()  # one checkout all the same
    page.wait_for_url("**/checkout/grp_*")
    suborders = page.locator("section.suborder[data-order-id]")
    assert suborders.count() == 2
    by_merchant = {suborders.nth(i).get_attribute("data-merchant-id"):
                   suborders.nth(i).get_attribute("data-order-id") for i in range(2)}  # fmt: skip
    assert set(by_merchant) == {silk.id, home.id}
    assert_accessible(page, context="checkout split")
    shoot(page, "store-checkout-split")

    page.get_by_role("button", name="Pay now").click()
    page.wait_for_url("**/sandbox/pay/**")
    cashier = page.url
    assert page.get_by_role("heading", level=1).inner_text() == "Sandbox cashier"
    assert page.get_by_test_id("sandbox-amount").inner_text().startswith("¥")
    assert_accessible(page, context="sandbox cashier")
    shoot(page, "store-sandbox")
    page.get_by_role("button", name="Pay", exact=True).click()
    page.wait_for_url("**/orders?group=*")

    def paid() -> bool:
        page.reload()
        rows = page.locator("li.order-row.just-paid [data-status]")
        return rows.count() == 2 and all(s == "paid" for s in rows.evaluate_all(
            "els => els.map(e => e.dataset.status)"))  # fmt: skip

    assert _wait_for(paid), "the sandbox payment did not mark both orders paid"
    assert_accessible(page, context="orders")
    page.locator(f"li[data-order-id='{by_merchant[silk.id]}'] a").click()
    page.wait_for_url(f"**/orders/{by_merchant[silk.id]}")
    assert page.get_by_role("heading", level=1).locator("[data-status]").get_attribute(
        "data-status") == "paid"  # fmt: skip
    assert page.get_by_role("button", name="Ask for a refund").is_visible()
    assert_accessible(page, context="order detail")
    shoot(page, "store-order")

    # The click, the view and the add-to-cart of the recommended product carry its id.
    def attributed() -> set[tuple[str, str | None]]:
        found = _events(app, attribution)
        return found if {"click", "view", "add_to_cart"} <= {k for k, _ in found} else set()

    assert _wait_for(attributed) >= {("click", clicked), ("view", clicked),
                                     ("add_to_cart", clicked)}  # fmt: skip

    phone_page.goto(f"{base}/")
    assert phone_page.locator("html").get_attribute("lang") == "zh-CN"
    assert "热销榜" in phone_page.inner_text("main")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(phone_page, context="store home on a phone, Chinese")
    shoot(phone_page, "store-home-phone-zh")

    # The cashier needs no signed-in buyer (a vendor's page would know nobody).
    phone_page.goto(cashier)
    assert phone_page.get_by_role("heading", level=1).inner_text() == "沙箱收银台"
    assert phone_page.get_by_role("button", name="支付", exact=True).is_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(phone_page, context="sandbox cashier on a phone, Chinese")
    shoot(phone_page, "store-sandbox-phone-zh")

    # Each merchant sees its own sub-order in its console (built by the console's pages).
    for seller in (silk, home):
        page.context.clear_cookies()
        sign_in(page, base, seller.email, PASSWORD, f"/merchant/{seller.id}/orders")
        page.goto(f"{base}/merchant/{seller.id}/orders")
        assert page.locator(f'[data-order-id="{by_merchant[seller.id]}"]').count() == 1, (
            f"merchant console orders page: {page.url} shows no row for the sub-order"
        )
