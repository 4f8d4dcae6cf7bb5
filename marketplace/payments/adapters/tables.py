"""Tables of payments: payments, the orders they cover, the transaction log, the
notification log, wallets and B2B credit."""

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
    UniqueConstraint,
)

from marketplace.db.metadata import metadata
from marketplace.db.types import BigIntPK, IdColumnType, JSONType, UTCDateTime

payments = Table(
    "payments",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("buyer_id", IdColumnType(), ForeignKey("users.id"), nullable=False),
    Column("method", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    # Derived from payment_transactions; kept here for queries.
    Column("captured_minor", BigInteger, nullable=False),
    Column("refunded_minor", BigInteger, nullable=False),
    Column("gateway_reference", String(100), nullable=True),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
    CheckConstraint("refunded_minor <= captured_minor", name="refund_within_capture"),
    CheckConstraint(
        "status IN ('pending','captured','partially_refunded','refunded','failed','cancelled')",
        name="status",
    ),
    Index("ix_payments_buyer_id_created_at", "buyer_id", "created_at"),
)

payment_orders = Table(
    "payment_orders",
    metadata,
    Column("payment_id", IdColumnType(), ForeignKey("payments.id"), primary_key=True),
    Column("order_id", IdColumnType(), ForeignKey("orders.id"), primary_key=True),
    Column("amount_minor", BigInteger, nullable=False),
    Index("ix_payment_orders_order_id", "order_id"),
)

payment_transactions = Table(
    "payment_transactions",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("payment_id", IdColumnType(), ForeignKey("payments.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("phase", String(20), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("source", String(20), nullable=False),
    Column("gateway", String(20), nullable=False),
    # A notification is applied once per (gateway, reference, type).
    Column("dedup_reference", String(120), nullable=False),
    Column("dedup_type", String(40), nullable=False),
    Column("gateway_reference", String(100), nullable=True),
    Column("refund_id", IdColumnType(), nullable=True),
    Column("raw", JSONType, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("gateway", "dedup_reference", "dedup_type", name="uq_payment_tx_dedup"),
    Index("ix_payment_transactions_payment_id_id", "payment_id", "id"),
    CheckConstraint("amount_minor >= 0", name="amount_non_negative"),
)

# Every notification received, whatever became of it: the audit trail of the endpoint.
payment_notifications = Table(
    "payment_notifications",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("gateway", String(20), nullable=False),
    Column("outcome", String(20), nullable=False),  # applied | duplicate | rejected | invalid
    Column("reason", String(300), nullable=True),
    Column("payment_id", IdColumnType(), nullable=True),
    Column("body_excerpt", Text, nullable=True),
    Column("received_at", UTCDateTime, nullable=False),
    Index("ix_payment_notifications_payment_id", "payment_id"),
)

wallet_accounts = Table(
    "wallet_accounts",
    metadata,
    # The account holder: a buyer (usr_...) or a B2B company (cmp_...), whose purchase
    # orders draw on the company's wallet and credit line.
    Column("user_id", IdColumnType(), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("balance_minor", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("balance_minor >= 0", name="balance_non_negative"),
)

wallet_entries = Table(
    "wallet_entries",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("user_id", IdColumnType(), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),  # + credit, - debit
    Column("balance_after_minor", BigInteger, nullable=False),
    Column("kind", String(20), nullable=False),  # top_up | payment | refund | adjustment
    Column("reference", String(120), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # A payment debits, and a refund credits, a wallet once.
    UniqueConstraint("kind", "reference", name="uq_wallet_entries_kind_reference"),
    Index("ix_wallet_entries_user_id_id", "user_id", "id"),
)

credit_accounts = Table(
    "credit_accounts",
    metadata,
    Column("buyer_id", IdColumnType(), primary_key=True),  # a buyer or a company
    Column("currency", String(3), primary_key=True),
    Column("limit_minor", BigInteger, nullable=False),
    Column("used_minor", BigInteger, nullable=False),
    Column("terms_days", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("used_minor >= 0 AND used_minor <= limit_minor", name="within_limit"),
    CheckConstraint("terms_days BETWEEN 1 AND 365", name="terms_days"),
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("payment_id", IdColumnType(), ForeignKey("payments.id"), nullable=False, unique=True),
    Column("buyer_id", IdColumnType(), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("credited_minor", BigInteger, nullable=False),  # refunds against it
    Column("status", String(20), nullable=False),  # open | paid | void
    Column("due_at", UTCDateTime, nullable=False),
    Column("paid_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("status IN ('open','paid','void')", name="status"),
    Index("ix_invoices_buyer_id_status", "buyer_id", "status"),
)

# Refunds credited against an invoice: once per refund id.
invoice_credits = Table(
    "invoice_credits",
    metadata,
    Column("refund_id", IdColumnType(), primary_key=True),
    Column("invoice_id", IdColumnType(), ForeignKey("invoices.id"), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("payment_id", IdColumnType(), ForeignKey("payments.id"), nullable=False),
    Column("order_id", IdColumnType(), ForeignKey("orders.id"), nullable=False),
    Column("merchant_id", IdColumnType(), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("commission_minor", BigInteger, nullable=False),  # the platform gives this back
    # pending (asked, or about to be) | succeeded | failed
    Column("status", String(20), nullable=False),
    Column("source", String(20), nullable=False),  # after_sales | auto | admin
    Column("reason", String(300), nullable=False),
    Column("lines", JSONType, nullable=False),  # [{line_id, quantity, amount_minor}]
    Column("restock", String(5), nullable=False),  # "true": put the goods back on hand
    Column("kind", String(20), nullable=False),  # refund_only | return_and_refund
    Column("note", String(300), nullable=True),  # decision reason, return tracking
    Column("gateway_reference", String(100), nullable=True),
    Column("failure", String(300), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
    CheckConstraint(
        "status IN ('requested','awaiting_return','rejected','pending','succeeded','failed')",
        name="status",
    ),
    Index("ix_refunds_order_id", "order_id"),
    Index("ix_refunds_payment_id", "payment_id"),
    Index("ix_refunds_status_created_at", "status", "created_at"),
)
