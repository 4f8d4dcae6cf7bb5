"""Tables of purchasing: purchase requests, their lines, approval steps, audit trail, and
the companies' approval rules."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from marketplace.db.metadata import metadata
from marketplace.db.types import BigIntPK, IdColumnType, JSONType, UTCDateTime

_STATUSES = (
    "'pending_approval','changes_requested','approved','placing','ordered',"
    "'rejected','expired','cancelled','failed'"
)

purchase_requests = Table(
    "purchase_requests",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("company_id", IdColumnType(), ForeignKey("companies.id"), nullable=False),
    Column("requester_id", IdColumnType(), ForeignKey("users.id"), nullable=False),
    Column("location_id", IdColumnType(), ForeignKey("company_locations.id"), nullable=False),
    Column("cost_centre_id", IdColumnType(), nullable=True),
    Column("payment_method", String(30), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("status", String(20), nullable=False),
    Column("note", Text, nullable=False),
    Column("source", String(80), nullable=False),
    Column("idempotency_key", String(200), nullable=True),
    Column("approval_reasons", JSONType, nullable=False),
    Column("expires_at", UTCDateTime, nullable=True),
    Column("group_id", IdColumnType(), nullable=True),
    Column("order_ids", JSONType, nullable=False),
    Column("failure_code", String(60), nullable=True),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint(f"status IN ({_STATUSES})", name="status"),
    UniqueConstraint("company_id", "idempotency_key"),
    Index("ix_purchase_requests_company_id_created_at", "company_id", "created_at"),
    Index("ix_purchase_requests_status_expires_at", "status", "expires_at"),
    Index("ix_purchase_requests_group_id", "group_id"),  # events name the group
)

purchase_request_lines = Table(
    "purchase_request_lines",
    metadata,
    Column(
        "request_id",
        IdColumnType(),
        ForeignKey("purchase_requests.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True),
    Column("sku_id", IdColumnType(), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("merchant_id", IdColumnType(), nullable=False),
    Column("category_id", IdColumnType(), nullable=False),
    Column("title", String(300), nullable=False),
    Column("unit_price_minor", BigInteger, nullable=False),
    Column("price_source", String(60), nullable=False),
    Column("line_total_minor", BigInteger, nullable=False),
    CheckConstraint("quantity > 0", name="quantity"),
)

approval_steps = Table(
    "approval_steps",
    metadata,
    Column(
        "request_id",
        IdColumnType(),
        ForeignKey("purchase_requests.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True),
    Column("approver_ids", JSONType, nullable=False),
    Column("reasons", JSONType, nullable=False),
    Column("status", String(20), nullable=False),
    Column("decided_by", IdColumnType(), nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("comment", Text, nullable=False),
)

purchase_request_events = Table(
    "purchase_request_events",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column(
        "request_id",
        IdColumnType(),
        ForeignKey("purchase_requests.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("action", String(40), nullable=False),
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=True),
    Column("reason", Text, nullable=False),
    Column("details", JSONType, nullable=False),
)

approval_rules = Table(
    "approval_rules",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("company_id", IdColumnType(), ForeignKey("companies.id"), nullable=False, index=True),
    Column("name", String(120), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("threshold_minor", BigInteger, nullable=True),
    Column("currency", String(3), nullable=False),
    Column("ids", JSONType, nullable=False),
    Column("steps", JSONType, nullable=False),
    Column("position", Integer, nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("kind IN ('amount_over','category','supplier','budget_overrun')", name="kind"),
)
