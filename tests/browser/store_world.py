"""A small storefront, seeded through the real API: two approved merchants (owners who can
sign in), a category tree in Chinese and English, listed products with two SKUs each, stock
in a Shanghai warehouse, a quantity tier on one, and a buyer. Used by the storefront's
browser test and its TestClient page tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace
from tests.e2e.catalog_api import API, ok
from tests.factories import (
    DEFAULT_PASSWORD,
    login,
    make_platform_admin,
    register_user,
    unique_email,
)

_codes = itertools.count(1)


@dataclass
class Seller:
    id: str
    name: str
    email: str
    headers: dict[str, str]
    warehouse_id: str = ""

    @property
    def base(self) -> str:
        return f"{API}/merchants/{self.id}"


@dataclass
class Product:
    id: str
    skus: list[str]
    merchant_id: str
    title_en: str
    title_zh: str
    price: str


@dataclass
class StoreWorld:
    client: TestClient
    admin: dict[str, str]
    sellers: list[Seller]
    categories: dict[str, str]  # dresses, summer (below dresses), kitchen
    buyer_email: str
    buyer_id: str
    products: list[Product] = field(default_factory=list)

    def by_merchant(self, merchant_id: str) -> list[Product]:
        return [p for p in self.products if p.merchant_id == merchant_id]


def _category(client: TestClient, admin: dict[str, str], en: str, zh: str,
              parent: str | None = None) -> str:  # fmt: skip
    body = {"names": {"en": en, "zh": zh}, "parent_id": parent}
    return str(ok(client.post(f"{API}/admin/categories", json=body, headers=admin), 201)["id"])


def _seller(client: TestClient, admin: dict[str, str], name: str) -> Seller:
    email = unique_email("seller")
    register_user(client, email=email, display_name=f"{name} owner")
    headers = login(client, email)
    merchant = ok(client.post(f"{API}/merchants", json={"name": name, "kind": "third_party"},
                              headers=headers), 201)  # fmt: skip
    seller = Seller(merchant["id"], name, email, headers)
    ok(client.post(f"{seller.base}/submit", headers=headers))
    ok(client.post(f"{API}/admin/merchants/{seller.id}/approve", headers=admin))
    ok(client.post(f"{seller.base}/shops", json={"name": f"{name} 旗舰店"}, headers=headers), 201)
    body = {"code": f"SH{next(_codes)}", "name": "Shanghai", "country": "CN", "region": "Shanghai"}
    made = ok(client.post(f"{seller.base}/warehouses", json=body, headers=headers), 201)
    seller.warehouse_id = made["id"]
    return seller


def add_product(
    world: StoreWorld, seller: Seller, category: str, en: str, zh: str, price: str, *,
    stock: int = 20, tiers: list[dict[str, Any]] | None = None,
) -> Product:  # fmt: skip
    """A listed product with two SKUs (sizes M and L, L a little dearer), in stock."""
    client, h = world.client, seller.headers
    texts = {"en": {"title": en, "description": f"{en}, sold by {seller.name}."},
             "zh": {"title": zh, "description": f"{zh}，{seller.name} 发货。"}}  # fmt: skip
    body = {"category_id": world.categories[category], "brand": seller.name, "translations": texts}
    product = ok(client.post(f"{seller.base}/products", json=body, headers=h), 201)
    skus = []
    for size, extra in (("M", "0"), ("L", "10")):
        sku = ok(client.post(f"{seller.base}/products/{product['id']}/skus", headers=h,
                             json={"sku_code": f"SKU-{next(_codes)}",
                                   "sales_attributes": {"size": size}}), 201)  # fmt: skip
        amount = f"{float(price) + float(extra):.2f}"
        prices: dict[str, Any] = {"currency": "CNY", "list_price": amount}
        if tiers:
            prices["tiers"] = tiers
        ok(client.put(f"{seller.base}/skus/{sku['id']}/prices", json=prices, headers=h))
        if stock:
            inbound = {"sku_id": sku["id"], "warehouse_id": seller.warehouse_id, "quantity": stock}
            ok(client.post(f"{seller.base}/stock/inbound", json=inbound, headers=h), 201)
        skus.append(sku["id"])
    ok(client.post(f"{seller.base}/products/{product['id']}/list", headers=h))
    made = Product(product["id"], skus, seller.id, en, zh, price)
    world.products.append(made)
    return made


def build_store(client: TestClient, app: Marketplace) -> StoreWorld:
    admin = make_platform_admin(client, app)
    dresses = _category(client, admin, "Dresses", "连衣裙")
    categories = {"dresses": dresses, "summer": _category(client, admin, "Summer", "夏装", dresses),
                  "kitchen": _category(client, admin, "Kitchen", "厨房用品")}  # fmt: skip
    sellers = [_seller(client, admin, "Hangzhou Silk"), _seller(client, admin, "Yiwu Home")]
    buyer_email = unique_email("buyer")
    buyer = register_user(client, email=buyer_email, display_name="Wang Fang")
    world = StoreWorld(client, admin, sellers, categories, buyer_email, str(buyer["id"]))
    silk, home = sellers
    add_product(world, silk, "dresses", "Silk qipao dress", "真丝旗袍", "399.00")
    add_product(world, silk, "summer", "Linen summer dress", "亚麻夏季连衣裙", "199.00",
                tiers=[{"min_quantity": 10, "price": "169.00"}])  # fmt: skip
    add_product(world, silk, "summer", "Cotton beach dress", "纯棉沙滩裙", "129.00")
    add_product(world, home, "kitchen", "Bamboo steamer", "竹制蒸笼", "59.00")
    add_product(world, home, "kitchen", "Cast iron wok", "铸铁炒锅", "239.00")
    add_product(world, home, "kitchen", "Ceramic tea set", "陶瓷茶具套装", "168.00")
    return world


PASSWORD = DEFAULT_PASSWORD
