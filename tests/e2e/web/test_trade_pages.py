"""The B2B buyer's RFQ and invoice pages over HTTP: members only (others get a page that says
so), an RFQ created and sent from the form, a supplier's quote accepted into a purchase order
on credit terms, and the invoice and the remaining credit shown, in both languages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace
from tests.browser.trade_world import TradeWorld, make_trade_world, submit_quote
from tests.e2e.web.test_admin_pages import htmx, sign_in
from tests.factories import db_snapshot, register_user, unique_email


@pytest.fixture
def web(pg_client: TestClient) -> TestClient:
    pg_client.follow_redirects = False
    return pg_client


@pytest.fixture
def world(pg_app: Marketplace, web: TestClient) -> TradeWorld:
    return make_trade_world(pg_app, web)


def _rfq_form(pg_app: Marketplace, world: TradeWorld, **changes: str) -> dict[str, str]:
    deadline = (pg_app.clock.now() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    form = {"title": "Bolts for line 3", "location_id": world.location_id, "deadline": deadline,
            "spec_1": "M8 hex bolt, 40 mm, A2-70", "qty_1": "500", "unit_1": "pcs",
            "supplier_ids": world.supplier.id}  # fmt: skip
    return {**form, **changes}


def test_a_non_member_gets_a_clear_page(web: TestClient) -> None:
    email = unique_email("shopper")
    register_user(web, email=email)
    sign_in(web, email)
    for path in ("/b2b/rfqs", "/b2b/invoices", "/b2b/rfqs/rfq_nope"):
        en = web.get(path, headers={"accept-language": "en"})
        assert en.status_code == 403
        assert "You are not a member of a company" in en.text
    zh = web.get("/b2b/rfqs", headers={"accept-language": "zh-CN"})
    assert "您还不是任何企业的成员" in zh.text
    assert web.post("/b2b/rfqs", data={"title": "x"}, headers=htmx(web)).status_code == 403
    assert web.get("/b2b/invoices").status_code == 403


def test_an_rfq_is_sent_quoted_accepted_and_invoiced(
    pg_app: Marketplace, web: TestClient, world: TradeWorld
) -> None:
    sign_in(web, world.buyer_email)
    empty = web.get("/b2b/rfqs?lang=en")
    assert empty.status_code == 200
    assert "No RFQ yet" in empty.text
    assert world.supplier_name in empty.text
    made = web.post("/b2b/rfqs", data=_rfq_form(pg_app, world), headers=htmx(web))
    assert made.status_code == 204, made.text
    url = made.headers["HX-Redirect"]
    rfq_id = url.rsplit("/", 1)[-1]
    sent = web.get(f"{url}?lang=en").text
    assert "Open for quotes" in sent
    assert "No quote yet." in sent
    quote_id = submit_quote(pg_app, world, rfq_id, "0.45")
    compared = web.get(f"{url}?lang=zh").text
    assert "¥225.00" in compared
    assert "最低价" in compared
    accepted = web.post(f"{url}/quotes/{quote_id}/accept?lang=en", headers=htmx(web))
    assert accepted.status_code == 200, accepted.text
    assert "Quote accepted." in accepted.text
    assert re.search(r"Purchase request \S+: ordered\.", accepted.text)
    assert "Awarded" in accepted.text

    invoices = web.get("/b2b/invoices?lang=en").text
    assert "¥225.00" in invoices
    assert "Unpaid" in invoices
    due = (pg_app.clock.now() + timedelta(days=30)).date().isoformat()
    assert due in invoices
    assert "¥9,775.00" in invoices  # 10,000 credit less the order
    zh = web.get("/b2b/invoices?lang=zh").text
    assert "可用额度" in zh
    assert "账期 30 天" in zh
    paid_only = web.get("/b2b/invoices?status=paid&lang=en").text
    assert "No invoice here." in paid_only


def test_a_bad_rfq_form_is_refused_clearly_and_writes_nothing(
    pg_app: Marketplace, web: TestClient, world: TradeWorld
) -> None:
    sign_in(web, world.buyer_email)
    before = db_snapshot(pg_app)
    cases = [({"qty_1": "0"}, "A quantity is a whole number"),
             ({"spec_1": "", "qty_1": ""}, "Name at least one item"),
             ({"deadline": "soon"}, "Give the deadline as a date and time."),
             ({"deadline": "2001-01-01T10:00"},
              "Check the title, the items and the deadline.")]  # fmt: skip
    for changes, message in cases:
        answer = web.post("/b2b/rfqs?lang=en", data=_rfq_form(pg_app, world, **changes),
                          headers=htmx(web))  # fmt: skip
        assert answer.status_code == 422, changes
        assert message in answer.text
        assert 'value="Bolts for line 3"' in answer.text  # what was typed is kept
    assert db_snapshot(pg_app) == before


def test_an_ineligible_supplier_leaves_a_draft_that_says_so(
    pg_app: Marketplace, web: TestClient, world: TradeWorld
) -> None:
    sign_in(web, world.buyer_email)
    form = _rfq_form(pg_app, world, supplier_ids="", other_suppliers="mer_nobody")
    made = web.post("/b2b/rfqs", data=form, headers=htmx(web))
    assert made.status_code == 204
    page = web.get(made.headers["HX-Redirect"] + "&lang=en").text
    assert "saved as a draft but not sent" in page
    assert "Draft" in page
