"""Idempotency-Key end to end, on ``POST /merchants``: keys are scoped to the verified
caller, not to the raw credential."""

from __future__ import annotations

import jwt
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from marketplace.bootstrap import Marketplace
from marketplace.parties.adapters.tables import merchants
from tests.factories import (
    API,
    create_approved_merchant,
    db_snapshot,
    login,
    login_tokens,
    new_user_headers,
    register_user,
    unique_email,
)

BODY = {"name": "Idempotent Tea", "kind": "third_party"}


def _merchant_count(app: Marketplace) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(merchants)).scalar_one())


def _post(client: TestClient, headers: dict[str, str], key: str, body: dict = BODY):  # type: ignore[no-untyped-def, type-arg]
    return client.post(f"{API}/merchants", json=body, headers={**headers, "Idempotency-Key": key})


def test_a_retry_replays_the_first_response(pg_client: TestClient, pg_app: Marketplace) -> None:
    _, headers = new_user_headers(pg_client)
    first = _post(pg_client, headers, "key-1")
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    again = _post(pg_client, headers, "key-1")
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert _merchant_count(pg_app) == 1


def test_the_same_key_with_another_body_is_refused(
    pg_client: TestClient, pg_app: Marketplace
) -> None:
    _, headers = new_user_headers(pg_client)
    assert _post(pg_client, headers, "key-2").status_code == 201
    before = db_snapshot(pg_app)
    other = _post(pg_client, headers, "key-2", {**BODY, "name": "Something else"})
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert db_snapshot(pg_app) == before


def test_different_users_with_the_same_key_do_not_collide(
    pg_client: TestClient, pg_app: Marketplace
) -> None:
    _, alice = new_user_headers(pg_client, stem="alice")
    _, bob = new_user_headers(pg_client, stem="bob")
    a = _post(pg_client, alice, "shared-key")
    b = _post(pg_client, bob, "shared-key")
    assert a.status_code == b.status_code == 201
    assert "idempotent-replayed" not in b.headers
    assert a.json()["id"] != b.json()["id"]
    assert _merchant_count(pg_app) == 2


def test_a_retry_after_a_token_refresh_is_recognised(
    pg_client: TestClient, pg_app: Marketplace
) -> None:
    email = unique_email()
    register_user(pg_client, email=email)
    tokens = login_tokens(pg_client, email)
    first = _post(pg_client, {"Authorization": f"Bearer {tokens['access_token']}"}, "key-3")
    refreshed = pg_client.post(
        f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    ).json()
    assert refreshed["access_token"] != tokens["access_token"]
    retry = _post(pg_client, {"Authorization": f"Bearer {refreshed['access_token']}"}, "key-3")
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    # A fresh login (another device) is the same user, too.
    again = _post(pg_client, login(pg_client, email), "key-3")
    assert again.headers["idempotent-replayed"] == "true"
    assert _merchant_count(pg_app) == 1


def test_a_forged_token_cannot_read_a_stored_response(
    pg_client: TestClient, pg_app: Marketplace
) -> None:
    victim, headers = new_user_headers(pg_client)
    assert _post(pg_client, headers, "key-4").status_code == 201
    claims = jwt.decode(
        headers["Authorization"].removeprefix("Bearer "), options={"verify_signature": False}
    )
    forged = jwt.encode(claims, "attacker-secret-0123456789-0123456789", algorithm="HS256")
    assert claims["sub"] == victim["id"]
    before = db_snapshot(pg_app)
    stolen = _post(pg_client, {"Authorization": f"Bearer {forged}"}, "key-4")
    assert stolen.status_code == 401
    assert stolen.json()["code"] == "not_authenticated"
    assert "idempotent-replayed" not in stolen.headers
    # The 401 is remembered under the forger's own scope, never the victim's.
    victim_retry = _post(pg_client, headers, "key-4")
    assert victim_retry.status_code == 201
    assert victim_retry.headers["idempotent-replayed"] == "true"
    after = db_snapshot(pg_app)
    assert {k: v for k, v in after.items() if k != "idempotency_keys"} == {
        k: v for k, v in before.items() if k != "idempotency_keys"
    }


def test_api_key_callers_are_scoped_by_their_key(
    pg_client: TestClient, pg_app: Marketplace
) -> None:
    merchant = create_approved_merchant(pg_client, pg_app)
    secret = pg_client.post(
        f"{API}/merchants/{merchant.id}/api-keys", json={"name": "erp"}, headers=merchant.headers
    ).json()["secret"]
    url = f"{API}/merchants/{merchant.id}/shops"
    key_headers = {"X-API-Key": secret, "Idempotency-Key": "shop-1"}
    first = pg_client.post(url, json={"name": "Via key"}, headers=key_headers)
    assert first.status_code == 201, first.text
    again = pg_client.post(url, json={"name": "Via key"}, headers=key_headers)
    assert again.headers["idempotent-replayed"] == "true"
    # A made-up key with the same prefix does not get the stored response.
    fake = secret[: secret.rindex("_") + 1] + "forged"
    forged = pg_client.post(
        url, json={"name": "Via key"}, headers={"X-API-Key": fake, "Idempotency-Key": "shop-1"}
    )
    assert forged.status_code == 401
    shops = pg_client.get(url, headers=merchant.headers).json()
    assert [s["name"] for s in shops].count("Via key") == 1
