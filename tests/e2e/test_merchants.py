"""Merchant onboarding and review, members, shops and API keys over HTTP."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace
from serving.api.app import create_app
from serving.api.security import ApprovedMerchantScope
from tests.factories import (
    API,
    MerchantFixture,
    add_staff,
    api_key_headers,
    create_approved_merchant,
    db_snapshot,
    issue_api_key,
    make_platform_admin,
    new_user_headers,
    register_user,
)


def _problem(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body: dict = response.json()
    assert body["code"] == code, body
    return body


def _status(client: TestClient, merchant_id: str, headers: dict[str, str]) -> str:
    response = client.get(f"{API}/merchants/{merchant_id}", headers=headers)
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


@pytest.fixture(params=["pg", "sqlite"])
def client_app(request: pytest.FixtureRequest) -> tuple[TestClient, Marketplace]:
    name = request.param
    return request.getfixturevalue(f"{name}_client"), request.getfixturevalue(f"{name}_app")


def test_onboarding_to_approval(client_app: tuple[TestClient, Marketplace]) -> None:
    client, app = client_app
    owner, headers = new_user_headers(client, stem="owner")
    admin = make_platform_admin(client, app)
    body = {"name": "Hangzhou Tea House", "kind": "supplier", "slug": "hz-tea", "city": "Hangzhou"}
    created = client.post(f"{API}/merchants", json=body, headers=headers)
    assert created.status_code == 201, created.text
    merchant = created.json()
    mid = merchant["id"]
    assert (merchant["status"], merchant["kind"], merchant["slug"]) == (
        "onboarding", "supplier", "hz-tea",
    )  # fmt: skip

    patched = client.patch(
        f"{API}/merchants/{mid}", json={"legal_name": "HZ Tea Co."}, headers=headers
    )
    assert patched.json()["legal_name"] == "HZ Tea Co."
    assert patched.json()["city"] == "Hangzhou"

    # The owner cannot approve; admin approval needs a submission first.
    _problem(client.post(f"{API}/admin/merchants/{mid}/approve", headers=headers), 403,
             "platform_admin_required")  # fmt: skip
    before = db_snapshot(app)
    _problem(client.post(f"{API}/admin/merchants/{mid}/approve", headers=admin), 409,
             "illegal_merchant_transition")  # fmt: skip
    assert db_snapshot(app) == before

    assert client.post(f"{API}/merchants/{mid}/submit", headers=headers).json()["status"] == (
        "pending_review"
    )
    listed = client.get(
        f"{API}/admin/merchants", params={"status": "pending_review"}, headers=admin
    )
    assert [m["id"] for m in listed.json()["items"]] == [mid]

    before = db_snapshot(app)
    _problem(client.post(f"{API}/admin/merchants/{mid}/reject", json={}, headers=admin), 422,
             "reason_required")  # fmt: skip
    assert db_snapshot(app) == before
    rejected = client.post(
        f"{API}/admin/merchants/{mid}/reject", json={"reason": "Licence unreadable"}, headers=admin
    )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["status_reason"] == "Licence unreadable"
    client.post(f"{API}/merchants/{mid}/submit", headers=headers)
    approved = client.post(f"{API}/admin/merchants/{mid}/approve", headers=admin).json()
    assert approved["status"] == "approved"
    assert approved["approved_at"] is not None

    suspended = client.post(
        f"{API}/admin/merchants/{mid}/suspend", json={"reason": "Counterfeits"}, headers=admin
    )
    assert suspended.json()["status"] == "suspended"
    assert (
        client.post(f"{API}/admin/merchants/{mid}/reinstate", headers=admin).json()["status"]
        == "approved"
    )

    history = client.get(f"{API}/admin/merchants/{mid}/history", headers=admin).json()
    admin_id = client.get(f"{API}/auth/me", headers=admin).json()["id"]
    assert [
        (h["from_status"], h["to_status"], h["actor_user_id"], h["reason"]) for h in history
    ] == [
        (None, "onboarding", owner["id"], None),
        ("onboarding", "pending_review", owner["id"], None),
        ("pending_review", "rejected", admin_id, "Licence unreadable"),
        ("rejected", "pending_review", owner["id"], None),
        ("pending_review", "approved", admin_id, None),
        ("approved", "suspended", admin_id, "Counterfeits"),
        ("suspended", "approved", admin_id, None),
    ]
    assert all(h["at"].endswith("Z") or "+00:00" in h["at"] for h in history)


def test_admin_list_pages_with_a_cursor(pg_client: TestClient, pg_app: Marketplace) -> None:
    admin = make_platform_admin(pg_client, pg_app)
    _, headers = new_user_headers(pg_client)
    ids = [
        pg_client.post(f"{API}/merchants", json={"name": f"M{i}"}, headers=headers).json()["id"]
        for i in range(5)
    ]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2, "status": "onboarding"}
        if cursor:
            params["cursor"] = cursor
        page = pg_client.get(f"{API}/admin/merchants", params=params, headers=admin).json()
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    bad = pg_client.get(f"{API}/admin/merchants", params={"cursor": "%%%"}, headers=admin)
    _problem(bad, 400, "invalid_cursor")
    empty = pg_client.get(f"{API}/admin/merchants", params={"status": "suspended"}, headers=admin)
    assert empty.json() == {"items": [], "next_cursor": None}


def test_review_endpoints_are_for_platform_admins(
    pg_client: TestClient, pg_app: Marketplace
) -> None:
    merchant = create_approved_merchant(pg_client, pg_app)
    _, buyer = new_user_headers(pg_client)
    key = issue_api_key(pg_client, merchant)
    # First use stamps last_used_at (then at most once a minute): do it before the snapshot.
    assert _status(pg_client, merchant.id, api_key_headers(key["secret"])) == "approved"
    before = db_snapshot(pg_app)
    for headers in (merchant.headers, buyer, api_key_headers(key["secret"])):
        for action in ("suspend", "approve", "reject", "reinstate"):
            response = pg_client.post(
                f"{API}/admin/merchants/{merchant.id}/{action}", json={"reason": "x"},
                headers=headers,
            )  # fmt: skip
            _problem(response, 403, "platform_admin_required")
        listed = pg_client.get(f"{API}/admin/merchants", headers=headers)
        _problem(listed, 403, "platform_admin_required")
    _problem(pg_client.get(f"{API}/admin/merchants"), 401, "not_authenticated")
    assert db_snapshot(pg_app) == before


def test_unknown_merchant(pg_client: TestClient, pg_app: Marketplace) -> None:
    admin = make_platform_admin(pg_client, pg_app)
    _, headers = new_user_headers(pg_client)
    missing = "mer_01JD3X8Q6V9M2K4N7P0R5T8W1Y"
    _problem(
        pg_client.get(f"{API}/merchants/{missing}", headers=headers), 404, "merchant_not_found"
    )
    _problem(pg_client.post(f"{API}/admin/merchants/{missing}/approve", headers=admin), 404,
             "merchant_not_found")  # fmt: skip


def test_staff_permissions(client_app: tuple[TestClient, Marketplace]) -> None:
    client, app = client_app
    merchant = create_approved_merchant(client, app)
    staff, staff_headers = add_staff(client, merchant)
    newcomer = register_user(client)
    base = f"{API}/merchants/{merchant.id}"

    # Staff can see the merchant and work on shops...
    assert _status(client, merchant.id, staff_headers) == "approved"
    members = client.get(f"{base}/members", headers=staff_headers).json()
    assert {(m["user_id"], m["role"]) for m in members} == {
        (merchant.owner_user_id, "merchant_owner"), (staff["id"], "merchant_staff"),
    }  # fmt: skip
    shop = client.post(f"{base}/shops", json={"name": "Outlet"}, headers=staff_headers)
    assert shop.status_code == 201, shop.text

    # ...but cannot manage members or API keys, nor edit the profile.
    before = db_snapshot(app)
    denied = [
        client.post(f"{base}/members", json={"email": newcomer["email"]}, headers=staff_headers),
        client.delete(f"{base}/members/{merchant.owner_user_id}", headers=staff_headers),
        client.post(f"{base}/api-keys", json={"name": "mine"}, headers=staff_headers),
        client.get(f"{base}/api-keys", headers=staff_headers),
        client.patch(base, json={"name": "Taken over"}, headers=staff_headers),
        client.post(f"{base}/submit", headers=staff_headers),
    ]
    for response in denied:
        _problem(response, 403, "merchant_owner_required")
    assert db_snapshot(app) == before

    # The owner can remove staff, but not themselves.
    _problem(client.delete(f"{base}/members/{merchant.owner_user_id}", headers=merchant.headers),
             409, "cannot_remove_owner")  # fmt: skip
    gone = client.delete(f"{base}/members/{staff['id']}", headers=merchant.headers)
    assert gone.status_code == 204
    _problem(client.get(base, headers=staff_headers), 403, "merchant_access_denied")


def test_member_errors(pg_client: TestClient, pg_app: Marketplace) -> None:
    merchant = create_approved_merchant(pg_client, pg_app)
    staff, _ = add_staff(pg_client, merchant)
    base = f"{API}/merchants/{merchant.id}/members"
    before = db_snapshot(pg_app)
    _problem(pg_client.post(base, json={"email": staff["email"]}, headers=merchant.headers),
             409, "already_member")  # fmt: skip
    _problem(pg_client.post(base, json={"email": "ghost@example.com"}, headers=merchant.headers),
             404, "user_not_found")  # fmt: skip
    _problem(pg_client.delete(f"{base}/usr_nobody", headers=merchant.headers), 404,
             "member_not_found")  # fmt: skip
    assert db_snapshot(pg_app) == before


def test_api_keys(client_app: tuple[TestClient, Marketplace]) -> None:
    client, app = client_app
    merchant = create_approved_merchant(client, app)
    key = issue_api_key(client, merchant, name="ERP sync")
    assert key["secret"].startswith(f"agora_{key['prefix']}_")
    headers = api_key_headers(key["secret"])
    base = f"{API}/merchants/{merchant.id}"

    assert _status(client, merchant.id, headers) == "approved"
    # Also accepted as a bearer credential.
    assert _status(client, merchant.id, {"Authorization": f"Bearer {key['secret']}"}) == "approved"
    shops = client.get(f"{base}/shops", headers=headers)
    assert [s["id"] for s in shops.json()] == [merchant.shop_id]

    listed = client.get(f"{base}/api-keys", headers=merchant.headers).json()
    assert [k["name"] for k in listed] == ["ERP sync"]
    assert listed[0]["last_used_at"] is not None
    assert "secret" not in listed[0]
    assert key["secret"] not in str(listed)

    # A key cannot manage keys or members.
    before = db_snapshot(app)
    _problem(client.post(f"{base}/api-keys", json={"name": "more"}, headers=headers), 403,
             "merchant_owner_required")  # fmt: skip
    _problem(client.post(f"{base}/api-keys", json={"name": "ERP sync"}, headers=merchant.headers),
             409, "api_key_name_taken")  # fmt: skip
    assert db_snapshot(app) == before

    revoked = client.delete(f"{base}/api-keys/{key['id']}", headers=merchant.headers)
    assert revoked.status_code == 204
    _problem(client.get(base, headers=headers), 401, "not_authenticated")
    forged = key["secret"][:-2] + ("xx" if not key["secret"].endswith("xx") else "yy")
    other = issue_api_key(client, merchant)
    _problem(client.get(base, headers=api_key_headers(forged)), 401, "not_authenticated")
    assert _status(client, merchant.id, api_key_headers(other["secret"])) == "approved"


def test_shops(client_app: tuple[TestClient, Marketplace]) -> None:
    client, app = client_app
    merchant = create_approved_merchant(client, app)
    other = create_approved_merchant(client, app)
    base = f"{API}/merchants/{merchant.id}/shops"
    created = client.post(
        base, json={"name": "Tea Flagship", "slug": "tea-flagship", "description": "Since 1998"},
        headers=merchant.headers,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    shop = created.json()
    assert len(client.get(base, headers=merchant.headers).json()) == 2

    public = client.get(f"{API}/shops/tea-flagship")
    assert public.status_code == 200
    assert public.json()["merchant_id"] == merchant.id

    patched = client.patch(
        f"{base}/{shop['id']}", json={"is_open": False}, headers=merchant.headers
    )
    assert patched.json()["is_open"] is False
    assert patched.json()["name"] == "Tea Flagship"

    before = db_snapshot(app)
    clash = client.post(base, json={"name": "X", "slug": "tea-flagship"}, headers=merchant.headers)
    _problem(clash, 409, "slug_taken")
    bad_slug = client.post(base, json={"name": "X", "slug": "Not A Slug"}, headers=merchant.headers)
    _problem(bad_slug, 422, "invalid_slug")
    # Another merchant's shop, addressed through our own merchant path, does not exist.
    theirs = client.patch(
        f"{base}/{other.shop_id}", json={"name": "Mine"}, headers=merchant.headers
    )
    _problem(theirs, 404, "shop_not_found")
    assert db_snapshot(app) == before


def test_public_shops_only_of_approved_merchants(
    pg_client: TestClient, pg_app: Marketplace
) -> None:
    admin = make_platform_admin(pg_client, pg_app)
    merchant = create_approved_merchant(pg_client, pg_app, admin_headers=admin)
    _, headers = new_user_headers(pg_client)
    pending = pg_client.post(f"{API}/merchants", json={"name": "Pending"}, headers=headers).json()
    pg_client.post(
        f"{API}/merchants/{pending['id']}/shops", json={"name": "P", "slug": "pending-shop"},
        headers=headers,
    )  # fmt: skip
    _problem(pg_client.get(f"{API}/shops/pending-shop"), 404, "shop_not_found")
    slug = pg_client.get(f"{API}/merchants/{merchant.id}/shops", headers=merchant.headers).json()[
        0
    ]["slug"]
    assert pg_client.get(f"{API}/shops/{slug}").status_code == 200
    pg_client.post(
        f"{API}/admin/merchants/{merchant.id}/suspend", json={"reason": "audit"}, headers=admin
    )
    _problem(pg_client.get(f"{API}/shops/{slug}"), 404, "shop_not_found")


def test_platform_admin_may_act_for_any_merchant(
    pg_client: TestClient, pg_app: Marketplace
) -> None:
    admin = make_platform_admin(pg_client, pg_app)
    merchant: MerchantFixture = create_approved_merchant(pg_client, pg_app, admin_headers=admin)
    assert _status(pg_client, merchant.id, admin) == "approved"
    keys = pg_client.get(f"{API}/merchants/{merchant.id}/api-keys", headers=admin)
    assert keys.status_code == 200


def test_approved_merchant_scope(pg_app: Marketplace) -> None:
    """ApprovedMerchantScope (for selling) lets only approved merchants through."""
    web = create_app(pg_app)
    probe = APIRouter()

    @probe.get("/_probe/merchants/{merchant_id}/sell")
    def sell(scope: ApprovedMerchantScope) -> dict[str, str]:
        return {"merchant_id": scope.merchant_id, "role": scope.role}

    web.include_router(probe)
    with TestClient(web) as client:
        admin = make_platform_admin(client, pg_app)
        merchant = create_approved_merchant(client, pg_app, admin_headers=admin)
        key = api_key_headers(issue_api_key(client, merchant)["secret"])
        url = f"/_probe/merchants/{merchant.id}/sell"
        assert client.get(url, headers=merchant.headers).json()["role"] == "merchant_owner"
        assert client.get(url, headers=key).json()["role"] == "api_key"
        client.post(
            f"{API}/admin/merchants/{merchant.id}/suspend", json={"reason": "audit"}, headers=admin
        )
        for headers in (merchant.headers, key):
            body = _problem(client.get(url, headers=headers), 403, "merchant_not_approved")
            assert body["merchant_status"] == "suspended"
        _, headers = new_user_headers(client)
        pending = client.post(f"{API}/merchants", json={"name": "New"}, headers=headers).json()
        _problem(client.get(f"/_probe/merchants/{pending['id']}/sell", headers=headers), 403,
                 "merchant_not_approved")  # fmt: skip
