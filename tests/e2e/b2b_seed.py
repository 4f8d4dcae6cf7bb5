"""A B2B company set up over HTTP: a buyer admin, an approver and a requester (joined by
invitation), a cost centre with a monthly budget, a ship-to location, and a credit line
granted by a platform admin. Suppliers' SKUs come from the ordering seed (``Market``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace
from tests.factories import API, make_platform_admin, new_user_headers

SHIP_TO = {
    "name": "Wang Fang",
    "phone": "13900000000",
    "country": "CN",
    "region": "Shanghai",
    "city": "Shanghai",
    "line1": "88 Zhangjiang Rd",
}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@dataclass
class Company:
    id: str
    base: str
    admin: dict[str, str]
    approver: dict[str, str]
    approver_id: str
    requester: dict[str, str]
    requester_id: str
    cost_centre_id: str
    location_id: str
    platform_admin: dict[str, str]


def join(
    client: TestClient, base: str, admin: dict[str, str], role: str
) -> tuple[str, dict[str, str]]:
    user, headers = new_user_headers(client, stem=role)
    invite = ok(
        client.post(
            f"{base}/invitations", headers=admin, json={"email": user["email"], "role": role}
        ),
        201,
    )
    ok(
        client.post(
            f"{API}/b2b/invitations/accept", headers=headers, json={"token": invite["token"]}
        )
    )
    return str(user["id"]), headers


def make_company(
    client: TestClient,
    app: Marketplace,
    *,
    budget: str = "100000",
    credit: str = "50000",
    requester_limit: str | None = "5000",
    name: str = "Acme Trading",
) -> Company:
    _, admin = new_user_headers(client, stem="buyeradmin")
    company = ok(client.post(f"{API}/b2b/companies", headers=admin, json={"name": name}), 201)
    base = f"{API}/b2b/companies/{company['id']}"
    centre = ok(
        client.post(
            f"{base}/cost-centres",
            headers=admin,
            json={
                "code": "OPS",
                "name": "Operations",
                "monthly_budget": {"amount": budget, "currency": "CNY"},
            },
        ),
        201,
    )
    location = ok(
        client.post(
            f"{base}/locations",
            headers=admin,
            json={"name": "Shanghai DC", "address": SHIP_TO, "cost_centre_id": centre["id"]},
        ),
        201,
    )
    approver_id, approver = join(client, base, admin, "approver")
    requester_id, requester = join(client, base, admin, "requester")
    if requester_limit is not None:
        ok(
            client.patch(
                f"{base}/members/{requester_id}",
                headers=admin,
                json={"order_limit": {"amount": requester_limit, "currency": "CNY"}},
            )
        )
    platform = make_platform_admin(client, app)
    ok(
        client.put(
            f"{API}/admin/companies/{company['id']}/credit",
            headers=platform,
            json={"limit": {"amount": credit, "currency": "CNY"}, "terms_days": 30},
        )
    )
    return Company(
        company["id"],
        base,
        admin,
        approver,
        approver_id,
        requester,
        requester_id,
        centre["id"],
        location["id"],
        platform,
    )
