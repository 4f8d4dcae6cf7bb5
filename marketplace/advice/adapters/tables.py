"""Tables of the advice area: price suggestions, demand forecasts, merchants' pricing
policies and SKUs' pricing inputs.

Prices are integer minor units in the suggestion's currency. Statistics (elasticity and
its interval, forecast units) are floats. A SKU has at most one pending suggestion per
currency: a partial unique index backs the service, which closes the old one before
inserting the new. A SKU has at most one stored forecast (its latest).

A merchant has at most one pricing policy (none: the defaults) and a SKU at most one row
of pricing inputs, in one of its list-price currencies. Policy fractions are exact NUMERIC
(4 places); the checks repeat the domain's rules so that no writer can store nonsense.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    text,
)

from marketplace.db.metadata import metadata
from marketplace.db.types import IdColumnType, JSONType, UTCDateTime

price_suggestions = Table(
    "price_suggestions",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), nullable=False),
    Column("sku_id", IdColumnType(), ForeignKey("skus.id"), nullable=False),
    Column("product_id", IdColumnType(), ForeignKey("products.id"), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("current_price_minor", BigInteger, nullable=False),
    Column("suggested_price_minor", BigInteger, nullable=False),
    Column("objective", String(10), nullable=False),
    Column("status", String(20), nullable=False),
    # {"units": {expected, low, high}, "revenue": {...}, "profit": {...} | null, ...}
    Column("expected_effects", JSONType, nullable=False),
    Column("elasticity", Double, nullable=False),
    Column("elasticity_ci_low", Double, nullable=False),
    Column("elasticity_ci_high", Double, nullable=False),
    Column("binding_guardrails", JSONType, nullable=False),  # ["max_step", ...]
    Column("reason", String(40), nullable=True),
    Column("model_name", String(100), nullable=False),
    Column("model_version", String(40), nullable=False),
    Column("supersedes_id", IdColumnType(), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime, nullable=True),  # when it left pending
    Column("decided_by", String(100), nullable=True),  # the merchant's user or API key
    Column("decision_note", Text, nullable=True),
    CheckConstraint(
        "status IN ('pending','accepted','rejected','superseded','expired')", name="status"
    ),
    CheckConstraint("objective IN ('profit','revenue')", name="objective"),
    CheckConstraint("current_price_minor > 0 AND suggested_price_minor > 0", name="prices"),
    CheckConstraint(
        "elasticity_ci_low <= elasticity AND elasticity <= elasticity_ci_high", name="elasticity"
    ),
    CheckConstraint("expires_at > created_at", name="expiry"),
    CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name="decided_at"),
    CheckConstraint(
        "(status IN ('accepted','rejected')) = (decided_by IS NOT NULL)", name="decided_by"
    ),
    Index(
        "uq_price_suggestions_pending_per_sku_currency",
        "sku_id",
        "currency",
        unique=True,
        postgresql_where=text("status = 'pending'"),
        sqlite_where=text("status = 'pending'"),
    ),
    # The merchant's list (all, or by status), newest first.
    Index("ix_price_suggestions_merchant_id_created_at_id", "merchant_id", "created_at", "id"),
    Index(
        "ix_price_suggestions_merchant_id_status_created_at_id",
        "merchant_id",
        "status",
        "created_at",
        "id",
    ),
    # The expiry sweep.
    Index("ix_price_suggestions_status_expires_at", "status", "expires_at"),
)

demand_forecasts = Table(
    "demand_forecasts",
    metadata,
    Column("sku_id", IdColumnType(), ForeignKey("skus.id"), primary_key=True),
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), nullable=False, index=True),
    Column("generated_at", UTCDateTime, nullable=False),
    Column("model_name", String(100), nullable=False),
    Column("model_version", String(40), nullable=False),
    Column("start_date", Date, nullable=False),  # the first forecast day (UTC)
    Column("horizon_days", Integer, nullable=False),
    Column("mean", JSONType, nullable=False),  # [units per day]
    Column("quantiles", JSONType, nullable=False),  # {"0.05": [...], "0.5": [...], ...}
    Column("backtest", JSONType, nullable=True),  # {"mase": 0.81, ...}
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("horizon_days BETWEEN 1 AND 366", name="horizon"),
)

# Fractions such as 0.1000 (max_step) or 0.0500 (competitor_tolerance): exact, 4 places.
_FRACTION = Numeric(7, 4)

merchant_pricing_policies = Table(
    "merchant_pricing_policies",
    metadata,
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), primary_key=True),
    Column("is_enabled", Boolean, nullable=False),  # the producer suggests for this merchant
    Column("objective", String(10), nullable=False),
    Column("max_step", _FRACTION, nullable=True),  # null: off
    Column("margin_floor", _FRACTION, nullable=True),  # null: off
    Column("competitor_tolerance", _FRACTION, nullable=True),  # null: off
    Column("allow_outside_observed", Boolean, nullable=False),
    Column("charm", Boolean, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(100), nullable=False),  # a user id or "apikey:<prefix>"
    CheckConstraint("objective IN ('profit','revenue')", name="objective"),
    CheckConstraint("max_step IS NULL OR (max_step > 0 AND max_step <= 1)", name="max_step"),
    CheckConstraint("margin_floor IS NULL OR margin_floor >= 0", name="margin_floor"),
    CheckConstraint(
        "competitor_tolerance IS NULL OR competitor_tolerance >= 0", name="competitor_tolerance"
    ),
)

sku_pricing_inputs = Table(
    "sku_pricing_inputs",
    metadata,
    Column("sku_id", IdColumnType(), ForeignKey("skus.id"), primary_key=True),
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), nullable=False, index=True),
    Column("currency", String(3), nullable=False),  # one of the SKU's list-price currencies
    Column("unit_cost_minor", BigInteger, nullable=True),
    Column("min_price_minor", BigInteger, nullable=True),
    Column("max_price_minor", BigInteger, nullable=True),
    Column("competitor_price_minor", BigInteger, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(100), nullable=False),
    CheckConstraint("unit_cost_minor IS NULL OR unit_cost_minor >= 0", name="unit_cost"),
    CheckConstraint("min_price_minor IS NULL OR min_price_minor > 0", name="min_price"),
    CheckConstraint("max_price_minor IS NULL OR max_price_minor > 0", name="max_price"),
    CheckConstraint(
        "competitor_price_minor IS NULL OR competitor_price_minor > 0", name="competitor_price"
    ),
    CheckConstraint(
        "min_price_minor IS NULL OR max_price_minor IS NULL OR min_price_minor <= max_price_minor",
        name="price_bounds",
    ),
)
