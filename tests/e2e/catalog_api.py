"""Catalog calls over HTTP for the e2e tests (built on tests.factories)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace
from marketplace.catalog.cache import fence_key
from tests.factories import MerchantFixture, create_approved_merchant, make_platform_admin

API = "/api/v1"
_codes = itertools.count(1)


def ok(response: Any, expected: int = 200) -> Any:
    assert response.status_code == expected, response.text
    return response.json()


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def lift_fence(app: Marketplace, product_id: str) -> None:
    """Let the next read cache the page at once (a change fences refills for a few seconds)."""
    app.cache.delete(fence_key(product_id))


Refusal = tuple[str, str, object, dict[str, str] | None, int, str]


def refuse_all(client: TestClient, refusals: list[Refusal]) -> None:
    """Each ``(method, url, json, headers, status, code)`` is answered with that problem."""
    for method, url, body, headers, status, code in refusals:
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs["json"] = body
        problem(client.request(method, url, **kwargs), status, code)


@dataclass
class Shop:
    """An approved merchant, a platform admin and one category, ready to sell."""

    client: TestClient
    app: Marketplace
    admin: dict[str, str]
    merchant: MerchantFixture
    category_id: str

    @property
    def base(self) -> str:
        return f"{API}/merchants/{self.merchant.id}"

    def create_product(self, **body: Any) -> dict[str, Any]:
        body.setdefault("category_id", self.category_id)
        body.setdefault(
            "translations", {"zh": {"title": "夏季连衣裙"}, "en": {"title": "Summer dress"}}
        )
        return ok(
            self.client.post(f"{self.base}/products", json=body, headers=self.merchant.headers), 201
        )  # type: ignore[no-any-return]

    def add_sku(self, product_id: str, **body: Any) -> dict[str, Any]:
        body.setdefault("sku_code", f"SKU-{next(_codes)}")
        url = f"{self.base}/products/{product_id}/skus"
        return ok(self.client.post(url, json=body, headers=self.merchant.headers), 201)  # type: ignore[no-any-return]

    def set_prices(self, sku_id: str, list_price: str, **body: Any) -> dict[str, Any]:
        body = {"currency": "CNY", "list_price": list_price, **body}
        url = f"{self.base}/skus/{sku_id}/prices"
        return ok(self.client.put(url, json=body, headers=self.merchant.headers))  # type: ignore[no-any-return]

    def listed_product(self, price: str = "199.00", **body: Any) -> tuple[str, str]:
        """A listed product with one priced SKU: (product_id, sku_id)."""
        product = self.create_product(**body)
        sku = self.add_sku(product["id"], sales_attributes={"size": "M"})
        self.set_prices(sku["id"], price)
        url = f"{self.base}/products/{product['id']}/list"
        ok(self.client.post(url, headers=self.merchant.headers))
        return product["id"], sku["id"]


def open_shop(client: TestClient, app: Marketplace) -> Shop:
    admin = make_platform_admin(client, app)
    merchant = create_approved_merchant(client, app, admin_headers=admin)
    category = ok(
        client.post(
            f"{API}/admin/categories",
            json={"names": {"zh": "连衣裙", "en": "Dresses"}},
            headers=admin,
        ),
        201,
    )
    return Shop(client, app, admin, merchant, category["id"])
