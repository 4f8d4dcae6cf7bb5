"""Use cases of the catalog: functions with keyword-only collaborators
(``create_product(cmd, *, uow, cache)``); no SQL, no HTTP, no Redis here."""

from marketplace.catalog.services.categories import (
    create_category,
    move_category,
    update_category,
)
from marketplace.catalog.services.products import (
    add_sku,
    create_product,
    delist_product,
    invalidate_merchant_catalog,
    list_product,
    replace_sku_prices,
    set_sku_prices,
    update_product,
    update_sku,
)

__all__ = [
    "add_sku",
    "create_category",
    "create_product",
    "delist_product",
    "invalidate_merchant_catalog",
    "list_product",
    "move_category",
    "replace_sku_prices",
    "set_sku_prices",
    "update_category",
    "update_product",
    "update_sku",
]
