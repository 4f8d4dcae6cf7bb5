"""The B2B authorization matrix: no member reaches into another company's data.

Every route under ``/api/v1/b2b/companies/{company_id}`` is found by walking the app's
routes (so routes added later by any area are covered), then called against company A
by company B's buyer admin, approver and requester, by a merchant's API key and
anonymously: each call must be refused (403, or 401 without credentials) before its body
is even looked at, and every table must be left exactly as it was.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace, bootstrap
from marketplace.shared.clock import FixedClock
from serving.api.app import create_app
from tests.e2e.b2b_seed import make_company, ok
from tests.e2e.test_authz_matrix import _route_paths
from tests.factories import (
    API,
    api_key_headers,
    create_approved_merchant,
    db_snapshot,
    issue_api_key,
)
from tests.integration.ordering.seed import Market

pytestmark = pytest.mark.postgres
PREFIX = f"{API}/b2b/companies/{{company_id}}"
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def company_routes(app: object) -> list[tuple[str, str]]:
    found = {
        (method, path)
        for path, methods in _route_paths(app.routes)  # type: ignore[attr-defined]
        if path == PREFIX or path.startswith(PREFIX + "/")
        for method in methods - {"HEAD", "OPTIONS"}
    }
    return sorted(found, key=lambda mp: (mp[1], mp[0]))


def test_no_member_reaches_another_company(pg_app: Marketplace) -> None:
    app = bootstrap(pg_app.settings, engine=pg_app.engine, cache=pg_app.cache, clock=FixedClock())
    api = create_app(app)
    routes = company_routes(api)
    assert len(routes) >= 20, routes  # companies, purchasing and RFQ routes are all here
    with TestClient(api) as client:
        seller = Market(app, FixedClock()).seller({"bolt": "10.00"})
        a = make_company(client, app, name="A Corp")
        b = make_company(client, app, name="B Corp")
        request = ok(
            client.post(
                f"{a.base}/purchase-requests",
                headers=a.requester,
                json={
                    "location_id": a.location_id,
                    "lines": [{"sku_id": seller.skus["bolt"], "quantity": 3}],
                },
            ),
            201,
        )
        known = {
            "company_id": a.id,
            "request_id": request["id"],
            "centre_id": a.cost_centre_id,
            "user_id": a.requester_id,
            "order_id": request["order_ids"][0],
        }
        merchant = create_approved_merchant(
            client, app, name="Key Holder", admin_headers=a.platform_admin
        )
        key = api_key_headers(issue_api_key(client, merchant)["secret"])
        # A key's last_used_at is stamped on first use only (the clock stands still).
        assert client.get(f"{API}/merchants/{merchant.id}", headers=key).status_code == 200
        callers = {
            "b_admin": b.admin,
            "b_approver": b.approver,
            "b_requester": b.requester,
            "api_key": key,
            "anonymous": {},
        }

        def fill(path: str) -> str:
            return _PARAM.sub(lambda m: known.get(m.group(1), "x_01JD3X8Q6V9M2K4N7P0R5T8W1Y"), path)

        before = db_snapshot(app)
        failures = []
        for method, path in routes:
            url = fill(path)
            for who, headers in callers.items():
                body = {} if method in ("POST", "PUT", "PATCH") else None
                response = client.request(method, url, headers=headers, json=body)
                expected = {401} if who == "anonymous" else {403}
                if response.status_code not in expected:
                    failures.append((method, path, who, response.status_code, response.text[:120]))
        assert not failures, failures
        assert db_snapshot(app) == before
