"""The catalog's domain model: categories, products (SPU), SKUs, prices, locales.

Standard library only (plus the shared kernel). See each module's docstring for its
rules; the locale fallback rule is in ``locale``, price resolution in ``pricing``.
"""

from marketplace.catalog.domain.categories import Category, SubtreeMove, plan_move, reorder
from marketplace.catalog.domain.locale import normalize_locale, resolve_locale
from marketplace.catalog.domain.pricing import (
    MemberLevel,
    MemberPrice,
    PriceRule,
    PriceSet,
    ResolvedPrice,
    TierPrice,
    resolve_unit_price,
)
from marketplace.catalog.domain.products import (
    Product,
    ProductStatus,
    Sku,
    SkuStatus,
    Translation,
    attributes_key,
    validate_barcode,
)

__all__ = [
    "Category",
    "MemberLevel",
    "MemberPrice",
    "PriceRule",
    "PriceSet",
    "Product",
    "ProductStatus",
    "ResolvedPrice",
    "Sku",
    "SkuStatus",
    "SubtreeMove",
    "TierPrice",
    "Translation",
    "attributes_key",
    "normalize_locale",
    "plan_move",
    "reorder",
    "resolve_locale",
    "resolve_unit_price",
    "validate_barcode",
]
