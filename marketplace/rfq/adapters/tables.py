"""Tables of RFQs and quotes. Money is integer minor units in the RFQ's currency.

A supplier has at most one open (``submitted``) quote per RFQ: a partial unique index
backs the service, which supersedes the old quote before inserting the revised one.
"""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)

from marketplace.db.metadata import metadata
from marketplace.db.types import IdColumnType, UTCDateTime

rfqs = Table(
    "rfqs",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("company_id", IdColumnType(), ForeignKey("companies.id"), nullable=False),
    Column("created_by", IdColumnType(), ForeignKey("users.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("notes", Text, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("deadline", UTCDateTime, nullable=False),
    Column("location_id", IdColumnType(), ForeignKey("company_locations.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("awarded_quote_id", IdColumnType(), nullable=True),
    Column("awarded_by", IdColumnType(), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),
    CheckConstraint("status IN ('draft','sent','awarded','cancelled')", name="status"),
    CheckConstraint("(status = 'awarded') = (awarded_quote_id IS NOT NULL)", name="award"),
    Index("ix_rfqs_company_id_created_at", "company_id", "created_at"),
)

rfq_items = Table(
    "rfq_items",
    metadata,
    Column("rfq_id", IdColumnType(), ForeignKey("rfqs.id"), primary_key=True),
    Column("item_no", Integer, primary_key=True),
    Column("sku_id", IdColumnType(), ForeignKey("skus.id"), nullable=True),
    Column("spec", Text, nullable=False),
    Column("category_id", IdColumnType(), ForeignKey("categories.id"), nullable=True),
    Column("quantity", Integer, nullable=False),
    Column("unit", String(20), nullable=False),
    CheckConstraint("quantity > 0", name="quantity"),
)

# The invited suppliers, written once when the RFQ is sent.
rfq_invitations = Table(
    "rfq_invitations",
    metadata,
    Column("rfq_id", IdColumnType(), ForeignKey("rfqs.id"), primary_key=True),
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), primary_key=True),
    Column("invited_at", UTCDateTime, nullable=False),
    Index("ix_rfq_invitations_merchant_id_invited_at", "merchant_id", "invited_at"),
)

rfq_quotes = Table(
    "rfq_quotes",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("rfq_id", IdColumnType(), ForeignKey("rfqs.id"), nullable=False, index=True),
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total_minor", BigInteger, nullable=False),  # derived from the lines, for lists
    Column("valid_until", UTCDateTime, nullable=False),
    Column("notes", Text, nullable=False),
    Column("supersedes_id", IdColumnType(), nullable=True),
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime, nullable=True),
    CheckConstraint(
        "status IN ('submitted','accepted','declined','withdrawn','superseded')", name="status"
    ),
    CheckConstraint("total_minor > 0", name="total"),
    Index(
        "uq_rfq_quotes_open_per_supplier",
        "rfq_id",
        "merchant_id",
        unique=True,
        postgresql_where=text("status = 'submitted'"),
        sqlite_where=text("status = 'submitted'"),
    ),
)

rfq_quote_lines = Table(
    "rfq_quote_lines",
    metadata,
    Column("quote_id", IdColumnType(), ForeignKey("rfq_quotes.id"), primary_key=True),
    Column("item_no", Integer, primary_key=True),
    Column("sku_id", IdColumnType(), ForeignKey("skus.id"), nullable=False),
    Column("unit_price_minor", BigInteger, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("lead_time_days", Integer, nullable=False),
    CheckConstraint("unit_price_minor > 0 AND quantity > 0", name="positive"),
    CheckConstraint("lead_time_days >= 0", name="lead_time"),
)
