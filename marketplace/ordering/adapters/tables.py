"""Tables of ordering: checkout groups, orders, lines, allocations, status history."""

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
from marketplace.db.types import BigIntPK, DecimalString, IdColumnType, JSONType, UTCDateTime

_STATUSES = (
    "'pending_payment','expired','cancelled','paid','fulfilling','shipped','delivered',"
    "'completed','refunded'"
)
_CHANNELS = "'web','app','mini_program','api','procurement_agent','b2b'"


def _money(name: str) -> Column[int]:
    return Column(f"{name}_minor", BigInteger, nullable=False)


checkout_groups = Table(
    "checkout_groups",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("buyer_id", IdColumnType(), ForeignKey("users.id"), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("channel", String(20), nullable=False),
    _money("items_total"),
    _money("shipping"),
    _money("discount"),
    _money("tax"),
    _money("total"),
    Column("address", JSONType, nullable=False),
    Column("delivery_option", String(30), nullable=False),
    # Placing the same checkout twice (a retried request) returns the first group.
    Column("idempotency_key", String(200), nullable=True),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # A B2B purchase order: the company whose credit, wallet and budget it uses.
    Column("company_id", IdColumnType(), nullable=True, index=True),
    UniqueConstraint("buyer_id", "idempotency_key"),
    CheckConstraint(f"channel IN ({_CHANNELS})", name="channel"),
)

orders = Table(
    "orders",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("group_id", IdColumnType(), ForeignKey("checkout_groups.id"), nullable=False),
    Column("buyer_id", IdColumnType(), ForeignKey("users.id"), nullable=False),
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), nullable=False),
    Column("shop_id", IdColumnType(), nullable=True),
    Column("channel", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    _money("items_total"),
    _money("shipping"),
    _money("discount"),
    _money("tax"),
    _money("total"),
    _money("commission"),
    _money("refunded"),
    Column("delivery_option", String(30), nullable=False),
    Column("address", JSONType, nullable=False),
    Column("payment_id", IdColumnType(), nullable=True),  # the payment that paid it
    Column("expires_at", UTCDateTime, nullable=False),
    Column("paid_at", UTCDateTime, nullable=True),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("company_id", IdColumnType(), nullable=True, index=True),
    CheckConstraint(f"status IN ({_STATUSES})", name="status"),
    CheckConstraint(f"channel IN ({_CHANNELS})", name="channel"),
    CheckConstraint("total_minor >= 0", name="total_non_negative"),
    CheckConstraint("refunded_minor >= 0 AND refunded_minor <= total_minor", name="refunded"),
    Index("ix_orders_group_id", "group_id"),
    Index("ix_orders_buyer_id_created_at_id", "buyer_id", "created_at", "id"),
    Index("ix_orders_merchant_id_created_at_id", "merchant_id", "created_at", "id"),
    Index("ix_orders_status_expires_at", "status", "expires_at"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("order_id", IdColumnType(), ForeignKey("orders.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("sku_id", IdColumnType(), ForeignKey("skus.id"), nullable=False),
    Column("product_id", IdColumnType(), nullable=False),
    Column("category_id", IdColumnType(), nullable=False),
    Column("title", String(300), nullable=False),
    Column("sku_code", String(100), nullable=False),
    Column("sales_attributes", JSONType, nullable=False),
    Column("quantity", Integer, nullable=False),
    _money("unit_price"),
    _money("list_price"),
    # list | tier | member, or a B2B agreed price: contract:<id> | tier:<qty> | quote:<id>
    Column("price_rule", String(60), nullable=False),
    _money("line_total"),
    # Commission frozen at placement (settlement reads these, never today's rules).
    Column("commission_rule_id", IdColumnType(), nullable=True),
    Column("commission_rate", DecimalString(), nullable=False),
    _money("commission"),
    Column("refunded_quantity", Integer, nullable=False),
    _money("refunded"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint(
        "refunded_quantity >= 0 AND refunded_quantity <= quantity", name="refunded_quantity"
    ),
    CheckConstraint("refunded_minor >= 0 AND refunded_minor <= line_total_minor", name="refunded"),
    UniqueConstraint("order_id", "sku_id"),
)

order_allocations = Table(
    "order_allocations",
    metadata,
    Column("line_id", IdColumnType(), ForeignKey("order_lines.id"), primary_key=True),
    Column("reservation_id", IdColumnType(), ForeignKey("reservations.id"), primary_key=True),
    Column("warehouse_id", IdColumnType(), ForeignKey("warehouses.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)

order_status_history = Table(
    "order_status_history",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("order_id", IdColumnType(), ForeignKey("orders.id"), nullable=False),
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("reason", String(300), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_order_status_history_order_id_id", "order_id", "id"),
)
