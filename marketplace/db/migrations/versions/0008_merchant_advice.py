"""merchant advice: price suggestions (at most one pending per SKU and currency) and the
latest demand forecast per SKU.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 02:33:02.120071
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import marketplace.db.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "demand_forecasts",
        sa.Column("sku_id", sa.String(length=40), nullable=False),
        sa.Column("merchant_id", sa.String(length=40), nullable=False),
        sa.Column("generated_at", marketplace.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("model_name", sa.String(length=100), nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column(
            "mean",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "quantiles",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "backtest",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("updated_at", marketplace.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "horizon_days BETWEEN 1 AND 366", name=op.f("ck_demand_forecasts_horizon")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_demand_forecasts_merchant_id_merchants"),
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_demand_forecasts_sku_id_skus")
        ),
        sa.PrimaryKeyConstraint("sku_id", name=op.f("pk_demand_forecasts")),
    )
    with op.batch_alter_table("demand_forecasts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_demand_forecasts_merchant_id"), ["merchant_id"], unique=False
        )

    op.create_table(
        "price_suggestions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("merchant_id", sa.String(length=40), nullable=False),
        sa.Column("sku_id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("current_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("suggested_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("objective", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "expected_effects",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("elasticity", sa.Double(), nullable=False),
        sa.Column("elasticity_ci_low", sa.Double(), nullable=False),
        sa.Column("elasticity_ci_high", sa.Double(), nullable=False),
        sa.Column(
            "binding_guardrails",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("model_name", sa.String(length=100), nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("supersedes_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", marketplace.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", marketplace.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", marketplace.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)",
            name=op.f("ck_price_suggestions_decided_at"),
        ),
        sa.CheckConstraint(
            "(status IN ('accepted','rejected')) = (decided_by IS NOT NULL)",
            name=op.f("ck_price_suggestions_decided_by"),
        ),
        sa.CheckConstraint(
            "objective IN ('profit','revenue')", name=op.f("ck_price_suggestions_objective")
        ),
        sa.CheckConstraint(
            "status IN ('pending','accepted','rejected','superseded','expired')",
            name=op.f("ck_price_suggestions_status"),
        ),
        sa.CheckConstraint(
            "current_price_minor > 0 AND suggested_price_minor > 0",
            name=op.f("ck_price_suggestions_prices"),
        ),
        sa.CheckConstraint(
            "elasticity_ci_low <= elasticity AND elasticity <= elasticity_ci_high",
            name=op.f("ck_price_suggestions_elasticity"),
        ),
        sa.CheckConstraint("expires_at > created_at", name=op.f("ck_price_suggestions_expiry")),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_price_suggestions_merchant_id_merchants"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_price_suggestions_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_price_suggestions_sku_id_skus")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_suggestions")),
    )
    with op.batch_alter_table("price_suggestions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_price_suggestions_merchant_id_created_at_id",
            ["merchant_id", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_price_suggestions_merchant_id_status_created_at_id",
            ["merchant_id", "status", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_price_suggestions_status_expires_at", ["status", "expires_at"], unique=False
        )
        batch_op.create_index(
            "uq_price_suggestions_pending_per_sku_currency",
            ["sku_id", "currency"],
            unique=True,
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("price_suggestions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_price_suggestions_pending_per_sku_currency",
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        )
        batch_op.drop_index("ix_price_suggestions_status_expires_at")
        batch_op.drop_index("ix_price_suggestions_merchant_id_status_created_at_id")
        batch_op.drop_index("ix_price_suggestions_merchant_id_created_at_id")

    op.drop_table("price_suggestions")
    with op.batch_alter_table("demand_forecasts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demand_forecasts_merchant_id"))

    op.drop_table("demand_forecasts")
