"""Errors the catalog raises on purpose; each ``code`` is part of the public API."""

from __future__ import annotations

from marketplace.shared.errors import ConflictError, NotFoundError, ValidationError

# -- categories -------------------------------------------------------------------------


class CategoryNotFoundError(NotFoundError):
    code = "category_not_found"

    def __init__(self, category_id: str) -> None:
        super().__init__(f"Category {category_id} does not exist.", category_id=category_id)


class UnknownCategoryError(ValidationError):
    """A request body names a category that does not exist."""

    code = "unknown_category"

    def __init__(self, category_id: str) -> None:
        super().__init__(f"Category {category_id} does not exist.", category_id=category_id)


class CategoryCycleError(ConflictError):
    code = "category_cycle"


class CategorySlugTakenError(ConflictError):
    code = "category_slug_taken"

    def __init__(self, slug: str) -> None:
        super().__init__(f"Another category already uses the slug {slug!r}.", slug=slug)


class CategoryInactiveError(ConflictError):
    code = "category_inactive"

    def __init__(self, category_id: str) -> None:
        super().__init__(f"Category {category_id} is not active.", category_id=category_id)


class CategoryTooDeepError(ValidationError):
    code = "category_too_deep"


class InvalidCategoryError(ValidationError):
    code = "invalid_category"


# -- products -------------------------------------------------------------------------


class ProductNotFoundError(NotFoundError):
    code = "product_not_found"

    def __init__(self, product_id: str) -> None:
        super().__init__(f"Product {product_id} does not exist.", product_id=product_id)


class SkuNotFoundError(NotFoundError):
    code = "sku_not_found"

    def __init__(self, sku_id: str) -> None:
        super().__init__(f"SKU {sku_id} does not exist.", sku_id=sku_id)


class MerchantNotFoundError(NotFoundError):
    code = "merchant_not_found"

    def __init__(self, merchant_id: str) -> None:
        super().__init__(f"Merchant {merchant_id} does not exist.", merchant_id=merchant_id)


class UnknownShopError(ValidationError):
    code = "unknown_shop"

    def __init__(self, shop_id: str) -> None:
        super().__init__(f"Shop {shop_id} is not one of this merchant's shops.", shop_id=shop_id)


class MerchantNotApprovedError(ConflictError):
    code = "merchant_not_approved"

    def __init__(self, merchant_id: str, status: str) -> None:
        super().__init__(
            f"Merchant {merchant_id} is {status}; only approved merchants can list products.",
            merchant_id=merchant_id,
            merchant_status=status,
        )


class IllegalProductTransitionError(ConflictError):
    code = "illegal_product_transition"

    def __init__(self, current: str, target: str) -> None:
        super().__init__(
            f"A {current} product cannot become {target}.", current=current, target=target
        )


class ProductIncompleteError(ConflictError):
    code = "product_incomplete"

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            "The product cannot be listed yet: " + ", ".join(missing) + ".", missing=missing
        )


class ProductVersionConflictError(ConflictError):
    code = "product_version_conflict"

    def __init__(self, product_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"Product {product_id} is at version {actual}, not {expected}; reload and retry.",
            expected_version=expected,
            current_version=actual,
        )


class ListedProductNeedsSkuError(ConflictError):
    code = "listed_product_needs_active_sku"

    def __init__(self) -> None:
        super().__init__(
            "A listed product must keep at least one active SKU with a list price; "
            "delist the product first."
        )


class InvalidLocaleError(ValidationError):
    code = "invalid_locale"

    def __init__(self, locale: object) -> None:
        super().__init__(f"{locale!r} is not a locale tag such as 'zh', 'en' or 'zh-CN'.")


class InvalidTranslationError(ValidationError):
    code = "invalid_translation"


class InvalidAttributesError(ValidationError):
    code = "invalid_attributes"


# -- SKUs -----------------------------------------------------------------------------


class DuplicateSkuAttributesError(ConflictError):
    code = "duplicate_sku_attributes"

    def __init__(self, attributes_key: str) -> None:
        super().__init__(
            "The product already has a SKU with these sales attributes.",
            attributes_key=attributes_key,
        )


class SkuCodeTakenError(ConflictError):
    code = "sku_code_taken"

    def __init__(self, sku_code: str) -> None:
        super().__init__(
            f"SKU code {sku_code!r} is already used by this merchant.", sku_code=sku_code
        )


class InvalidBarcodeError(ValidationError):
    code = "invalid_barcode"

    def __init__(self, barcode: str, reason: str) -> None:
        super().__init__(f"Barcode {barcode!r} is not valid: {reason}.", barcode=barcode)


class InvalidSkuError(ValidationError):
    code = "invalid_sku"


# -- prices ---------------------------------------------------------------------------


class InvalidPriceError(ValidationError):
    code = "invalid_price"


class InvalidTierPricesError(ValidationError):
    code = "invalid_tier_prices"


class InvalidMemberPricesError(ValidationError):
    code = "invalid_member_prices"


class PriceNotAvailableError(NotFoundError):
    code = "price_not_available"

    def __init__(self, sku_id: str, currency: str) -> None:
        super().__init__(
            f"SKU {sku_id} has no price in {currency}.", sku_id=sku_id, currency=currency
        )


class InvalidQuantityError(ValidationError):
    code = "invalid_quantity"

    def __init__(self, quantity: object) -> None:
        super().__init__(f"Quantity must be a whole number of at least 1, not {quantity!r}.")


# -- read side ------------------------------------------------------------------------


class InvalidCursorError(ValidationError):
    """A pagination cursor that does not belong to this listing (HTTP 400 in the API)."""

    code = "invalid_cursor"

    def __init__(
        self, reason: str = "The cursor is malformed or belongs to another query."
    ) -> None:
        super().__init__(reason)
