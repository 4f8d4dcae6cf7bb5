"""Settlement over HTTP: the admin's commission rules, payouts and statement closing, and
what a merchant sees of its own money. Each refusal checks the problem ``code`` and that
nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace
from marketplace.db.uow import SqlUnitOfWork
from marketplace.settlement import services
from marketplace.settlement.domain import MerchantShare
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from tests.factories import (
    API,
    MerchantFixture,
    create_approved_merchant,
    db_snapshot,
    make_platform_admin,
    new_user_headers,
)

JUNE = datetime(2025, 6, 1, tzinfo=UTC)
RULES = f"{API}/admin/commission-rules"


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CNY"}


@pytest.fixture
def admin(sqlite_client: TestClient, sqlite_app: Marketplace) -> dict[str, str]:
    return make_platform_admin(sqlite_client, sqlite_app)


# -- commission rules -------------------------------------------------------------------------
def test_admin_creates_lists_changes_and_deletes_rules(
    sqlite_client: TestClient, sqlite_app: Marketplace, admin: dict[str, str]
) -> None:
    client = sqlite_client
    merchant = create_approved_merchant(client, sqlite_app, admin_headers=admin)
    platform = _ok(client.post(RULES, headers=admin, json={"scope": "platform", "rate": "0.05"}),
                   201)  # fmt: skip
    assert (platform["rate"], platform["scope_id"], platform["floors"]) == ("0.05", None, [])
    body = {
        "scope": "merchant", "scope_id": merchant.id, "rate": "0.0250",
        "floors": [_money("1.00")], "caps": [_money("80.00")],
        "effective_from": "2026-01-01T00:00:00+08:00", "note": "promotion",
    }  # fmt: skip
    rule = _ok(client.post(RULES, headers=admin, json=body), 201)
    assert (rule["rate"], rule["floors"], rule["caps"]) == ("0.025", [_money("1.00")],
                                                            [_money("80.00")])  # fmt: skip
    assert rule["effective_from"].startswith("2025-12-31T16:00:00")

    page = _ok(client.get(RULES, headers=admin, params={"limit": 1}))
    assert [r["id"] for r in page["items"]] == [platform["id"]]
    rest = _ok(client.get(RULES, headers=admin, params={"cursor": page["next_cursor"]}))
    assert [r["id"] for r in rest["items"]] == [rule["id"]]
    assert rest["next_cursor"] is None
    mine = _ok(client.get(RULES, headers=admin, params={"scope": "merchant"}))
    assert [r["id"] for r in mine["items"]] == [rule["id"]]

    changed = _ok(client.patch(f"{RULES}/{rule['id']}", headers=admin,
                               json={"rate": "0.03", "caps": []}))  # fmt: skip
    assert (changed["rate"], changed["caps"], changed["floors"]) == ("0.03", [], [_money("1.00")])

    assert client.delete(f"{RULES}/{rule['id']}", headers=admin).status_code == 204
    _problem(client.delete(f"{RULES}/{rule['id']}", headers=admin), 404,
             "commission_rule_not_found")  # fmt: skip
    assert _ok(client.get(f"{RULES}/{rule['id']}", headers=admin))["archived_at"] is not None
    assert [r["id"] for r in _ok(client.get(RULES, headers=admin))["items"]] == [platform["id"]]
    everything = _ok(client.get(RULES, headers=admin, params={"include_archived": "true"}))
    assert len(everything["items"]) == 2


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"scope": "platform", "rate": "0.12345"}, 422, "invalid_commission_rate"),
        ({"scope": "platform", "rate": "1.5"}, 422, "invalid_commission_rate"),
        ({"scope": "platform", "rate": 0.05}, 422, "request_validation_failed"),
        ({"scope": "galaxy", "rate": "0.05"}, 422, "request_validation_failed"),
        ({"scope": "merchant", "rate": "0.05"}, 422, "invalid_commission_scope"),
        ({"scope": "platform", "scope_id": "mer_x", "rate": "0.05"}, 422,
         "invalid_commission_scope"),
        ({"scope": "merchant", "scope_id": "mer_01JD3X8Q6V9M2K4N7P0R5T8W1Y", "rate": "0.05"},
         422, "unknown_commission_scope"),
        ({"scope": "category", "scope_id": "cat_01JD3X8Q6V9M2K4N7P0R5T8W1Y", "rate": "0.05"},
         422, "unknown_commission_scope"),
        ({"scope": "platform", "rate": "0.05", "floors": [_money("9.00")],
          "caps": [_money("5.00")]}, 422, "invalid_commission_limit"),
        ({"scope": "platform", "rate": "0.05", "floors": [_money("1.00"), _money("2.00")]},
         422, "invalid_commission_limit"),
        ({"scope": "platform", "rate": "0.05", "caps": [_money("1.001")]}, 422,
         "money_precision"),
        ({"scope": "platform", "rate": "0.05", "caps": [{"amount": "1", "currency": "XXX"}]},
         422, "unsupported_currency"),
        ({"scope": "platform", "rate": "0.05", "effective_from": "2026-01-01T00:00:00"}, 422,
         "invalid_effective_period"),
        ({"scope": "platform", "rate": "0.05", "effective_from": "2026-02-01T00:00:00Z",
          "effective_to": "2026-01-01T00:00:00Z"}, 422, "invalid_effective_period"),
    ],
)  # fmt: skip
def test_bad_rules_are_refused_and_change_nothing(
    sqlite_client: TestClient,
    sqlite_app: Marketplace,
    admin: dict[str, str],
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    before = db_snapshot(sqlite_app)
    _problem(sqlite_client.post(RULES, headers=admin, json=body), status, code)
    assert db_snapshot(sqlite_app) == before


def test_rule_updates_are_validated(sqlite_client: TestClient, admin: dict[str, str],
                                    sqlite_app: Marketplace) -> None:  # fmt: skip
    rule = _ok(sqlite_client.post(RULES, headers=admin, json={"scope": "platform", "rate": "0.05"}),
               201)  # fmt: skip
    before = db_snapshot(sqlite_app)
    url = f"{RULES}/{rule['id']}"
    _problem(sqlite_client.patch(url, headers=admin, json={"rate": "2"}), 422,
             "invalid_commission_rate")  # fmt: skip
    _problem(sqlite_client.patch(url, headers=admin, json={"rate": None}), 422,
             "request_validation_failed")  # fmt: skip
    _problem(sqlite_client.patch(url, headers=admin, json={"scope": "merchant"}), 422,
             "request_validation_failed")  # fmt: skip
    _problem(sqlite_client.patch(f"{RULES}/cr_missing", headers=admin, json={"rate": "0.1"}),
             404, "commission_rule_not_found")  # fmt: skip
    assert db_snapshot(sqlite_app) == before


def test_only_platform_admins_manage_rules_and_payouts(
    sqlite_client: TestClient, sqlite_app: Marketplace
) -> None:
    _, buyer = new_user_headers(sqlite_client)
    before = db_snapshot(sqlite_app)
    calls = [
        ("GET", RULES, None), ("POST", RULES, {"scope": "platform", "rate": "0.05"}),
        ("PATCH", f"{RULES}/cr_x", {"rate": "0.1"}), ("DELETE", f"{RULES}/cr_x", None),
        ("POST", f"{API}/admin/payouts", {"merchant_id": "mer_x", "amount": _money("1.00")}),
        ("GET", f"{API}/admin/payouts", None), ("POST", f"{API}/admin/payouts/po_x/mark-paid", {}),
        ("POST", f"{API}/admin/settlement/statements", {}),
        ("GET", f"{API}/admin/ledger/balances?account=wallet", None),
    ]  # fmt: skip
    for method, url, body in calls:
        _problem(sqlite_client.request(method, url, headers=buyer, json=body), 403,
                 "platform_admin_required")  # fmt: skip
        _problem(sqlite_client.request(method, url, json=body), 401, "not_authenticated")
    assert db_snapshot(sqlite_app) == before


# -- payouts and statements ---------------------------------------------------------------------
def _captured(app: Marketplace, merchant: MerchantFixture, payment: str, gross: str,
              commission: str) -> None:  # fmt: skip
    """A capture for the merchant posted in June 2025 (as the payments area would)."""
    uow = SqlUnitOfWork(app.engine, clock=FixedClock(JUNE))
    share = MerchantShare(merchant.id, f"ord_{payment}", Money.of(gross, "CNY"),
                          Money.of(commission, "CNY"))  # fmt: skip
    with uow:
        services.post_payment_captured(uow=uow, payment_id=payment, shares=[share], at=JUNE,
                                       funding_account="gateway:alipay")  # fmt: skip
        uow.commit()


def test_payouts_from_creation_to_paid_or_failed(
    sqlite_client: TestClient, sqlite_app: Marketplace, admin: dict[str, str]
) -> None:
    client = sqlite_client
    merchant = create_approved_merchant(client, sqlite_app, admin_headers=admin)
    other = create_approved_merchant(client, sqlite_app, admin_headers=admin)
    _captured(sqlite_app, merchant, "pay_1", "100.00", "5.00")
    payouts = f"{API}/admin/payouts"

    before = db_snapshot(sqlite_app)
    for body, status, code in [
        ({"merchant_id": merchant.id, "amount": _money("95.01")}, 409,
         "insufficient_payable_balance"),
        ({"merchant_id": other.id, "amount": _money("0.01")}, 409, "insufficient_payable_balance"),
        ({"merchant_id": merchant.id, "amount": _money("0.00")}, 422, "invalid_payout"),
        ({"merchant_id": merchant.id, "amount": _money("1.005")}, 422, "money_precision"),
        ({"merchant_id": "mer_missing", "amount": _money("1.00")}, 404, "merchant_not_found"),
    ]:  # fmt: skip
        _problem(client.post(payouts, headers=admin, json=body), status, code)
    assert db_snapshot(sqlite_app) == before

    def pay(amount: str) -> dict[str, Any]:
        body = {"merchant_id": merchant.id, "amount": _money(amount)}
        made: dict[str, Any] = _ok(client.post(payouts, headers=admin, json=body), 201)
        return made

    first, second = pay("60.00"), pay("35.00")
    assert (first["status"], first["amount"]) == ("pending", _money("60.00"))
    balance = _ok(client.get(f"{API}/merchants/{merchant.id}/settlement/balance",
                             headers=merchant.headers))  # fmt: skip
    assert balance["balances"] == [
        {"currency": "CNY", "available": _money("0.00"), "in_flight": _money("95.00"),
         "paid_out": _money("0.00")}
    ]  # fmt: skip

    moving = _ok(client.post(f"{payouts}/{first['id']}/mark-processing", headers=admin,
                             json={"external_reference": "ICBC-42"}))  # fmt: skip
    assert (moving["status"], moving["external_reference"]) == ("processing", "ICBC-42")
    paid = _ok(client.post(f"{payouts}/{first['id']}/mark-paid", headers=admin))
    assert (paid["status"], paid["external_reference"]) == ("paid", "ICBC-42")
    before = db_snapshot(sqlite_app)
    _problem(client.post(f"{payouts}/{first['id']}/mark-failed", headers=admin), 409,
             "payout_transition_not_allowed")  # fmt: skip
    _problem(client.post(f"{payouts}/po_missing/mark-paid", headers=admin), 404,
             "payout_not_found")  # fmt: skip
    assert db_snapshot(sqlite_app) == before
    failed = _ok(client.post(f"{payouts}/{second['id']}/mark-failed", headers=admin,
                             json={"reason": "Account closed"}))  # fmt: skip
    assert (failed["status"], failed["failure_reason"]) == ("failed", "Account closed")

    balance = _ok(client.get(f"{API}/merchants/{merchant.id}/settlement/balance",
                             headers=merchant.headers))  # fmt: skip
    assert balance["balances"][0]["available"] == _money("35.00")
    assert balance["balances"][0]["paid_out"] == _money("60.00")
    mine = _ok(client.get(f"{API}/merchants/{merchant.id}/payouts", headers=merchant.headers,
                          params={"limit": 1}))  # fmt: skip
    assert [p["id"] for p in mine["items"]] == [second["id"]]  # newest first
    rest = _ok(client.get(f"{API}/merchants/{merchant.id}/payouts", headers=merchant.headers,
                          params={"cursor": mine["next_cursor"]}))  # fmt: skip
    assert [p["id"] for p in rest["items"]] == [first["id"]]
    _problem(client.get(f"{API}/merchants/{other.id}/payouts/{first['id']}",
                        headers=other.headers), 404, "payout_not_found")  # fmt: skip
    ledger = _ok(client.get(f"{API}/admin/ledger/balances", headers=admin,
                            params={"account": "bank:payouts"}))  # fmt: skip
    assert ledger["balances"] == [_money("-60.00")]


def test_closing_a_period_and_reading_statements(
    sqlite_client: TestClient, sqlite_app: Marketplace, admin: dict[str, str]
) -> None:
    client = sqlite_client
    merchant = create_approved_merchant(client, sqlite_app, admin_headers=admin)
    other = create_approved_merchant(client, sqlite_app, admin_headers=admin)
    _captured(sqlite_app, merchant, "pay_1", "100.00", "5.00")
    _captured(sqlite_app, merchant, "pay_2", "20.00", "1.00")
    statements = f"{API}/admin/settlement/statements"
    june = {"merchant_id": merchant.id, "currency": "CNY", "start": "2025-06-01T00:00:00Z",
            "end": "2025-07-01T00:00:00Z"}  # fmt: skip

    closed = _ok(client.post(statements, headers=admin, json=june), 201)
    assert (closed["gross"], closed["commission"], closed["net"], closed["closing"]) == (
        _money("120.00"), _money("6.00"), _money("114.00"), _money("114.00"),
    )  # fmt: skip
    assert [(line["order_id"], line["net"]) for line in closed["lines"]] == [
        ("ord_pay_1", _money("95.00")), ("ord_pay_2", _money("19.00")),
    ]  # fmt: skip
    assert _ok(client.post(statements, headers=admin, json=june), 200) == closed

    before = db_snapshot(sqlite_app)
    for body, status, code in [
        ({**june, "start": "2025-06-15T00:00:00Z", "end": "2025-07-15T00:00:00Z"}, 409,
         "statement_period_overlaps"),
        ({**june, "start": "2099-01-01T00:00:00Z", "end": "2099-02-01T00:00:00Z"}, 409,
         "statement_period_not_ended"),
        ({**june, "end": "2025-05-01T00:00:00Z"}, 422, "invalid_statement_period"),
        ({**june, "start": "2025-06-01T00:00:00"}, 422, "invalid_statement_period"),
        ({**june, "currency": "XXX"}, 422, "unsupported_currency"),
        ({**june, "merchant_id": "mer_missing"}, 404, "merchant_not_found"),
    ]:  # fmt: skip
        _problem(client.post(statements, headers=admin, json=body), status, code)
    assert db_snapshot(sqlite_app) == before

    july = {**june, "start": "2025-07-01T00:00:00Z", "end": "2025-08-01T00:00:00Z"}
    later = _ok(client.post(statements, headers=admin, json=july), 201)
    assert (later["opening"], later["lines"]) == (closed["closing"], [])
    base = f"{API}/merchants/{merchant.id}/settlement"
    listed = _ok(client.get(f"{base}/statements", headers=merchant.headers, params={"limit": 1}))
    assert [s["id"] for s in listed["items"]] == [later["id"]]  # latest period first
    assert listed["items"][0]["lines"] is None
    rest = _ok(client.get(f"{base}/statements", headers=merchant.headers,
                          params={"cursor": listed["next_cursor"]}))  # fmt: skip
    assert [s["id"] for s in rest["items"]] == [closed["id"]]
    assert rest["next_cursor"] is None
    _problem(client.get(f"{base}/statements", headers=merchant.headers,
                        params={"cursor": "bm9wZQ"}), 400, "invalid_cursor")  # fmt: skip
    one = _ok(client.get(f"{base}/statements/{closed['id']}", headers=merchant.headers))
    assert one == closed
    _problem(client.get(f"{API}/merchants/{other.id}/settlement/statements/{closed['id']}",
                        headers=other.headers), 404, "statement_not_found")  # fmt: skip
    params = {"currency": "CNY", "start": "2025-06-02T00:00:00Z", "end": "2025-08-01T00:00:00Z"}
    preview = _ok(client.get(f"{base}/preview", headers=merchant.headers, params=params))
    assert preview["id"] is None
    assert (preview["opening"], preview["gross"]) == (_money("114.00"), _money("0.00"))
    _problem(client.get(f"{base}/preview", headers=merchant.headers, params={
        "currency": "CNY", "start": "2025-06-02T00:00:00Z", "end": "2025-06-01T00:00:00Z"}),
        422, "invalid_statement_period")  # fmt: skip
