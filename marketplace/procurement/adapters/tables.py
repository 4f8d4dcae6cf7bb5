"""Tables of procurement: the agent's conversations, their draft purchase orders (one row
per version) and the append-only audit log.

``procurement_conversations.audit_seq`` is the last audit entry's number: appending is one
``UPDATE ... SET audit_seq = audit_seq + 1 RETURNING`` and an insert in the same
transaction, so numbers never repeat or go back (``UNIQUE (conversation_id, seq)`` too).
A draft has at most one successor (``UNIQUE previous_id``) and at most one purchase request
(``UNIQUE purchase_request_id``; purchasing's ``UNIQUE (company_id, idempotency_key)`` with
the key ``agent-draft:<draft id>`` is the other half)."""

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

from marketplace.db.metadata import metadata
from marketplace.db.types import BigIntPK, IdColumnType, JSONType, UTCDateTime

# A Python None is SQL NULL here (plain JSON columns store it as the JSON text 'null').
NullableJSON = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

DRAFT_STATUSES = (
    "'draft','awaiting_confirmation','confirmed','rejected','superseded','placing',"
    "'submitted_for_approval','ordered','failed'"
)
AUDIT_KINDS = "'turn_user','turn_agent','tool_call','tool_result','decision','interrupt','draft'"
_CONFIRMED_OR_LATER = "'confirmed','placing','submitted_for_approval','ordered','failed'"

procurement_conversations = Table(
    "procurement_conversations",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("company_id", IdColumnType(), ForeignKey("companies.id"), nullable=False),
    Column("buyer_id", IdColumnType(), ForeignKey("users.id"), nullable=False),
    Column("locale", String(5), nullable=False),
    Column("audit_seq", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("locale IN ('en','zh')", name="locale"),
    CheckConstraint("audit_seq >= 0", name="audit_seq"),
    Index("ix_procurement_conversations_buyer_id_updated_at", "buyer_id", "updated_at"),
)

procurement_drafts = Table(
    "procurement_drafts",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column(
        "conversation_id",
        IdColumnType(),
        ForeignKey("procurement_conversations.id"),
        nullable=False,
        index=True,
    ),
    Column("company_id", IdColumnType(), ForeignKey("companies.id"), nullable=False),
    Column("buyer_id", IdColumnType(), ForeignKey("users.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("previous_id", IdColumnType(), ForeignKey("procurement_drafts.id"), nullable=True),
    Column("status", String(30), nullable=False),
    Column("location_id", IdColumnType(), ForeignKey("company_locations.id"), nullable=False),
    Column("cost_centre_id", IdColumnType(), nullable=True),  # as purchase_requests: no FK
    Column("deadline", Date, nullable=True),
    Column("payment_method", String(30), nullable=False),
    Column("note", Text, nullable=False),
    Column("lines", JSONType, nullable=False),  # [{"offer_id", "quantity"}]: the spec
    Column("content", NullableJSON, nullable=True),  # canonical content, set when frozen
    Column("content_hash", String(64), nullable=True),  # sha256 hex of the canonical JSON
    Column("frozen_at", UTCDateTime, nullable=True),
    Column("confirmed_hash", String(64), nullable=True),
    Column("confirmed_by", IdColumnType(), ForeignKey("users.id"), nullable=True),
    Column("confirmed_at", UTCDateTime, nullable=True),
    Column("rejected_at", UTCDateTime, nullable=True),
    Column("placing_since", UTCDateTime, nullable=True),
    Column(
        "purchase_request_id", IdColumnType(), ForeignKey("purchase_requests.id"), nullable=True
    ),
    Column("failure_code", String(60), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("previous_id"),
    UniqueConstraint("purchase_request_id"),
    CheckConstraint(f"status IN ({DRAFT_STATUSES})", name="status"),
    CheckConstraint("version >= 1", name="version"),
    CheckConstraint(
        "(status = 'draft' AND content IS NULL AND content_hash IS NULL)"
        " OR (status <> 'draft' AND content IS NOT NULL AND content_hash IS NOT NULL)",
        name="frozen",
    ),
    CheckConstraint(
        "confirmed_hash IS NULL OR confirmed_hash = content_hash", name="confirmed_hash"
    ),
    CheckConstraint(
        f"status NOT IN ({_CONFIRMED_OR_LATER})"
        " OR (confirmed_hash IS NOT NULL AND confirmed_by IS NOT NULL)",
        name="confirmed",
    ),
    CheckConstraint(
        "purchase_request_id IS NULL"
        " OR status IN ('placing','submitted_for_approval','ordered','failed')",
        name="purchase_request",
    ),
    CheckConstraint(
        "status NOT IN ('submitted_for_approval','ordered','failed')"
        " OR purchase_request_id IS NOT NULL",
        name="submitted",
    ),
    Index("ix_procurement_drafts_status_placing_since", "status", "placing_since"),
)

procurement_audit = Table(
    "procurement_audit",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column(
        "conversation_id",
        IdColumnType(),
        ForeignKey("procurement_conversations.id"),
        nullable=False,
    ),
    Column("seq", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("draft_id", IdColumnType(), ForeignKey("procurement_drafts.id"), nullable=True),
    Column("payload", JSONType, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    UniqueConstraint("conversation_id", "seq"),
    CheckConstraint(f"kind IN ({AUDIT_KINDS})", name="kind"),
    CheckConstraint("seq >= 1", name="seq"),
)
