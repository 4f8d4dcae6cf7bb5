"""Tables of settlement: commission rules, the ledger, payouts and closed statements.

Money is stored as BIGINT minor units beside a currency column (ADR 0002). Ledger rows are
written once and never updated or deleted.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
)

from marketplace.db.metadata import metadata
from marketplace.db.types import BigIntPK, DecimalString, IdColumnType, UTCDateTime

ACCOUNT_LENGTH = 100
REFERENCE_LENGTH = 200

commission_rules = Table(
    "commission_rules",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("scope", String(20), nullable=False),  # platform | category | merchant
    Column("scope_id", IdColumnType(), nullable=True),  # the category or merchant
    Column("rate", DecimalString, nullable=False),  # exact text, 0..1, <= 4 decimals
    Column("is_active", Boolean, nullable=False),
    Column("effective_from", UTCDateTime, nullable=True),
    Column("effective_to", UTCDateTime, nullable=True),
    Column("note", String(500), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("archived_at", UTCDateTime, nullable=True),
    CheckConstraint("scope IN ('platform','category','merchant')", name="scope"),
    CheckConstraint(
        "(scope = 'platform' AND scope_id IS NULL)"
        " OR (scope <> 'platform' AND scope_id IS NOT NULL)",
        name="scope_target",
    ),
    Index("ix_commission_rules_scope_scope_id", "scope", "scope_id"),
)

# Floors and caps of a rule, one row per (kind, currency).
commission_rule_limits = Table(
    "commission_rule_limits",
    metadata,
    Column(
        "rule_id",
        IdColumnType(),
        ForeignKey("commission_rules.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("kind", String(10), nullable=False),  # floor | cap
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    PrimaryKeyConstraint("rule_id", "kind", "currency"),
    CheckConstraint("kind IN ('floor','cap')", name="kind"),
    CheckConstraint("amount_minor >= 0", name="amount_non_negative"),
)

# Every account that was ever posted to; the row a payout locks for its merchant.
ledger_accounts = Table(
    "ledger_accounts",
    metadata,
    Column("code", String(ACCOUNT_LENGTH), primary_key=True),
    Column("merchant_id", IdColumnType(), nullable=True, index=True),
    Column("created_at", UTCDateTime, nullable=False),
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("reference", String(REFERENCE_LENGTH), nullable=False),  # payment/refund/payout id
    Column("payment_id", String(REFERENCE_LENGTH), nullable=True),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("posted_at", UTCDateTime, nullable=False),
    Column("memo", String(500), nullable=True),
    # Posting the same capture, refund or payout twice writes nothing the second time.
    UniqueConstraint("kind", "reference"),
    CheckConstraint(
        "kind IN ('payment_captured','refund','payout','payout_reversal','invoice_settled')",
        name="kind",
    ),
    Index("ix_ledger_entries_payment_id_kind", "payment_id", "kind"),
    Index("ix_ledger_entries_posted_at", "posted_at"),
)

ledger_postings = Table(
    "ledger_postings",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("entry_id", IdColumnType(), ForeignKey("ledger_entries.id"), nullable=False),
    Column("account", String(ACCOUNT_LENGTH), ForeignKey("ledger_accounts.code"), nullable=False),
    Column("merchant_id", IdColumnType(), nullable=True),
    Column("order_id", IdColumnType(), nullable=True),
    Column("amount_minor", BigInteger, nullable=False),  # debit positive, credit negative
    Column("currency", String(3), nullable=False),
    CheckConstraint("amount_minor <> 0", name="amount_non_zero"),
    Index("ix_ledger_postings_account_currency", "account", "currency"),
    Index("ix_ledger_postings_merchant_id_currency", "merchant_id", "currency"),
    Index("ix_ledger_postings_entry_id", "entry_id"),
)

payouts = Table(
    "payouts",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(20), nullable=False),
    Column("memo", String(500), nullable=True),
    Column("external_reference", String(200), nullable=True),
    Column("failure_reason", String(500), nullable=True),
    Column("created_by", String(100), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("processing_at", UTCDateTime, nullable=True),
    Column("paid_at", UTCDateTime, nullable=True),
    Column("failed_at", UTCDateTime, nullable=True),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
    CheckConstraint("status IN ('pending','processing','paid','failed')", name="status"),
    Index("ix_payouts_merchant_id_id", "merchant_id", "id"),
    Index("ix_payouts_status_id", "status", "id"),
)

settlement_statements = Table(
    "settlement_statements",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("period_start", UTCDateTime, nullable=False),
    Column("period_end", UTCDateTime, nullable=False),
    Column("opening_minor", BigInteger, nullable=False),
    Column("gross_minor", BigInteger, nullable=False),
    Column("commission_minor", BigInteger, nullable=False),
    Column("refunds_minor", BigInteger, nullable=False),
    Column("commission_refunded_minor", BigInteger, nullable=False),
    Column("net_minor", BigInteger, nullable=False),
    Column("payouts_minor", BigInteger, nullable=False),
    Column("closing_minor", BigInteger, nullable=False),
    Column("closed_at", UTCDateTime, nullable=False),
    Column("closed_by", String(100), nullable=True),
    # Closing the same period twice finds the first statement.
    UniqueConstraint("merchant_id", "currency", "period_start", "period_end"),
    CheckConstraint("period_start < period_end", name="period_ordered"),
    Index("ix_settlement_statements_merchant_id_period_start", "merchant_id", "period_start"),
)

settlement_statement_lines = Table(
    "settlement_statement_lines",
    metadata,
    Column("statement_id", IdColumnType(), ForeignKey("settlement_statements.id"), nullable=False),
    Column("order_id", IdColumnType(), nullable=False),
    Column("gross_minor", BigInteger, nullable=False),
    Column("commission_minor", BigInteger, nullable=False),
    Column("refunds_minor", BigInteger, nullable=False),
    Column("commission_refunded_minor", BigInteger, nullable=False),
    Column("net_minor", BigInteger, nullable=False),
    PrimaryKeyConstraint("statement_id", "order_id"),
)
