"""Helpers that build users, admins and merchants through the real API (and services).

``client`` is a FastAPI ``TestClient``; ``app`` the ``marketplace.bootstrap.Marketplace``
container behind it.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from marketplace.bootstrap import Marketplace
from marketplace.db.schema import load_all_tables, metadata
from marketplace.parties import services

API = "/api/v1"
DEFAULT_PASSWORD = "Passw0rd-123"

_counter = itertools.count(1)


def unique_email(stem: str = "user") -> str:
    return f"{stem}-{next(_counter)}-{uuid.uuid4().hex[:8]}@example.com"


def _ok(response: Any, *expected: int) -> Any:
    assert response.status_code in (expected or (200, 201)), response.text
    return response.json() if response.content else None


def register_user(
    client: TestClient,
    *,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    display_name: str | None = None,
) -> dict[str, Any]:
    """Register a buyer; returns the user JSON."""
    body: dict[str, Any] = {"email": email or unique_email(), "password": password}
    if display_name is not None:
        body["display_name"] = display_name
    result: dict[str, Any] = _ok(client.post(f"{API}/auth/register", json=body), 201)
    return result


def login_tokens(
    client: TestClient, email: str, password: str = DEFAULT_PASSWORD
) -> dict[str, Any]:
    """The full token response (access_token, refresh_token, expires_in...)."""
    data = {"username": email, "password": password}
    result: dict[str, Any] = _ok(client.post(f"{API}/auth/token", data=data), 200)
    return result


def login(client: TestClient, email: str, password: str = DEFAULT_PASSWORD) -> dict[str, str]:
    """Headers for the user: ``{"Authorization": "Bearer ..."}``."""
    return {"Authorization": f"Bearer {login_tokens(client, email, password)['access_token']}"}


def new_user_headers(
    client: TestClient, *, stem: str = "user"
) -> tuple[dict[str, Any], dict[str, str]]:
    """Register a fresh user and log them in: (user JSON, headers)."""
    email = unique_email(stem)
    user = register_user(client, email=email)
    return user, login(client, email)


def make_platform_admin(client: TestClient, app: Marketplace) -> dict[str, str]:
    """Create a user, make them a platform admin through the service, return their headers."""
    email = unique_email("admin")
    register_user(client, email=email)
    services.create_platform_admin(email, None, uow=app.uow(), passwords=app.passwords)
    return login(client, email)


@dataclass
class MerchantFixture:
    id: str
    owner_user_id: str
    headers: dict[str, str]
    shop_id: str


def create_approved_merchant(
    client: TestClient,
    app: Marketplace,
    *,
    kind: str = "third_party",
    name: str | None = None,
    admin_headers: dict[str, str] | None = None,
) -> MerchantFixture:
    """Apply as a fresh owner, submit, have an admin approve, and open one shop."""
    owner, headers = new_user_headers(client, stem="owner")
    name = name or f"Merchant {next(_counter)}"
    merchant = _ok(
        client.post(f"{API}/merchants", json={"name": name, "kind": kind}, headers=headers), 201
    )
    mid = merchant["id"]
    _ok(client.post(f"{API}/merchants/{mid}/submit", headers=headers), 200)
    admin = admin_headers or make_platform_admin(client, app)
    _ok(client.post(f"{API}/admin/merchants/{mid}/approve", headers=admin), 200)
    shop = _ok(
        client.post(f"{API}/merchants/{mid}/shops", json={"name": f"{name} shop"}, headers=headers),
        201,
    )
    return MerchantFixture(id=mid, owner_user_id=owner["id"], headers=headers, shop_id=shop["id"])


def add_staff(
    client: TestClient, merchant: MerchantFixture
) -> tuple[dict[str, Any], dict[str, str]]:
    """Register a user and add them as staff of the merchant: (user JSON, headers)."""
    user, headers = new_user_headers(client, stem="staff")
    _ok(
        client.post(
            f"{API}/merchants/{merchant.id}/members",
            json={"email": user["email"]},
            headers=merchant.headers,
        ),
        201,
    )
    return user, headers


def issue_api_key(
    client: TestClient, merchant: MerchantFixture, *, name: str | None = None
) -> dict[str, Any]:
    """Issue an API key for the merchant; the JSON includes the one-time ``secret``."""
    body = {"name": name or f"key-{next(_counter)}"}
    result: dict[str, Any] = _ok(
        client.post(f"{API}/merchants/{merchant.id}/api-keys", json=body, headers=merchant.headers),
        201,
    )
    return result


def api_key_headers(secret: str) -> dict[str, str]:
    return {"X-API-Key": secret}


def db_snapshot(app: Marketplace) -> dict[str, tuple[int, str]]:
    """Row count and a hash of the rows of every table, to assert that nothing changed."""
    load_all_tables()
    snapshot: dict[str, tuple[int, str]] = {}
    with app.engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = sorted(repr(tuple(row)) for row in conn.execute(select(table)))
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            snapshot[table.name] = (len(rows), digest)
    return snapshot


def drain_events(app: Marketplace) -> int:
    """Relay (when the app has a Redis stream) and run every consumer group until nothing
    is left; returns how many events the groups handled."""
    from serving.events_worker import run_once

    handled = 0
    while True:
        result = run_once(app, relay_events=app.events.has_stream, dispatch=True, deliver=False)
        handled += result.dispatched
        if not (result.relayed or result.dispatched):
            return handled


def race(count: int, work: Callable[[int], Any], *, timeout: float = 120) -> list[Any]:
    """Run ``work(i)`` on ``count`` threads released together; results or exceptions."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # collected and asserted on by the caller
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    return results
