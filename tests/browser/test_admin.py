"""The platform admin's pages in a real browser: the overview, approving a merchant that
applied, a commission rule created (and a bad one refused), the category tree, the models in
service and the system's health; desktop and phone, with axe-core's checks on each."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace
from tests.browser.conftest import assert_accessible, shoot, sign_in
from tests.browser.trade_world import PASSWORD, make_admin, pending_application


def test_admin_reviews_a_merchant_and_sets_a_commission(
    pg_app: Marketplace, pg_client: TestClient, serve: Any, page: Any
) -> None:
    merchant_id, _ = pending_application(pg_client, "Hangzhou Tea House")
    pending_application(pg_client, "West Lake Silk")
    email, _ = make_admin(pg_app, pg_client)
    base = serve(pg_app)
    sign_in(page, base, email, PASSWORD, "/admin")
    assert page.get_by_role("heading", name="Platform overview").is_visible()
    pending = page.get_by_role("link", name="Applications awaiting review")
    assert pending.inner_text().split()[-1] == "2"
    assert_accessible(page, context="admin overview")
    shoot(page, "admin-overview")

    page.get_by_role("navigation", name="Platform admin").get_by_role(
        "link", name="Merchant review").click()  # fmt: skip
    application = page.get_by_role("article", name="Hangzhou Tea House")
    assert "Hangzhou Tea House Co., Ltd." in application.inner_text()
    assert_accessible(page, context="merchant review")
    shoot(page, "admin-merchants")
    application.get_by_role("button", name="Approve").click()
    done = page.locator(f"#app-{merchant_id} .notice")
    done.wait_for()
    assert "Hangzhou Tea House is approved and can sell now." in done.inner_text()
    assert page.locator(f"#app-{merchant_id}").get_by_role("button", name="Approve").count() == 0
    page.get_by_label("Status").select_option("approved")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/admin/merchants?status=approved")
    row = page.locator(f"#row-{merchant_id}")
    assert "Approved" in row.inner_text()
    assert_accessible(page, context="merchants, approved")

    page.goto(f"{base}/admin/commissions")
    page.get_by_label("Rate").fill("1.5")
    page.get_by_role("button", name="Create rule").click()
    alert = page.locator("#commissions").get_by_role("alert")
    alert.wait_for()
    assert "between 0 and 1" in alert.inner_text()
    assert_accessible(page, context="commission rule refused")
    shoot(page, "admin-commissions-refused")
    page.get_by_label("Rate").fill("0.05")
    page.get_by_label("CNY minimum").fill("1.00")
    page.get_by_label("Note").fill("Launch default")
    page.get_by_role("button", name="Create rule").click()
    page.get_by_text("Rule created at 5.00%.").wait_for()
    rules = page.get_by_role("table")
    assert "Platform default" in rules.inner_text()
    assert "¥1.00" in rules.inner_text()
    assert_accessible(page, context="commission rules")
    shoot(page, "admin-commissions")

    page.goto(f"{base}/admin/categories")
    page.get_by_text("Add a top-level category").click()
    page.locator("#root-en").fill("Tea")
    page.locator("#root-zh").fill("茶叶")
    page.get_by_role("button", name="Add").first.click()
    page.get_by_text("Added Tea.").wait_for()
    page.get_by_text("Edit Tea").click()
    assert_accessible(page, context="category tree")
    shoot(page, "admin-categories")

    page.goto(f"{base}/admin/models")
    assert page.get_by_role("heading", name="Recommenders and search").is_visible()
    assert_accessible(page, context="models in service")
    shoot(page, "admin-models")

    page.goto(f"{base}/admin/health")
    assert "Ready: every dependency answers." in page.inner_text("main")
    assert page.get_by_role("row", name="Database OK").is_visible()
    assert_accessible(page, context="system health")
    shoot(page, "admin-health")


def test_admin_overview_on_a_phone(
    pg_app: Marketplace, pg_client: TestClient, serve: Any, phone_page: Any
) -> None:
    pending_application(pg_client, "杭州茶庄")
    email, _ = make_admin(pg_app, pg_client)
    base = serve(pg_app)
    sign_in(phone_page, base, email, PASSWORD, "/admin")
    assert phone_page.get_by_role("heading", name="平台概览").is_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(phone_page, context="admin overview, phone")
    shoot(phone_page, "admin-overview-phone")
    phone_page.goto(f"{base}/admin/merchants")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(phone_page, "admin-merchants-phone")


def test_a_buyer_is_refused_the_admin_pages(
    pg_app: Marketplace, pg_client: TestClient, serve: Any, page: Any
) -> None:
    from tests.factories import register_user, unique_email

    email = unique_email("buyer")
    register_user(pg_client, email=email)
    base = serve(pg_app)
    sign_in(page, base, email, PASSWORD, "/")
    response = page.goto(f"{base}/admin/commissions")
    assert response is not None
    assert response.status == 403
    assert "You may not see this page." in page.inner_text("main")
    assert page.get_by_role("link", name="Platform admin").count() == 0
    assert_accessible(page, context="admin refused")
