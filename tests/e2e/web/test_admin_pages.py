"""The platform admin's pages over HTTP: only platform admins see them, merchant review and
category edits go through the services, and a bad commission rule is refused with a clear
message and nothing written."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from marketplace.bootstrap import Marketplace
from marketplace.catalog.adapters.tables import categories
from marketplace.parties import services as parties
from marketplace.parties.domain import MerchantStatus
from marketplace.settlement import queries as settlement_queries
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
     ({"scope": "platform", "rate": "0.05", "floor_CNY": "1.234"}, "Too many decimals"),
     ({"scope": "platform", "rate": "0.05", "floor_CNY": "5.00", "cap_CNY": "1.00"},
      "may not exceed the maximum"),
     ({"scope": "platform", "rate": "0.05", "cap_USD": "-1.00"}, "zero or more"),
     ({"scope": "platform", "rate": "0.05", "effective_from": "2027-03-01",
       "effective_to": "2027-03-01"}, "must end after it starts"),
     ({"scope": "platform", "rate": "0.05", "effective_from": "soon"}, "is not a date")],
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


def _status(app: Marketplace, merchant_id: str) -> MerchantStatus:
    return parties.get_merchant(merchant_id, uow=app.uow()).status


def test_an_approved_merchant_is_suspended_and_reinstated(
    pg_app: Marketplace, web: TestClient
) -> None:
    shop, _ = pending_application(web, "Hangzhou Tea House")
    waiting, _ = pending_application(web, "West Lake Silk")
    email, _ = make_admin(pg_app, web)
    sign_in(web, email)
    assert web.post(f"/admin/merchants/{shop}/approve", headers=htmx(web)).status_code == 200
    listing = web.get("/admin/merchants?status=approved&lang=en").text
    assert f'hx-post="/admin/merchants/{shop}/suspend"' in listing
    assert "Reason for suspending Hangzhou Tea House" in listing

    before = db_snapshot(pg_app)
    no_reason = web.post(f"/admin/merchants/{shop}/suspend?lang=en", data={"reason": "  "},
                         headers=htmx(web))  # fmt: skip
    assert no_reason.status_code == 422
    assert "Give a reason for the suspension. Nothing changed." in no_reason.text
    assert db_snapshot(pg_app) == before

    suspended = web.post(f"/admin/merchants/{shop}/suspend?lang=en", headers=htmx(web),
                         data={"reason": "Counterfeit complaints"})  # fmt: skip
    assert suspended.status_code == 200
    assert suspended.text.lstrip().startswith(f'<tr id="row-{shop}">')
    assert "Hangzhou Tea House is suspended: its shop and products are hidden." in suspended.text
    assert "Counterfeit complaints" in suspended.text
    assert f'hx-post="/admin/merchants/{shop}/reinstate"' in suspended.text
    assert _status(pg_app, shop) is MerchantStatus.SUSPENDED
    assert "Hangzhou Tea House" in web.get("/admin/merchants?status=suspended&lang=en").text

    before = db_snapshot(pg_app)
    twice = web.post(f"/admin/merchants/{shop}/suspend?lang=en", headers=htmx(web),
                     data={"reason": "Again"})  # fmt: skip
    assert twice.status_code == 409
    assert ("Only an approved merchant can be suspended; this one is now: Suspended. "
            "Nothing changed.") in twice.text  # fmt: skip
    assert db_snapshot(pg_app) == before

    back = web.post(f"/admin/merchants/{shop}/reinstate?lang=zh", headers=htmx(web),
                    data={"reason": "已核实"})  # fmt: skip
    assert back.status_code == 200
    assert "Hangzhou Tea House 已恢复，可以重新销售。" in back.text
    assert _status(pg_app, shop) is MerchantStatus.APPROVED
    history = parties.merchant_history(shop, uow=pg_app.uow())
    assert [(c.to_status.value, c.reason) for c in history][-2:] == [
        ("suspended", "Counterfeit complaints"), ("approved", "已核实")]  # fmt: skip

    before = db_snapshot(pg_app)
    not_suspended = web.post(f"/admin/merchants/{shop}/reinstate?lang=en", headers=htmx(web))
    assert not_suspended.status_code == 409
    assert "Only a suspended merchant can be reinstated; this one is now: Approved." in (
        not_suspended.text
    )
    pending = web.post(f"/admin/merchants/{waiting}/suspend?lang=zh", headers=htmx(web),
                       data={"reason": "太早"})  # fmt: skip
    assert pending.status_code == 409
    assert "只有已通过的商家才能暂停；该商家当前状态：待审核。未做任何更改。" in pending.text
    assert db_snapshot(pg_app) == before
    assert web.post("/admin/merchants/mer_nope/suspend", data={"reason": "x"},
                    headers=htmx(web)).status_code == 404  # fmt: skip


def _category(app: Marketplace, web: TestClient, name_en: str, parent_id: str = "") -> str:
    answer = web.post("/admin/categories?lang=en", headers=htmx(web),
                      data={"name_en": name_en, "parent_id": parent_id})  # fmt: skip
    assert answer.status_code == 200, answer.text
    with app.engine.connect() as conn:
        rows = conn.execute(select(categories.c.id, categories.c.names)).all()
    return next(str(row.id) for row in rows if row.names.get("en") == name_en)


def test_a_category_moves_under_another_parent_but_not_under_itself(
    pg_app: Marketplace, web: TestClient
) -> None:
    email, _ = make_admin(pg_app, web)
    sign_in(web, email)
    tea = _category(pg_app, web, "Tea")
    green = _category(pg_app, web, "Green tea", tea)
    longjing = _category(pg_app, web, "Longjing", green)
    coffee = _category(pg_app, web, "Coffee")
    page = web.get("/admin/categories?lang=en").text
    assert '<label for="move-what">Category to move</label>' in page
    assert "Tea › Green tea › Longjing" in page

    moved = web.post("/admin/categories/move?lang=en", headers=htmx(web),
                     data={"category_id": green, "parent_id": coffee})  # fmt: skip
    assert moved.status_code == 200
    assert "Moved Green tea." in moved.text
    assert "Coffee › Green tea › Longjing" in moved.text
    assert "Tea › Green tea" not in moved.text
    # Nested in the tree: Green tea's item sits inside Coffee's list, after Coffee's line.
    coffee_item = moved.text.split('<span class="cat-name">Coffee</span>')[1]
    assert '<span class="cat-name">Green tea</span>' in coffee_item
    with pg_app.engine.connect() as conn:
        parents = dict(conn.execute(select(categories.c.id, categories.c.parent_id)).all())
        depth = conn.execute(
            select(categories.c.depth).where(categories.c.id == longjing)
        ).scalar_one()
    assert parents[green] == coffee
    assert parents[longjing] == green
    assert depth == 2

    before = db_snapshot(pg_app)
    for category_id, parent_id in ((coffee, longjing), (coffee, coffee), (green, longjing)):
        cycle = web.post("/admin/categories/move?lang=en", headers=htmx(web),
                         data={"category_id": category_id, "parent_id": parent_id})  # fmt: skip
        assert cycle.status_code == 409
        assert ("A category cannot go under itself or one of its own subcategories. "
                "Nothing was moved.") in cycle.text  # fmt: skip
    zh = web.post("/admin/categories/move?lang=zh", headers=htmx(web),
                  data={"category_id": coffee, "parent_id": green})  # fmt: skip
    assert "类目不能移到自身或其子类目之下。未做任何移动。" in zh.text
    assert db_snapshot(pg_app) == before

    to_top = web.post("/admin/categories/move?lang=en", headers=htmx(web),
                      data={"category_id": green, "parent_id": ""})  # fmt: skip
    assert "Moved Green tea." in to_top.text
    with pg_app.engine.connect() as conn:
        top = conn.execute(select(categories.c.parent_id).where(categories.c.id == green))
        assert top.scalar_one() is None


def test_a_commission_rule_with_a_cap_and_a_period(pg_app: Marketplace, web: TestClient) -> None:
    email, _ = make_admin(pg_app, web)
    sign_in(web, email)
    page = web.get("/admin/commissions?lang=en").text
    assert '<label for="rule-from">Valid from</label>' in page
    assert '<label for="cap-CNY">CNY<span class="sr-only"> maximum</span></label>' in page
    fields = {"scope": "platform", "rate": "0.05", "floor_CNY": "1.00", "cap_CNY": "500.00",
              "cap_USD": "80.00", "effective_from": "2027-01-01",
              "effective_to": "2027-07-01"}  # fmt: skip
    made = web.post("/admin/commissions?lang=en", headers=htmx(web), data=fields)
    assert made.status_code == 200, made.text
    assert "Rule created at 5.00%." in made.text
    assert "¥500.00" in made.text
    assert "2027-01-01 – 2027-07-01" in made.text
    (rule,) = settlement_queries.list_commission_rules(pg_app.engine).items
    assert {str(c) for c in rule.caps} == {"500.00 CNY", "80.00 USD"}
    period = [m.isoformat() if m else None for m in (rule.effective_from, rule.effective_to)]
    assert period == ["2027-01-01T00:00:00+00:00", "2027-07-01T00:00:00+00:00"]

    before = db_snapshot(pg_app)
    backwards = {**fields, "effective_from": "2027-07-01", "effective_to": "2027-01-01"}
    refused = web.post("/admin/commissions?lang=en", headers=htmx(web), data=backwards)
    assert refused.status_code == 422
    assert "The period must end after it starts" in refused.text
    assert "Nothing was saved." in refused.text
    assert 'value="2027-07-01"' in refused.text  # the form keeps what was typed
    zh = web.post("/admin/commissions?lang=zh", headers=htmx(web), data=backwards)
    assert "生效期间的结束须晚于开始" in zh.text
    assert db_snapshot(pg_app) == before
