"""The platform admin's pages over HTTP: only platform admins see them, merchant review and
category edits go through the services, and a bad commission rule is refused with a clear
message and nothing written."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from marketplace.bootstrap import Marketplace
from marketplace.settlement.adapters.tables import commission_rules
from tests.browser.trade_world import make_admin, pending_application
from tests.factories import DEFAULT_PASSWORD, db_snapshot, register_user, unique_email

PAGES = ("/admin", "/admin/merchants", "/admin/categories", "/admin/commissions",
         "/admin/models", "/admin/health")  # fmt: skip
HTMX = {"HX-Request": "true"}


def sign_in(client: TestClient, email: str) -> None:
    client.get("/login")
    form = {"email": email, "password": DEFAULT_PASSWORD, "next": "/",
            "csrf": client.cookies["agora_csrf"]}  # fmt: skip
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def htmx(client: TestClient) -> dict[str, str]:
    return {**HTMX, "X-CSRF-Token": client.cookies["agora_csrf"]}


@pytest.fixture
def web(pg_client: TestClient) -> TestClient:
    pg_client.follow_redirects = False
    return pg_client


def test_only_platform_admins_see_the_admin_pages(web: TestClient) -> None:
    for path in PAGES:
        anonymous = web.get(path)
        assert anonymous.status_code == 303
        assert anonymous.headers["location"].startswith("/login?next=")
    email = unique_email("buyer")
    register_user(web, email=email)
    sign_in(web, email)
    for path in PAGES:
        page = web.get(path, headers={"accept-language": "en"})
        assert page.status_code == 403, path
        assert "You may not see this page." in page.text
        assert "platform_admin_required" in page.text
    zh = web.get("/admin", headers={"accept-language": "zh-CN"})
    assert zh.status_code == 403
    assert "您无权访问此页面。" in zh.text
    refused = web.post("/admin/commissions", data={"scope": "platform", "rate": "0.05"},
                       headers=htmx(web))  # fmt: skip
    assert refused.status_code == 403


def test_an_admin_sees_every_page_in_both_languages(pg_app: Marketplace, web: TestClient) -> None:
    email, _ = make_admin(pg_app, web)
    sign_in(web, email)
    titles = {"/admin": ("Platform overview", "平台概览"),
              "/admin/merchants": ("Merchant onboarding review", "商家入驻审核"),
              "/admin/categories": ("Category tree", "类目树"),
              "/admin/commissions": ("Commission rules", "佣金规则"),
              "/admin/models": ("Models in service", "在线模型"),
              "/admin/health": ("System health", "系统健康")}  # fmt: skip
    for path, (en, zh) in titles.items():
        page = web.get(f"{path}?lang=en")
        assert page.status_code == 200, page.text
        assert f"<h1>{en}</h1>" in page.text
        page = web.get(f"{path}?lang=zh")
        assert f"<h1>{zh}</h1>" in page.text
    health = web.get("/admin/health?lang=en").text
    assert "Ready: every dependency answers." in health
    assert "Database" in health


def test_review_approves_and_a_rejection_needs_a_reason(
    pg_app: Marketplace, web: TestClient
) -> None:
    first, _ = pending_application(web, "Hangzhou Tea House")
    second, _ = pending_application(web, "West Lake Silk")
    email, _ = make_admin(pg_app, web)
    sign_in(web, email)
    page = web.get("/admin/merchants?lang=en")
    assert "Hangzhou Tea House" in page.text
    assert "West Lake Silk Co., Ltd." in page.text
    approved = web.post(f"/admin/merchants/{first}/approve", headers=htmx(web))
    assert approved.status_code == 200
    assert "is approved and can sell now" in approved.text
    before = db_snapshot(pg_app)
    no_reason = web.post(f"/admin/merchants/{second}/reject", data={"reason": " "},
                         headers=htmx(web))  # fmt: skip
    assert no_reason.status_code == 422
    assert "Give a reason for the rejection." in no_reason.text
    assert db_snapshot(pg_app) == before
    rejected = web.post(f"/admin/merchants/{second}/reject",
                        data={"reason": "Licence missing"}, headers=htmx(web))  # fmt: skip
    assert "was rejected" in rejected.text
    listing = web.get("/admin/merchants?status=approved&lang=en").text
    assert "Hangzhou Tea House" in listing
    assert "West Lake Silk" not in listing
    again = web.post(f"/admin/merchants/{first}/approve", headers=htmx(web))
    assert again.status_code == 409
    assert "no longer awaiting review" in again.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [({"scope": "platform", "rate": "1.5"}, "between 0 and 1"),
     ({"scope": "platform", "rate": "0.05", "floor_CNY": "-1.00"}, "zero or more"),
     ({"scope": "platform", "rate": "abc"}, "between 0 and 1"),
     ({"scope": "category", "rate": "0.05"}, "needs its id"),
     ({"scope": "platform", "rate": "0.05", "floor_CNY": "1.234"}, "Too many decimals")],
)  # fmt: skip
def test_a_bad_commission_rule_is_refused_clearly_and_writes_nothing(
    pg_app: Marketplace, web: TestClient, fields: dict[str, str], message: str
) -> None:
    email, _ = make_admin(pg_app, web)
    sign_in(web, email)
    before = db_snapshot(pg_app)
    answer = web.post("/admin/commissions?lang=en", data=fields, headers=htmx(web))
    assert answer.status_code == 422
    assert message in answer.text
    assert "Nothing was saved." in answer.text
    assert f'value="{fields["rate"]}"' in answer.text  # the form keeps what was typed
    assert db_snapshot(pg_app) == before


def test_a_commission_rule_is_created_and_deactivated(pg_app: Marketplace, web: TestClient) -> None:
    email, _ = make_admin(pg_app, web)
    sign_in(web, email)
    made = web.post("/admin/commissions?lang=zh", headers=htmx(web),
                    data={"scope": "platform", "rate": "0.05", "floor_CNY": "1.00"})  # fmt: skip
    assert made.status_code == 200
    assert "已创建费率为 5.00% 的规则。" in made.text
    with pg_app.engine.connect() as conn:
        rule_id, active = conn.execute(
            select(commission_rules.c.id, commission_rules.c.is_active)
        ).one()
        assert active
    off = web.post(f"/admin/commissions/{rule_id}/active?lang=en", data={"is_active": "false"},
                   headers=htmx(web))  # fmt: skip
    assert "The rule is deactivated." in off.text
    with pg_app.engine.connect() as conn:
        assert conn.execute(select(commission_rules.c.is_active)).scalar_one() is False
        assert conn.execute(select(func.count()).select_from(commission_rules)).scalar_one() == 1


def test_categories_are_added_renamed_and_deactivated(pg_app: Marketplace, web: TestClient) -> None:
    email, _ = make_admin(pg_app, web)
    sign_in(web, email)
    root = web.post("/admin/categories?lang=en", headers=htmx(web),
                    data={"name_en": "Tea", "name_zh": "茶叶"})  # fmt: skip
    assert "Added Tea." in root.text
    from marketplace.catalog.adapters.tables import categories

    with pg_app.engine.connect() as conn:
        tea = conn.execute(select(categories.c.id)).scalar_one()
    green = {"name_en": "Green tea", "name_zh": "绿茶", "parent_id": tea}
    child = web.post("/admin/categories?lang=zh", headers=htmx(web), data=green)
    assert "已添加 绿茶。" in child.text
    renamed = web.post(f"/admin/categories/{tea}?lang=en", headers=htmx(web),
                       data={"name_en": "Teas", "name_zh": "茶", "position": "0"})  # fmt: skip
    assert "Saved Teas." in renamed.text
    assert "Inactive" in renamed.text  # no is_active box: deactivated
    before = db_snapshot(pg_app)
    blank = web.post("/admin/categories?lang=en", headers=htmx(web), data={"name_en": " "})
    assert blank.status_code == 422
    assert "Give a name in at least one language." in blank.text
    assert db_snapshot(pg_app) == before
