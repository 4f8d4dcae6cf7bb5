"""The merchant console in a real browser (PostgreSQL): the owner signs in, reads the
dashboard, accepts a price suggestion and sees the shop show the new price, ships an order
with a tracking number; each page passes axe-core and is photographed (desktop, and the
dashboard on a phone)."""

from __future__ import annotations

import re
from typing import Any

from marketplace.bootstrap import Marketplace
from tests.browser.conftest import assert_accessible, shoot, sign_in
from tests.browser.console_world import build
from tests.factories import drain_events


def _look(page: Any, name: str, context: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert_accessible(page, context=context)
    shoot(page, name)


def _prices(page: Any, selector: str) -> set[str]:
    """The amounts (in their own currency) of every card of the product on the page."""
    texts = page.locator(selector).all_inner_texts()
    assert texts, selector
    return {re.findall(r"¥[\d,]+\.\d\d", t)[0] for t in texts}


def test_owner_accepts_a_suggestion_and_ships_an_order(
    pg_app: Marketplace, serve: Any, page: Any
) -> None:
    world = build(pg_app)
    base = serve(pg_app)
    console = f"{base}/merchant/{world.merchant_id}"
    product_id = world.products[0][0]
    sign_in(page, base, world.owner_email, world.password, f"/merchant/{world.merchant_id}")
    page.get_by_role("heading", name="Dashboard", exact=True).wait_for()
    assert "¥268.00" in page.get_by_test_id("kpi-net-sales").inner_text()
    assert page.locator("figure.chart svg title").count() == 3
    _look(page, "console-dashboard", "console dashboard")

    for path, name in (("/products", "console-products"),
                       (f"/products/{product_id}", "console-product-edit"),
                       ("/stock", "console-stock")):  # fmt: skip
        page.goto(console + path)
        _look(page, name, name)

    card = f'article.card[data-product-id="{product_id}"] .price'
    newest = f'section[aria-labelledby="shelf-newest"] {card}'
    page.goto(f"{base}/?lang=en")
    assert _prices(page, newest) == {"¥100.00"}

    page.goto(f"{console}/pricing")
    suggestion = page.locator(f'article[data-suggestion-id="{world.suggestion_id}"]')
    assert "¥110.00" in suggestion.inner_text()
    _look(page, "console-pricing", "pricing suggestions")
    suggestion.get_by_role("button", name="Accept").click()
    page.get_by_role("status").filter(has_text="Suggestion accepted").wait_for()
    page.goto(f"{console}/pricing?status=accepted")
    assert page.locator(f'article[data-suggestion-id="{world.suggestion_id}"]').count() == 1

    drain_events(pg_app)  # what the events worker does after a price change
    page.goto(f"{base}/?lang=en")
    assert page.locator(card).count() > page.locator(newest).count()  # on other shelves too
    assert _prices(page, card) == {"¥110.00"}  # every shelf: recommended ones read it fresh
    page.goto(f"{base}/c/{world.category_id}?lang=en")
    assert _prices(page, card) == {"¥110.00"}
    product_page = page.goto(f"{base}/p/{product_id}?lang=en")
    assert product_page is not None
    assert product_page.ok
    assert "¥110.00" in page.get_by_test_id("product-price").first.inner_text()

    page.goto(f"{console}/orders")
    row = page.locator(f'tr[data-order-id="{world.order_id}"]')
    assert "Paid, to ship" in row.inner_text()
    _look(page, "console-orders", "orders")
    row.get_by_role("link").click()
    page.get_by_label("Carrier").fill("SF Express")
    page.get_by_label("Tracking number").fill("SF1234567890")
    page.get_by_role("button", name="Mark as shipped").click()
    page.get_by_role("status").filter(has_text="marked as shipped").wait_for()
    assert page.get_by_test_id("order-status").inner_text() == "Shipped"
    assert "SF Express SF1234567890" in page.locator("ol.history").inner_text()
    _look(page, "console-order-shipped", "order detail")

    page.goto(f"{console}/forecast")
    band = page.locator("figure.chart svg polygon.band")
    assert band.count() == 1
    _look(page, "console-forecast", "forecast")
    page.goto(f"{console}/settlement")
    _look(page, "console-settlement", "settlement")


def test_the_dashboard_on_a_phone(pg_app: Marketplace, serve: Any, phone_page: Any) -> None:
    world = build(pg_app)
    base = serve(pg_app)
    sign_in(phone_page, base, world.owner_email, world.password, f"/merchant/{world.merchant_id}")
    phone_page.get_by_role("heading", name="经营概览").wait_for()
    assert re.search(r"¥268\.00", phone_page.get_by_test_id("kpi-net-sales").inner_text())
    _look(phone_page, "console-dashboard-phone", "dashboard on a phone")
    phone_page.goto(f"{base}/merchant/{world.merchant_id}/pricing")
    _look(phone_page, "console-pricing-phone", "pricing on a phone")
    phone_page.goto(f"{base}/merchant/{world.merchant_id}/products?per=1")
    first = phone_page.locator("tr[data-product-id]").get_attribute("data-product-id")
    pages = phone_page.get_by_role("navigation", name="分页")
    pages.get_by_role("link", name="下一页").click()
    phone_page.wait_for_url(re.compile(r"cursor="))
    assert "第 2 页" in pages.inner_text()
    assert phone_page.locator("tr[data-product-id]").get_attribute("data-product-id") != first
    _look(phone_page, "console-products-page-2-phone", "products, page 2, on a phone")
