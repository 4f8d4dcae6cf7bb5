"""Sourcing's read side: the B2B offer search (``offers``, its statement in ``statement``),
supplier profiles and a merchant's lists (``suppliers``)."""

from marketplace.sourcing.queries.offers import (
    MAX_ATTRIBUTE_FILTERS,
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_SUPPLIER_IDS,
    SORTS,
    OfferHit,
    OfferPage,
    OfferQuery,
    search_offers,
    search_statement,
)
from marketplace.sourcing.queries.statement import Shape, statement
from marketplace.sourcing.queries.suppliers import (
    PublicSupplier,
    merchant_contract_prices,
    merchant_offer,
    merchant_offers,
    public_supplier,
    supplier_profile,
)

__all__ = [
    "MAX_ATTRIBUTE_FILTERS",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "MAX_SUPPLIER_IDS",
    "SORTS",
    "OfferHit",
    "OfferPage",
    "OfferQuery",
    "PublicSupplier",
    "Shape",
    "merchant_contract_prices",
    "merchant_offer",
    "merchant_offers",
    "public_supplier",
    "search_offers",
    "search_statement",
    "statement",
    "supplier_profile",
]
