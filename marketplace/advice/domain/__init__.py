"""The advice area's domain: price suggestions (``suggestions``), demand forecasts
(``forecasts``), merchants' pricing policies and SKUs' pricing inputs (``pricing_inputs``),
and their errors. Standard library only, plus the shared kernel and the catalog's price set."""

from marketplace.advice.domain.errors import (
    ForecastNotFoundError,
    InvalidDemandForecastError,
    InvalidPriceBoundsError,
    InvalidPriceSuggestionError,
    InvalidPricingInputsError,
    InvalidPricingPolicyError,
    PriceSuggestionNotFoundError,
    PricingCurrencyMismatchError,
    SuggestionCurrencyMismatchError,
    SuggestionExpiredError,
    SuggestionNotPendingError,
    SuggestionPriceNotPositiveError,
    SuggestionSkuNotOwnedError,
    SuggestionStaleError,
)
from marketplace.advice.domain.forecasts import DemandForecast, check_forecast, quantile_key
from marketplace.advice.domain.pricing_inputs import PricingPolicy, SkuPricingInputs
from marketplace.advice.domain.suggestions import (
    Objective,
    PriceSuggestion,
    SuggestionStatus,
    check_effects,
    rescaled_prices,
)

__all__ = [
    "DemandForecast",
    "ForecastNotFoundError",
    "InvalidDemandForecastError",
    "InvalidPriceBoundsError",
    "InvalidPriceSuggestionError",
    "InvalidPricingInputsError",
    "InvalidPricingPolicyError",
    "Objective",
    "PriceSuggestion",
    "PriceSuggestionNotFoundError",
    "PricingCurrencyMismatchError",
    "PricingPolicy",
    "SkuPricingInputs",
    "SuggestionCurrencyMismatchError",
    "SuggestionExpiredError",
    "SuggestionNotPendingError",
    "SuggestionPriceNotPositiveError",
    "SuggestionSkuNotOwnedError",
    "SuggestionStaleError",
    "SuggestionStatus",
    "check_effects",
    "check_forecast",
    "quantile_key",
    "rescaled_prices",
]
