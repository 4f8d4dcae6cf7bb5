"""Inventory over HTTP: warehouses, stock, ledger, reservations, platform warehouses and
public availability. Each refusal checks the problem ``code`` and that nothing changed."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace
from tests.e2e import catalog_api
from tests.factories import (
    API,
    MerchantFixture,
    create_approved_merchant,
    db_snapshot,
    new_user_headers,
)


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@dataclass
class Shop:
    """An approved merchant with a listed product of two SKUs and one warehouse."""

    client: TestClient
    app: Marketplace
    catalog: catalog_api.Shop
    merchant: MerchantFixture
    admin: dict[str, str]
    sku: str
    product: str
    warehouse: str

    @property
    def base(self) -> str:
        return f"{API}/merchants/{self.merchant.id}"

    def post(self, path: str, body: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.client.post(self.base + path, json=body, headers=self.merchant.headers, **kw)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(self.base + path, params=params, headers=self.merchant.headers)

    def inbound(self, quantity: int, **extra: Any) -> dict[str, Any]:
        body = {"sku_id": self.sku, "warehouse_id": self.warehouse, "quantity": quantity}
        return _ok(self.post("/stock/inbound", body | extra), 201)  # type: ignore[no-any-return]

    def reserve(self, quantity: int, reference: str = "order-1", **extra: Any) -> Any:
        return self.post(
            "/reservations", {"sku_id": self.sku, "quantity": quantity, "reference": reference}
            | extra,
        )  # fmt: skip


def _open_shop(client: TestClient, app: Marketplace, beside: Shop | None = None) -> Shop:
    """Through the real endpoints: merchant, category, product, SKUs, prices, listing.
    ``beside``: another shop whose admin and category to reuse."""
    if beside is None:
        catalog = catalog_api.open_shop(client, app)
    else:
        merchant = create_approved_merchant(client, app, admin_headers=beside.admin)
        catalog = dataclasses.replace(beside.catalog, merchant=merchant)
    product = catalog.create_product()
    skus = [catalog.add_sku(product["id"], sales_attributes={"size": s}) for s in ("M", "L")]
    for sku in skus:
        catalog.set_prices(sku["id"], "99.00")
    headers = catalog.merchant.headers
    _ok(client.post(f"{catalog.base}/products/{product['id']}/list", headers=headers))
    warehouse = _ok(
        client.post(
            f"{catalog.base}/warehouses",
            json={"code": "HZ-01", "name": "Hangzhou", "country": "CN", "region": "Zhejiang"},
            headers=headers,
        ),
        201,
    )
    return Shop(
        client, app, catalog, catalog.merchant, catalog.admin, skus[0]["id"], product["id"],
        warehouse["id"],
    )  # fmt: skip


@pytest.fixture
def shop(sqlite_client: TestClient, sqlite_app: Marketplace) -> Shop:
    return _open_shop(sqlite_client, sqlite_app)


@pytest.fixture
def rival(shop: Shop) -> Shop:
    return _open_shop(shop.client, shop.app, beside=shop)


# -- warehouses ---------------------------------------------------------------------------
def test_warehouse_create_list_update_deactivate(shop: Shop) -> None:
    created = _ok(
        shop.post("/warehouses", {"code": "SH-01", "name": "Shanghai", "country": "cn",
                                  "region": "Shanghai", "priority": 1}),
        201,
    )  # fmt: skip
    assert (created["country"], created["is_platform"], created["is_active"]) == (
        "CN", False, True,
    )  # fmt: skip
    page = _ok(shop.get("/warehouses", limit=1))
    assert [w["code"] for w in page["items"]] == ["SH-01"]
    rest = _ok(shop.get("/warehouses", limit=1, cursor=page["next_cursor"]))
    assert [w["code"] for w in rest["items"]] == ["HZ-01"]
    assert rest["next_cursor"] is None
    patched = shop.client.patch(
        f"{shop.base}/warehouses/{created['id']}",
        json={"is_active": False, "city": "Pudong"},
        headers=shop.merchant.headers,
    )
    assert (_ok(patched)["is_active"], patched.json()["city"]) == (False, "Pudong")


def test_duplicate_code_and_bad_fields_change_nothing(shop: Shop) -> None:
    before = db_snapshot(shop.app)
    body = {"code": "HZ-01", "name": "Again", "country": "CN", "region": "Zhejiang"}
    _problem(shop.post("/warehouses", body), 409, "warehouse_code_taken")
    _problem(shop.post("/warehouses", body | {"code": "X", "country": "C1"}), 422,
             "invalid_warehouse")  # fmt: skip
    _problem(shop.post("/warehouses", body | {"code": "bad code"}), 422,
             "request_validation_failed")  # fmt: skip
    patch = shop.client.patch(
        f"{shop.base}/warehouses/{shop.warehouse}", json={"name": None},
        headers=shop.merchant.headers,
    )  # fmt: skip
    _problem(patch, 422, "request_validation_failed")
    assert db_snapshot(shop.app) == before


def test_other_merchants_warehouse_and_path_are_refused(shop: Shop, rival: Shop) -> None:
    before = db_snapshot(shop.app)
    hijack = shop.client.patch(
        f"{shop.base}/warehouses/{rival.warehouse}", json={"name": "Mine"},
        headers=shop.merchant.headers,
    )  # fmt: skip
    _problem(hijack, 404, "warehouse_not_found")
    foreign_path = shop.client.get(f"{rival.base}/stock", headers=shop.merchant.headers)
    _problem(foreign_path, 403, "merchant_access_denied")
    anonymous = shop.client.get(f"{shop.base}/warehouses")
    _problem(anonymous, 401, "not_authenticated")
    assert db_snapshot(shop.app) == before


# -- stock and ledger ---------------------------------------------------------------------
def test_inbound_adjust_list_and_ledger(shop: Shop) -> None:
    level = shop.inbound(10, reference="PO-1")
    assert (level["on_hand"], level["reserved"], level["available"]) == (10, 0, 10)
    adjusted = _ok(shop.post("/stock/adjustments", {
        "sku_id": shop.sku, "warehouse_id": shop.warehouse, "delta": -2, "reason": "damage",
    }), 201)  # fmt: skip
    assert adjusted["on_hand"] == 8
    counted = _ok(shop.post("/stock/adjustments", {
        "sku_id": shop.sku, "warehouse_id": shop.warehouse, "count": 5, "reason": "stocktake",
        "reference": "COUNT-1",
    }), 201)  # fmt: skip
    assert counted["on_hand"] == 5

    stock = _ok(shop.get("/stock"))["items"]
    assert [(s["sku_id"], s["on_hand"], s["available"]) for s in stock] == [(shop.sku, 5, 5)]
    assert _ok(shop.get("/stock", low_stock_threshold=4))["items"] == []
    assert len(_ok(shop.get("/stock", low_stock_threshold=5))["items"]) == 1

    first = _ok(shop.get("/stock/movements", limit=2))
    assert [m["kind"] for m in first["items"]] == ["adjustment", "adjustment"]
    assert [m["delta_on_hand"] for m in first["items"]] == [-3, -2]
    assert first["items"][0]["reason"] == "stocktake"
    older = _ok(shop.get("/stock/movements", limit=2, cursor=first["next_cursor"]))
    assert [(m["kind"], m["reference"]) for m in older["items"]] == [("inbound", "PO-1")]
    assert older["next_cursor"] is None
    assert older["items"][0]["actor"] == shop.merchant.owner_user_id
    inbound_only = _ok(shop.get("/stock/movements", kind="inbound"))["items"]
    assert len(inbound_only) == 1


def test_bad_or_foreign_cursor_is_refused(shop: Shop) -> None:
    shop.inbound(1)
    shop.inbound(1)
    movements_cursor = _ok(shop.get("/stock/movements", limit=1))["next_cursor"]
    assert movements_cursor
    _problem(shop.get("/stock/movements", cursor="not-a-cursor"), 400, "invalid_cursor")
    _problem(shop.get("/stock", cursor=movements_cursor), 400, "invalid_cursor")
    _problem(shop.get("/warehouses", cursor=movements_cursor), 400, "invalid_cursor")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"delta": -7, "reason": "loss"}, 409, "adjustment_below_reserved"),
        ({"delta": -11, "reason": "loss"}, 409, "insufficient_stock"),
        ({"count": 2, "reason": "stocktake"}, 409, "adjustment_below_reserved"),
        ({"delta": 0, "reason": "loss"}, 422, "request_validation_failed"),
        ({"delta": 1, "count": 1, "reason": "loss"}, 422, "request_validation_failed"),
        ({"delta": -1}, 422, "request_validation_failed"),  # a reason is required
        ({"delta": -1, "reason": "whim"}, 422, "request_validation_failed"),
    ],
)
def test_refused_adjustments_change_nothing(
    shop: Shop, body: dict[str, Any], status: int, code: str
) -> None:
    shop.inbound(10)
    _ok(shop.reserve(4), 201)
    before = db_snapshot(shop.app)
    target = {"sku_id": shop.sku, "warehouse_id": shop.warehouse}
    _problem(shop.post("/stock/adjustments", target | body), status, code)
    assert db_snapshot(shop.app) == before


def test_another_merchants_sku_or_warehouse_is_not_found(shop: Shop, rival: Shop) -> None:
    before = db_snapshot(shop.app)
    cases = [
        ({"sku_id": rival.sku, "warehouse_id": shop.warehouse}, "sku_not_found"),
        ({"sku_id": shop.sku, "warehouse_id": rival.warehouse}, "warehouse_not_found"),
    ]
    for target, code in cases:
        _problem(shop.post("/stock/inbound", target | {"quantity": 1}), 404, code)
        _problem(shop.post("/stock/adjustments", target | {"count": 1, "reason": "found"}),
                 404, code)  # fmt: skip
    _problem(shop.reserve(1, sku_id=rival.sku), 404, "sku_not_found")
    _problem(shop.reserve(1, warehouse_id=rival.warehouse), 404, "warehouse_not_found")
    assert db_snapshot(shop.app) == before


# -- reservations ---------------------------------------------------------------------------
def test_reserve_is_idempotent_and_release_commit_work_once(shop: Shop) -> None:
    shop.inbound(10)
    first = _ok(shop.reserve(3, "order-7"), 201)
    again = _ok(shop.reserve(3, "order-7"), 201)
    assert (first["id"], first["status"]) == (again["id"], "active")
    _problem(shop.reserve(4, "order-7"), 409, "reservation_mismatch")
    second = _ok(shop.reserve(2, "order-8", warehouse_id=shop.warehouse), 201)

    released = _ok(shop.post(f"/reservations/{first['id']}/release"))
    committed = _ok(shop.post(f"/reservations/{second['id']}/commit"))
    assert (released["status"], committed["status"]) == ("released", "committed")
    before = db_snapshot(shop.app)
    for rid in (first["id"], second["id"]):
        for action in ("release", "commit"):
            _problem(shop.post(f"/reservations/{rid}/{action}"), 409, "reservation_not_active")
    _problem(shop.post("/reservations/rsv_nope/release"), 404, "reservation_not_found")
    assert db_snapshot(shop.app) == before

    listed = _ok(shop.get("/reservations", reference="order-7"))["items"]
    assert [(r["id"], r["status"]) for r in listed] == [(first["id"], "released")]
    stock = _ok(shop.get("/stock", sku_id=shop.sku))["items"][0]
    assert (stock["on_hand"], stock["reserved"]) == (8, 0)


def test_reservation_refusals_change_nothing(shop: Shop, rival: Shop) -> None:
    shop.inbound(2)
    held = _ok(shop.reserve(1, "held"), 201)
    before = db_snapshot(shop.app)
    _problem(shop.reserve(5), 409, "insufficient_stock")
    _problem(shop.reserve(0), 422, "request_validation_failed")
    foreign = shop.client.post(
        f"{rival.base}/reservations/{held['id']}/release", headers=rival.merchant.headers
    )
    _problem(foreign, 404, "reservation_not_found")
    assert db_snapshot(shop.app) == before

    shop.client.patch(
        f"{shop.base}/warehouses/{shop.warehouse}", json={"is_active": False},
        headers=shop.merchant.headers,
    )  # fmt: skip
    before = db_snapshot(shop.app)
    _problem(shop.reserve(1, warehouse_id=shop.warehouse), 409, "warehouse_inactive")
    _problem(shop.reserve(1), 409, "insufficient_stock")
    assert db_snapshot(shop.app) == before


def test_idempotency_key_replays_a_reservation(shop: Shop) -> None:
    shop.inbound(5)
    headers = shop.merchant.headers | {"Idempotency-Key": "rsv-attempt-1"}
    body = {"sku_id": shop.sku, "quantity": 1, "reference": "cart-1"}
    first = shop.client.post(f"{shop.base}/reservations", json=body, headers=headers)
    again = shop.client.post(f"{shop.base}/reservations", json=body, headers=headers)
    assert _ok(first, 201)["id"] == _ok(again, 201)["id"]
    assert again.headers.get("idempotent-replayed") == "true"


# -- platform warehouses --------------------------------------------------------------------
def test_platform_warehouses_are_for_admins_and_granted_merchants(shop: Shop) -> None:
    client, app = shop.client, shop.app
    admin = shop.admin
    _, buyer = new_user_headers(client, stem="buyer")
    body = {"code": "PLAT-SH", "name": "Platform Shanghai", "country": "CN", "region": "SH"}
    before = db_snapshot(app)
    _problem(client.post(f"{API}/admin/warehouses", json=body, headers=buyer), 403,
             "platform_admin_required")  # fmt: skip
    _problem(client.post(f"{API}/admin/warehouses", json=body, headers=shop.merchant.headers),
             403, "platform_admin_required")  # fmt: skip
    assert db_snapshot(app) == before

    platform = _ok(client.post(f"{API}/admin/warehouses", json=body, headers=admin), 201)
    assert platform["is_platform"]
    assert platform["merchant_id"] is None
    assert [w["code"] for w in _ok(client.get(f"{API}/admin/warehouses", headers=admin))["items"]
            ] == ["PLAT-SH"]  # fmt: skip
    target = {"sku_id": shop.sku, "warehouse_id": platform["id"], "quantity": 3}
    _problem(shop.post("/stock/inbound", target), 404, "warehouse_not_found")

    grant = f"{API}/admin/warehouses/{platform['id']}/merchants/{shop.merchant.id}"
    assert client.put(grant, headers=admin).status_code == 204
    assert _ok(shop.post("/stock/inbound", target), 201)["on_hand"] == 3
    codes = {w["code"] for w in _ok(shop.get("/warehouses"))["items"]}
    assert codes == {"HZ-01", "PLAT-SH"}
    admin_in = _ok(client.post(f"{API}/admin/stock/inbound", json=target, headers=admin), 201)
    assert admin_in["on_hand"] == 6
    _problem(
        client.post(f"{API}/admin/stock/inbound", json=target | {"warehouse_id": shop.warehouse},
                    headers=admin),
        404, "warehouse_not_found",
    )  # fmt: skip
    patched = client.patch(
        f"{API}/admin/warehouses/{platform['id']}", json={"priority": 1}, headers=admin
    )
    assert _ok(patched)["priority"] == 1
    assert client.delete(grant, headers=admin).status_code == 204
    _problem(shop.post("/stock/inbound", target), 404, "warehouse_not_found")


# -- public availability ------------------------------------------------------------------
def test_public_availability_counts_active_warehouses_only(shop: Shop) -> None:
    client = shop.client
    second = _ok(shop.post("/warehouses", {"code": "BJ-01", "name": "Beijing", "country": "CN",
                                           "region": "Beijing"}), 201)  # fmt: skip
    shop.inbound(10)
    shop.inbound(4, warehouse_id=second["id"])
    _ok(shop.reserve(3, warehouse_id=shop.warehouse), 201)
    sku = _ok(client.get(f"{API}/skus/{shop.sku}/availability"))
    assert (sku["available"], sku["is_in_stock"]) == (11, True)
    client.patch(f"{shop.base}/warehouses/{second['id']}", json={"is_active": False},
                 headers=shop.merchant.headers)  # fmt: skip
    product = _ok(client.get(f"{API}/products/{shop.product}/availability"))
    assert product["available"] == 7
    by_sku = {s["sku_id"]: s["available"] for s in product["skus"]}
    assert by_sku[shop.sku] == 7
    assert sorted(by_sku.values()) == [0, 7]  # the second SKU has no stock
    _problem(client.get(f"{API}/skus/sku_nope/availability"), 404, "sku_not_found")
    _problem(client.get(f"{API}/products/prod_nope/availability"), 404, "product_not_found")


def test_unlisted_products_have_no_public_availability(shop: Shop) -> None:
    draft = shop.catalog.create_product()
    sku = shop.catalog.add_sku(draft["id"], sales_attributes={"size": "S"})
    _problem(shop.client.get(f"{API}/products/{draft['id']}/availability"), 404,
             "product_not_found")  # fmt: skip
    _problem(shop.client.get(f"{API}/skus/{sku['id']}/availability"), 404, "sku_not_found")


# -- PostgreSQL ---------------------------------------------------------------------------
def test_reservation_flow_on_postgres(pg_client: TestClient, pg_app: Marketplace) -> None:
    shop = _open_shop(pg_client, pg_app)
    shop.inbound(3)
    r = _ok(shop.reserve(3), 201)
    before = db_snapshot(pg_app)
    _problem(shop.reserve(1, "other"), 409, "insufficient_stock")
    assert db_snapshot(pg_app) == before
    assert _ok(shop.post(f"/reservations/{r['id']}/commit"))["status"] == "committed"
    assert _ok(pg_client.get(f"{API}/skus/{shop.sku}/availability"))["available"] == 0
    moves = _ok(shop.get("/stock/movements"))["items"]
    assert [m["kind"] for m in moves] == ["commit", "reserve", "inbound"]
