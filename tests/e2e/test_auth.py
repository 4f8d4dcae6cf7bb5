"""Accounts and sessions over HTTP: register, log in, refresh, log out, me."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace, bootstrap
from marketplace.shared.clock import FixedClock
from serving.api.app import create_app
from tests.factories import (
    API,
    DEFAULT_PASSWORD,
    add_staff,
    api_key_headers,
    create_approved_merchant,
    db_snapshot,
    issue_api_key,
    login,
    login_tokens,
    register_user,
    unique_email,
)


def _problem(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict = response.json()
    assert body["code"] == code, body
    return body


@pytest.fixture(params=["pg", "sqlite"])
def client_app(request: pytest.FixtureRequest) -> tuple[TestClient, Marketplace]:
    name = request.param
    return request.getfixturevalue(f"{name}_client"), request.getfixturevalue(f"{name}_app")


@pytest.fixture
def clocked(
    pg_app: Marketplace, clock: FixedClock
) -> Iterator[tuple[TestClient, Marketplace, FixedClock]]:
    """The PostgreSQL app with a clock the test moves."""
    app = bootstrap(pg_app.settings, engine=pg_app.engine, cache=pg_app.cache, clock=clock)
    with TestClient(create_app(app)) as client:
        yield client, app, clock


def test_register_login_me(client_app: tuple[TestClient, Marketplace]) -> None:
    client, _ = client_app
    email = unique_email()
    user = register_user(client, email=email.upper(), display_name="Li Wei")
    assert user["email"] == email
    assert user["display_name"] == "Li Wei"
    assert user["member_level"] == "regular"
    assert user["is_platform_admin"] is False
    assert "password" not in str(user)

    tokens = login_tokens(client, email.upper())
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 900
    me = client.get(f"{API}/auth/me", headers=login(client, email))
    assert me.status_code == 200, me.text
    assert me.json()["id"] == user["id"]
    assert me.json()["memberships"] == []


def test_me_lists_memberships(pg_client: TestClient, pg_app: Marketplace) -> None:
    merchant = create_approved_merchant(pg_client, pg_app, name="Tea House")
    staff, staff_headers = add_staff(pg_client, merchant)
    owner_me = pg_client.get(f"{API}/auth/me", headers=merchant.headers).json()
    assert owner_me["memberships"] == [
        {"merchant_id": merchant.id, "merchant_name": "Tea House",
         "merchant_status": "approved", "role": "merchant_owner"}
    ]  # fmt: skip
    staff_me = pg_client.get(f"{API}/auth/me", headers=staff_headers).json()
    assert staff_me["id"] == staff["id"]
    assert [m["role"] for m in staff_me["memberships"]] == ["merchant_staff"]


def test_email_taken(client_app: tuple[TestClient, Marketplace]) -> None:
    client, app = client_app
    email = unique_email()
    register_user(client, email=email)
    before = db_snapshot(app)
    body = {"email": email.upper(), "password": DEFAULT_PASSWORD}
    _problem(client.post(f"{API}/auth/register", json=body), 409, "email_taken")
    assert db_snapshot(app) == before


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"email": "a@example.com", "password": "short1"}, "weak_password"),
        ({"email": "a@example.com", "password": "no-digits-here"}, "weak_password"),
        ({"email": "not-an-email", "password": DEFAULT_PASSWORD}, "invalid_email"),
        ({"email": "a@example.com"}, "request_validation_failed"),
    ],
)
def test_register_refuses_bad_input(pg_client: TestClient, pg_app: Marketplace, body, code) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot(pg_app)
    _problem(pg_client.post(f"{API}/auth/register", json=body), 422, code)
    assert db_snapshot(pg_app) == before


def test_wrong_password_and_unknown_user(pg_client: TestClient, pg_app: Marketplace) -> None:
    email = unique_email()
    register_user(pg_client, email=email)
    before = db_snapshot(pg_app)
    for username, password in [(email, "Wrong-pass1"), (unique_email(), DEFAULT_PASSWORD)]:
        response = pg_client.post(
            f"{API}/auth/token", data={"username": username, "password": password}
        )
        _problem(response, 401, "invalid_credentials")
        assert response.headers["www-authenticate"] == "Bearer"
    assert db_snapshot(pg_app) == before


def test_refresh_rotates_and_reuse_closes_the_session(
    pg_client: TestClient, pg_app: Marketplace
) -> None:
    email = unique_email()
    register_user(pg_client, email=email)
    first = login_tokens(pg_client, email)
    second = pg_client.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    pair = second.json()
    assert pair["refresh_token"] != first["refresh_token"]
    me = pg_client.get(
        f"{API}/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}"}
    )
    assert me.status_code == 200

    # The first token comes back: someone kept a copy. The whole session is closed.
    reused = pg_client.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    _problem(reused, 401, "refresh_token_reused")
    after = pg_client.post(f"{API}/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    _problem(after, 401, "invalid_refresh_token")


def test_logout_revokes_the_refresh_token(pg_client: TestClient, pg_app: Marketplace) -> None:
    email = unique_email()
    register_user(pg_client, email=email)
    tokens = login_tokens(pg_client, email)
    other = login_tokens(pg_client, email)  # another device
    response = pg_client.post(f"{API}/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 204
    gone = pg_client.post(f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    _problem(gone, 401, "invalid_refresh_token")
    still = pg_client.post(f"{API}/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert still.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Key": "agora_000000000000_nope"},
        {"X-API-Key": "garbage"},
    ],
)
def test_me_needs_valid_credentials(pg_client: TestClient, headers: dict[str, str]) -> None:
    response = pg_client.get(f"{API}/auth/me", headers=headers)
    _problem(response, 401, "not_authenticated")
    assert response.headers["www-authenticate"] == "Bearer"


def test_api_keys_cannot_act_as_users(pg_client: TestClient, pg_app: Marketplace) -> None:
    merchant = create_approved_merchant(pg_client, pg_app)
    key = issue_api_key(pg_client, merchant)
    headers = api_key_headers(key["secret"])
    _problem(pg_client.get(f"{API}/auth/me", headers=headers), 403, "api_key_not_allowed")
    before = db_snapshot(pg_app)
    response = pg_client.post(f"{API}/merchants", json={"name": "Via key"}, headers=headers)
    _problem(response, 403, "api_key_not_allowed")
    assert db_snapshot(pg_app) == before


def test_access_tokens_expire(clocked: tuple[TestClient, Marketplace, FixedClock]) -> None:
    client, app, clock = clocked
    email = unique_email()
    register_user(client, email=email)
    tokens = login_tokens(client, email)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get(f"{API}/auth/me", headers=headers).status_code == 200
    clock.advance(timedelta(seconds=app.settings.access_token_ttl_seconds))
    expired = _problem(client.get(f"{API}/auth/me", headers=headers), 401, "not_authenticated")
    assert expired["reason"] == "token_expired"
    # The refresh token still works, and gives a fresh access token.
    fresh = client.post(f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert fresh.status_code == 200
    new_headers = {"Authorization": f"Bearer {fresh.json()['access_token']}"}
    assert client.get(f"{API}/auth/me", headers=new_headers).status_code == 200


def test_refresh_tokens_expire(clocked: tuple[TestClient, Marketplace, FixedClock]) -> None:
    client, app, clock = clocked
    email = unique_email()
    register_user(client, email=email)
    tokens = login_tokens(client, email)
    clock.advance(timedelta(seconds=app.settings.refresh_token_ttl_seconds))
    response = client.post(f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    _problem(response, 401, "invalid_refresh_token")


def test_openapi_documents_the_auth_flow(pg_client: TestClient) -> None:
    spec = pg_client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("type") == "oauth2" for s in schemes.values())
    assert any(s.get("type") == "apiKey" for s in schemes.values())
    assert "examples" in spec["components"]["schemas"]["UserCreate"]
