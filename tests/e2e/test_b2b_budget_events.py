"""After a purchase order is placed, its budget commitment follows the money, through the
events consumer (serving.events_worker's consumer groups): credit terms are spent when the
invoice is settled, a gateway payment when it is captured, and an order that expires unpaid
gives its budget back. Each event moves the budget once, however often it is delivered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from marketplace.bootstrap import Marketplace
from marketplace.companies.adapters.tables import budget_commitments
from marketplace.events.adapters.outbox import event_from_row
from marketplace.events.adapters.tables import outbox_events
from marketplace.events.consumers import handle_once
from marketplace.ordering.services import expire_orders
from marketplace.purchasing.services.budget_events import BUDGET_KEEPER, keep_budget
from marketplace.shared.clock import FixedClock
from tests.e2e.b2b_seed import API, Company, make_company, ok
from tests.factories import db_snapshot, drain_events
from tests.integration.ordering.seed import Market

pytestmark = pytest.mark.postgres


def _order(client: TestClient, c: Company, sku: str, quantity: int, method: str) -> Any:
    body = {
        "location_id": c.location_id,
        "lines": [{"sku_id": sku, "quantity": quantity}],
        "payment_method": method,
    }
    placed = ok(client.post(f"{c.base}/purchase-requests", headers=c.requester, json=body), 201)
    assert placed["status"] == "ordered", placed
    return placed


def _budget(client: TestClient, c: Company) -> tuple[str, str]:
    b = ok(client.get(f"{c.base}/cost-centres/{c.cost_centre_id}/budget", headers=c.admin))
    return b["committed"]["amount"], b["spent"]["amount"]


def _states(app: Marketplace, request_id: str) -> list[str]:
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(budget_commitments.c.state).where(budget_commitments.c.reference == request_id)
        )
        return [r.state for r in rows]


def test_credit_terms_are_spent_when_the_invoice_is_settled(
    pg_client: TestClient, pg_app: Marketplace
) -> None:
    client, app = pg_client, pg_app
    seller = Market(app, FixedClock()).seller({"tape": "100.00"}, stock={"tape": 500})
    c = make_company(client, app)
    placed = _order(client, c, seller.skus["tape"], 4, "credit_terms")
    drain_events(app)  # order.placed / order.paid: owed, not yet spent
    assert _budget(client, c) == ("400.00", "0.00")

    invoice = ok(client.get(f"{c.base}/invoices", headers=c.admin))[0]
    ok(client.post(f"{API}/admin/invoices/{invoice['id']}/settle", headers=c.platform_admin))
    assert _budget(client, c) == ("400.00", "0.00")  # the consumer has not run yet
    assert drain_events(app) >= 1
    assert _budget(client, c) == ("0.00", "400.00")
    assert _states(app, placed["id"]) == ["spent"]

    # The settlement delivered again: skipped as consumed; and even run again by hand
    # (its consumed record lost), the commitment moves committed -> spent only once.
    with app.engine.connect() as conn:
        row = (
            conn.execute(select(outbox_events).where(outbox_events.c.topic == "invoice.settled"))
            .mappings()
            .one()
        )
    settled = event_from_row(row)
    before = db_snapshot(app)
    assert handle_once(BUDGET_KEEPER, settled, keep_budget, uow=app.uow()) is False
    with app.uow() as uow:
        keep_budget(settled, uow)
        uow.commit()
    assert db_snapshot(app) == before


def test_gateway_purchase_order_is_spent_when_paid(
    pg_client: TestClient, pg_app: Marketplace
) -> None:
    client, app = pg_client, pg_app
    seller = Market(app, FixedClock()).seller({"glue": "50.00"}, stock={"glue": 100})
    c = make_company(client, app)
    placed = _order(client, c, seller.skus["glue"], 3, "sandbox")
    drain_events(app)
    assert _budget(client, c) == ("150.00", "0.00")  # placed, not paid

    paid = ok(
        client.post(
            f"{API}/payments",
            headers=c.requester,
            json={"group_id": placed["group_id"], "method": "sandbox"},
        ),
        201,
    )
    token = paid["action"]["url"].split("t=", 1)[1]
    ok(
        client.post(
            f"/sandbox/pay/{paid['payment']['id']}",
            data={"t": token, "outcome": "succeed"},
            headers={"Accept": "application/json"},
        )
    )
    drain_events(app)
    assert _budget(client, c) == ("0.00", "150.00")
    assert _states(app, placed["id"]) == ["spent"]


def test_gateway_purchase_order_expiring_unpaid_gives_the_budget_back(
    pg_client: TestClient, pg_app: Marketplace
) -> None:
    client, app = pg_client, pg_app
    seller = Market(app, FixedClock()).seller({"ink": "20.00"}, stock={"ink": 100})
    c = make_company(client, app)
    placed = _order(client, c, seller.skus["ink"], 5, "sandbox")
    drain_events(app)
    assert _budget(client, c) == ("100.00", "0.00")

    later = datetime.now(UTC) + timedelta(seconds=2 * app.settings.order_payment_ttl_seconds)
    assert expire_orders(later, uow=app.uow()) == 1
    drain_events(app)
    assert _budget(client, c) == ("0.00", "0.00")
    assert _states(app, placed["id"]) == ["released"]
