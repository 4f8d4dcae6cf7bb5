"""Tables of events: the outbox, consumer bookkeeping, webhook subscriptions, deliveries
and the attempt log."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from marketplace.db.metadata import metadata
from marketplace.db.types import BigIntPK, IdColumnType, JSONType, UTCDateTime

outbox_events = Table(
    "outbox_events",
    metadata,
    # Relay order. Rows commit in id order on SQLite (one writer); on PostgreSQL they may
    # not, which only the table event source has to care about (it locks, see there).
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("event_id", IdColumnType(), nullable=False),
    Column("topic", String(64), nullable=False),
    Column("key", String(200), nullable=False),
    # No foreign key: platform events have none, and events outlive what they describe.
    Column("merchant_id", IdColumnType(), nullable=True),
    Column("payload", JSONType, nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    UniqueConstraint("event_id"),
    # What the relay scans: only the (few) unpublished rows, in id order.
    Index(
        "ix_outbox_events_unpublished_id",
        "id",
        postgresql_where=text("published_at IS NULL"),
        sqlite_where=text("published_at IS NULL"),
    ),
    Index("ix_outbox_events_published_at", "published_at"),
)

# One row per (consumer, event) handled, written in the consumer's own transaction.
consumed_events = Table(
    "consumed_events",
    metadata,
    Column("consumer", String(100), nullable=False),
    Column("event_id", IdColumnType(), nullable=False),
    Column("consumed_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("consumer", "event_id"),
)

# Without Redis, how far each consumer group has read the outbox table.
event_consumer_offsets = Table(
    "event_consumer_offsets",
    metadata,
    Column("consumer_group", String(100), primary_key=True),
    Column("last_outbox_id", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), nullable=False),
    Column("url", String(2048), nullable=False),
    Column("topics", JSONType, nullable=False),  # list of topic names
    Column("description", String(200), nullable=True),
    Column("secret", String(100), nullable=False),
    Column("previous_secret", String(100), nullable=True),
    Column("previous_secret_expires_at", UTCDateTime, nullable=True),
    Column("is_active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_webhook_subscriptions_merchant_id_id", "merchant_id", "id"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column(
        "subscription_id",
        IdColumnType(),
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("merchant_id", IdColumnType(), nullable=False),
    Column("event_id", IdColumnType(), nullable=False),
    Column("topic", String(64), nullable=False),
    Column("body", Text, nullable=False),  # the exact JSON sent on every attempt
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=True),
    Column("lease_expires_at", UTCDateTime, nullable=True),
    Column("last_attempt_at", UTCDateTime, nullable=True),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("delivered_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("subscription_id", "event_id"),
    CheckConstraint("status IN ('pending','delivering','succeeded','failed')", name="status"),
    CheckConstraint("attempts >= 0", name="attempts_non_negative"),
    Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_subscription_id_id", "subscription_id", "id"),
)

webhook_delivery_attempts = Table(
    "webhook_delivery_attempts",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column(
        "delivery_id",
        IdColumnType(),
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("attempt", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("duration_ms", Integer, nullable=False),
    Column("error", String(500), nullable=True),
    Column("response_excerpt", String(1000), nullable=True),
    UniqueConstraint("delivery_id", "attempt"),
)
