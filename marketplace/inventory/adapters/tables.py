"""Tables of inventory: warehouses, stock levels, reservations, the movement ledger."""

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
    text,
)

from marketplace.db.metadata import metadata
from marketplace.db.types import BigIntPK, IdColumnType, UTCDateTime

warehouses = Table(
    "warehouses",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    # NULL owner = a platform warehouse (e.g. fulfilled by the platform, 自营仓).
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), nullable=True, index=True),
    Column("code", String(50), nullable=False),
    Column("name", String(200), nullable=False),
    Column("country", String(2), nullable=False),
    Column("region", String(100), nullable=False),  # province / state
    Column("city", String(100), nullable=True),
    Column("address", Text, nullable=True),
    Column("priority", Integer, nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("merchant_id", "code"),
    # NULLs are distinct in the constraint above, so platform codes need their own index.
    Index(
        "uq_warehouses_platform_code",
        "code",
        unique=True,
        postgresql_where=text("merchant_id IS NULL"),
        sqlite_where=text("merchant_id IS NULL"),
    ),
)

# Which merchants may stock a platform warehouse (granted by a platform admin).
warehouse_access = Table(
    "warehouse_access",
    metadata,
    Column(
        "warehouse_id",
        IdColumnType(),
        ForeignKey("warehouses.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_warehouse_access_merchant_id", "merchant_id"),
)

stock_levels = Table(
    "stock_levels",
    metadata,
    Column("sku_id", IdColumnType(), ForeignKey("skus.id"), primary_key=True),
    Column("warehouse_id", IdColumnType(), ForeignKey("warehouses.id"), primary_key=True),
    Column("on_hand", BigInteger, nullable=False),
    Column("reserved", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # The database itself refuses an oversell, whatever the code above it does.
    CheckConstraint("on_hand >= 0", name="on_hand_non_negative"),
    CheckConstraint("reserved >= 0", name="reserved_non_negative"),
    CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    Index("ix_stock_levels_warehouse_id", "warehouse_id"),
)

reservations = Table(
    "reservations",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("sku_id", IdColumnType(), ForeignKey("skus.id"), nullable=False),
    Column("warehouse_id", IdColumnType(), ForeignKey("warehouses.id"), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("status", String(20), nullable=False),  # active | released | committed | expired
    Column("reference", String(200), nullable=False),  # order / cart / checkout id
    Column("expires_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("status IN ('active','released','committed','expired')", name="status"),
    CheckConstraint("expires_at > created_at", name="expires_after_created"),
    Index("ix_reservations_status_expires_at", "status", "expires_at"),
    Index("ix_reservations_reference", "reference"),
    Index("ix_reservations_sku_id_warehouse_id", "sku_id", "warehouse_id"),
    # Idempotency of reserve: one active reservation per (reference, SKU, warehouse).
    Index(
        "uq_reservations_active_reference_sku_id_warehouse_id",
        "reference",
        "sku_id",
        "warehouse_id",
        unique=True,
        postgresql_where=text("status = 'active'"),
        sqlite_where=text("status = 'active'"),
    ),
)

stock_movements = Table(
    "stock_movements",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("sku_id", IdColumnType(), ForeignKey("skus.id"), nullable=False),
    Column("warehouse_id", IdColumnType(), ForeignKey("warehouses.id"), nullable=False),
    # inbound | adjustment | reserve | release | commit | expire
    Column("kind", String(20), nullable=False),
    Column("delta_on_hand", BigInteger, nullable=False),
    Column("delta_reserved", BigInteger, nullable=False),
    Column("on_hand_after", BigInteger, nullable=False),
    Column("reserved_after", BigInteger, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("reference", String(200), nullable=True),
    Column("reservation_id", IdColumnType(), nullable=True),
    Column("actor", String(100), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_stock_movements_sku_id_warehouse_id_id", "sku_id", "warehouse_id", "id"),
    Index("ix_stock_movements_reservation_id", "reservation_id"),
    CheckConstraint(
        "kind IN ('inbound','adjustment','reserve','release','commit','expire')", name="kind"
    ),
)
