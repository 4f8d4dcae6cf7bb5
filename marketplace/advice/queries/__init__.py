"""Read side of the advice area: plain SQL for the merchant's lists and charts, and the
inputs of replenishment and of the pricing producer."""

from marketplace.advice.queries.demand import (
    DEFAULT_LEAD_TIME_DAYS,
    MAX_HISTORY_DAYS,
    WarehouseStock,
    daily_units_sold,
    forecast_view,
    latest_forecast,
    merchant_forecasts,
    merchant_owns_sku,
    stock_for_replenishment,
)
from marketplace.advice.queries.pricing import (
    MerchantPricingInputs,
    SkuPricingRow,
    policy_dict,
    pricing_inputs,
    pricing_policy,
    sku_inputs_view,
)
from marketplace.advice.queries.suggestions import (
    InvalidAdviceQueryError,
    list_suggestions,
    suggestion_dict,
    suggestion_view,
)
from marketplace.db.engine import read_connection

__all__ = [
    "DEFAULT_LEAD_TIME_DAYS",
    "MAX_HISTORY_DAYS",
    "InvalidAdviceQueryError",
    "MerchantPricingInputs",
    "SkuPricingRow",
    "WarehouseStock",
    "daily_units_sold",
    "forecast_view",
    "latest_forecast",
    "list_suggestions",
    "merchant_forecasts",
    "merchant_owns_sku",
    "policy_dict",
    "pricing_inputs",
    "pricing_policy",
    "read_connection",
    "sku_inputs_view",
    "stock_for_replenishment",
    "suggestion_dict",
    "suggestion_view",
]
