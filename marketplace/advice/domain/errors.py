"""Errors of the advice area, each with a stable code."""

from __future__ import annotations

from marketplace.shared.errors import ConflictError, NotFoundError, ValidationError


class PriceSuggestionNotFoundError(NotFoundError):
    """Unknown, or another merchant's."""

    code = "price_suggestion_not_found"


class InvalidPriceSuggestionError(ValidationError):
    """A suggestion of the wrong shape: objective, effects, elasticity, codes, expiry."""

    code = "invalid_price_suggestion"


class SuggestionPriceNotPositiveError(ValidationError):
    code = "suggestion_price_not_positive"


class SuggestionCurrencyMismatchError(ValidationError):
    """Prices in another currency than the suggestion's, or a currency the SKU has no
    list price in."""

    code = "suggestion_currency_mismatch"


class SuggestionSkuNotOwnedError(ValidationError):
    """A SKU that does not exist or is not the merchant's."""

    code = "suggestion_sku_not_owned"


class SuggestionNotPendingError(ConflictError):
    """Accepted, rejected or superseded already."""

    code = "suggestion_not_pending"


class SuggestionExpiredError(ConflictError):
    code = "suggestion_expired"


class SuggestionStaleError(ConflictError):
    """The SKU's list price is no longer the one the suggestion started from (the
    merchant changed it since): the suggestion's effects were computed for another price."""

    code = "suggestion_stale"


class InvalidDemandForecastError(ValidationError):
    code = "invalid_demand_forecast"


class ForecastNotFoundError(NotFoundError):
    code = "forecast_not_found"


class InvalidPricingPolicyError(ValidationError):
    """A merchant pricing policy of the wrong shape: objective, fractions out of range."""

    code = "invalid_pricing_policy"


class InvalidPricingInputsError(ValidationError):
    """A SKU's pricing inputs of the wrong shape: a negative cost, a bound or competitor
    price that is not positive, an amount too large to store."""

    code = "invalid_pricing_inputs"


class InvalidPriceBoundsError(ValidationError):
    """A minimum price above the maximum price."""

    code = "invalid_price_bounds"


class PricingCurrencyMismatchError(ValidationError):
    """Pricing inputs in a currency the SKU has no list price in."""

    code = "pricing_currency_mismatch"
