"""Over HTTP: a buyer buys from three merchants in one checkout and pays once.

Three sub-orders, one payment through the sandbox cashier, stock reserved then committed,
the ledger balanced, and each merchant sees only its own order."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from marketplace.bootstrap import Marketplace
from marketplace.inventory.adapters.tables import stock_levels
from marketplace.settlement.adapters.tables import ledger_postings
from tests.e2e.catalog_api import API, Shop, ok, open_shop, problem
from tests.factories import create_approved_merchant, new_user_headers

ADDRESS = {"name": "Li Lei", "phone": "13800000000", "country": "CN", "region": "Shanghai",
           "city": "Shanghai", "line1": "1 Century Ave"}  # fmt: skip


def _stocked_sku(shop: Shop, price: str, quantity: int = 5) -> str:
    _, sku_id = shop.listed_product(price)
    headers = shop.merchant.headers
    warehouse = ok(
        shop.client.post(
            f"{shop.base}/warehouses",
            headers=headers,
            json={"code": "SH-1", "name": "Shanghai", "country": "CN", "region": "Shanghai"},
        ),
        201,
    )
    ok(
        shop.client.post(
            f"{shop.base}/stock/inbound",
            headers=headers,
            json={"sku_id": sku_id, "warehouse_id": warehouse["id"], "quantity": quantity},
        ),
        201,
    )
    return sku_id  # fmt: skip


def _shops(client: TestClient, app: Marketplace, count: int) -> list[Shop]:
    first = open_shop(client, app)
    return [first] + [
        Shop(client, app, first.admin,
             create_approved_merchant(client, app, admin_headers=first.admin), first.category_id)
        for _ in range(count - 1)
    ]  # fmt: skip


def _stock(app: Marketplace, sku_id: str) -> tuple[int, int]:
    with app.engine.connect() as conn:
        row = conn.execute(select(stock_levels.c.on_hand, stock_levels.c.reserved)
                           .where(stock_levels.c.sku_id == sku_id)).one()  # fmt: skip
    return int(row.on_hand), int(row.reserved)


def _place(client: TestClient, buyer: dict[str, str], skus: list[str]) -> dict[str, Any]:
    body = {"address": ADDRESS, "lines": [{"sku_id": s, "quantity": 2} for s in skus]}
    return ok(client.post(f"{API}/checkout", json=body, headers=buyer), 201)  # type: ignore[no-any-return]


def test_three_merchants_one_checkout_one_payment(
    sqlite_client: TestClient, sqlite_app: Marketplace
) -> None:
    client, app = sqlite_client, sqlite_app
    shops = _shops(client, app, 3)
    skus = [_stocked_sku(shop, price) for shop, price in zip(shops, ["30.00", "45.50", "120.00"],
                                                              strict=True)]  # fmt: skip
    _, buyer = new_user_headers(client)

    group = _place(client, buyer, skus)
    assert len(group["orders"]) == 3
    assert group["total"] == {"amount": "407.00", "currency": "CNY"}  # 60+8, 91+8, 240
    assert [_stock(app, s) for s in skus] == [(5, 2)] * 3

    paid = ok(client.post(f"{API}/payments", headers=buyer,
                          json={"group_id": group["id"], "method": "sandbox"}), 201)  # fmt: skip
    assert paid["payment"]["amount"] == group["total"]
    url = paid["action"]["url"]
    assert url.startswith("http://127.0.0.1:8000/sandbox/pay/")
    page = client.get(url.removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200
    assert "407.00" in page.text
    token = url.split("t=", 1)[1]
    result = ok(
        client.post(
            f"/sandbox/pay/{paid['payment']['id']}",
            data={"t": token, "outcome": "notify_twice"},
            headers={"Accept": "application/json"},
        )
    )
    assert result["notifications"] == 2  # fmt: skip

    payment = ok(client.get(f"{API}/payments/{paid['payment']['id']}", headers=buyer))
    assert payment["status"] == "captured"
    assert payment["captured"] == group["total"]  # applied once despite two notifications
    assert [_stock(app, s) for s in skus] == [(3, 0)] * 3  # reserved, then committed
    with app.engine.connect() as conn:
        assert conn.execute(select(func.sum(ledger_postings.c.amount_minor))).scalar_one() == 0

    for shop, _order in zip(shops, sorted(group["orders"], key=lambda o: o["merchant_id"]),
                           strict=False):  # fmt: skip
        mine = ok(client.get(f"{shop.base}/orders", headers=shop.merchant.headers))
        assert [o["merchant_id"] for o in mine["items"]] == [shop.merchant.id]
        assert mine["items"][0]["status"] == "paid"
    other = next(o for o in group["orders"] if o["merchant_id"] != shops[0].merchant.id)
    problem(client.get(f"{shops[0].base}/orders/{other['id']}",
                       headers=shops[0].merchant.headers), 404, "order_not_found")  # fmt: skip


def test_tampered_notification_is_refused(
    sqlite_client: TestClient, sqlite_app: Marketplace
) -> None:
    client, app = sqlite_client, sqlite_app
    shop = open_shop(client, app)
    sku = _stocked_sku(shop, "10.00")
    _, buyer = new_user_headers(client)
    group = _place(client, buyer, [sku])
    paid = ok(client.post(f"{API}/payments", headers=buyer,
                          json={"group_id": group["id"], "method": "sandbox"}), 201)  # fmt: skip
    from marketplace.payments.adapters.sandbox_sim import SandboxSimulator

    token = paid["action"]["url"].split("t=", 1)[1]
    gateway = app.gateways["sandbox"]
    (delivery,) = SandboxSimulator(gateway).pay(token, "succeed")  # type: ignore[arg-type]
    tampered = delivery.body.replace(b"28.00", b"0.01")
    assert tampered != delivery.body
    problem(
        client.post(
            f"{API}/payments/notify/sandbox", content=tampered, headers=dict(delivery.headers)
        ),
        400,
        "invalid_notification",
    )
    payment = ok(client.get(f"{API}/payments/{paid['payment']['id']}", headers=buyer))
    assert payment["status"] == "pending"  # fmt: skip

    first = client.post(
        f"{API}/payments/notify/sandbox", content=delivery.body, headers=dict(delivery.headers)
    )
    again = client.post(f"{API}/payments/notify/sandbox", content=delivery.body,
                        headers=dict(delivery.headers))  # fmt: skip
    assert first.status_code == 200
    assert first.headers["Agora-Notification"] == "applied"
    assert again.status_code == 200
    assert again.headers["Agora-Notification"] == "already_processed"


def _pay_sandbox(client: TestClient, buyer: dict[str, str], group_id: str, outcome: str) -> str:
    paid = ok(client.post(f"{API}/payments", headers=buyer,
                          json={"group_id": group_id, "method": "sandbox"}), 201)  # fmt: skip
    token = paid["action"]["url"].split("t=", 1)[1]
    ok(client.post(f"/sandbox/pay/{paid['payment']['id']}", data={"t": token, "outcome": outcome},
                   headers={"Accept": "application/json"}))  # fmt: skip
    return str(paid["payment"]["id"])


def test_out_of_order_cancel_then_capture_ends_paid(
    sqlite_client: TestClient, sqlite_app: Marketplace
) -> None:
    client, app = sqlite_client, sqlite_app
    (shop,) = _shops(client, app, 1)
    sku = _stocked_sku(shop, "10.00")
    _, buyer = new_user_headers(client)
    group = _place(client, buyer, [sku])
    payment_id = _pay_sandbox(client, buyer, group["id"], "out_of_order")
    payment = ok(client.get(f"{API}/payments/{payment_id}", headers=buyer))
    order = ok(client.get(f"{API}/orders/{group['orders'][0]['id']}", headers=buyer))
    assert (payment["status"], order["status"]) == ("captured", "paid")


def test_fulfilment_and_after_sales_over_http(
    sqlite_client: TestClient, sqlite_app: Marketplace
) -> None:
    client, app = sqlite_client, sqlite_app
    (shop,) = _shops(client, app, 1)
    sku = _stocked_sku(shop, "50.00")
    _, buyer = new_user_headers(client)
    group = _place(client, buyer, [sku])  # 2 x 50.00, free shipping
    order_id = group["orders"][0]["id"]
    problem(
        client.post(f"{shop.base}/orders/{order_id}/ship", json={}, headers=shop.merchant.headers),
        409,
        "illegal_order_transition",
    )
    _pay_sandbox(client, buyer, group["id"], "succeed")
    for step in ("fulfil", "ship"):
        ok(client.post(f"{shop.base}/orders/{order_id}/{step}", json={"reason": "SF1234"},
                       headers=shop.merchant.headers))  # fmt: skip
    ok(client.post(f"{API}/orders/{order_id}/confirm-delivery", json={}, headers=buyer))
    problem(client.post(f"{API}/orders/{order_id}/cancel", json={}, headers=buyer), 409,
            "illegal_order_transition")  # fmt: skip

    line = ok(client.get(f"{API}/orders/{order_id}", headers=buyer))["lines"][0]
    refund = ok(
        client.post(
            f"{API}/orders/{order_id}/refunds",
            headers=buyer,
            json={"reason": "one is broken", "lines": {line["id"]: 1}, "kind": "return_and_refund"},
        ),
        201,
    )
    assert refund["amount"] == {"amount": "50.00", "currency": "CNY"}  # fmt: skip
    base = f"{shop.base}/refunds/{refund['id']}"
    approved = ok(client.post(f"{base}/approve", json={}, headers=shop.merchant.headers))
    assert approved["status"] == "awaiting_return"
    shipped = ok(client.post(f"{API}/orders/{order_id}/refunds/{refund['id']}/return-shipment",
                             json={"tracking": "SF 998877"}, headers=buyer))  # fmt: skip
    assert shipped["note"] == "return shipped: SF 998877"
    ok(client.post(f"{base}/receive-return", headers=shop.merchant.headers))
    refunds = ok(client.get(f"{shop.base}/orders/{order_id}/refunds",
                            headers=shop.merchant.headers))["items"]  # fmt: skip
    assert [r["status"] for r in refunds] == ["succeeded"]
    order = ok(client.get(f"{API}/orders/{order_id}", headers=buyer))
    assert order["status"] == "delivered"
    assert order["refunded"] == {"amount": "50.00", "currency": "CNY"}
    assert [h["to"] for h in order["history"]] == [
        "pending_payment",
        "paid",
        "fulfilling",
        "shipped",
        "delivered",
    ]
    assert _stock(app, sku) == (4, 0)  # 5 - 2 sold + 1 returned


def test_a_storefront_checkout_cannot_claim_a_b2b_or_agent_channel(
    sqlite_client: TestClient, sqlite_app: Marketplace
) -> None:
    from tests.factories import db_snapshot

    client, app = sqlite_client, sqlite_app
    sku = _stocked_sku(_shops(client, app, 1)[0], "30.00")
    _, buyer = new_user_headers(client)
    before = db_snapshot(app)
    for channel in ("b2b", "procurement_agent"):
        body = {"address": ADDRESS, "channel": channel, "lines": [{"sku_id": sku, "quantity": 1}]}
        refused = client.post(f"{API}/checkout", json=body, headers=buyer)
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "request_validation_failed"
    assert db_snapshot(app) == before
    placed = client.post(
        f"{API}/checkout",
        json={"address": ADDRESS, "channel": "app", "lines": [{"sku_id": sku, "quantity": 1}]},
        headers=buyer,
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["orders"][0]["channel"] == "app"
