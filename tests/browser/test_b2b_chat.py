"""The B2B buyer in a real browser: a company buyer asks the procurement assistant for
bolts (English, desktop), sees the suppliers compared, says yes, confirms the frozen draft
on its card and sees the order placed and then on the purchase orders page; a Chinese
buyer on a phone gets as far as the confirmation card; an order over the approval limit
waits in the approver's inbox until approved there. Screenshots and axe-core checks on
every state."""

from __future__ import annotations

import re
from typing import Any

from marketplace.bootstrap import Marketplace
from tests.browser.b2b_world import EN_ASK, ZH_ASK, require_approval_over, seed
from tests.browser.conftest import assert_accessible, shoot, sign_in
from tests.factories import DEFAULT_PASSWORD


def ask(page: Any, text: str, label: str = "Your message", send: str = "Send") -> None:
    box = page.get_by_label(label)
    box.fill(text)
    box.press("Enter")
    page.get_by_role("button", name=send).wait_for()
    page.wait_for_function("!document.getElementById('chat-send').disabled")


def test_a_buyer_orders_through_the_assistant(pg_app: Marketplace, serve: Any, page: Any) -> None:
    world, people = seed(pg_app)
    base = serve(pg_app)
    sign_in(page, base, people.buyer, DEFAULT_PASSWORD, "/b2b/chat")
    assert page.url.endswith("/b2b/chat")
    page.wait_for_selector("#chat[data-ready]")
    recent = page.get_by_role("complementary", name="Recent conversations")
    assert "No conversations yet." in recent.inner_text()
    assert_accessible(page, context="chat, empty")

    ask(page, EN_ASK)
    assert re.search(r"/b2b/chat/conv_\w+$", page.url)  # the conversation has its address
    path = page.url.removeprefix(base)
    started = recent.get_by_role("link", name=re.compile(r"^Started \d{4}-\d\d-\d\d \d\d:\d\d$"))
    assert started.count() == 1  # listed without a reload, as the current one
    assert started.get_attribute("href") == path
    assert started.get_attribute("aria-current") == "page"
    assert "No conversations yet." not in recent.inner_text()
    started_text = started.inner_text()
    log = page.get_by_role("log")
    table = log.locator("table.comparison")
    table.wait_for()
    assert table.locator("th").first.get_attribute("scope") == "col"
    assert "Ningbo Fastener Co." in table.inner_text()
    assert "Hebei Hardware Factory" in table.inner_text()
    assert log.locator("strong", has_text="Ningbo Fastener Co.").count() >= 1
    assert "Searching offers" in log.inner_text()
    shoot(page, "b2b-chat-comparison")
    assert_accessible(page, context="chat with the comparison")

    ask(page, "yes")
    card = page.get_by_role("region", name="Confirm this purchase order")
    card.wait_for()
    text = card.inner_text()
    for shown in ("Ningbo Fastener Co.", "Stainless steel M8 bolt", "500", "Shanghai DC",
                  "Within budget", "5 days", "On account"):  # fmt: skip
        assert shown in text, shown
    assert "260.00" in text
    shoot(page, "b2b-chat-confirmation")
    assert_accessible(page, context="chat with the confirmation card")

    page.reload()  # the conversation and its pending confirmation come back
    page.wait_for_selector("#chat[data-ready]")
    card = page.get_by_role("region", name="Confirm this purchase order")
    assert "Shanghai DC" in card.inner_text()
    lead = card.locator("xpath=.//dt[normalize-space()='Lead time']/following-sibling::dd[1]")
    assert lead.inner_text() == "5 days"  # from the server's draft, not this page's tools
    listed = recent.get_by_role("link", name=re.compile("^Started "))
    assert listed.count() == 1
    assert listed.get_attribute("href") == path
    assert listed.inner_text() == started_text
    shoot(page, "b2b-chat-reloaded")
    assert page.get_by_role("log").locator("table.comparison").count() == 1

    card.get_by_role("button", name="Confirm and order").click()
    outcome = page.get_by_role("region", name="Order placed")
    outcome.wait_for()
    assert "¥260.00" in outcome.inner_text() or "CN¥260.00" in outcome.inner_text()
    assert card.get_by_role("button", name="Confirm and order").is_disabled()
    shoot(page, "b2b-chat-ordered")
    assert_accessible(page, context="chat after the order")

    request_link = outcome.get_by_role("link", name=re.compile("Purchase request"))
    request_id = request_link.inner_text().split()[-1]
    page.get_by_role("navigation", name="Procurement").get_by_role(
        "link", name="Purchase orders").click()  # fmt: skip
    page.wait_for_url(f"{base}/b2b/orders")
    row = page.get_by_role("row").filter(has_text=request_id)
    assert "ordered" in row.inner_text()
    assert "assistant" in row.inner_text()
    shoot(page, "b2b-orders")
    assert_accessible(page, context="purchase orders")
    row.get_by_role("link", name=request_id).click()
    page.wait_for_url(f"{base}/b2b/orders/{request_id}")
    assert "Ningbo Fastener Co." in page.inner_text("main")
    assert page.get_by_role("heading", name=f"Purchase request {request_id}").is_visible()
    shoot(page, "b2b-order-detail")
    assert_accessible(page, context="purchase request detail")
    assert world.b2b.order_count() == 1


def test_a_chinese_buyer_on_a_phone_reaches_the_confirmation_card(
    pg_app: Marketplace, serve: Any, phone_page: Any
) -> None:
    _, people = seed(pg_app)
    base = serve(pg_app)
    page = phone_page
    sign_in(page, base, people.buyer, DEFAULT_PASSWORD, "/b2b/chat")
    page.wait_for_selector("#chat[data-ready]")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    ask(page, ZH_ASK, label="您的消息", send="发送")
    page.get_by_role("log").locator("table.comparison").wait_for()
    ask(page, "好的", label="您的消息", send="发送")
    card = page.get_by_role("region", name="请确认此采购单")
    card.wait_for()
    assert "不锈钢M8螺栓" in card.inner_text()
    assert "在预算内" in card.inner_text()
    assert card.get_by_role("button", name="确认下单").is_enabled()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    shoot(page, "b2b-chat-phone")
    assert_accessible(page, context="phone chat with the confirmation card")

    card.get_by_role("button", name="拒绝").click()
    card.get_by_text("您已拒绝此草稿，未下单。").wait_for()
    assert card.get_by_role("button", name="确认下单").is_disabled()
    hostile = '<img src=x onerror="window.pwned=1"> **M8**'
    ask(page, hostile, label="您的消息", send="发送")  # shown as text, never as markup
    assert page.get_by_role("log").get_by_text(hostile).count() == 1
    assert page.evaluate("window.pwned") is None


def test_an_order_over_the_limit_is_approved_in_the_inbox(
    pg_app: Marketplace, serve: Any, page: Any, browser: Any
) -> None:
    world, people = seed(pg_app)
    require_approval_over(world.b2b, "200")
    base = serve(pg_app)
    sign_in(page, base, people.buyer, DEFAULT_PASSWORD, "/b2b/chat")
    page.wait_for_selector("#chat[data-ready]")
    ask(page, EN_ASK)
    ask(page, "yes")
    card = page.get_by_role("region", name="Confirm this purchase order")
    assert "Needs approval" in card.inner_text()
    card.get_by_role("button", name="Confirm and order").click()
    outcome = page.get_by_role("region", name="Sent for approval")
    outcome.wait_for()
    assert "Over 200" in outcome.inner_text()
    request_id = outcome.get_by_role("link").first.inner_text().split()[-1]

    approver = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    tab = approver.new_page()
    try:
        sign_in(tab, base, people.approver, DEFAULT_PASSWORD, "/b2b/approvals")
        item = tab.locator(f"#pr-{request_id}")
        assert "Wang Fang" in item.inner_text()
        assert "Over 200" in item.inner_text()
        shoot(tab, "b2b-approvals")
        assert_accessible(tab, context="approvals inbox")
        item.get_by_label("Comment (optional)").fill("Fine for this quarter")
        item.get_by_role("button", name="Approve").click()
        decided = tab.locator(f"#pr-{request_id}.decided")
        decided.wait_for()
        assert "Approved" in decided.inner_text()
        assert "ordered" in decided.inner_text()
        shoot(tab, "b2b-approvals-decided")
        assert_accessible(tab, context="approvals after a decision")
    finally:
        approver.close()
    page.goto(f"{base}/b2b/orders")
    assert "ordered" in page.get_by_role("row").filter(has_text=request_id).inner_text()
