"""Tables of behaviour events: an append-only log partitioned by day on PostgreSQL (a plain
table on SQLite), and the anonymous sessions linked to a user at login.

No foreign keys on the log: it is written in bulk at client speed and outlives what it
describes (a product may be deleted; its views stay history). The partitions are made by
``partitions.ensure_days`` before rows for a day are written.
"""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from marketplace.db.metadata import metadata
from marketplace.db.types import IdColumnType, JSONType, UTCDateTime

EVENT_TYPES = ("view", "search", "click", "add_to_cart", "remove_from_cart", "purchase")
# Where a row came from: clients over the API, the order path, importers, the generator.
EVENT_SOURCES = ("client", "order", "import_olist", "import_online_retail", "synthetic")
PARTITION_PREFIX = "behaviour_events_p"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


behaviour_events = Table(
    "behaviour_events",
    metadata,
    # The client's event id (a retried batch is written once), or ``bev_...`` when the
    # server makes the event. Unique together with the partition key, as PostgreSQL needs.
    Column("id", String(64), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("type", String(20), nullable=False),
    Column("source", String(24), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("session_id", String(64), nullable=False),
    Column("user_id", IdColumnType(), nullable=True),
    Column("product_id", IdColumnType(), nullable=True),
    Column("sku_id", IdColumnType(), nullable=True),
    Column("merchant_id", IdColumnType(), nullable=True),
    Column("quantity", Integer, nullable=True),
    # Unit price paid (purchase) or shown (view, add_to_cart), in minor units.
    Column("price_minor", BigInteger, nullable=True),
    Column("currency", String(3), nullable=True),
    Column("order_id", IdColumnType(), nullable=True),
    Column("query", Text, nullable=True),
    # search: the product ids shown, in order; click: none.
    Column("results", JSONType, nullable=True),
    Column("position", Integer, nullable=True),
    # The recommendation (or search) response id that led to this click or cart.
    Column("attribution_id", String(64), nullable=True),
    PrimaryKeyConstraint("occurred_at", "id", name="pk_behaviour_events"),
    CheckConstraint(_in("type", EVENT_TYPES), name="type"),
    CheckConstraint(_in("source", EVENT_SOURCES), name="source"),
    CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
    CheckConstraint("price_minor IS NULL OR price_minor >= 0", name="price_not_negative"),
    Index("ix_behaviour_events_user_id_occurred_at", "user_id", "occurred_at"),
    Index("ix_behaviour_events_session_id", "session_id"),
    postgresql_partition_by="RANGE (occurred_at)",
)

# An anonymous session becomes its user's at login; the first user to claim it keeps it.
# The log is not rewritten: readers (exports, pipelines) take COALESCE(user_id, the link).
behaviour_sessions = Table(
    "behaviour_sessions",
    metadata,
    Column("session_id", String(64), primary_key=True),
    Column("user_id", IdColumnType(), nullable=False),
    Column("linked_at", UTCDateTime, nullable=False),
    Index("ix_behaviour_sessions_user_id", "user_id"),
)

# What a recommender served: one row per response, keyed by the attribution id that the
# response carries and that click and purchase events echo, so online CTR and conversion
# per model and version can be computed (``agora report recs``).
recommendation_impressions = Table(
    "recommendation_impressions",
    metadata,
    Column("attribution_id", String(64), primary_key=True),
    Column("surface", String(30), nullable=False),  # user, similar, bought_together, ...
    Column("model", String(60), nullable=False),
    Column("model_version", String(60), nullable=False),
    Column("user_id", IdColumnType(), nullable=True),
    Column("session_id", String(64), nullable=True),
    Column("item_ids", JSONType, nullable=False),  # product ids shown, in order
    Column("served_at", UTCDateTime, nullable=False),
    Index("ix_recommendation_impressions_served_at", "served_at"),
)
