"""The catalog's read side: plain, fast SQL returning dicts ready for JSON.

Reads run on their own read-only connection (``read_connection``), outside any unit of
work. On SQLite that means a plain ``BEGIN``, so readers never wait for the write lock. On
PostgreSQL it is in autocommit, which saves the ``BEGIN`` and ``ROLLBACK`` round trips and
changes nothing a reader can see: under READ COMMITTED (the engine's level) each statement
takes its own snapshot inside a transaction as well.
"""

from __future__ import annotations

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
    product_cards,
    product_titles,
    search_terms,
    sku_codes_of_products,
)
from marketplace.catalog.queries.products import (
    merchant_product_detail,
    price_set_dict,
    product_detail,
    sku_price_quote,
)
from marketplace.db.engine import read_connection

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
    "product_cards",
    "product_detail",
    "product_titles",
    "read_connection",
    "search_terms",
    "sku_codes_of_products",
    "sku_price_quote",
]
