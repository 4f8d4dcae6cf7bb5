"""A merchant's products, SKUs and prices over HTTP, each refusal with its code and
proof that nothing changed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace
from tests.e2e.catalog_api import API, ok, open_shop, problem, refuse_all
from tests.factories import (
    create_approved_merchant,
    db_snapshot,
    new_user_headers,
)


def test_create_price_list_and_read(sqlite_client: TestClient, sqlite_app: Marketplace) -> None:
    shop = open_shop(sqlite_client, sqlite_app)
    c, h = shop.client, shop.merchant.headers
    product = shop.create_product(
        brand="Acme",
        attributes={"material": "cotton"},
        translations={
            "zh": {"title": "夏季碎花连衣裙", "description": "纯棉"},
            "en": {"title": "Summer floral dress"},
        },
    )
    assert (product["status"], product["version"], product["shop"]["id"]) == (
        "draft",
        1,
        shop.merchant.shop_id,
    )
    pid = product["id"]
    red = shop.add_sku(
        pid,
        sku_code="DRESS-RED-M",
        sales_attributes={"colour": "red", "size": "M"},
        barcode="4006381333931",
        weight_grams=250,
    )
    prices = shop.set_prices(
        red["id"],
        "199.00",
        tiers=[{"min_quantity": 10, "price": "179.00"}, {"min_quantity": 50, "price": "159"}],
        member_prices=[{"level": "gold", "price": "189.00"}],
    )
    assert prices["tiers"][1] == {
        "min_quantity": 50,
        "price": {"amount": "159.00", "currency": "CNY"},
    }
    listed = ok(c.post(f"{shop.base}/products/{pid}/list", headers=h))
    assert listed["status"] == "listed"
    assert listed["price"] == {"amount": "199.00", "currency": "CNY"}

    patched = ok(
        c.patch(
            f"{shop.base}/products/{pid}",
            headers=h,
            json={
                "brand": None,
                "translations": {"en": {"title": "Floral dress"}},
                "version": listed["version"],
            },
        )
    )
    assert patched["brand"] is None
    assert patched["translations"]["en"]["title"] == "Floral dress"
    assert patched["translations"]["zh"]["title"] == "夏季碎花连衣裙"

    page = ok(c.get(f"{shop.base}/products", params={"status": "listed"}, headers=h))
    assert [i["id"] for i in page["items"]] == [pid]
    assert page["items"][0]["version"] == patched["version"]
    sku = ok(
        c.patch(
            f"{API}/merchants/{shop.merchant.id}/skus/{red['id']}",
            json={"weight_grams": 260, "barcode": None},
            headers=h,
        )
    )
    assert (sku["weight_grams"], sku["barcode"]) == (260, None)
    assert sku["prices"][0]["list_price"]["amount"] == "199.00"
    delisted = ok(c.post(f"{shop.base}/products/{pid}/delist", headers=h))
    assert delisted["status"] == "delisted"
    problem(c.get(f"{API}/products/{pid}"), 404, "product_not_found")


def test_sku_and_price_refusals(sqlite_client: TestClient, sqlite_app: Marketplace) -> None:
    shop = open_shop(sqlite_client, sqlite_app)
    h = shop.merchant.headers
    pid = shop.create_product()["id"]
    sku = shop.add_sku(pid, sku_code="A-1", sales_attributes={"colour": "Red"})
    skus, prices = f"{shop.base}/products/{pid}/skus", f"{shop.base}/skus/{sku['id']}/prices"
    rising = [{"min_quantity": 5, "price": "90"}, {"min_quantity": 10, "price": "95"}]
    before = db_snapshot(sqlite_app)
    refuse_all(shop.client, [
        ("POST", skus, {"sku_code": "B-1", "sales_attributes": {"COLOUR": " red "}}, h, 409,
         "duplicate_sku_attributes"),
        ("POST", skus, {"sku_code": "A-1", "sales_attributes": {"colour": "blue"}}, h, 409,
         "sku_code_taken"),
        ("POST", skus, {"sku_code": "C-1", "barcode": "4006381333932"}, h, 422,
         "invalid_barcode"),
        ("PUT", prices, {"currency": "CNY", "list_price": "100", "tiers": rising}, h, 422,
         "invalid_tier_prices"),
        ("PUT", prices, {"currency": "CNY", "list_price": "100",
                         "tiers": [{"min_quantity": 5, "price": "120"}]}, h, 422,
         "invalid_tier_prices"),
        ("PUT", prices, {"currency": "CNY", "list_price": "100",
                         "member_prices": [{"level": "gold", "price": "101"}]}, h, 422,
         "invalid_member_prices"),
        ("PUT", prices, {"currency": "XYZ", "list_price": "100"}, h, 422, "unsupported_currency"),
        ("PUT", prices, {"currency": "JPY", "list_price": "100.5"}, h, 422, "money_precision"),
        ("PUT", prices, {"currency": "CNY", "list_price": 1.5}, h, 422,
         "request_validation_failed"),
    ])  # fmt: skip
    assert db_snapshot(sqlite_app) == before


def test_status_refusals(sqlite_client: TestClient, sqlite_app: Marketplace) -> None:
    shop = open_shop(sqlite_client, sqlite_app)
    c, h = shop.client, shop.merchant.headers
    pid = shop.create_product()["id"]
    before = db_snapshot(sqlite_app)
    body = problem(c.post(f"{shop.base}/products/{pid}/list", headers=h), 409, "product_incomplete")
    assert body["missing"] == ["an active SKU with a list price"]
    problem(
        c.post(f"{shop.base}/products/{pid}/delist", headers=h), 409, "illegal_product_transition"
    )
    assert db_snapshot(sqlite_app) == before

    listed, sku = shop.listed_product()
    before = db_snapshot(sqlite_app)
    problem(
        c.post(f"{shop.base}/products/{listed}/list", headers=h), 409, "illegal_product_transition"
    )
    problem(
        c.patch(f"{shop.base}/skus/{sku}", json={"is_active": False}, headers=h),
        409,
        "listed_product_needs_active_sku",
    )
    problem(
        c.patch(f"{shop.base}/products/{listed}", json={"brand": "x", "version": 1}, headers=h),
        409,
        "product_version_conflict",
    )
    assert db_snapshot(sqlite_app) == before


def test_merchant_not_approved_cannot_list(
    sqlite_client: TestClient, sqlite_app: Marketplace
) -> None:
    shop = open_shop(sqlite_client, sqlite_app)
    c = shop.client
    _, owner = new_user_headers(c, stem="owner")
    pending = ok(c.post(f"{API}/merchants", json={"name": "Not yet"}, headers=owner), 201)
    base = f"{API}/merchants/{pending['id']}"
    product = ok(
        c.post(
            f"{base}/products",
            headers=owner,
            json={
                "category_id": shop.category_id,
                "translations": {"en": {"title": "Early bird"}},
            },
        ),
        201,
    )
    sku = ok(
        c.post(f"{base}/products/{product['id']}/skus", json={"sku_code": "E-1"}, headers=owner),
        201,
    )
    ok(
        c.put(
            f"{base}/skus/{sku['id']}/prices",
            json={"currency": "CNY", "list_price": "9.90"},
            headers=owner,
        )
    )
    before = db_snapshot(sqlite_app)
    body = problem(
        c.post(f"{base}/products/{product['id']}/list", headers=owner), 409, "merchant_not_approved"
    )
    assert body["merchant_status"] == "onboarding"
    assert db_snapshot(sqlite_app) == before


def test_other_merchants_ids_are_not_found_and_nothing_changes(
    sqlite_client: TestClient, sqlite_app: Marketplace
) -> None:
    shop = open_shop(sqlite_client, sqlite_app)
    c = shop.client
    pid, sku = shop.listed_product()
    rival = create_approved_merchant(c, sqlite_app, admin_headers=shop.admin)
    base, h = f"{API}/merchants/{rival.id}", rival.headers
    price = {"currency": "CNY", "list_price": "0.01"}
    before = db_snapshot(sqlite_app)
    refuse_all(c, [
        ("GET", f"{base}/products/{pid}", None, h, 404, "product_not_found"),
        ("PATCH", f"{base}/products/{pid}", {"brand": "Stolen"}, h, 404, "product_not_found"),
        ("POST", f"{base}/products/{pid}/delist", None, h, 404, "product_not_found"),
        ("POST", f"{base}/products/{pid}/skus", {"sku_code": "X"}, h, 404, "product_not_found"),
        ("PATCH", f"{base}/skus/{sku}", {"is_active": False}, h, 404, "sku_not_found"),
        ("PUT", f"{base}/skus/{sku}/prices", price, h, 404, "sku_not_found"),
        # Someone else's merchant path is refused before anything is looked up.
        ("PATCH", f"{shop.base}/products/{pid}", {"brand": "x"}, h, 403,
         "merchant_access_denied"),
    ])  # fmt: skip
    assert ok(c.get(f"{base}/products", headers=h))["items"] == []
    assert db_snapshot(sqlite_app) == before


def test_validation_of_product_bodies(sqlite_client: TestClient, sqlite_app: Marketplace) -> None:
    shop = open_shop(sqlite_client, sqlite_app)
    h, url, cat = shop.merchant.headers, f"{shop.base}/products", shop.category_id
    before = db_snapshot(sqlite_app)
    refuse_all(shop.client, [
        ("POST", url, {"category_id": "cat_nope"}, h, 422, "unknown_category"),
        ("POST", url, {"category_id": cat, "shop_id": "shop_x"}, h, 422, "unknown_shop"),
        ("POST", url, {"category_id": cat, "attributes": {"a": " "}}, h, 422,
         "invalid_attributes"),
        ("POST", url, {"category_id": cat, "translations": {"xx-!!": {"title": "t"}}}, h, 422,
         "invalid_locale"),
        ("GET", f"{url}?cursor=!!", None, h, 400, "invalid_cursor"),
    ])  # fmt: skip
    assert db_snapshot(sqlite_app) == before
