"""The B2B buyer's pages over HTTP (TestClient on PostgreSQL): only company members reach
them (others get a clear page), a conversation only its own buyer, approvals only the
company's approvers; an order the chat sends for approval is approved in the inbox and
shows as ordered on the purchase orders page; both languages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace
from serving.api.app import create_app
from tests.browser.b2b_world import EN_ASK, People, require_approval_over, seed
from tests.factories import API, DEFAULT_PASSWORD, register_user, unique_email
from tests.integration.procurement_agent.world import World

CHAT = f"{API}/procurement/conversations"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def web(pg_app: Marketplace) -> Iterator[tuple[World, People, TestClient]]:
    world, people = seed(pg_app)
    with TestClient(create_app(pg_app), follow_redirects=False) as client:
        yield world, people, client


def sign_in(client: TestClient, email: str) -> None:
    client.cookies.delete("agora_access")
    client.cookies.delete("agora_refresh")
    client.get("/login")
    form = {"email": email, "password": DEFAULT_PASSWORD, "next": "/",
            "csrf": client.cookies["agora_csrf"]}  # fmt: skip
    assert client.post("/login", data=form).status_code == 303


def csrf(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.cookies["agora_csrf"]}


def events(response: Any) -> list[tuple[str, dict[str, Any]]]:
    assert response.status_code == 200, response.text
    parsed = []
    for block in response.text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        parsed.append((fields["event"], json.loads(fields["data"])))
    return parsed


def test_signed_out_readers_are_sent_to_sign_in(web: tuple[World, People, TestClient]) -> None:
    _, _, client = web
    for path in ("/b2b/chat", "/b2b/approvals", "/b2b/orders"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


def test_a_user_of_no_company_gets_a_clear_page(web: tuple[World, People, TestClient]) -> None:
    _, _, client = web
    email = unique_email()
    register_user(client, email=email)
    sign_in(client, email)
    for path in ("/b2b/chat", "/b2b/orders", "/b2b/approvals"):
        page = client.get(path, headers={"accept-language": "en"})
        assert page.status_code == 403, path
        assert "Procurement is for company buyers" in page.text
    zh = client.get("/b2b/chat?lang=zh")
    assert "企业采购仅限企业成员使用" in zh.text


def test_the_chat_page_in_both_languages_and_only_for_its_buyer(
    web: tuple[World, People, TestClient],
) -> None:
    world, people, client = web
    b2b = world.b2b
    sign_in(client, people.buyer)
    en = client.get("/b2b/chat?lang=en")
    assert en.status_code == 200
    assert '<h1 id="chat-title">Procurement assistant</h1>' in en.text
    assert 'for="chat-input">Your message<' in en.text
    assert "/static/b2b-chat.js" in en.text
    zh = client.get("/b2b/chat?lang=zh")
    assert "采购助手" in zh.text
    assert "您的消息" in zh.text
    assert '"locale": "zh"' in zh.text  # a new conversation speaks the page's language

    mine = b2b.conversation()
    page = client.get(f"/b2b/chat/{mine}")
    assert page.status_code == 200
    assert f'"conversation_id": "{mine}"' in page.text
    assert f'href="/b2b/chat/{mine}"' in page.text  # in the recent list

    sign_in(client, people.approver)  # same company, not this conversation's buyer
    refused = client.get(f"/b2b/chat/{mine}", headers={"accept-language": "en"})
    assert refused.status_code == 403
    assert "not_your_conversation" in refused.text
    assert client.get("/b2b/chat/conv_nope").status_code == 404


def test_approvals_are_for_approvers_only(web: tuple[World, People, TestClient]) -> None:
    _world, people, client = web
    sign_in(client, people.buyer)  # a requester
    orders = client.get("/b2b/orders?lang=en")
    assert orders.status_code == 200
    assert 'href="/b2b/approvals"' not in orders.text
    assert 'href="/b2b/rfqs"' in orders.text
    assert 'href="/b2b/invoices"' in orders.text
    refused = client.get("/b2b/approvals")
    assert refused.status_code == 403
    assert "company_role_required" in refused.text
    posted = client.post("/b2b/approvals/pr_x", data={"decision": "approve"},
                         headers={**HTMX, **csrf(client)})  # fmt: skip
    assert posted.status_code == 403
    sign_in(client, people.approver)
    assert 'href="/b2b/approvals"' in client.get("/b2b/orders").text
    assert client.get("/b2b/approvals").status_code == 200


def test_a_chat_order_over_the_limit_is_approved_in_the_inbox(
    web: tuple[World, People, TestClient],
) -> None:
    world, people, client = web
    b2b = world.b2b
    require_approval_over(b2b, "200")
    sign_in(client, people.buyer)
    conv = client.post(CHAT, json={"company_id": b2b.company_id, "locale": "en"},
                       headers=csrf(client)).json()["id"]  # fmt: skip
    events(client.post(f"{CHAT}/{conv}/messages", json={"text": EN_ASK}, headers=csrf(client)))
    turn = events(client.post(f"{CHAT}/{conv}/messages", json={"text": "yes"},
                              headers=csrf(client)))  # fmt: skip
    [card] = [d for e, d in turn if e == "confirmation_required"]
    assert card["budget"]["status"] == "needs_approval"
    body = {"draft_id": card["draft_id"], "content_hash": card["content_hash"]}
    done = events(client.post(f"{CHAT}/{conv}/confirm", json=body, headers=csrf(client)))
    [outcome] = [d for e, d in done if e == "outcome"]
    assert outcome["status"] == "submitted_for_approval"
    request_id = outcome["purchase_request_id"]
    mine = client.get("/b2b/orders?lang=en")
    assert request_id in mine.text
    assert "waiting for approval" in mine.text
    forged = client.post(f"/b2b/approvals/{request_id}", data={"decision": "approve"},
                         headers=HTMX)  # fmt: skip
    assert forged.status_code == 403  # no CSRF header

    sign_in(client, people.approver)
    inbox = client.get("/b2b/approvals?lang=en")
    assert f'id="pr-{request_id}"' in inbox.text
    assert "Over 200" in inbox.text
    assert "Wang Fang" in inbox.text
    bad = client.post(f"/b2b/approvals/{request_id}", data={"decision": "maybe"},
                      headers={**HTMX, **csrf(client)})  # fmt: skip
    assert bad.status_code == 422
    decided = client.post(f"/b2b/approvals/{request_id}",
                          data={"decision": "approve", "comment": "OK for Q1"},
                          headers={**HTMX, **csrf(client)})  # fmt: skip
    assert decided.status_code == 200, decided.text
    assert decided.headers["HX-Retarget"] == f"#pr-{request_id}"
    assert "Approved" in decided.text
    assert "ordered" in decided.text
    inbox = client.get("/b2b/approvals?lang=zh")
    assert f'id="pr-{request_id}"' not in inbox.text
    assert "已批准" in inbox.text
    assert "OK for Q1" in inbox.text
    detail = client.get(f"/b2b/orders/{request_id}?lang=en")
    assert detail.status_code == 200
    assert "Ningbo Fastener Co." in detail.text
    assert "Li Na" in detail.text
    assert "Shanghai DC" in detail.text
    again = client.post(f"/b2b/approvals/{request_id}", data={"decision": "approve"},
                        headers={**HTMX, **csrf(client)})  # fmt: skip
    assert again.status_code in (403, 409)
    assert 'role="alert"' in again.text  # an htmx error fragment, not a page


def test_another_companys_request_is_not_found(web: tuple[World, People, TestClient]) -> None:
    _, people, client = web
    sign_in(client, people.buyer)
    assert client.get("/b2b/orders/pr_missing").status_code == 404
