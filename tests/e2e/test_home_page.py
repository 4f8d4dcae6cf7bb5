from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace
from tests.e2e.catalog_api import open_shop


def test_home_page_lists_categories_and_new_arrivals(
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
    english = sqlite_client.get("/?lang=en")
    assert "Dresses" in english.text
    assert f'href="/c/{shop.category_id}"' in english.text  # the category navigation
    category = sqlite_client.get(f"/c/{shop.category_id}?lang=en")
    assert "Summer dress" in category.text
    assert f'data-product-id="{product_id}"' in category.text


def test_home_page_falls_back_to_chinese_for_an_unknown_language(
    sqlite_client: TestClient,
) -> None:
    resp = sqlite_client.get("/?lang=xx")
    assert resp.status_code == 200
    assert '<html lang="zh-CN">' in resp.text
