"""The B2B buyer's documents in a real browser: an RFQ created and sent from the form, a
supplier's quote (submitted through the rfq service) accepted on the page, which places the
purchase order on credit terms; then the invoice with its due date and the credit left.
Desktop and phone, with axe-core's checks on each page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace
from tests.browser.conftest import assert_accessible, shoot, sign_in
from tests.browser.trade_world import PASSWORD, make_trade_world, quoted_order, submit_quote


def test_a_buyer_asks_for_quotes_accepts_one_and_sees_the_invoice(
    pg_app: Marketplace, pg_client: TestClient, serve: Any, page: Any
) -> None:
    world = make_trade_world(pg_app, pg_client)
    base = serve(pg_app)
    sign_in(page, base, world.buyer_email, PASSWORD, "/b2b/rfqs")
    assert page.get_by_role("heading", name="Requests for quotation").is_visible()
    assert_accessible(page, context="RFQ list, empty")
    page.get_by_label("Title").fill("Bolts for line 3")
    deadline = pg_app.clock.now() + timedelta(days=5)
    page.get_by_label("Quotes until (UTC)").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Item 1: what you need").fill("M8 hex bolt, 40 mm, A2-70")
    page.locator("#qty-1").fill("500")
    page.get_by_label("Item 2: what you need").fill("M8 nut, A2")
    page.locator("#qty-2").fill("500")
    page.get_by_label(world.supplier_name).check()
    shoot(page, "trade-rfq-form")
    page.get_by_role("button", name="Create and send").click()
    page.wait_for_url("**/b2b/rfqs/rfq_*")
    rfq_id = page.url.rsplit("/", 1)[-1]
    assert "Open for quotes" in page.inner_text("h1")
    assert "No quote yet." in page.inner_text("main")

    submit_quote(pg_app, world, rfq_id, "0.45")  # the supplier answers
    page.reload()
    quotes = page.get_by_role("table").nth(1)
    assert "¥450.00" in quotes.inner_text()  # 2 items x 500 x 0.45
    assert_accessible(page, context="RFQ with a quote")
    shoot(page, "trade-rfq-quoted")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Accept the quote from {world.supplier_name}").click()
    status = page.get_by_role("status")
    status.wait_for()
    assert "Quote accepted." in status.inner_text()
    assert ": ordered." in status.inner_text()
    assert "Awarded" in page.inner_text("h1")
    assert_accessible(page, context="RFQ awarded")
    shoot(page, "trade-rfq-awarded")

    page.goto(f"{base}/b2b/rfqs")
    assert "Awarded" in page.get_by_role("row", name="Bolts for line 3").inner_text()
    shoot(page, "trade-rfqs")

    page.get_by_role("navigation", name="Procurement").last.get_by_role(
        "link", name="Invoices").click()  # fmt: skip
    page.wait_for_url("**/b2b/invoices")
    due = (pg_app.clock.now() + timedelta(days=30)).date().isoformat()
    row = page.get_by_role("table").get_by_role("row").nth(1)
    assert due in row.inner_text()
    assert "¥450.00" in row.inner_text()
    assert "Unpaid" in row.inner_text()
    credit = page.locator(".credit")
    assert "¥9,550.00" in credit.inner_text()  # 10,000 less the order
    assert "pay within 30 days" in credit.inner_text()
    assert_accessible(page, context="invoices")
    shoot(page, "trade-invoices")


def test_invoices_on_a_phone(
    pg_app: Marketplace, pg_client: TestClient, serve: Any, phone_page: Any
) -> None:
    world = make_trade_world(pg_app, pg_client)
    quoted_order(pg_app, world)
    base = serve(pg_app)
    sign_in(phone_page, base, world.buyer_email, PASSWORD, "/b2b/invoices")
    assert phone_page.get_by_role("heading", name="账单与信用额度").is_visible()
    assert "¥9,775.00" in phone_page.locator(".credit").inner_text()
    assert "¥225.00" in phone_page.get_by_role("table").inner_text()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(phone_page, context="invoices, phone")
    shoot(phone_page, "trade-invoices-phone")
    phone_page.goto(f"{base}/b2b/rfqs")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(phone_page, context="RFQs, phone")
    shoot(phone_page, "trade-rfqs-phone")


def test_a_shopper_without_a_company_is_told_so(
    pg_app: Marketplace, pg_client: TestClient, serve: Any, page: Any
) -> None:
    from tests.factories import register_user, unique_email

    email = unique_email("shopper")
    register_user(pg_client, email=email)
    base = serve(pg_app)
    sign_in(page, base, email, PASSWORD, "/b2b/rfqs")
    assert "You are not a member of a company" in page.get_by_role("alert").inner_text()
    assert_accessible(page, context="RFQs, no company")
    shoot(page, "trade-no-company")
