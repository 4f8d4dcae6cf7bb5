"""Over HTTP: behaviour events posted in batches, anonymous sessions linked at login, and
purchase events written by the order path once an order is paid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from marketplace.behaviour.adapters.tables import behaviour_events, behaviour_sessions
from marketplace.behaviour.services import PURCHASES
from marketplace.bootstrap import Marketplace
from marketplace.events.adapters.tables import event_consumer_offsets
from serving.events_worker import run_once
from tests.e2e.catalog_api import API, open_shop, problem
from tests.e2e.test_checkout_payment import _pay_sandbox, _place, _shops, _stocked_sku
from tests.factories import (
    db_snapshot,
    issue_api_key,
    login,
    login_tokens,
    new_user_headers,
    register_user,
    unique_email,
)

SESSION = "anon_7Kq2mX9pLw"


def _at(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def _view(**fields: Any) -> dict[str, Any]:
    return {"type": "view", "occurred_at": _at(minutes=1), "session_id": SESSION,
            "product_id": "prod_01JD3X8Q6V9M2K4N7P0R5T8W1Y", **fields}  # fmt: skip


def _rows(app: Marketplace) -> list[Any]:
    with app.engine.connect() as conn:
        return list(conn.execute(select(behaviour_events).order_by(behaviour_events.c.id)))


@pytest.fixture(params=["sqlite", "postgres"])
def api(request: pytest.FixtureRequest) -> tuple[TestClient, Marketplace]:
    name = request.param
    if name == "postgres":
        request.applymarker(pytest.mark.postgres)
    client = request.getfixturevalue(f"{'pg' if name == 'postgres' else 'sqlite'}_client")
    app = request.getfixturevalue(f"{'pg' if name == 'postgres' else 'sqlite'}_app")
    return client, app


def test_a_mixed_batch_keeps_the_good_events_and_reports_each_bad_one(
    api: tuple[TestClient, Marketplace],
) -> None:
    client, app = api
    user, headers = new_user_headers(client)
    batch = [
        _view(id="a0000000-0000-4000-8000-000000000001"),
        {"type": "search", "occurred_at": _at(seconds=30), "session_id": SESSION,
         "query": "green tea", "results": ["prod_1", "prod_2"], "attribution_id": "srch_1"},
        _view(user_id="usr_someone_else"),
        {"type": "add_to_cart", "occurred_at": _at(seconds=5), "session_id": SESSION,
         "sku_id": "sku_1", "quantity": 0},
        _view(occurred_at=_at(days=8)),
        "not an event",
        {"type": "click", "occurred_at": _at(seconds=1), "session_id": SESSION,
         "product_id": "prod_2", "position": 1, "attribution_id": "srch_1"},
    ]  # fmt: skip
    response = client.post(f"{API}/events", json={"events": batch}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (3, 0, 4)
    assert [(e["index"], e["code"], e["field"]) for e in body["errors"]] == [
        (2, "field_not_allowed", "user_id"), (3, "invalid_quantity", "quantity"),
        (4, "timestamp_too_old", "occurred_at"), (5, "not_an_object", None),
    ]  # fmt: skip
    rows = _rows(app)
    assert sorted(r.type for r in rows) == ["click", "search", "view"]
    assert {r.user_id for r in rows} == {user["id"]}  # the signed-in caller, never the body

    again = client.post(f"{API}/events", json={"events": batch[:1]}, headers=headers).json()
    assert (again["accepted"], again["duplicates"]) == (0, 1)  # a retry is written once
    assert len(_rows(app)) == 3


def test_a_batch_over_the_limit_is_refused_and_nothing_is_written(
    sqlite_client: TestClient, sqlite_app: Marketplace
) -> None:
    before = db_snapshot(sqlite_app)
    body = problem(sqlite_client.post(f"{API}/events", json={"events": [_view()] * 501}),
                   413, "batch_too_large")  # fmt: skip
    assert body["max_events"] == 500
    problem(sqlite_client.post(f"{API}/events", json={"event": []}), 422,
            "request_validation_failed")  # fmt: skip
    assert db_snapshot(sqlite_app) == before


def test_merchant_api_keys_cannot_post_shopper_events(
    sqlite_client: TestClient, sqlite_app: Marketplace
) -> None:
    shop = open_shop(sqlite_client, sqlite_app)
    secret = issue_api_key(sqlite_client, shop.merchant)["secret"]
    refused = sqlite_client.post(
        f"{API}/events", json={"events": [_view()]}, headers={"X-API-Key": secret}
    )
    problem(refused, 403, "api_key_not_allowed")
    assert _rows(sqlite_app) == []  # (the key's last-used time is all that moved)


def test_anonymous_events_then_login_links_the_session(
    sqlite_client: TestClient, sqlite_app: Marketplace
) -> None:
    client, app = sqlite_client, sqlite_app
    anonymous = client.post(f"{API}/events", json={"events": [_view()]}).json()
    assert anonymous["accepted"] == 1
    assert [r.user_id for r in _rows(app)] == [None]  # only the session id

    email = unique_email("linker")
    user = register_user(client, email=email)
    login(client, email)  # without the header: nothing is linked
    with app.engine.connect() as conn:
        assert conn.execute(select(behaviour_sessions)).all() == []
    form = {"username": email, "password": "Passw0rd-123"}
    bad = client.post(f"{API}/auth/token", data=form, headers={"X-Agora-Session": "no good!"})
    assert bad.status_code == 200  # a malformed header does not break login
    tokens = client.post(f"{API}/auth/token", data=form, headers={"X-Agora-Session": SESSION})
    assert tokens.status_code == 200
    assert tokens.json()["access_token"]

    other = register_user(client)
    login_tokens(client, other["email"])
    client.post(f"{API}/auth/token", headers={"X-Agora-Session": SESSION},
                data={"username": other["email"], "password": "Passw0rd-123"})  # fmt: skip
    with app.engine.connect() as conn:
        links = [(r.session_id, r.user_id) for r in conn.execute(select(behaviour_sessions))]
    assert links == [(SESSION, user["id"])]  # the first user keeps it


def _consume(app: Marketplace) -> None:
    """One round of the events worker: relay (with Redis), then every consumer group."""
    run_once(app, relay_events=app.events.has_stream, dispatch=True, deliver=False)


def test_a_paid_order_writes_one_purchase_event_per_line_once(
    api: tuple[TestClient, Marketplace],
) -> None:
    client, app = api
    shops = _shops(client, app, 2)  # two merchants: two orders, one payment
    skus = [_stocked_sku(shop, price) for shop, price in zip(shops, ["30.00", "12.50"],
                                                              strict=True)]  # fmt: skip
    buyer, headers = new_user_headers(client)
    group = _place(client, headers, skus)  # 2 of each
    _consume(app)
    assert _rows(app) == []  # placed, not paid: no purchase yet

    _pay_sandbox(client, headers, group["id"], "succeed")
    _consume(app)
    rows = _rows(app)
    assert sorted((r.sku_id, r.quantity, r.price_minor, r.currency) for r in rows) == sorted(
        [(skus[0], 2, 3000, "CNY"), (skus[1], 2, 1250, "CNY")]
    )
    orders = {o["id"]: o["merchant_id"] for o in group["orders"]}
    assert {(r.order_id, r.merchant_id) for r in rows} == set(orders.items())
    assert {(r.type, r.source, r.user_id, r.session_id) for r in rows} == {
        ("purchase", "order", buyer["id"], group["id"])
    }

    if not app.events.has_stream:
        # Delivered again (the group's offset lost): the same rows, nothing new.
        with app.engine.begin() as conn:
            conn.execute(delete(event_consumer_offsets)
                         .where(event_consumer_offsets.c.consumer_group == PURCHASES))  # fmt: skip
    _consume(app)
    assert [tuple(r) for r in _rows(app)] == [tuple(r) for r in rows]
