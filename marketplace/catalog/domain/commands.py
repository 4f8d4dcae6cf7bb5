"""Commands: what a caller asks the catalog to do (built by the API, the CLI, the agent).

Update commands use ``UNSET`` for "leave as it is", so that ``None`` can mean "clear".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Final, Literal, TypeAlias, TypeVar


class Unset(Enum):
    UNSET = "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset.UNSET
T = TypeVar("T")
Maybe: TypeAlias = T | Literal[Unset.UNSET]


# -- categories -------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateCategory:
    names: dict[str, str]
    parent_id: str | None = None
    slug: str | None = None
    position: int | None = None  # None: after the existing siblings
    is_active: bool = True


@dataclass(frozen=True)
class UpdateCategory:
    category_id: str
    names: Maybe[dict[str, str]] = UNSET  # merged: the given locales are replaced
    slug: Maybe[str] = UNSET
    position: Maybe[int] = UNSET
    is_active: Maybe[bool] = UNSET


@dataclass(frozen=True)
class MoveCategory:
    category_id: str
    parent_id: str | None  # None: to the root
    position: int | None = None  # None: after the new siblings


# -- products ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TranslationInput:
    title: str
    description: str | None = None


@dataclass(frozen=True)
class CreateProduct:
    merchant_id: str
    category_id: str
    translations: dict[str, TranslationInput]
    default_locale: str | None = None  # None: the merchant's default locale
    shop_id: str | None = None  # None: the merchant's first shop, if any
    brand: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UpdateProduct:
    merchant_id: str
    product_id: str
    category_id: Maybe[str] = UNSET
    shop_id: Maybe[str | None] = UNSET
    brand: Maybe[str | None] = UNSET
    attributes: Maybe[dict[str, str]] = UNSET  # replaces the whole set
    default_locale: Maybe[str] = UNSET
    translations: Maybe[dict[str, TranslationInput]] = UNSET  # upserted per locale
    expected_version: int | None = None


@dataclass(frozen=True)
class ChangeProductStatus:
    merchant_id: str
    product_id: str


# -- SKUs and prices ----------------------------------------------------------------------


@dataclass(frozen=True)
class AddSku:
    merchant_id: str
    product_id: str
    sku_code: str
    sales_attributes: dict[str, str] = field(default_factory=dict)
    barcode: str | None = None
    weight_grams: int | None = None
    is_active: bool = True


@dataclass(frozen=True)
class UpdateSku:
    merchant_id: str
    sku_id: str
    sku_code: Maybe[str] = UNSET
    sales_attributes: Maybe[dict[str, str]] = UNSET
    barcode: Maybe[str | None] = UNSET
    weight_grams: Maybe[int | None] = UNSET
    is_active: Maybe[bool] = UNSET


@dataclass(frozen=True)
class TierInput:
    min_quantity: int
    amount: str


@dataclass(frozen=True)
class MemberPriceInput:
    level: str
    amount: str


@dataclass(frozen=True)
class SetSkuPrices:
    """Replace the SKU's whole price set in ``currency`` (amounts as decimal strings)."""

    merchant_id: str
    sku_id: str
    currency: str
    list_price: str
    tiers: tuple[TierInput, ...] = ()
    member_prices: tuple[MemberPriceInput, ...] = ()
