"""Merchant webhooks over HTTP, end to end: register through the API, change prices
through the API, run the events workers (relay to Redis and a consumer group on
PostgreSQL; the outbox table on SQLite), and a real local receiver checks signatures.
Each refusal checks the problem ``code`` and that nothing changed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace, bootstrap
from marketplace.shared.clock import FixedClock
from serving import events_worker
from serving.api.app import create_app
from tests.e2e import catalog_api
from tests.factories import API, add_staff, db_snapshot
from tests.webhook_receiver import Receiver, running_receiver


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def _problem(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code, response.json()


@dataclass
class Env:
    client: TestClient
    app: Marketplace
    clock: FixedClock
    receiver: Receiver
    shop: catalog_api.Shop
    sku: str

    @property
    def hooks(self) -> str:
        return f"{API}/merchants/{self.shop.merchant.id}/webhooks"

    @property
    def headers(self) -> dict[str, str]:
        return self.shop.merchant.headers

    def register(self, **body: Any) -> dict[str, Any]:
        body = {"url": self.receiver.url, "topics": ["price.changed"]} | body
        created: dict[str, Any] = _ok(
            self.client.post(self.hooks, json=body, headers=self.headers), 201
        )
        return created

    def reprice(self, amount: str) -> None:
        self.shop.set_prices(self.sku, amount)

    def work(self) -> events_worker.RoundResult:
        """One round of the events workers, as ``agora events work`` runs them."""
        return events_worker.run_once(
            self.app, relay_events=self.app.events.has_stream, dispatch=True, deliver=True
        )


@pytest.fixture(params=["sqlite", "postgres"])
def env(request: pytest.FixtureRequest) -> Iterator[Env]:
    name = "pg_app" if request.param == "postgres" else "sqlite_app"
    base: Marketplace = request.getfixturevalue(name)
    settings = base.settings.model_copy(
        update={"webhook_allow_private_networks": True, "webhook_backoff_base_seconds": 10,
                "webhook_max_attempts": 3, "webhook_timeout_seconds": 3}
    )  # fmt: skip
    clock = FixedClock()
    app = bootstrap(settings, engine=base.engine, cache=base.cache, clock=clock)
    receiver = Receiver(now=lambda: clock.now().timestamp())
    with running_receiver(receiver), TestClient(create_app(app)) as client:
        shop = catalog_api.open_shop(client, app)
        _, sku = shop.listed_product("10.00")
        clock.advance(timedelta(seconds=1))  # the webhooks come after the shop's setup
        yield Env(client, app, clock, receiver, shop, sku)
    app.events.close()


def test_a_registered_endpoint_receives_signed_events(env: Env) -> None:
    created = env.register(description="ERP")
    assert created["secret"].startswith("whsec_")
    env.receiver.secrets.append(created["secret"])
    listed = _ok(env.client.get(env.hooks, headers=env.headers))
    assert [w["id"] for w in listed["items"]] == [created["id"]]
    one = _ok(env.client.get(f"{env.hooks}/{created['id']}", headers=env.headers))
    assert "secret" not in one
    assert "secret" not in listed["items"][0]
    assert (one["topics"], one["description"], one["is_active"]) == (["price.changed"], "ERP", True)

    env.reprice("12.30")
    result = env.work()
    assert result.dispatched >= 1  # every event read, this one and the shop's setup
    assert result.attempted == 1
    [request] = env.receiver.requests
    assert request.verified
    assert request.headers["agora-topic"] == "price.changed"
    body = json.loads(request.body)
    assert body["id"] == request.headers["agora-event-id"]
    assert body["merchant_id"] == env.shop.merchant.id
    assert body["data"]["sku_id"] == env.sku
    assert body["data"]["prices"]["list_price"] == {"amount": "12.30", "currency": "CNY"}
    assert body["data"]["previous"]["list_price"] == {"amount": "10.00", "currency": "CNY"}

    page = _ok(env.client.get(f"{env.hooks}/{created['id']}/deliveries", headers=env.headers))
    [delivery] = page["items"]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == (
        "succeeded", 1, 200,
    )  # fmt: skip
    assert delivery["event_id"] == body["id"]
    assert env.work() == events_worker.RoundResult(0, 0, 0)  # nothing twice


def test_a_receiver_failing_twice_gets_retries_with_backoff_all_logged(env: Env) -> None:
    created = env.register()
    env.receiver.secrets.append(created["secret"])
    env.receiver.fail_first = 2
    env.reprice("11.00")
    assert env.work().attempted == 1
    deliveries = f"{env.hooks}/{created['id']}/deliveries"
    [pending] = _ok(env.client.get(deliveries, headers=env.headers))["items"]
    assert (pending["status"], pending["last_status_code"], pending["last_error"]) == (
        "pending", 500, "HTTP 500",
    )  # fmt: skip
    env.clock.advance(timedelta(seconds=20))  # 10 * 2**1 s (jitter only shortens it)
    assert env.work().attempted == 1
    env.clock.advance(timedelta(seconds=40))  # 10 * 2**2 s
    assert env.work().attempted == 1
    detail = _ok(env.client.get(f"{deliveries}/{pending['id']}", headers=env.headers))
    assert detail["status"] == "succeeded"
    assert [(a["attempt"], a["status_code"]) for a in detail["attempt_log"]] == [
        (1, 500), (2, 500), (3, 200),
    ]  # fmt: skip
    assert detail["attempt_log"][0]["error"] == "HTTP 500"
    assert detail["attempt_log"][0]["response_excerpt"].startswith("nope")
    assert detail["attempt_log"][2]["response_excerpt"] == '{"ok":true}'
    assert detail["body"]["topic"] == "price.changed"
    assert all(r.verified for r in env.receiver.requests)
    assert len({r.headers["agora-event-id"] for r in env.receiver.requests}) == 1

    # A merchant may send it again by hand; the receiver dedupes on the event id.
    retried = env.client.post(f"{deliveries}/{pending['id']}/retry", headers=env.headers)
    assert _ok(retried, 202)["status"] == "pending"
    assert env.work().attempted == 1
    assert len(env.receiver.requests) == 4


def test_rotating_the_secret_keeps_the_old_one_signing_for_the_grace_period(env: Env) -> None:
    created = env.register()
    old = created["secret"]
    env.receiver.secrets.append(old)
    rotated = _ok(
        env.client.post(f"{env.hooks}/{created['id']}/rotate-secret", headers=env.headers)
    )
    assert rotated["secret"] != old
    assert rotated["previous_secret_expires_at"] is not None
    env.reprice("13.00")
    env.work()
    assert [r.verified for r in env.receiver.requests] == [True]  # still the old secret
    assert env.receiver.requests[0].headers["agora-signature"].count("v1=") == 2

    again = env.client.post(f"{env.hooks}/{created['id']}/rotate-secret", headers=env.headers,
                            json={"previous_secret_valid_seconds": 0})  # fmt: skip
    newest = _ok(again)["secret"]
    env.reprice("14.00")
    env.work()
    assert env.receiver.requests[-1].answered == 401  # the old secret no longer verifies
    env.receiver.secrets.append(newest)
    env.clock.advance(timedelta(seconds=20))
    env.work()
    assert env.receiver.requests[-1].verified


def test_pausing_and_deleting_a_webhook(env: Env) -> None:
    created = env.register()
    url = f"{env.hooks}/{created['id']}"
    env.receiver.secrets.append(created["secret"])
    patched = _ok(env.client.patch(url, json={"is_active": False, "topics": ["order.paid",
                                                                                 "price.changed"]},
                                   headers=env.headers))  # fmt: skip
    assert (patched["is_active"], patched["topics"]) == (False, ["order.paid", "price.changed"])
    env.reprice("15.00")
    assert env.work().attempted == 0
    assert env.receiver.requests == []
    _ok(env.client.delete(url, headers=env.headers), 204)
    _problem(env.client.get(url, headers=env.headers), 404, "webhook_not_found")
    assert _ok(env.client.get(env.hooks, headers=env.headers))["items"] == []


def test_bad_requests_are_refused_and_change_nothing(env: Env) -> None:
    created = env.register()
    url = f"{env.hooks}/{created['id']}"
    _, staff = add_staff(env.client, env.shop.merchant)
    before = db_snapshot(env.app)
    post = env.client.post
    for body, status, code in [
        ({"url": "ftp://example.com/x", "topics": ["order.paid"]}, 422, "invalid_webhook_url"),
        ({"url": "https://a:b@example.com/", "topics": ["order.paid"]}, 422,
         "invalid_webhook_url"),
        ({"url": "https://example.com/", "topics": ["order.exploded"]}, 422,
         "invalid_webhook_topics"),
        ({"url": "https://example.com/", "topics": []}, 422, "request_validation_failed"),
        ({"url": "https://example.com/", "topics": ["order.paid"], "secret": "mine"}, 422,
         "request_validation_failed"),
    ]:  # fmt: skip
        _problem(post(env.hooks, json=body, headers=env.headers), status, code)
    ok_body = {"url": "https://example.com/", "topics": ["order.paid"]}
    _problem(post(env.hooks, json=ok_body, headers=staff), 403, "merchant_owner_required")
    _problem(env.client.patch(url, json={"url": None}, headers=env.headers), 422,
             "request_validation_failed")  # fmt: skip
    _problem(env.client.patch(url, json={"url": "gopher://x"}, headers=env.headers), 422,
             "invalid_webhook_url")  # fmt: skip
    _problem(env.client.delete(url, headers=staff), 403, "merchant_owner_required")
    _problem(post(f"{url}/rotate-secret", json={"previous_secret_valid_seconds": -1},
                  headers=env.headers), 422, "request_validation_failed")  # fmt: skip
    _problem(post(f"{url}/deliveries/whd_01JD3XB7C8D9E0F1G2H3J4K5M6/retry", headers=staff),
             404, "webhook_delivery_not_found")  # fmt: skip
    _problem(env.client.get(f"{url}/deliveries", params={"cursor": "nonsense"},
                            headers=env.headers), 400, "invalid_cursor")  # fmt: skip
    assert db_snapshot(env.app) == before


def test_a_merchant_has_at_most_sixteen_webhooks(env: Env) -> None:
    for i in range(16):
        env.register(url=f"https://hooks{i}.example.com/agora")
    before = db_snapshot(env.app)
    body = {"url": "https://one-more.example.com/", "topics": ["order.paid"]}
    _problem(env.client.post(env.hooks, json=body, headers=env.headers), 409,
             "webhook_limit_reached")  # fmt: skip
    assert db_snapshot(env.app) == before
    first = _ok(env.client.get(env.hooks, params={"limit": 10}, headers=env.headers))
    rest = _ok(env.client.get(env.hooks, params={"limit": 10, "cursor": first["next_cursor"]},
                              headers=env.headers))  # fmt: skip
    assert (len(first["items"]), len(rest["items"]), rest["next_cursor"]) == (10, 6, None)


def test_deliveries_page_newest_first_with_a_status_filter(env: Env) -> None:
    created = env.register()
    env.receiver.secrets.append(created["secret"])
    for amount in ("20.00", "21.00", "22.00"):
        env.reprice(amount)
        env.clock.advance(timedelta(seconds=1))
    env.work()
    deliveries = f"{env.hooks}/{created['id']}/deliveries"
    first = _ok(env.client.get(deliveries, params={"limit": 2}, headers=env.headers))
    rest = _ok(env.client.get(deliveries, params={"limit": 2, "cursor": first["next_cursor"]},
                              headers=env.headers))  # fmt: skip
    items = first["items"] + rest["items"]
    assert [d["id"] for d in items] == sorted((d["id"] for d in items), reverse=True)
    assert len(items) == 3
    assert rest["next_cursor"] is None
    failed = _ok(env.client.get(deliveries, params={"status": "failed"}, headers=env.headers))
    assert failed["items"] == []


def test_with_the_guard_on_internal_urls_are_refused(
    sqlite_client: TestClient, sqlite_app: Marketplace
) -> None:
    shop = catalog_api.open_shop(sqlite_client, sqlite_app)
    hooks = f"{API}/merchants/{shop.merchant.id}/webhooks"
    before = db_snapshot(sqlite_app)
    for url in ("http://localhost:8080/x", "http://169.254.169.254/latest", "http://[::1]/",
                "http://10.0.0.8/hook"):  # fmt: skip
        response = sqlite_client.post(
            hooks, json={"url": url, "topics": ["order.paid"]}, headers=shop.merchant.headers
        )
        _problem(response, 422, "invalid_webhook_url")
    assert db_snapshot(sqlite_app) == before
