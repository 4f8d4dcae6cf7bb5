"""products: index category pages newest first

ix_products_category_id_status becomes ix_products_category_id_status_created_at_id, so
that a public category page reads each category of the subtree newest first from the
index and stops at the page size (marketplace/catalog/queries/listing.py). Its first two
columns serve every lookup the old index served.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_products_category_id_status_created_at_id",
        "products",
        ["category_id", "status", "created_at", "id"],
        unique=False,
    )
    op.drop_index("ix_products_category_id_status", table_name="products")


def downgrade() -> None:
    op.create_index(
        "ix_products_category_id_status", "products", ["category_id", "status"], unique=False
    )
    op.drop_index("ix_products_category_id_status_created_at_id", table_name="products")
