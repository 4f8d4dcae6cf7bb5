"""pricing settings of merchants: the policy (objective, guardrails) per merchant and the
pricing inputs (unit cost, bounds, competitor price) per SKU.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 02:44:53.392005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marketplace.db.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "merchant_pricing_policies",
        sa.Column("merchant_id", sa.String(length=40), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("objective", sa.String(length=10), nullable=False),
        sa.Column("max_step", sa.Numeric(precision=7, scale=4), nullable=True),
        sa.Column("margin_floor", sa.Numeric(precision=7, scale=4), nullable=True),
        sa.Column("competitor_tolerance", sa.Numeric(precision=7, scale=4), nullable=True),
        sa.Column("allow_outside_observed", sa.Boolean(), nullable=False),
        sa.Column("charm", sa.Boolean(), nullable=False),
        sa.Column("updated_at", marketplace.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint(
            "objective IN ('profit','revenue')", name=op.f("ck_merchant_pricing_policies_objective")
        ),
        sa.CheckConstraint(
            "competitor_tolerance IS NULL OR competitor_tolerance >= 0",
            name=op.f("ck_merchant_pricing_policies_competitor_tolerance"),
        ),
        sa.CheckConstraint(
            "margin_floor IS NULL OR margin_floor >= 0",
            name=op.f("ck_merchant_pricing_policies_margin_floor"),
        ),
        sa.CheckConstraint(
            "max_step IS NULL OR (max_step > 0 AND max_step <= 1)",
            name=op.f("ck_merchant_pricing_policies_max_step"),
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_merchant_pricing_policies_merchant_id_merchants"),
        ),
        sa.PrimaryKeyConstraint("merchant_id", name=op.f("pk_merchant_pricing_policies")),
    )
    op.create_table(
        "sku_pricing_inputs",
        sa.Column("sku_id", sa.String(length=40), nullable=False),
        sa.Column("merchant_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("unit_cost_minor", sa.BigInteger(), nullable=True),
        sa.Column("min_price_minor", sa.BigInteger(), nullable=True),
        sa.Column("max_price_minor", sa.BigInteger(), nullable=True),
        sa.Column("competitor_price_minor", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", marketplace.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint(
            "competitor_price_minor IS NULL OR competitor_price_minor > 0",
            name=op.f("ck_sku_pricing_inputs_competitor_price"),
        ),
        sa.CheckConstraint(
            "max_price_minor IS NULL OR max_price_minor > 0",
            name=op.f("ck_sku_pricing_inputs_max_price"),
        ),
        sa.CheckConstraint(
            "min_price_minor IS NULL OR max_price_minor IS NULL OR min_price_minor <= max_price_minor",
            name=op.f("ck_sku_pricing_inputs_price_bounds"),
        ),
        sa.CheckConstraint(
            "min_price_minor IS NULL OR min_price_minor > 0",
            name=op.f("ck_sku_pricing_inputs_min_price"),
        ),
        sa.CheckConstraint(
            "unit_cost_minor IS NULL OR unit_cost_minor >= 0",
            name=op.f("ck_sku_pricing_inputs_unit_cost"),
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_sku_pricing_inputs_merchant_id_merchants"),
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_sku_pricing_inputs_sku_id_skus")
        ),
        sa.PrimaryKeyConstraint("sku_id", name=op.f("pk_sku_pricing_inputs")),
    )
    with op.batch_alter_table("sku_pricing_inputs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sku_pricing_inputs_merchant_id"), ["merchant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sku_pricing_inputs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sku_pricing_inputs_merchant_id"))

    op.drop_table("sku_pricing_inputs")
    op.drop_table("merchant_pricing_policies")
