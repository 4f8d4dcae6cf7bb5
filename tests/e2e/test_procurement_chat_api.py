"""The procurement agent over HTTP, on SQLite and PostgreSQL: a buyer's conversation
streamed as Server-Sent Events to a confirmation request; a stale hash is refused with
409 problem+json and nothing is placed; the right hash places the order once, a retry
returns the same order; another user is refused with 403."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from marketplace.procurement.domain import DraftStatus
from marketplace.shared.clock import FixedClock
from serving.api.app import create_app
from tests.integration.procurement.conftest import _b2b
from tests.integration.procurement.seed import B2B
from tests.integration.procurement_agent.world import World, add_bolt_suppliers, requests_of

BASE = "/api/v1/procurement/conversations"
EN = "I need 500 stainless M8 bolts delivered to Shanghai within 10 days"


@pytest.fixture
def world(any_engine: Engine, clock: FixedClock) -> World:
    return add_bolt_suppliers(_b2b(any_engine, clock))


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.b2b.app)) as c:
        yield c


def headers(b2b: B2B, user_id: str) -> dict[str, str]:
    app = b2b.app
    with app.uow() as uow:
        user = uow.users.get(user_id)
    assert user is not None
    token = app.tokens.issue(user, now=app.clock.now()).token
    return {"Authorization": f"Bearer {token}"}


def events_of(response: Any) -> list[tuple[str, dict[str, Any]]]:
    """Parse a text/event-stream body into (event, data) pairs."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    parsed = []
    for block in response.text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        parsed.append((fields["event"], json.loads(fields["data"])))
    assert parsed[-1][0] == "done"
    return parsed


def of(events: list[tuple[str, dict[str, Any]]], name: str) -> list[dict[str, Any]]:
    return [data for event, data in events if event == name]


def test_a_buyer_orders_through_the_chat_api(world: World, client: TestClient) -> None:
    b2b = world.b2b
    buyer = headers(b2b, b2b.buyer_id)
    created = client.post(BASE, headers=buyer, json={"company_id": b2b.company_id, "locale": "en"})
    assert created.status_code == 201, created.text
    url = f"{BASE}/{created.json()['id']}"

    first = events_of(client.post(f"{url}/messages", headers=buyer, json={"text": EN}))
    assert [s["tool"] for s in of(first, "step")] == ["search_offers", "compare_offers"]
    assert [s["kind"] for s in of(first, "step")] == ["read", "read"]
    assert "".join(t["text"] for t in of(first, "token")) == of(first, "message")[0]["text"]
    second = events_of(client.post(f"{url}/messages", headers=buyer, json={"text": "yes"}))
    [request] = of(second, "confirmation_required")
    assert request["lines"][0]["quantity"] == 500
    assert request["budget"]["status"] == "within_budget"
    assert client.get(url, headers=buyer).json()["pending_confirmation"]["draft_id"] == (
        request["draft_id"])  # fmt: skip

    other = headers(b2b, b2b.approver_id)
    denied = client.post(f"{url}/messages", headers=other, json={"text": "yes"})
    assert denied.status_code == 403
    assert denied.json()["code"] == "not_your_conversation"
    assert denied.headers["content-type"] == "application/problem+json"
    forged = {"draft_id": request["draft_id"], "content_hash": "0" * 64}
    stale = client.post(f"{url}/confirm", headers=buyer, json=forged)
    assert stale.status_code == 409
    assert stale.json()["code"] == "confirmation_hash_mismatch"
    assert requests_of(b2b) == []

    body = {"draft_id": request["draft_id"], "content_hash": request["content_hash"]}
    done = events_of(client.post(f"{url}/confirm", headers=buyer, json=body))
    [outcome] = of(done, "outcome")
    assert outcome["status"] == "ordered"
    again = events_of(client.post(f"{url}/confirm", headers=buyer, json=body))
    assert of(again, "outcome") == [outcome]
    assert requests_of(b2b) == [(outcome["purchase_request_id"], "ordered")]
    assert b2b.get(request["draft_id"]).status is DraftStatus.ORDERED
    view = client.get(url, headers=buyer).json()
    assert view["pending_confirmation"] is None
    assert view["messages"][-1]["role"] == "agent"
    assert client.get(url, headers=other).status_code == 403


def test_reject_over_http_orders_nothing(world: World, client: TestClient) -> None:
    b2b = world.b2b
    buyer = headers(b2b, b2b.buyer_id)
    conv = client.post(BASE, headers=buyer, json={"company_id": b2b.company_id}).json()["id"]
    url = f"{BASE}/{conv}"
    events_of(
        client.post(
            f"{url}/messages",
            headers=buyer,
            json={"text": "帮我找500个不锈钢M8螺栓，10天内送到上海"},
        )
    )
    [request] = of(events_of(client.post(f"{url}/messages", headers=buyer, json={"text": "好的"})),
                   "confirmation_required")  # fmt: skip
    rejected = events_of(client.post(f"{url}/reject", headers=buyer,
                                     json={"draft_id": request["draft_id"]}))  # fmt: skip
    assert of(rejected, "message")[0]["text"].startswith("好的，没有下单")
    assert requests_of(b2b) == []
    late = client.post(f"{url}/confirm", headers=buyer, json={
        "draft_id": request["draft_id"], "content_hash": request["content_hash"]})  # fmt: skip
    assert late.status_code == 409
    assert late.json()["code"] == "confirmation_not_pending"
    outsider = client.post(BASE, headers=headers(b2b, b2b.market.buyer()),
                           json={"company_id": b2b.company_id})  # fmt: skip
    assert outsider.status_code == 403
