"""The merchant console over HTTP (TestClient on PostgreSQL): every section renders in both
languages for the merchant's owner; strangers get 403, unknown merchants 404; a bad product
form says what is wrong and changes nothing; a decided suggestion cannot be accepted; refund
requests (made through the buyer's API) are approved and rejected on the order page, and
nobody else may decide them; the lists page by "Next" and "Previous"."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace
from marketplace.shared.money import Money
from serving.api.app import create_app
from tests.browser.console_world import ConsoleWorld, build, paid_order, suggest
from tests.e2e.catalog_api import API, ok
from tests.factories import DEFAULT_PASSWORD, db_snapshot, login, register_user, unique_email


@pytest.fixture
def world(pg_app: Marketplace) -> ConsoleWorld:
    return build(pg_app)


@pytest.fixture
def web(pg_app: Marketplace) -> Iterator[TestClient]:
    with TestClient(create_app(pg_app), follow_redirects=False) as client:
        yield client


def sign_in(client: TestClient, email: str) -> None:
    client.get("/login")
    form = {"email": email, "password": DEFAULT_PASSWORD, "next": "/",
            "csrf": client.cookies["agora_csrf"]}  # fmt: skip
    assert client.post("/login", data=form).status_code == 303


def htmx(client: TestClient) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRF-Token": client.cookies["agora_csrf"]}


def test_every_section_renders_in_both_languages(world: ConsoleWorld, web: TestClient) -> None:
    sign_in(web, world.owner_email)
    base = f"/merchant/{world.merchant_id}"
    product_id = world.products[0][0]
    paths = ["", "/products", "/products/new", f"/products/{product_id}", "/stock", "/orders",
             f"/orders/{world.order_id}", "/settlement", "/pricing", "/forecast"]  # fmt: skip
    for lang, words in (("en", ("Dashboard", "Pricing suggestions")), ("zh", ("概览", "定价建议"))):
        for path in paths:
            page = web.get(f"{base}{path}?lang={lang}")
            assert page.status_code == 200, (path, page.text[:500])
            assert all(w in page.text for w in words), path
    orders = web.get(f"{base}/orders?lang=en").text
    assert f'<tr data-order-id="{world.order_id}">' in orders
    dashboard = web.get(f"{base}?lang=en").text
    assert '<title id="chart-sales-title">' in dashboard
    assert "Data as a table" in dashboard
    assert 'kpi-net-sales"><div><span class="money">¥268.00' in dashboard  # 2 x 100 + 68
    pricing = web.get(f"{base}/pricing?lang=zh").text
    assert world.suggestion_id in pricing
    assert "¥110.00" in pricing
    assert "采纳" in pricing
    forecast = web.get(f"{base}/forecast?lang=en").text
    assert 'class="band"' in forecast


def test_strangers_get_403_unknown_merchants_404_and_visitors_sign_in(
    world: ConsoleWorld, web: TestClient
) -> None:
    base = f"/merchant/{world.merchant_id}"
    visitor = web.get(f"{base}/orders")
    assert visitor.status_code == 303
    assert visitor.headers["location"].startswith("/login?next=")
    email = unique_email("stranger")
    register_user(web, email=email)
    sign_in(web, email)
    for path in ("", "/products", "/orders", "/pricing", "/forecast"):
        refused = web.get(f"{base}{path}?lang=en")
        assert refused.status_code == 403, path
        assert "You may not see this page." in refused.text
    before = db_snapshot(world.app)
    post = web.post(f"{base}/pricing/{world.suggestion_id}/accept", headers=htmx(web))
    assert post.status_code == 403
    assert db_snapshot(world.app) == before
    missing = web.get("/merchant/mer_unknown?lang=zh")
    assert missing.status_code == 404
    assert "页面不存在" in missing.text


def test_a_bad_product_form_says_what_is_wrong_and_changes_nothing(
    world: ConsoleWorld, web: TestClient
) -> None:
    sign_in(web, world.owner_email)
    base = f"/merchant/{world.merchant_id}"
    before = db_snapshot(world.app)
    form = {"title_zh": "", "title_en": "", "category_id": "", "sku_code": "T-1",
            "options": "colour", "list_price": "12.345", "tiers": "1=5.00"}  # fmt: skip
    answer = web.post(f"{base}/products?lang=en", data=form, headers=htmx(web))
    assert answer.status_code == 422
    for text in ("Nothing was saved", "Give a title in Chinese or English.", "Choose a category.",
                 "“colour” is not name=value.", "“12.345” is not a price",
                 "“1=5.00” is not quantity=price"):  # fmt: skip
        assert text in answer.text, text
    zh = web.post(f"{base}/products?lang=zh", data=form, headers=htmx(web))
    assert "未保存" in zh.text
    assert "请选择类目" in zh.text
    edit = web.post(f"{base}/skus/{world.products[0][1]}?lang=en", headers=htmx(web),
                    data={"sku_code": "X", "list_price": "-3", "product_id": "p"})  # fmt: skip
    assert edit.status_code == 422
    assert "“-3” is not a price" in edit.text
    ship = web.post(f"{base}/orders/{world.order_id}/ship?lang=en", headers=htmx(web),
                    data={"carrier": "SF Express", "tracking": ""})  # fmt: skip
    assert ship.status_code == 422
    assert "Give the tracking number" in ship.text
    assert db_snapshot(world.app) == before


def test_a_product_is_created_edited_and_put_on_sale(world: ConsoleWorld, web: TestClient) -> None:
    sign_in(web, world.owner_email)
    base = f"/merchant/{world.merchant_id}"
    categories = web.get(f"{base}/products/new").text
    category = categories.split('name="category_id">')[1].split('<option value="')[2].split('"')[0]
    form = {"title_zh": "白毫银针", "title_en": "Silver Needle", "category_id": category,
            "sku_code": "SN-50", "options": "weight=50g", "list_price": "88.00",
            "tiers": "10=80.00"}  # fmt: skip
    created = web.post(f"{base}/products", data=form, headers=htmx(web))
    assert created.status_code == 204, created.text
    target = created.headers["HX-Redirect"]
    assert "done=created" in target
    page = web.get(target + "&lang=en").text
    assert "The product was created as a draft." in page
    assert "Silver Needle" in page
    assert 'value="10=80.00"' in page
    product_id = target.split("/products/")[1].split("?")[0]
    listed = web.post(f"{base}/products/{product_id}/list", headers=htmx(web))
    assert listed.status_code == 204, listed.text
    assert "On sale" in web.get(f"{base}/products/{product_id}?lang=en").text


def test_a_decided_suggestion_cannot_be_accepted(world: ConsoleWorld, web: TestClient) -> None:
    sign_in(web, world.owner_email)
    base = f"/merchant/{world.merchant_id}/pricing/{world.suggestion_id}"
    rejected = web.post(f"{base}/reject", data={"note": "too dear"}, headers=htmx(web))
    assert rejected.status_code == 204, rejected.text
    before = db_snapshot(world.app)
    again = web.post(f"{base}/accept?lang=en", headers=htmx(web))
    assert again.status_code == 409
    assert "This suggestion was rejected already; it can no longer be accepted." in again.text
    assert 'data-code="suggestion_rejected"' in again.text
    zh = web.post(f"{base}/accept?lang=zh", headers=htmx(web))
    assert zh.status_code == 409
    assert "此建议已被拒绝" in zh.text
    assert db_snapshot(world.app) == before
    unknown = web.post(f"/merchant/{world.merchant_id}/pricing/psg_nope/accept?lang=en",
                       headers=htmx(web))  # fmt: skip
    assert unknown.status_code == 404


# -- refunds ------------------------------------------------------------------------------
def _buyer_asks(app: Marketplace, world: ConsoleWorld, reason: str, line: int,
                kind: str = "refund_only") -> dict[str, Any]:  # fmt: skip
    """The buyer asks for one unit of one line back, through the API's refund request."""
    with TestClient(create_app(app)) as api:
        headers = login(api, world.buyer_email)
        order = ok(api.get(f"{API}/orders/{world.order_id}", headers=headers))
        body = {"reason": reason, "lines": {order["lines"][line]["id"]: 1}, "kind": kind}
        return ok(api.post(f"{API}/orders/{world.order_id}/refunds", json=body,
                           headers=headers), 201)  # fmt: skip


def _other_merchants_owner(app: Marketplace) -> tuple[str, str]:
    """(e-mail, merchant id) of the owner of another (draft) merchant."""
    with TestClient(create_app(app)) as api:
        email = unique_email("rival")
        register_user(api, email=email)
        merchant = ok(api.post(f"{API}/merchants", json={"name": "Rival Teas",
                                                         "kind": "third_party"},
                               headers=login(api, email)), 201)  # fmt: skip
    return email, merchant["id"]


def _refund_state(app: Marketplace, world: ConsoleWorld) -> dict[str, Any]:
    with app.uow() as uow:
        order = uow.orders.get(world.order_id)
        refunds = {r.id: r for r in uow.refunds.of_order(world.order_id)}
    assert order is not None
    return {"order": order, "refunds": refunds}


def test_the_merchant_approves_one_refund_request_and_rejects_another(
    pg_app: Marketplace, world: ConsoleWorld, web: TestClient
) -> None:
    dented = _buyer_asks(pg_app, world, "One tin arrived dented", line=0)
    wrong = _buyer_asks(pg_app, world, "Not the oolong I ordered", line=1)
    assert (dented["status"], dented["amount"]) == ("requested", {"amount": "100.00",
                                                                  "currency": "CNY"})  # fmt: skip
    assert (wrong["status"], wrong["amount"]["amount"]) == ("requested", "68.00")
    base = f"/merchant/{world.merchant_id}"

    # Someone else's POSTs change nothing: a stranger on this console, a rival merchant's
    # owner on this console and on their own (the refund is not theirs there).
    rival_email, rival_id = _other_merchants_owner(pg_app)
    sign_in(web, rival_email)
    before = db_snapshot(pg_app)
    assert web.post(f"{base}/refunds/{dented['id']}/approve", headers=htmx(web),
                    data={"note": "mine now"}).status_code == 403  # fmt: skip
    own = web.post(f"/merchant/{rival_id}/refunds/{dented['id']}/approve?lang=en",
                   headers=htmx(web))  # fmt: skip
    assert own.status_code == 404
    assert 'data-code="refund_not_found"' in own.text
    assert web.post(f"{base}/refunds/{wrong['id']}/reject", headers=htmx(web)).status_code == 403
    assert web.get(f"{base}/orders/{world.order_id}").status_code == 403
    assert db_snapshot(pg_app) == before

    web.cookies.clear()
    sign_in(web, world.owner_email)
    page = web.get(f"{base}/orders/{world.order_id}?lang=en").text
    for shown in ("Buyer&#39;s reason: One tin arrived dented",
                  "Buyer&#39;s reason: Not the oolong I ordered", "¥100.00", "¥68.00"):  # fmt: skip
        assert shown in page, shown
    assert page.count(">Requested</span>") == 2
    assert f'hx-post="{base}/refunds/{dented["id"]}/approve"' in page
    assert f'hx-post="{base}/refunds/{wrong["id"]}/reject"' in page

    approved = web.post(f"{base}/refunds/{dented['id']}/approve", headers=htmx(web),
                        data={"note": "Sorry about the tin", "restock": "on"})  # fmt: skip
    assert approved.status_code == 204, approved.text
    assert approved.headers["HX-Redirect"] == (
        f"{base}/orders/{world.order_id}?done=refund_approve"
    )
    rejected = web.post(f"{base}/refunds/{wrong['id']}/reject", headers=htmx(web),
                        data={"note": "It is the oolong on the label"})  # fmt: skip
    assert rejected.status_code == 204, rejected.text

    # As the service says: the approved refund is sent through the sandbox at once and
    # applied to the order and its line; the rejected one leaves the order as it was.
    state = _refund_state(pg_app, world)
    order, refunds = state["order"], state["refunds"]
    assert str(refunds[dented["id"]].status) == "succeeded"
    assert refunds[dented["id"]].note == "Sorry about the tin"
    assert refunds[dented["id"]].restock is True
    assert str(refunds[wrong["id"]].status) == "rejected"
    assert refunds[wrong["id"]].note == "It is the oolong on the label"
    assert order.refunded == Money.of("100.00", "CNY")
    assert [ln.refunded_quantity for ln in order.lines] == [1, 0]
    assert str(order.status) == "paid"  # partly refunded: still to ship

    page = web.get(f"{base}/orders/{world.order_id}?done=refund_approve&lang=en").text
    assert "The refund was approved." in page
    assert "(−1)" in page
    assert ">Refunded</span>" in page
    assert ">Rejected</span>" in page
    assert "/approve" not in page  # nothing left to decide
    orders = web.get(f"{base}/orders?lang=en").text
    row = orders.split(f'data-order-id="{world.order_id}"')[1].split("</tr>")[0]
    assert "¥100.00" in row

    before = db_snapshot(pg_app)
    again = web.post(f"{base}/refunds/{wrong['id']}/approve?lang=en", headers=htmx(web))
    assert again.status_code == 409
    assert 'data-code="refund_not_allowed"' in again.text
    assert db_snapshot(pg_app) == before


# -- paging -------------------------------------------------------------------------------
ROW_KEYS = {"orders": "data-order-id", "products": "data-product-id", "stock": "data-sku-id",
            "pricing": "data-suggestion-id"}  # fmt: skip


def _rows(page: str, attribute: str) -> list[str]:
    return [html.unescape(x) for x in re.findall(rf'<\w+[^>]* {attribute}="([^"]+)"', page)]


def _link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return html.unescape(found.group(1)) if found else None


def _walk(web: TestClient, url: str, attribute: str) -> list[list[str]]:
    """The rows of every page from ``url`` on by "Next", checked to come back the same
    way by "Previous"."""
    pages, urls = [], []
    next_url: str | None = url
    while next_url is not None:
        answer = web.get(next_url)
        assert answer.status_code == 200, (next_url, answer.text[:300])
        urls.append(next_url)
        pages.append(_rows(answer.text, attribute))
        assert f"Page {len(pages)}<" in answer.text or _link(answer.text, "next") is None
        next_url = _link(answer.text, "next")
        assert len(pages) < 10
    back = web.get(urls[-1]).text
    for rows in reversed(pages[:-1]):
        prev = _link(back, "prev")
        assert prev is not None
        back = web.get(prev).text
        assert _rows(back, attribute) == rows
    assert _link(back, "prev") is None  # the first page
    return pages


def test_the_console_lists_page_by_next_and_previous(world: ConsoleWorld, web: TestClient) -> None:
    paid_order(world, ((2, 1),))
    suggest(world, 1, "68.00", "72.00")
    suggest(world, 2, "158.00", "149.00")
    sign_in(web, world.owner_email)
    base = f"/merchant/{world.merchant_id}"
    for section, url, per, total in (
        ("orders", "/orders?status=paid&per=1", 1, 2),
        ("products", "/products?per=2", 2, 3),
        ("stock", "/stock?per=2", 2, 3),
        ("pricing", "/pricing?per=1", 1, 3),
        ("pricing", "/pricing?status=&per=2", 2, 3),
    ):  # fmt: skip
        pages = _walk(web, f"{base}{url}&lang=en", ROW_KEYS[section])
        assert [len(p) for p in pages] == [per] * (total // per) + (
            [total % per] if total % per else []), (section, pages)  # fmt: skip
        rows = [r for p in pages for r in p]
        assert len(set(rows)) == total, (section, pages)  # page 2 shows other rows
    second = _link(web.get(f"{base}/orders?status=paid&per=1").text, "next")
    assert second is not None
    assert "status=paid" in second
    assert "per=1" in second
    products = web.get(f"{base}/products?lang=en").text  # all on one page: no pager
    assert 'rel="next"' not in products
    assert "Page 1" not in products
    bad = web.get(f"{base}/orders?cursor=not-a-cursor&lang=en")
    assert bad.status_code == 400
    foreign = _link(web.get(f"{base}/products?per=1").text, "next")
    assert foreign is not None
    mixed = web.get(f"{base}/stock?cursor={foreign.split('cursor=')[1].split('&')[0]}")
    assert mixed.status_code == 400  # a products key is no stock key


def test_a_return_is_received_in_the_console_then_the_refund_is_sent(
    pg_app: Marketplace, world: ConsoleWorld, web: TestClient
) -> None:
    back = _buyer_asks(pg_app, world, "Wrong colour", line=0, kind="return_and_refund")
    base = f"/merchant/{world.merchant_id}"
    sign_in(web, world.owner_email)
    approved = web.post(f"{base}/refunds/{back['id']}/approve", headers=htmx(web),
                        data={"note": "Send it back, please"})  # fmt: skip
    assert approved.status_code == 204
    assert str(_refund_state(pg_app, world)["refunds"][back["id"]].status) == "awaiting_return"
    page = web.get(f"{base}/orders/{world.order_id}?lang=en").text
    assert "Your note: Send it back, please" in page
    assert f'hx-post="{base}/refunds/{back["id"]}/receive"' in page
    received = web.post(f"{base}/refunds/{back['id']}/receive", headers=htmx(web))
    assert received.status_code == 204
    assert received.headers["HX-Redirect"].endswith("done=refund_receive")
    assert str(_refund_state(pg_app, world)["refunds"][back["id"]].status) == "succeeded"
    again = web.post(f"{base}/refunds/{back['id']}/receive", headers=htmx(web))
    assert again.status_code >= 400  # received once; nothing happens twice
    assert str(_refund_state(pg_app, world)["refunds"][back["id"]].status) == "succeeded"
