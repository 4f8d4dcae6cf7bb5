"""Tables of the advice area: price suggestions and demand forecasts.

Prices are integer minor units in the suggestion's currency. Statistics (elasticity and
its interval, forecast units) are floats. A SKU has at most one pending suggestion per
currency: a partial unique index backs the service, which closes the old one before
inserting the new. A SKU has at most one stored forecast (its latest).
"""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
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
