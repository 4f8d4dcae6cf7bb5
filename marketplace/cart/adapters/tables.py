"""Tables of the cart: carts (a buyer's or a guest's) and their lines.

No prices are stored: lines are priced live. One active cart per buyer is a partial
unique index; a guest cart is found by the SHA-256 of its token, never the token itself.
"""

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    text,
)

from marketplace.db.metadata import metadata
from marketplace.db.types import IdColumnType, UTCDateTime

carts = Table(
    "carts",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("user_id", IdColumnType(), ForeignKey("users.id"), nullable=True),  # NULL: guest
    Column("token_hash", String(64), nullable=True, unique=True),  # guests only, hex SHA-256
    Column("status", String(20), nullable=False),  # active | merged
    Column("currency", String(3), nullable=False),
    Column("version", Integer, nullable=False),  # bumped by every change (checkout compares)
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("status IN ('active','merged')", name="status"),
    # A cart belongs to a buyer or to a guest token, never both, never neither.
    CheckConstraint(
        "(user_id IS NOT NULL AND token_hash IS NULL) "
        "OR (user_id IS NULL AND token_hash IS NOT NULL)",
        name="owner",
    ),
    Index(
        "uq_carts_active_user_id",
        "user_id",
        unique=True,
        postgresql_where=text("status = 'active'"),
        sqlite_where=text("status = 'active'"),
    ),
)

cart_lines = Table(
    "cart_lines",
    metadata,
    Column("cart_id", IdColumnType(), ForeignKey("carts.id", ondelete="CASCADE"), primary_key=True),
    Column("sku_id", IdColumnType(), ForeignKey("skus.id", ondelete="CASCADE"), primary_key=True),
    Column("quantity", Integer, nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("quantity BETWEEN 1 AND 999", name="quantity_range"),
    Index("ix_cart_lines_sku_id", "sku_id"),
)
