"""Tables of sourcing: supplier profiles and the regions they serve, offers, contract prices.

An offer row carries what search filters and sorts on (category, attributes, titles,
search text, MOQ and up to five quantity-break prices in fixed columns), copied from the
catalog when the offer is written, so that a search reads one table plus two small ones
(the approved suppliers, the regions they serve). Fixed tier columns let the price at a
quantity be a ``CASE`` over the row instead of a join: ``moq`` is the first tier's
quantity, ``min_quantity_N``/``unit_price_N_minor`` the N-th (NULL when absent).

PostgreSQL indexes ``offers.search_text`` with pg_trgm (``ix_offers_search_text_trgm``,
created here by DDL and, like the catalog's, by hand in the migration).
"""

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    event,
)

from marketplace.db.metadata import metadata
from marketplace.db.types import IdColumnType, JSONType, UTCDateTime

TIER_SLOTS = 5  # domain.MAX_TIERS

supplier_profiles = Table(
    "supplier_profiles",
    metadata,
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("default_moq", Integer, nullable=False),
    Column("description", Text, nullable=False),
    Column("certifications", JSONType, nullable=False),  # [{name, issuer, valid_until}]
    Column("is_verified", Boolean, nullable=False),
    Column("verified_at", UTCDateTime, nullable=True),
    Column("verified_by", IdColumnType(), nullable=True),
    # Computed from the supplier's shipped orders by refresh_supplier_metrics.
    Column("fulfilled_orders", Integer, nullable=False),
    Column("on_time_bp", Integer, nullable=True),  # on-time rate in basis points (0..10000)
    Column("rating_centi", Integer, nullable=True),  # rating x 100 (0..500)
    Column("metrics_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("default_moq >= 1", name="default_moq_positive"),
)

supplier_regions = Table(
    "supplier_regions",
    metadata,
    Column(
        "merchant_id",
        IdColumnType(),
        ForeignKey("supplier_profiles.merchant_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("country", String(2), primary_key=True),
    Column("region", String(100), primary_key=True),  # "" = anywhere in the country
    Column("lead_time_days", Integer, nullable=False),
    # In the profile's currency.
    Column("shipping_per_unit_minor", BigInteger, nullable=False),
    Column("shipping_per_order_minor", BigInteger, nullable=False),
    CheckConstraint("lead_time_days >= 0", name="lead_time_non_negative"),
    CheckConstraint(
        "shipping_per_unit_minor >= 0 AND shipping_per_order_minor >= 0", name="shipping"
    ),
    Index("ix_supplier_regions_country_region", "country", "region"),
)


def _tier_columns() -> list[Column[int]]:
    columns: list[Column[int]] = [Column("unit_price_1_minor", BigInteger, nullable=False)]
    for n in range(2, TIER_SLOTS + 1):
        columns.append(Column(f"min_quantity_{n}", Integer, nullable=True))
        columns.append(Column(f"unit_price_{n}_minor", BigInteger, nullable=True))
    return columns


offers = Table(
    "offers",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), nullable=False),
    Column("sku_id", IdColumnType(), ForeignKey("skus.id"), nullable=False, unique=True),
    Column("currency", String(3), nullable=False),
    Column("moq", Integer, nullable=False),
    *_tier_columns(),
    Column("lead_time_days", Integer, nullable=True),
    Column("is_active", Boolean, nullable=False),
    # Copied from the catalog (refresh_offer_listings copies them again).
    Column("product_id", IdColumnType(), nullable=False),
    Column("category_id", IdColumnType(), ForeignKey("categories.id"), nullable=False),
    Column("sku_code", String(100), nullable=False),
    Column("default_locale", String(10), nullable=False),
    Column("titles", JSONType, nullable=False),  # {"zh": "...", "en": "..."}
    Column("attributes", JSONType, nullable=False),  # spec + sales attributes
    Column("search_text", Text, nullable=False),  # lower-cased
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("moq >= 1", name="moq_positive"),
    CheckConstraint("unit_price_1_minor >= 0", name="price_non_negative"),
    Index("ix_offers_merchant_id_id", "merchant_id", "id"),
    Index("ix_offers_category_id", "category_id"),
    # Cheapest first at the MOQ (no quantity, no region): read in order, stop at the page.
    Index("ix_offers_unit_price_1_minor_id", "unit_price_1_minor", "id"),
)

contract_prices = Table(
    "contract_prices",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("company_id", IdColumnType(), nullable=False),  # marketplace.companies; no FK
    Column("sku_id", IdColumnType(), ForeignKey("skus.id"), nullable=False),
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("unit_price_minor", BigInteger, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=True),  # inclusive; NULL: open-ended
    Column("created_by", IdColumnType(), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("unit_price_minor >= 0", name="price_non_negative"),
    Index("ix_contract_prices_company_id_sku_id", "company_id", "sku_id"),
    Index("ix_contract_prices_merchant_id_created_at_id", "merchant_id", "created_at", "id"),
)

event.listen(
    offers,
    "after_create",
    DDL(  # type: ignore[no-untyped-call]
        "CREATE INDEX IF NOT EXISTS ix_offers_search_text_trgm "
        "ON offers USING gin (search_text gin_trgm_ops)"
    ).execute_if(dialect="postgresql"),
)
