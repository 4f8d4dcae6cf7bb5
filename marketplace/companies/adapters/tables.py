"""Tables of B2B companies. ``company_members.user_id`` is the primary key: a user
belongs to at most one company. Budgets: one row per cost centre and month holding the
running figures, and one row per purchase request that encumbers it (the figures are the
sum of those rows by state, kept in step in the same transaction)."""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from marketplace.db.metadata import metadata
from marketplace.db.types import IdColumnType, JSONType, UTCDateTime

companies = Table(
    "companies",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("tax_id", String(64), nullable=True),
    Column("status", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("approval_ttl_days", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("status IN ('active','suspended')", name="status"),
)

company_cost_centres = Table(
    "company_cost_centres",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("company_id", IdColumnType(), ForeignKey("companies.id"), nullable=False),
    Column("code", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("monthly_budget_minor", BigInteger, nullable=True),
    Column("currency", String(3), nullable=False),
    Column("overrun", String(20), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("company_id", "code"),
    CheckConstraint("overrun IN ('block','require_approval')", name="overrun"),
    CheckConstraint("monthly_budget_minor IS NULL OR monthly_budget_minor >= 0", name="budget"),
)

company_locations = Table(
    "company_locations",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("company_id", IdColumnType(), ForeignKey("companies.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("address", JSONType, nullable=False),
    Column("cost_centre_id", IdColumnType(), ForeignKey("company_cost_centres.id"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

company_members = Table(
    "company_members",
    metadata,
    Column("user_id", IdColumnType(), ForeignKey("users.id"), primary_key=True),
    Column("company_id", IdColumnType(), ForeignKey("companies.id"), nullable=False, index=True),
    Column("role", String(20), nullable=False),
    Column("order_limit_minor", BigInteger, nullable=True),
    Column("allowed_category_ids", JSONType, nullable=False),  # [] = every category
    Column("joined_at", UTCDateTime, nullable=False),
    CheckConstraint("role IN ('requester','approver','buyer_admin')", name="role"),
    CheckConstraint("order_limit_minor IS NULL OR order_limit_minor >= 0", name="limit"),
)

company_invitations = Table(
    "company_invitations",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("company_id", IdColumnType(), ForeignKey("companies.id"), nullable=False, index=True),
    Column("email", String(320), nullable=False),
    Column("role", String(20), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("invited_by", IdColumnType(), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("accepted_by", IdColumnType(), nullable=True),
    Column("accepted_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
)

budget_periods = Table(
    "budget_periods",
    metadata,
    Column(
        "cost_centre_id", IdColumnType(), ForeignKey("company_cost_centres.id"), primary_key=True
    ),
    Column("period", String(7), primary_key=True),  # YYYY-MM
    Column("currency", String(3), nullable=False),
    Column("limit_minor", BigInteger, nullable=False),
    Column("committed_minor", BigInteger, nullable=False),
    Column("spent_minor", BigInteger, nullable=False),
    CheckConstraint("committed_minor >= 0 AND spent_minor >= 0", name="non_negative"),
)

# One encumbrance per purchase request: committed at placement, moved to spent when paid
# or released when the order is cancelled. The state makes every move happen once.
budget_commitments = Table(
    "budget_commitments",
    metadata,
    Column("reference", String(80), primary_key=True),  # the purchase request id
    Column("cost_centre_id", IdColumnType(), nullable=False),
    Column("period", String(7), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("state", String(20), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("state IN ('committed','spent','released')", name="state"),
    CheckConstraint("amount_minor > 0", name="amount"),
    Index("ix_budget_commitments_cost_centre_id_period", "cost_centre_id", "period"),
)
