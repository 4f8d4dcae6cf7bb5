"""Errors of ordering, each with a stable code."""

from __future__ import annotations

from marketplace.shared.errors import ConflictError, NotFoundError, ValidationError


class OrderNotFoundError(NotFoundError):
    code = "order_not_found"


class CheckoutNotFoundError(NotFoundError):
    code = "checkout_not_found"


class InvalidCheckoutError(ValidationError):
    code = "invalid_checkout"


class InvalidAddressError(ValidationError):
    code = "invalid_address"


class EmptyCheckoutError(ValidationError):
    code = "cart_empty"


class CheckoutLinesUnavailableError(ConflictError):
    """Lines that cannot be bought now: not for sale, no price, not enough stock."""

    code = "checkout_lines_unavailable"


class PriceChangedError(ConflictError):
    code = "price_changed"


class DuplicateCheckoutError(ConflictError):
    """Raised by the repository when the idempotency key is already used."""

    code = "duplicate_checkout"


class CartChangedError(ConflictError):
    code = "cart_changed"
