"""The public read side on SQLite and PostgreSQL: subtree listing, keyword search in
English and Chinese, filters, every sort, keyset pagination and product detail."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest
from sqlalchemy import Engine, update

from marketplace.catalog import queries
from marketplace.catalog.adapters.tables import products
from marketplace.catalog.domain.errors import (
    CategoryNotFoundError,
    InvalidCursorError,
    ProductNotFoundError,
)
from marketplace.catalog.queries import ProductListQuery
from marketplace.shared.clock import FixedClock
from tests.integration.catalog_seed import Catalog, insert_merchant, set_merchant_status


@dataclass
class World:
    catalog: Catalog
    engine: Engine
    merchant: str
    other_merchant: str
    cats: dict[str, str]
    ids: dict[str, str]


@pytest.fixture
def world(any_engine: Engine, clock: FixedClock) -> World:
    catalog = Catalog(any_engine, clock)
    merchant, _ = insert_merchant(any_engine, clock, name="Acme Store")
    other, _ = insert_merchant(any_engine, clock, name="Linen House")
    suspended, _ = insert_merchant(any_engine, clock)
    women = catalog.category("Women", zh="女装")
    dresses = catalog.category("Dresses", women, zh="连衣裙")
    maxi = catalog.category("Maxi", dresses)
    men = catalog.category("Men")
    shirts = catalog.category("Shirts", men)
    p = catalog.product
    ids = {
        "floral": p(
            merchant,
            maxi,
            titles={"en": "Summer floral dress", "zh": "夏季碎花连衣裙"},
            brand="Acme",
            attributes={"material": "cotton"},
            skus=[({"colour": "red"}, "199.00"), ({"colour": "blue"}, "219.00")],
        ),
        "evening": p(
            merchant,
            dresses,
            titles={"en": "Evening dress", "zh": "晚礼服连衣裙"},
            brand="Zephyr",
            attributes={"material": "silk"},
            skus=[({}, "599.00")],
        ),
        "jacket": p(
            merchant,
            women,
            titles={"en": "Denim jacket", "zh": "牛仔夹克"},
            brand="Acme",
            attributes={"material": "denim"},
            skus=[({}, "299.00")],
        ),
        "shirt": p(
            merchant,
            shirts,
            titles={"en": "Oxford shirt", "zh": "牛津衬衫"},
            brand="Oxbridge",
            skus=[({}, "159.00")],
        ),
        "linen": p(
            other,
            dresses,
            titles={"zh": "亚麻连衣裙"},
            description="清凉 linen",
            brand="Linen House",
            attributes={"material": "linen"},
            skus=[({}, "89.00")],
        ),
        "draft": p(merchant, dresses, titles={"en": "Draft dress"}, listed=False),
        "hidden": p(suspended, dresses, titles={"en": "Suspended dress"}),
    }
    set_merchant_status(any_engine, suspended, "suspended")
    sales = {"floral": 50, "evening": 5, "jacket": 20, "shirt": 20, "linen": 100}
    with any_engine.begin() as conn:
        for key, count in sales.items():
            conn.execute(
                update(products).where(products.c.id == ids[key]).values(sales_count=count)
            )
    cats = {"women": women, "dresses": dresses, "maxi": maxi, "men": men}
    return World(catalog, any_engine, merchant, other, cats, ids)


def names(world: World, query: ProductListQuery) -> list[str]:
    by_id = {v: k for k, v in world.ids.items()}
    with queries.read_connection(world.engine) as conn:
        return [by_id.get(i["id"], i["id"]) for i in queries.list_products(conn, query).items]


def as_set(world: World, **kwargs: Any) -> set[str]:
    return set(names(world, ProductListQuery(**kwargs)))


VISIBLE = {"floral", "evening", "jacket", "shirt", "linen"}


def test_only_listed_products_of_approved_merchants(world: World) -> None:
    assert as_set(world) == VISIBLE


def test_category_filter_includes_descendants(world: World) -> None:
    assert as_set(world, category_id=world.cats["women"]) == {
        "floral",
        "evening",
        "jacket",
        "linen",
    }
    assert as_set(world, category_id=world.cats["dresses"]) == {"floral", "evening", "linen"}
    assert as_set(world, category_id=world.cats["maxi"]) == {"floral"}
    assert as_set(world, category_id=world.cats["men"]) == {"shirt"}
    with queries.read_connection(world.engine) as conn, pytest.raises(CategoryNotFoundError):
        queries.list_products(conn, ProductListQuery(category_id="cat_missing"))


SEARCHES = [
    ("dress", {"floral", "evening"}),
    ("DRESS", {"floral", "evening"}),
    ("floral dress", {"floral"}),
    ("dress acme", {"floral"}),  # brand is searchable
    ("silk", {"evening"}),  # spec attribute values too
    ("red", {"floral"}),  # and SKU sales attributes
    ("linen", {"linen"}),
    ("连衣裙", {"floral", "evening", "linen"}),  # 3 characters: FTS5 trigram / pg_trgm
    ("连衣", {"floral", "evening", "linen"}),  # 2 characters: LIKE fallback on SQLite
    ("碎花", {"floral"}),
    ("牛", {"jacket", "shirt"}),
    ("连衣 碎花", {"floral"}),
    ("夏季碎花连衣裙", {"floral"}),
    ("ｄｒｅｓｓ", {"floral", "evening"}),  # full-width input is folded
    ("nothing-like-this", set()),
    ("100%", set()),  # wildcards are literal
    ("_", set()),
]


def test_keyword_search_in_english_and_chinese(world: World) -> None:
    found = {q: as_set(world, q=q) for q, _ in SEARCHES}
    assert found == dict(SEARCHES)


def test_keyword_search_combines_with_category(world: World) -> None:
    assert as_set(world, q="连衣裙", category_id=world.cats["maxi"]) == {"floral"}


def test_relevance_sort_puts_the_closer_match_first(world: World) -> None:
    c = world.catalog
    loose = c.product(
        world.merchant,
        world.cats["men"],
        titles={"en": "Gardening gloves"},
        description="Gloves for roses, tulips and every floral bed; wear with an old dress "
        "shirt, boots, a hat and a long apron over your work clothes in the garden.",
    )
    ranked = names(world, ProductListQuery(q="floral dress"))
    assert ranked == ["floral", loose]
    newest_first = names(world, ProductListQuery(q="floral dress", sort="newest"))
    assert newest_first == [loose, "floral"]


def test_filters(world: World) -> None:
    assert as_set(world, brand="acme") == {"floral", "jacket"}
    assert as_set(world, brand=" Linen  House ") == {"linen"}
    assert as_set(world, merchant_id=world.other_merchant) == {"linen"}
    assert as_set(world, min_price="150", max_price="300", currency="CNY") == {
        "floral",
        "jacket",
        "shirt",
    }
    assert as_set(world, min_price="199.00", currency="cny") == {"floral", "evening", "jacket"}
    assert as_set(world, currency="USD") == set()
    assert as_set(world, attributes={"material": "silk"}) == {"evening"}
    assert as_set(world, attributes={"material": "cotton"}, brand="Acme") == {"floral"}
    assert as_set(world, attributes={"colour": "red"}) == set()  # SKU attributes are not specs
    assert as_set(world, attributes={"材质": "棉"}) == set()
    with queries.read_connection(world.engine) as conn:
        for bad in (
            ProductListQuery(min_price="1"),
            ProductListQuery(attributes={'ma"terial': "x"}),
            ProductListQuery(limit=0),
            ProductListQuery(sort="cheapest"),
        ):
            with pytest.raises(queries.InvalidListQueryError):
                queries.list_products(conn, bad)


def test_every_sort(world: World) -> None:
    def order(sort: str) -> list[str]:
        return names(world, ProductListQuery(sort=sort))

    assert order("newest") == ["linen", "shirt", "jacket", "evening", "floral"]
    assert order("price_asc") == ["linen", "shirt", "floral", "jacket", "evening"]
    assert order("price_desc") == ["evening", "jacket", "floral", "shirt", "linen"]
    popular = order("popularity")
    assert popular[:2] == ["linen", "floral"]
    assert set(popular[2:4]) == {"jacket", "shirt"}  # a tie, broken by id
    assert popular[4] == "evening"
    assert order("relevance") == order("newest")  # relevance without q


def test_items_carry_title_locale_and_price(world: World) -> None:
    with queries.read_connection(world.engine) as conn:
        zh = queries.list_products(
            conn, ProductListQuery(category_id=world.cats["maxi"], locale="zh-CN")
        )
        de = queries.list_products(
            conn, ProductListQuery(merchant_id=world.other_merchant, locale="de")
        )
    item = zh.items[0]
    assert (item["title"], item["locale"]) == ("夏季碎花连衣裙", "zh")
    assert item["price"] == {"amount": "199.00", "currency": "CNY"}
    assert (de.items[0]["title"], de.items[0]["locale"]) == ("亚麻连衣裙", "zh")


def walk(world: World, query: ProductListQuery, between_pages: Any = None) -> list[str]:
    seen: list[str] = []
    after = None
    for page_no in range(50):
        with queries.read_connection(world.engine) as conn:
            page = queries.list_products(conn, replace(query, after=after))
        seen += [i["id"] for i in page.items]
        if page.next_key is None:
            return seen
        assert len(page.items) == query.limit
        after = page.next_key
        if between_pages:
            between_pages(page_no)
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize("sort", ["newest", "price_asc", "price_desc", "popularity"])
def test_pagination_walks_everything_once_despite_inserts(world: World, sort: str) -> None:
    c = world.catalog
    for i in range(6):
        c.product(
            world.merchant,
            world.cats["men"],
            titles={"en": f"Tee {i}"},
            skus=[({}, f"{100 + 37 * i % 200}.00")],
        )
    everything = walk(world, ProductListQuery(sort=sort, limit=100))
    assert len(everything) == 11

    inserted: list[str] = []

    def insert(page_no: int) -> None:
        price = ["5.00", "999.00", "150.00"][page_no % 3]
        inserted.append(
            c.product(
                world.merchant,
                world.cats["men"],
                titles={"en": f"New {page_no}"},
                skus=[({}, price)],
            )
        )

    seen = walk(world, ProductListQuery(sort=sort, limit=2), insert)
    assert len(seen) == len(set(seen)), "a product appeared twice"
    assert set(everything) <= set(seen)
    assert set(seen) - set(everything) <= set(inserted)


def test_pagination_with_search_and_relevance(world: World) -> None:
    for i in range(5):
        titles = {"en": f"Party dress {i}", "zh": f"派对连衣裙{i}"}
        world.catalog.product(world.merchant, world.cats["dresses"], titles=titles)
    for q in ("dress", "连衣裙", "连衣"):
        seen = walk(world, ProductListQuery(q=q, limit=2))
        full = names(world, ProductListQuery(q=q, limit=100))
        assert len(seen) == len(set(seen)) == len(full)


def test_a_key_from_another_query_is_refused(world: World) -> None:
    with queries.read_connection(world.engine) as conn:
        page = queries.list_products(conn, ProductListQuery(sort="newest", limit=1))
        assert page.next_key is not None
        for bad in (
            ProductListQuery(sort="price_asc", limit=1, after=page.next_key),
            ProductListQuery(sort="newest", brand="acme", limit=1, after=page.next_key),
            ProductListQuery(
                after={
                    "sort": "newest",
                    "filters": page.next_key["filters"],
                    "after": ["not a date", "x"],
                }
            ),
            ProductListQuery(after={"sort": "newest"}),
        ):
            with pytest.raises(InvalidCursorError):
                queries.list_products(conn, bad)


def test_product_detail(world: World) -> None:
    with queries.read_connection(world.engine) as conn:
        zh = queries.product_detail(conn, world.ids["floral"], locale="zh-CN")
        fr = queries.product_detail(conn, world.ids["floral"], locale="fr")
        for hidden in ("draft", "hidden"):
            with pytest.raises(ProductNotFoundError):
                queries.product_detail(conn, world.ids[hidden], locale=None)
    assert (zh["title"], zh["locale"]) == ("夏季碎花连衣裙", "zh")
    assert zh["available_locales"] == ["en", "zh"]
    assert (fr["title"], fr["locale"]) == ("夏季碎花连衣裙", "zh")  # the product default
    assert [c["name"] for c in zh["breadcrumb"]] == ["女装", "连衣裙", "Maxi"]
    assert zh["category"]["id"] == world.cats["maxi"]
    assert zh["merchant"]["name"] == "Acme Store"
    assert zh["shop"]["name"].startswith("Shop of")
    assert zh["price"] == {"amount": "199.00", "currency": "CNY"}
    assert [s["sales_attributes"] for s in zh["skus"]] == [{"colour": "red"}, {"colour": "blue"}]
    assert zh["skus"][0]["prices"] == [
        {
            "currency": "CNY",
            "list_price": {"amount": "199.00", "currency": "CNY"},
            "tiers": [],
            "member_prices": [],
        }
    ]
    assert zh["attributes"] == {"material": "cotton"}


def test_suspension_hides_products_everywhere(world: World) -> None:
    set_merchant_status(world.engine, world.merchant, "suspended")
    assert as_set(world) == {"linen"}
    with queries.read_connection(world.engine) as conn, pytest.raises(ProductNotFoundError):
        queries.product_detail(conn, world.ids["floral"], locale=None)
