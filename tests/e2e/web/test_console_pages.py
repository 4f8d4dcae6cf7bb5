"""The merchant console over HTTP (TestClient on PostgreSQL): every section renders in both
languages for the merchant's owner; strangers get 403, unknown merchants 404; a bad product
form says what is wrong and changes nothing; a decided suggestion cannot be accepted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace
from serving.api.app import create_app
from tests.browser.console_world import ConsoleWorld, build
from tests.factories import DEFAULT_PASSWORD, db_snapshot, register_user, unique_email


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
