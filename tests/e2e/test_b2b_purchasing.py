"""Over HTTP, on PostgreSQL: a purchase request over the requester's limit waits for an
approver; rejected, nothing is ordered and nothing moves; approved, the purchase order is
placed, the budget committed, the credit used and an invoice issued."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from marketplace.bootstrap import Marketplace
from marketplace.ordering.adapters.tables import orders
from marketplace.shared.clock import FixedClock
from tests.e2e.b2b_seed import Company, make_company, ok
from tests.factories import db_snapshot
from tests.integration.ordering.seed import Market

pytestmark = pytest.mark.postgres


def _company_orders(app: Marketplace, company_id: str) -> int:
    with app.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(orders).where(orders.c.company_id == company_id)
            ).scalar_one()
        )


def _request(client: TestClient, c: Company, sku: str, quantity: int) -> dict:  # type: ignore[type-arg]
    body = {
        "location_id": c.location_id,
        "lines": [{"sku_id": sku, "quantity": quantity}],
        "payment_method": "credit_terms",
        "note": "Q1 packaging",
    }
    return ok(client.post(f"{c.base}/purchase-requests", headers=c.requester, json=body), 201)  # type: ignore[no-any-return]


def test_request_over_limit_is_approved_before_it_is_ordered(
    pg_client: TestClient, pg_app: Marketplace
) -> None:
    client, app = pg_client, pg_app
    seller = Market(app, FixedClock()).seller({"carton": "800.00"}, stock={"carton": 100})
    sku = seller.skus["carton"]
    c = make_company(client, app)
    budget_url = f"{c.base}/cost-centres/{c.cost_centre_id}/budget"

    # 10 x 800 = 8,000 CNY over the requester's 5,000 limit: it waits for an approver.
    first = _request(client, c, sku, 10)
    assert first["status"] == "pending_approval"
    assert first["total"] == {"amount": "8000.00", "currency": "CNY"}
    assert "order_limit" in first["approval_reasons"]
    assert first["steps"][0]["status"] == "pending"
    assert _company_orders(app, c.id) == 0
    mine = ok(client.get(f"{c.base}/approvals", headers=c.approver))
    assert [r["id"] for r in mine] == [first["id"]]

    # The requester cannot approve their own request; a requester is no approver.
    own = client.post(
        f"{c.base}/purchase-requests/{first['id']}/decision",
        headers=c.requester,
        json={"decision": "approve"},
    )
    assert own.status_code == 403
    assert own.json()["code"] == "self_approval_not_allowed"

    # Rejected: nothing ordered, budget and credit untouched.
    before = db_snapshot(app)
    rejected = ok(
        client.post(
            f"{c.base}/purchase-requests/{first['id']}/decision",
            headers=c.approver,
            json={"decision": "reject", "reason": "Use the framework deal"},
        )
    )
    assert rejected["status"] == "rejected"
    after = db_snapshot(app)
    changed = {t for t in before if before[t] != after[t]}
    assert changed <= {"purchase_requests", "approval_steps", "purchase_request_events"}
    assert _company_orders(app, c.id) == 0
    assert ok(client.get(budget_url, headers=c.requester))["committed"]["amount"] == "0.00"
    credit = ok(client.get(f"{c.base}/credit", headers=c.requester))
    assert credit[0]["used"]["amount"] == "0.00"
    again = client.post(
        f"{c.base}/purchase-requests/{first['id']}/decision",
        headers=c.approver,
        json={"decision": "approve"},
    )
    assert again.status_code == 409

    # Approved: ordered at once, budget committed, credit used, invoice issued.
    second = _request(client, c, sku, 10)
    placed = ok(
        client.post(
            f"{c.base}/purchase-requests/{second['id']}/decision",
            headers=c.approver,
            json={"decision": "approve"},
        )
    )
    assert placed["status"] == "ordered", placed
    assert len(placed["order_ids"]) == 1
    assert placed["group_id"]
    assert _company_orders(app, c.id) == 1
    budget = ok(client.get(budget_url, headers=c.requester))
    assert budget["committed"] == {"amount": "8000.00", "currency": "CNY"}
    assert budget["available"]["amount"] == "92000.00"
    credit = ok(client.get(f"{c.base}/credit", headers=c.requester))
    assert credit[0]["used"] == {"amount": "8000.00", "currency": "CNY"}
    invoices = ok(client.get(f"{c.base}/invoices", headers=c.admin))
    assert len(invoices) == 1
    invoice = invoices[0]
    assert invoice["status"] == "open"
    assert invoice["amount"]["amount"] == "8000.00"
    assert invoice["is_overdue"] is False
    order = ok(client.get(f"{c.base}/purchase-requests/{second['id']}", headers=c.requester))
    assert [e["action"] for e in order["history"]] == [
        "submitted",
        "approved",
        "placing",
        "ordered",
    ]
    assert order["lines"][0]["unit_price"]["amount"] == "800.00"


def test_under_limit_is_ordered_at_once_and_budget_block_refuses(
    pg_client: TestClient, pg_app: Marketplace
) -> None:
    client, app = pg_client, pg_app
    seller = Market(app, FixedClock()).seller({"tape": "100.00"}, stock={"tape": 500})
    c = make_company(client, app, budget="1000")
    placed = _request(client, c, seller.skus["tape"], 4)  # 400 CNY: no approval needed
    assert placed["status"] == "ordered"
    before = db_snapshot(app)
    over = client.post(
        f"{c.base}/purchase-requests",
        headers=c.requester,
        json={
            "location_id": c.location_id,
            "lines": [{"sku_id": seller.skus["tape"], "quantity": 7}],
        },
    )
    assert over.status_code == 409
    assert over.json()["code"] == "budget_exceeded"
    assert db_snapshot(app) == before


def test_members_of_another_company_see_nothing(pg_client: TestClient, pg_app: Marketplace) -> None:
    client, app = pg_client, pg_app
    seller = Market(app, FixedClock()).seller({"bolt": "10.00"})
    a = make_company(client, app, name="A Corp")
    b = make_company(client, app, name="B Corp")
    request = _request(client, a, seller.skus["bolt"], 2)
    for headers in (b.admin, b.approver, b.requester):
        for url in (
            f"{a.base}",
            f"{a.base}/purchase-requests",
            f"{a.base}/purchase-requests/{request['id']}",
            f"{a.base}/invoices",
        ):
            response = client.get(url, headers=headers)
            assert response.status_code == 403, url
            assert response.json()["code"] == "company_membership_required"
    # B's ids in B's scope cannot reach A's request either.
    response = client.get(f"{b.base}/purchase-requests/{request['id']}", headers=b.admin)
    assert response.status_code == 404


def test_pending_approval_expires(pg_client: TestClient, pg_app: Marketplace) -> None:
    from marketplace.purchasing.services import expire_requests

    client, app = pg_client, pg_app
    seller = Market(app, FixedClock()).seller({"pallet": "900.00"})
    c = make_company(client, app)
    pending = _request(client, c, seller.skus["pallet"], 9)
    assert pending["status"] == "pending_approval"
    clock = FixedClock(app.clock.now() + timedelta(days=8))
    from marketplace.db.uow import SqlUnitOfWork

    assert expire_requests(uow=SqlUnitOfWork(app.engine, clock=clock)) == 1
    found = ok(client.get(f"{c.base}/purchase-requests/{pending['id']}", headers=c.requester))
    assert found["status"] == "expired"
    late = client.post(
        f"{c.base}/purchase-requests/{pending['id']}/decision",
        headers=c.approver,
        json={"decision": "approve"},
    )
    assert late.status_code == 409
    assert _company_orders(app, c.id) == 0


def test_unknown_payment_method_is_refused_before_anything_is_stored(
    pg_client: TestClient, pg_app: Marketplace
) -> None:
    client, app = pg_client, pg_app
    seller = Market(app, FixedClock()).seller({"tape": "100.00"}, stock={"tape": 50})
    c = make_company(client, app)
    before = db_snapshot(app)
    refused = client.post(
        f"{c.base}/purchase-requests",
        headers=c.requester,
        json={
            "location_id": c.location_id,
            "lines": [{"sku_id": seller.skus["tape"], "quantity": 1}],
            "payment_method": "bitcoin",
        },
    )
    assert refused.status_code in (400, 422), refused.text
    assert refused.json()["code"] == "unknown_payment_method"
    assert db_snapshot(app) == before
