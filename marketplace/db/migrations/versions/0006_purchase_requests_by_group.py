"""purchase requests by group: the budget consumer finds a purchase order's request from
the checkout group its order and invoice events name.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 23:26:20.736833
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("purchase_requests", schema=None) as batch_op:
        batch_op.create_index("ix_purchase_requests_group_id", ["group_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("purchase_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_requests_group_id")
