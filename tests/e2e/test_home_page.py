from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace
from tests.e2e.catalog_api import open_shop


def test_home_page_lists_categories_and_newest_products(
    sqlite_client: TestClient, sqlite_app: Marketplace
) -> None:
    shop = open_shop(sqlite_client, sqlite_app)
    product_id, _ = shop.listed_product("88.00")
    page = sqlite_client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "连衣裙" in page.text  # the category, in Chinese by default
    assert f'data-product-id="{product_id}"' in page.text
    assert "¥88.00" in page.text
    english = sqlite_client.get(f"/?lang=en&category={shop.category_id}")
    assert "Dresses" in english.text
    assert "Summer dress" in english.text


def test_home_page_falls_back_to_chinese_for_an_unknown_language(
    sqlite_client: TestClient,
) -> None:
    resp = sqlite_client.get("/?lang=xx")
    assert resp.status_code == 200
    assert '<html lang="zh-CN">' in resp.text
