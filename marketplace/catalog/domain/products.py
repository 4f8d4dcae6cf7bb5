"""Products (SPUs), their SKUs, and the rules that keep them sellable.

A product is the aggregate: its translations, SKUs and each SKU's price sets change
together, under the product's ``version``.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from marketplace.catalog.domain.errors import (
    DuplicateSkuAttributesError,
    IllegalProductTransitionError,
    InvalidAttributesError,
    InvalidBarcodeError,
    InvalidSkuError,
    InvalidTranslationError,
    ListedProductNeedsSkuError,
    MerchantNotApprovedError,
    ProductIncompleteError,
    SkuNotFoundError,
)
from marketplace.catalog.domain.locale import normalize_locale
from marketplace.catalog.domain.pricing import PriceSet
from marketplace.shared.money import Money

MAX_ATTRIBUTES = 50
MAX_BRAND = 200
MAX_SALES_ATTRIBUTES = 5
MAX_ATTRIBUTE_NAME = 50
MAX_ATTRIBUTE_VALUE = 200
MAX_ATTRIBUTES_KEY = 500
MAX_TITLE = 500
MAX_DESCRIPTION = 20_000
MAX_WEIGHT_GRAMS = 10_000_000
APPROVED = "approved"


class ProductStatus(StrEnum):
    DRAFT = "draft"
    LISTED = "listed"
    DELISTED = "delisted"


_TRANSITIONS: dict[ProductStatus, frozenset[ProductStatus]] = {
    ProductStatus.DRAFT: frozenset({ProductStatus.LISTED}),
    ProductStatus.LISTED: frozenset({ProductStatus.DELISTED}),
    ProductStatus.DELISTED: frozenset({ProductStatus.LISTED}),
}


def can_transition(current: ProductStatus, target: ProductStatus) -> bool:
    return target in _TRANSITIONS[current]


class SkuStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


@dataclass(frozen=True, slots=True)
class Translation:
    title: str
    description: str = ""

    @classmethod
    def create(cls, title: str, description: str | None = None) -> Translation:
        title = " ".join((title or "").split())
        description = (description or "").strip()
        if not title:
            raise InvalidTranslationError("A title cannot be blank.")
        if len(title) > MAX_TITLE or len(description) > MAX_DESCRIPTION:
            raise InvalidTranslationError(
                f"Titles are at most {MAX_TITLE} and descriptions {MAX_DESCRIPTION} characters."
            )
        return cls(title, description)


def clean_translations(translations: Mapping[str, Translation]) -> dict[str, Translation]:
    return {normalize_locale(tag): text for tag, text in translations.items()}


# -- attributes -----------------------------------------------------------------------


def _fold(text: str) -> str:
    """Compare-form of text: NFKC (full-width 'Ｍ' is 'M'), case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def clean_attributes(
    attributes: Mapping[str, Any], *, limit: int = MAX_ATTRIBUTES
) -> dict[str, str]:
    """``{name: value}`` with non-blank string names and values, trimmed, names unique."""
    if not isinstance(attributes, Mapping):
        raise InvalidAttributesError("Attributes must be an object of name: value strings.")
    if len(attributes) > limit:
        raise InvalidAttributesError(f"At most {limit} attributes.")
    cleaned: dict[str, str] = {}
    seen: set[str] = set()
    for name, value in attributes.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise InvalidAttributesError("Attribute names and values must be strings.")
        name, value = " ".join(name.split()), " ".join(value.split())
        if not name or not value:
            raise InvalidAttributesError("Attribute names and values cannot be blank.")
        if len(name) > MAX_ATTRIBUTE_NAME or len(value) > MAX_ATTRIBUTE_VALUE:
            raise InvalidAttributesError(
                f"Attribute names are at most {MAX_ATTRIBUTE_NAME} and values "
                f"{MAX_ATTRIBUTE_VALUE} characters."
            )
        if _fold(name) in seen:
            raise InvalidAttributesError(f"The attribute {name!r} is given twice.")
        seen.add(_fold(name))
        cleaned[name] = value
    return cleaned


def attributes_key(sales_attributes: Mapping[str, str]) -> str:
    """Canonical form of a SKU's sales attributes: the same combination, however written
    (key order, case, full-width characters, spacing), gives the same key."""
    pairs = sorted((_fold(k), _fold(v)) for k, v in sales_attributes.items())
    key = json.dumps(dict(pairs), ensure_ascii=False, separators=(",", ":"))
    if len(key) > MAX_ATTRIBUTES_KEY:
        raise InvalidAttributesError("The sales attributes are too long.")
    return key


# -- barcodes -------------------------------------------------------------------------

_GTIN_LENGTHS = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "GTIN-14"}


def gtin_check_digit(body: str) -> int:
    """GS1 mod-10 check digit of the digits before it (weights 3,1,3... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def validate_barcode(barcode: str) -> str:
    """A GTIN (EAN-13, UPC-A, also EAN-8 and GTIN-14) with a correct check digit."""
    code = barcode.strip()
    if not code.isdigit() or not code.isascii():
        raise InvalidBarcodeError(barcode, "only digits are allowed")
    if len(code) not in _GTIN_LENGTHS:
        raise InvalidBarcodeError(barcode, "EAN-13 has 13 digits and UPC-A 12")
    if gtin_check_digit(code[:-1]) != int(code[-1]):
        raise InvalidBarcodeError(barcode, "the check digit is wrong")
    return code


def clean_sku_code(sku_code: str) -> str:
    code = (sku_code or "").strip()
    if not code or len(code) > 100 or any(ch.isspace() for ch in code):
        raise InvalidSkuError("A SKU code is 1 to 100 characters without spaces.")
    return code


def clean_weight(weight_grams: int | None) -> int | None:
    if weight_grams is None:
        return None
    if isinstance(weight_grams, bool) or not 0 <= weight_grams <= MAX_WEIGHT_GRAMS:
        raise InvalidSkuError(f"weight_grams must be between 0 and {MAX_WEIGHT_GRAMS}.")
    return weight_grams


# -- SKU and product --------------------------------------------------------------------


@dataclass(slots=True)
class Sku:
    id: str
    product_id: str
    merchant_id: str
    sku_code: str
    barcode: str | None
    sales_attributes: dict[str, str]
    attributes_key: str
    weight_grams: int | None
    status: SkuStatus
    created_at: datetime
    updated_at: datetime
    prices: dict[str, PriceSet] = field(default_factory=dict)  # by currency code

    @property
    def is_active(self) -> bool:
        return self.status is SkuStatus.ACTIVE

    def list_price(self, currency: str) -> Money | None:
        price_set = self.prices.get(currency)
        return price_set.list_price if price_set else None


@dataclass(slots=True)
class Product:
    id: str
    merchant_id: str
    shop_id: str | None
    category_id: str
    status: ProductStatus
    brand: str | None
    attributes: dict[str, str]
    default_locale: str
    translations: dict[str, Translation]
    created_at: datetime
    updated_at: datetime
    listed_at: datetime | None = None
    skus: list[Sku] = field(default_factory=list)
    sales_count: int = 0
    version: int = 1

    # -- SKUs ---------------------------------------------------------------------------
    def sku(self, sku_id: str) -> Sku:
        for sku in self.skus:
            if sku.id == sku_id:
                return sku
        raise SkuNotFoundError(sku_id)

    def ensure_attributes_free(self, key: str, *, except_sku_id: str | None = None) -> None:
        if any(s.attributes_key == key and s.id != except_sku_id for s in self.skus):
            raise DuplicateSkuAttributesError(key)

    def add_sku(self, sku: Sku) -> None:
        self.ensure_attributes_free(sku.attributes_key)
        self.skus.append(sku)

    @property
    def has_sellable_sku(self) -> bool:
        return any(s.is_active and s.prices for s in self.skus)

    def ensure_still_sellable(self) -> None:
        """A listed product keeps at least one active SKU with a list price."""
        if self.status is ProductStatus.LISTED and not self.has_sellable_sku:
            raise ListedProductNeedsSkuError()

    # -- status ---------------------------------------------------------------------------
    def list_for_sale(self, *, merchant_status: str, now: datetime) -> None:
        """draft/delisted -> listed, when the merchant is approved and the product complete."""
        self._check_transition(ProductStatus.LISTED)
        if merchant_status != APPROVED:
            raise MerchantNotApprovedError(self.merchant_id, merchant_status)
        missing = []
        if not any(t.title for t in self.translations.values()):
            missing.append("a title")
        if not self.has_sellable_sku:
            missing.append("an active SKU with a list price")
        if missing:
            raise ProductIncompleteError(missing)
        self.status = ProductStatus.LISTED
        self.listed_at = now
        self.updated_at = now

    def delist(self, *, now: datetime) -> None:
        self._check_transition(ProductStatus.DELISTED)
        self.status = ProductStatus.DELISTED
        self.updated_at = now

    def _check_transition(self, target: ProductStatus) -> None:
        if not can_transition(self.status, target):
            raise IllegalProductTransitionError(self.status.value, target.value)

    # -- derived data -------------------------------------------------------------------
    def search_text(self) -> str:
        """Every locale's title and description, the brand and attribute values, lower-cased."""
        parts: list[str] = []
        for tag in sorted(self.translations):
            parts += [self.translations[tag].title, self.translations[tag].description]
        parts.append(self.brand or "")
        parts += self.attributes.values()
        for sku in self.skus:
            parts += sku.sales_attributes.values()
        text = "\n".join(p for p in parts if p)
        return unicodedata.normalize("NFKC", text).lower()

    def display_price(self, preferred_currency: str) -> Money | None:
        """Lowest list price of the active SKUs, in ``preferred_currency`` when any SKU has
        one, else in the first currency the SKUs were priced in (for listing sort/filter)."""
        active = [s for s in self.skus if s.is_active]
        currencies = [c for s in active for c in s.prices]
        if not currencies:
            return None
        currency = preferred_currency if preferred_currency in currencies else currencies[0]
        return min(s.prices[currency].list_price for s in active if currency in s.prices)
