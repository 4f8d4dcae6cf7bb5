"""The catalog's read side: plain, fast SQL returning dicts ready for JSON.

Reads run on their own read-only connection (``read_connection``), outside any unit of
work; on SQLite that means a plain ``BEGIN``, so readers never wait for the write lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from marketplace.catalog.queries.categories import (
    breadcrumb,
    category_detail,
    category_subtree,
    category_tree,
)
from marketplace.catalog.queries.listing import (
    InvalidListQueryError,
    ProductListQuery,
    ProductPage,
    list_products,
    search_terms,
)
from marketplace.catalog.queries.products import (
    merchant_product_detail,
    price_set_dict,
    product_detail,
    sku_price_quote,
)


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for reads; its transaction is rolled back at the end."""
    with engine.connect().execution_options(agora_readonly=True) as conn:
        yield conn


__all__ = [
    "InvalidListQueryError",
    "ProductListQuery",
    "ProductPage",
    "breadcrumb",
    "category_detail",
    "category_subtree",
    "category_tree",
    "list_products",
    "merchant_product_detail",
    "price_set_dict",
    "product_detail",
    "read_connection",
    "search_terms",
    "sku_price_quote",
]
