"""Column names and the business rules that turn order lines into demand.

The orders export is documented in docs/data/exports.md (schema version 1). Statuses and
price rules are the marketplace's (``marketplace/ordering/domain/status.py``,
``marketplace/catalog/domain/pricing.py``); they are repeated here as strings because this
package never imports the marketplace.
"""

from __future__ import annotations

# --- the orders export ------------------------------------------------------------------
LINE_ID = "line_id"
SKU_ID = "sku_id"
PRODUCT_ID = "product_id"
QUANTITY = "quantity"
REFUNDED_QUANTITY = "refunded_quantity"
UNIT_PRICE_MINOR = "unit_price_minor"
LIST_PRICE_MINOR = "list_price_minor"
PRICE_RULE = "price_rule"
CURRENCY = "currency"
PLACED_AT = "placed_at"
STATUS = "status"

ORDER_COLUMNS: tuple[str, ...] = (
    SKU_ID,
    PRODUCT_ID,
    QUANTITY,
    REFUNDED_QUANTITY,
    UNIT_PRICE_MINOR,
    LIST_PRICE_MINOR,
    PRICE_RULE,
    CURRENCY,
    PLACED_AT,
    STATUS,
)

# --- the long frame a panel is built from (panel_from_frame) -------------------------------
SERIES_ID = "series_id"
DATE = "date"
UNITS = "units"
PRICE = "price"
PROMO = "promo"
FRAME_COLUMNS: tuple[str, ...] = (SERIES_ID, DATE, UNITS, PRICE, PROMO)

# --- which lines are demand ------------------------------------------------------------
# Orders never paid (pending, expired) and cancelled orders are not demand. A refunded
# order was paid: the buyer wanted the goods, so it counts (net_of_refunds subtracts the
# refunded units when returns should not count).
NOT_DEMAND_STATUSES: frozenset[str] = frozenset({"pending_payment", "expired", "cancelled"})

# --- what a promotion is -----------------------------------------------------------------
# A line is on promotion when the catalogue's own price ("list" rule) was charged below the
# list price by at least this share. Tier, member and B2B prices (tier:<qty>, contract:<id>,
# quote:<id>) are discounts by who buys or how much, not by when, so they never count. No
# price rule names a promotion today; a rule starting with one of PROMO_RULE_PREFIXES would.
PROMO_MIN_DISCOUNT = 0.01
PRICE_RULES_AT_LIST: frozenset[str] = frozenset({"list"})
PROMO_RULE_PREFIXES: tuple[str, ...] = ("promo",)
# A day is a promotion day when at least this share of its units sold on promotion.
PROMO_DAY_SHARE = 0.5

# ISO 4217 minor units where they differ from 2 (prices become major units for modelling).
MINOR_UNITS: dict[str, int] = {
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "ISK": 0,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
}


def minor_units(currency: str) -> int:
    """Decimals of ``currency`` (2 unless listed in MINOR_UNITS)."""
    return MINOR_UNITS.get(currency.upper(), 2)
